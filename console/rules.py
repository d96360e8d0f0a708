"""`vigil check rules`: promtool's check, with PromQL validated by our parser."""

from __future__ import annotations

from collections.abc import Sequence

from alerts.rule_loop import expression_error
from alerts.rulefile import check_rule_files
from store.configfile import Problem


def check_rules(paths: Sequence[str]) -> list[Problem]:
    return check_rule_files(paths, expression_error)
