"""file_sd: parsing target group files and noticing when they change."""

from __future__ import annotations

import pytest

from collectors.config import FileSDConfig, ScrapeConfig
from collectors.discovery import FileDiscovery, parse_target_groups
from collectors.targets import TargetGroup, targets_from_config
from store.configfile import ConfigError

JSON = '[{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": ["c:3"]}]'
YAML = "- targets: [a:1]\n  labels:\n    env: '${NOT_AN_ENV_VAR}'\n"


def test_json_and_yaml_groups_get_their_file_path() -> None:
    first, second = parse_target_groups(JSON, "json", "/sd/a.json")
    assert first == TargetGroup(
        ("a:1", "b:2"), (("__meta_filepath", "/sd/a.json"), ("env", "prod")), "/sd/a.json:0"
    )
    assert second.targets == ("c:3",) and second.source == "/sd/a.json:1"
    (group,) = parse_target_groups(YAML, "yaml", "/sd/b.yml")
    assert dict(group.labels)["env"] == "${NOT_AN_ENV_VAR}"  # SD files are not templated


@pytest.mark.parametrize(
    ("text", "format", "message"),
    [
        ('[{"targets": ["a:1"],\n "lables": {}}]', "json", "/sd/f:  [0].lables: unknown key"),
        ("[{\n", "json", "/sd/f:2: invalid JSON"),
        ("- targets: [a:1]\n- targets: [b:2]\n  labels: {bad-name: x}\n", "yaml",
         '/sd/f:3: [1].labels: "bad-name" is not a valid label name'),
        ("- targets: [a:1]\n  extra: 1\n", "yaml", "/sd/f:2: [0].extra: unknown key"),
        ('{"targets": []}', "json", "must be a list of target groups"),
    ],
)  # fmt: skip
def test_errors_name_the_file_and_for_yaml_the_line(text: str, format: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_target_groups(text, format, "/sd/f")  # type: ignore[arg-type]
    assert message.replace("  ", " ") in str(caught.value).replace("  ", " ")


class FakeFiles:
    def __init__(self) -> None:
        self.files: dict[str, tuple[str, int]] = {}
        self.reads = 0

    def write(self, path: str, text: str) -> None:
        version = self.files.get(path, ("", 0))[1] + 1
        self.files[path] = (text, version)

    def glob(self, pattern: str) -> list[str]:
        prefix = pattern.split("*")[0]
        return sorted(p for p in self.files if p.startswith(prefix) and p.endswith(".json"))

    def stamp(self, path: str) -> tuple[int, int]:
        if path not in self.files:
            raise FileNotFoundError(2, "No such file or directory")
        text, version = self.files[path]
        return version, len(text)

    def read_text(self, path: str) -> str:
        self.reads += 1
        return self.files[path][0]


def test_files_are_reread_only_when_they_change_or_the_refresh_interval_passes() -> None:
    files, now = FakeFiles(), [0.0]
    files.write("/sd/a.json", '[{"targets": ["a:1"]}]')
    discovery = FileDiscovery(
        FileSDConfig(files=["/sd/*.json"], refresh_interval=300),
        filesystem=files,
        clock=lambda: now[0],
    )
    assert discovery.poll() is True
    assert [g.targets for g in discovery.groups()] == [("a:1",)]
    now[0] = 10.0
    assert discovery.poll() is False and files.reads == 1
    files.write("/sd/a.json", '[{"targets": ["a:1", "a:2"]}]')
    files.write("/sd/b.json", '[{"targets": ["b:1"]}]')
    assert discovery.poll() is True
    assert [g.targets for g in discovery.groups()] == [("a:1", "a:2"), ("b:1",)]
    now[0] = 400.0
    discovery.poll()
    assert files.reads == 5  # both files again after refresh_interval
    del files.files["/sd/b.json"]
    assert discovery.poll() is True
    assert [g.targets for g in discovery.groups()] == [("a:1", "a:2")]


def test_a_bad_file_keeps_its_last_good_targets_and_records_the_error() -> None:
    files = FakeFiles()
    files.write("/sd/a.json", '[{"targets": ["a:1"]}]')
    discovery = FileDiscovery(FileSDConfig(files=["/sd/*.json"]), filesystem=files)
    discovery.poll()
    files.write("/sd/a.json", '[{"targets": ["a:1"]')
    assert discovery.poll() is False
    assert [g.targets for g in discovery.groups()] == [("a:1",)]
    assert "/sd/a.json:1: invalid JSON" in discovery.errors["/sd/a.json"]
    files.write("/sd/a.json", '[{"targets": ["a:9"]}]')
    assert discovery.poll() is True
    assert discovery.errors == {}


def test_file_sd_config_is_validated_like_prometheus() -> None:
    with pytest.raises(ValueError, match="must contain at least one path name"):
        FileSDConfig(files=[])
    with pytest.raises(ValueError, match=r'path name "sd/\*/a\.json" is not valid'):
        FileSDConfig(files=["sd/*/a.json"])
    assert FileSDConfig(files=["sd/*.yml"]).refresh_interval == 300


def test_discovered_groups_merge_with_static_ones_and_relabel_on_meta_labels() -> None:
    config = ScrapeConfig.model_validate(
        {
            "job_name": "j",
            "static_configs": [{"targets": ["s:1"]}],
            "relabel_configs": [
                {"source_labels": ["__meta_filepath"], "regex": ".*/(.*)\\.json",
                 "target_label": "from_file"},
            ],
        }
    )  # fmt: skip
    groups = parse_target_groups(JSON, "json", "/sd/team.json")
    targets = targets_from_config(config, 15.0, 10.0, discovered=groups)
    assert [(t.instance, dict(t.labels).get("from_file")) for t in targets] == [
        ("s:1", None),
        ("a:1", "team"),
        ("b:2", "team"),
        ("c:3", "team"),
    ]
