"""PromQL for Vigil: parsing (and, elsewhere in the package, evaluation)."""

from promql.errors import ParseError, PromQLError
from promql.parser import parse_expr, parse_metric_selector

__all__ = ["ParseError", "PromQLError", "parse_expr", "parse_metric_selector"]
