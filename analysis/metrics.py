"""A report as samples of ``vigil_bottleneck_score{<service label>=…}``, for alerting rules."""

from __future__ import annotations

from analysis.analyze import Report
from promql.labels import METRIC_NAME, Labels, make_labels

SCORE_METRIC = "vigil_bottleneck_score"


def score_samples(report: Report) -> list[tuple[Labels, int, float]]:
    """One sample per analysed service at the report's end, 0 for those nothing moved."""
    label = report.service_label or "service"
    t_ms = int(report.end * 1000)
    return [
        (make_labels({METRIC_NAME: SCORE_METRIC, label: suspect.service}), t_ms, suspect.score)
        for suspect in report.suspects
    ]
