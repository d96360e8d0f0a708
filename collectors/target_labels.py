"""Attaching a target's labels to the series it exposes, as Prometheus does.

With ``honor_labels: false`` the target's labels win and an exposed label
they collide with is kept as ``exported_<name>``; with ``true`` the exposed
labels win. Runs once per new series (the parser caches the result).
"""

from __future__ import annotations

from collectors.exposition import LabelTransform
from promql.labels import Labels


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
