"""Prometheus relabelling: actions, template expansion and config validation."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.config import ScrapeConfig
from collectors.relabel import RelabelConfig, relabel
from store.configfile import ConfigError, read_yaml, validate_model


def rules(*configs: dict[str, Any]) -> list[RelabelConfig]:
    return [RelabelConfig.model_validate(config) for config in configs]


def apply(labels: dict[str, str], *configs: dict[str, Any]) -> dict[str, str] | None:
    result = relabel(labels, rules(*configs))
    return None if result is None else dict(result)


def test_replace_expands_numbered_groups_in_both_forms() -> None:
    out = apply(
        {"a": "foo", "b": "bar"},
        {
            "source_labels": ["a"],
            "regex": "f(.*)",
            "target_label": "d",
            "replacement": "ch${1}-ch$1",
        },
    )
    assert out == {"a": "foo", "b": "bar", "d": "choo-choo"}


def test_rules_apply_in_order_each_seeing_the_previous_result() -> None:
    out = apply(
        {"a": "foo", "b": "bar", "c": "baz"},
        {"source_labels": ["a", "b"], "regex": "f(.*);(.*)r", "target_label": "a",
         "replacement": "b${1}${2}m"},
        {"source_labels": ["c", "a"], "regex": "(b).*b(.*)ba(.*)", "target_label": "d",
         "replacement": "$1$2$2$3"},
    )  # fmt: skip
    assert out == {"a": "boobam", "b": "bar", "c": "baz", "d": "boooom"}


def test_regex_is_anchored_at_both_ends() -> None:
    assert apply({"a": "foo"}, {"source_labels": ["a"], "regex": "f|o", "action": "drop"}) == {
        "a": "foo"
    }
    assert apply({"a": "abc"}, {"source_labels": ["a"], "regex": "b", "target_label": "x"}) == {
        "a": "abc"
    }


def test_keep_and_drop() -> None:
    assert apply({"a": "foo"}, {"source_labels": ["a"], "regex": ".*o.*", "action": "drop"}) is None
    assert apply({"a": "foo"}, {"source_labels": ["a"], "regex": "no", "action": "keep"}) is None
    assert apply({"a": "foo"}, {"source_labels": ["a"], "regex": "f.*", "action": "keep"}) == {
        "a": "foo"
    }


def test_missing_source_labels_read_as_empty_and_join_with_the_separator() -> None:
    out = apply(
        {"a": "x"},
        {"source_labels": ["a", "missing", "a"], "separator": "/", "regex": "(.*)",
         "target_label": "joined"},
    )  # fmt: skip
    assert out == {"a": "x", "joined": "x//x"}


def test_an_empty_replacement_deletes_the_target_label() -> None:
    out = apply(
        {"a": "foo", "f": "baz"},
        {"source_labels": ["a"], "regex": "(f).*", "target_label": "$1", "replacement": "$2"},
    )
    assert out == {"a": "foo"}


def test_a_templated_target_that_is_no_label_name_is_skipped() -> None:
    out = apply(
        {"a": "1x"},
        {"source_labels": ["a"], "regex": "(.*)", "target_label": "${1}", "replacement": "v"},
    )
    assert out == {"a": "1x"}


def test_expansion_follows_go_regexp_expand() -> None:
    def expanded(replacement: str) -> str:
        out = apply(
            {"a": "foo-bar"},
            {"source_labels": ["a"], "regex": "(?P<first>[a-z]+)-(.*)", "target_label": "x",
             "replacement": replacement},
        )  # fmt: skip
        assert out is not None
        return out.get("x", "")

    assert expanded("${first}/$2") == "foo/bar"
    assert expanded("$$1") == "$1"
    assert expanded("$1x") == ""  # the group "1x" does not exist
    assert expanded("${1}x") == "foox"
    assert expanded("$9-$first") == "-foo"
    assert expanded("cost: $") == "cost: $"  # not a reference: kept as written


def test_hashmod_uses_the_last_8_bytes_of_md5_like_prometheus() -> None:
    config = {"source_labels": ["c"], "target_label": "d", "action": "hashmod", "modulus": 1000}
    assert apply({"c": "baz"}, config) == {"c": "baz", "d": "976"}
    assert apply({"c": "foo\nbar"}, config) == {"c": "foo\nbar", "d": "734"}


def test_labelmap_copies_matching_labels_under_the_expanded_name() -> None:
    out = apply(
        {"__meta_kubernetes_pod_label_app": "web", "__meta_other": "x", "keep": "k"},
        {"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(.+)"},
    )
    assert out == {
        "__meta_kubernetes_pod_label_app": "web",
        "__meta_other": "x",
        "keep": "k",
        "app": "web",
    }


def test_labeldrop_and_labelkeep_match_label_names() -> None:
    labels = {"a": "1", "b1": "2", "b2": "3"}
    assert apply(labels, {"action": "labeldrop", "regex": "b.*"}) == {"a": "1"}
    assert apply(labels, {"action": "labelkeep", "regex": "b.*"}) == {"b1": "2", "b2": "3"}


def test_lowercase_and_uppercase_write_the_joined_value() -> None:
    labels = {"a": "FoO", "b": "bAr"}
    assert apply(labels, {"source_labels": ["a", "b"], "action": "lowercase",
                          "target_label": "low"})["low"] == "foo;bar"  # type: ignore[index]  # fmt: skip
    assert apply(labels, {"source_labels": ["a"], "action": "UpperCase",
                          "target_label": "a"}) == {"a": "FOO", "b": "bAr"}  # fmt: skip


def test_keepequal_and_dropequal_compare_with_the_target_label() -> None:
    labels = {"a": "x", "b": "x", "c": "y"}
    keep = {"source_labels": ["a"], "target_label": "b", "action": "keepequal"}
    drop = {"source_labels": ["a"], "target_label": "b", "action": "dropequal"}
    assert apply(labels, keep) == labels
    assert apply(labels, drop) is None
    assert apply(labels, {**keep, "target_label": "c"}) is None
    assert apply(labels, {**drop, "target_label": "c"}) == labels


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"action": "hashmod", "target_label": "h"}, "hashmod requires non-zero modulus"),
        ({"source_labels": ["a"]}, "replace action requires 'target_label' value"),
        ({"target_label": "1bad"}, "\"1bad\" is invalid 'target_label' for replace action"),
        ({"target_label": "ok_$1"}, None),
        ({"action": "lowercase", "target_label": "x", "replacement": "y"},
         "'replacement' can not be set for lowercase action"),
        ({"action": "labelmap", "replacement": "a-b"},
         "\"a-b\" is invalid 'replacement' for labelmap action"),
        ({"action": "keepequal", "target_label": "x", "regex": "(.*)"},
         "keepequal action requires only 'source_labels' and `target_label`"),
        ({"action": "labeldrop", "regex": "x", "target_label": "y"},
         "labeldrop action requires only 'regex', and no other fields"),
        ({"action": "explode"}, 'unknown relabel action "explode"'),
        ({"source_labels": ["bad-name"], "target_label": "x"}, '"bad-name" is not a valid label'),
        ({"regex": "a(?=b)", "target_label": "x"}, "error parsing regexp"),
    ],
)  # fmt: skip
def test_configs_are_validated_like_prometheus(config: dict[str, Any], message: str | None) -> None:
    if message is None:
        RelabelConfig.model_validate(config)
        return
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("*", r"\*")):
        RelabelConfig.model_validate(config)


def test_a_bad_rule_in_vigil_yml_is_reported_at_its_line_and_key_path() -> None:
    text = (
        "job_name: j\n"
        "relabel_configs:\n"
        "  - source_labels: [a]\n"
        "    action: hashmod\n"
        "    target_label: h\n"
        "metric_relabel_configs:\n"
        "  - regex: '(unclosed'\n"
        "    action: labeldrop\n"
    )
    with pytest.raises(ConfigError) as caught:
        validate_model(read_yaml("vigil.yml", text=text), ScrapeConfig)
    assert [str(problem) for problem in caught.value.problems] == [
        "vigil.yml:3: relabel_configs[0]: relabel configuration for hashmod requires "
        "non-zero modulus",
        "vigil.yml:7: metric_relabel_configs[0].regex: error parsing regexp: "
        "missing closing ): `(unclosed`",
    ]
