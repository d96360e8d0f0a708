"""Label a scraped series as Prometheus does: target labels, metric relabelling, limits.

With ``honor_labels: false`` the target's labels win and an exposed label
they collide with is kept as ``exported_<name>``; with ``true`` the exposed
labels win. ``metric_relabel_configs`` then run; a series they drop becomes
the empty label set ``DROPPED``. Runs once per new series (the parser caches
the result by series text), so a steady target pays for none of this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from collectors.exposition import LabelTransform
from collectors.relabel import RelabelConfig, is_label_name, relabel
from collectors.targets import ScrapeLimits
from promql.labels import METRIC_NAME, Labels
from promql.lexer import go_quote

DROPPED: Labels = ()
"""What the transform returns for a series that metric relabelling dropped."""
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


class SeriesRejected(ValueError):
    """A series that fails the whole scrape (a label limit, or relabelling broke it)."""


def attach_target_labels(target_labels: Labels, honor_labels: bool) -> LabelTransform:
    target = dict(target_labels)

    def honoring(labels: Labels) -> Labels:
        merged = dict(target)
        merged.update(labels)
        return tuple(sorted(merged.items()))

    def overriding(labels: Labels) -> Labels:
        merged = dict(labels)
        conflicts = [(name, merged[name]) for name in target if name in merged]
        merged.update(target)
        for name, value in sorted(conflicts, key=lambda pair: len(pair[0])):
            exported = "exported_" + name
            while exported in merged:
                exported = "exported_" + exported
            merged[exported] = value
        return tuple(sorted(merged.items()))

    return honoring if honor_labels else overriding


def sample_labeller(
    target_labels: Labels,
    honor_labels: bool,
    metric_relabel_configs: Sequence[RelabelConfig] = (),
    limits: ScrapeLimits | None = None,
) -> LabelTransform:
    """The whole per-series transform; raises SeriesRejected, returns DROPPED."""
    attach = attach_target_labels(target_labels, honor_labels)
    configs = tuple(metric_relabel_configs)
    checks_limits = limits is not None and limits != ScrapeLimits()
    if not configs and not checks_limits:
        return attach

    def labeller(labels: Labels) -> Labels:
        labelled = attach(labels)
        if configs:
            relabelled = relabel(labelled, configs)
            if not relabelled:
                return DROPPED
            check_relabelled(relabelled)
            labelled = relabelled
        if checks_limits:
            assert limits is not None
            check_label_limits(labelled, limits)
        return labelled

    return labeller


def check_relabelled(labels: Labels) -> None:
    """What Prometheus checks after metric relabelling, which may rename anything."""
    names = dict(labels)
    if METRIC_NAME not in names:
        raise SeriesRejected(f"missing metric name ({METRIC_NAME} label)")
    if _METRIC_NAME.fullmatch(names[METRIC_NAME]) is None or not all(
        is_label_name(name) for name in names
    ):
        raise SeriesRejected(f"invalid metric name or label names: {_format(labels)}")


def check_label_limits(labels: Labels, limits: ScrapeLimits) -> None:
    """Prometheus's verifyLabelLimits, with its messages (lengths in bytes, as in Go)."""
    metric = dict(labels).get(METRIC_NAME, "")[:50]
    if limits.label_limit and len(labels) > limits.label_limit:
        raise SeriesRejected(
            f"label_limit exceeded (metric: {metric}, number of labels: {len(labels)}, "
            f"limit: {limits.label_limit})"
        )
    name_limit, value_limit = limits.label_name_length_limit, limits.label_value_length_limit
    for name, value in labels:
        if name_limit and len(name.encode()) > name_limit:
            raise SeriesRejected(
                f"label_name_length_limit exceeded (metric: {metric}, label name: {name[:50]}, "
                f"length: {len(name.encode())}, limit: {name_limit})"
            )
        if value_limit and len(value.encode()) > value_limit:
            raise SeriesRejected(
                f"label_value_length_limit exceeded (metric: {metric}, label name: {name[:50]}, "
                f"value: {go_quote(value[:50])}, length: {len(value.encode())}, "
                f"limit: {value_limit})"
            )


def _format(labels: Labels) -> str:
    return "{" + ", ".join(f"{name}={go_quote(value)}" for name, value in labels) + "}"
