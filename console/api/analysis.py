"""``GET /api/v1/analysis/bottlenecks``: the ranked bottleneck suspects and the call graph."""

from __future__ import annotations

from flask import Blueprint, Response

from analysis.analyze import Report, analyze
from analysis.serialize import report_json
from console.api.envelope import ApiError, bad_data, success
from console.api.params import param, time_param
from console.auth import Role, requires
from console.context import current
from promql.errors import PromQLError
from promql.values import Matrix
from store.datasources import LOCAL_DATASOURCE

blueprint = Blueprint("analysis_api", __name__, url_prefix="/api/v1/analysis")
DEFAULT_WINDOW_SECONDS = 900.0


def bottleneck_report() -> Report:
    """The analysis the request's parameters ask for (start, end, baseline_*, datasource)."""
    context = current()
    end = time_param("end", context.clock())
    start = time_param("start", end - DEFAULT_WINDOW_SECONDS)
    if end <= start:
        raise bad_data('invalid parameter "end": end timestamp must be after start time')
    baseline_end = time_param("baseline_end", start)
    baseline_start = time_param("baseline_start", baseline_end - (end - start))
    name = param("datasource") or LOCAL_DATASOURCE
    datasource = context.datasources.get(name)
    if datasource is None:
        raise bad_data(f'invalid parameter "datasource": unknown datasource "{name}"')

    def query(expression: str, q_start: float, q_end: float, step: float) -> Matrix:
        return datasource.range_query(expression, q_start, q_end, step)

    try:
        return analyze(
            query,
            context.loaded.config.analysis,
            start,
            end,
            baseline_start=baseline_start,
            baseline_end=baseline_end,
        )
    except ValueError as error:
        raise bad_data(f'invalid parameter "baseline_start": {error}') from None
    except PromQLError as error:
        raise ApiError("execution", str(error)) from None


@blueprint.route("/bottlenecks", methods=["GET"])
@requires(Role.VIEWER)
def bottlenecks() -> Response:
    return success(report_json(bottleneck_report()))
