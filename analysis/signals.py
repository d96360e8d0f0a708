"""Per-service and per-call time series over baseline and window, fetched by PromQL.

Every signal is a rate or a level on one time grid, so later stages work on
aligned NumPy arrays: request, error and latency-seconds rates per service
(server side), call, failure and waiting-seconds rates per (caller, callee)
(client side), latency quantiles, and the USE gauges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from analysis.detect import Detection, ResolvedRequests
from analysis.source import FloatArray, RangeQuery, duration_text

QUANTILES: tuple[tuple[str, float], ...] = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


@dataclass(frozen=True)
class Grid:
    """The evaluation steps: a baseline, then the window being analysed."""

    start: float
    window_start: float
    end: float
    step: float
    baseline_end: float | None = None
    """Steps after this and before ``window_start`` belong to neither (a gap)."""

    @property
    def times(self) -> FloatArray:
        count = int(np.floor((self.end - self.start) / self.step + 1e-9)) + 1
        return self.start + self.step * np.arange(count, dtype=np.float64)

    def gap(self, times: FloatArray) -> npt.NDArray[np.bool_]:
        if self.baseline_end is None:
            return np.zeros(times.size, bool)
        return (times > self.baseline_end) & (times < self.window_start)


@dataclass
class ServiceSeries:
    """Server-side rates of one service (per second) and its latency quantiles."""

    requests: FloatArray
    errors: FloatArray
    time_spent: FloatArray
    served: FloatArray
    quantiles: dict[str, FloatArray] = field(default_factory=dict)
    off_path: bool = False


@dataclass
class CallSeries:
    """Client-side view of calls from one service to one peer (per second)."""

    calls: FloatArray
    errors: FloatArray
    time_spent: FloatArray


@dataclass
class Signals:
    grid: Grid
    service_label: str
    services: dict[str, ServiceSeries]
    calls: dict[tuple[str, str], CallSeries]
    gauges: dict[str, dict[str, FloatArray]]
    """service -> kind (cpu, memory, pool, queue) -> level or utilisation."""


def add(a: FloatArray | None, b: FloatArray) -> FloatArray:
    """Sum two aligned series; a step is missing only where both are."""
    if a is None:
        return b
    both_missing = np.isnan(a) & np.isnan(b)
    return np.where(both_missing, np.nan, np.nan_to_num(a) + np.nan_to_num(b))


class _Fetcher:
    def __init__(self, query: RangeQuery, grid: Grid, rate_interval: float) -> None:
        self.query = query
        self.grid = grid
        self.range = duration_text(rate_interval)
        self.times = grid.times
        self.gap = grid.gap(self.times)

    def keyed(self, expression: str, keys: tuple[str, ...]) -> dict[tuple[str, ...], FloatArray]:
        grid = self.grid
        result = self.query(expression, grid.start, grid.end, grid.step)
        out: dict[tuple[str, ...], FloatArray] = {}
        for series in result.series:
            labels = dict(series.labels)
            key = tuple(labels.get(name, "") for name in keys)
            if "" in key:
                continue
            values = np.full(self.times.size, np.nan)
            stamps = np.asarray(series.timestamps, dtype=np.float64) / 1000.0
            index = np.rint((stamps - grid.start) / grid.step).astype(np.int64)
            keep = (index >= 0) & (index < values.size)
            values[index[keep]] = np.asarray(series.values, dtype=np.float64)[keep]
            values[self.gap] = np.nan
            out[key] = add(out.get(key), values)
        return out

    def by_service(self, expression: str, service: str) -> dict[str, FloatArray]:
        return {key[0]: values for key, values in self.keyed(expression, (service,)).items()}


def _zero_where_absent(errors: FloatArray, traffic: FloatArray) -> FloatArray:
    """No failure series yet while requests flow means no failures, not no data: a
    counter for status 503 is only born with the first 503."""
    return np.where(np.isnan(errors) & np.isfinite(traffic), 0.0, errors)


def _status_selector(side: ResolvedRequests) -> str | None:
    if side.status_label is None:
        return None
    return f'{side.status_label}=~"{side.metrics.error_pattern}"'


Keyed = dict[tuple[str, ...], FloatArray]


def _rates(
    fetch: _Fetcher, side: ResolvedRequests, keys: tuple[str, ...]
) -> tuple[Keyed, Keyed, Keyed, Keyed]:
    """(requests, failures, latency-seconds, observations) per second, by ``keys``."""
    r, duration, by = fetch.range, side.metrics.duration, ", ".join(keys)
    requests = fetch.keyed(f"sum by ({by}) (rate({side.requests_metric}[{r}]))", keys)
    status = _status_selector(side)
    errors = (
        fetch.keyed(f"sum by ({by}) (rate({side.requests_metric}{{{status}}}[{r}]))", keys)
        if status
        else {}
    )
    spent = fetch.keyed(f"sum by ({by}) (rate({duration}_sum[{r}]))", keys)
    served = fetch.keyed(f"sum by ({by}) (rate({duration}_count[{r}]))", keys)
    return requests, errors, spent, served


def _server(fetch: _Fetcher, side: ResolvedRequests, label: str) -> dict[str, ServiceSeries]:
    requests, errors, spent, served = _rates(fetch, side, (label,))
    r, duration = fetch.range, side.metrics.duration
    quantiles = {
        name: fetch.by_service(
            f"histogram_quantile({q}, sum by ({label}, le) (rate({duration}_bucket[{r}])))", label
        )
        for name, q in QUANTILES
    }
    zero = np.zeros(fetch.times.size)
    out: dict[str, ServiceSeries] = {}
    for key, count in served.items():
        service = key[0]
        out[service] = ServiceSeries(
            requests=requests.get(key, count),
            errors=_zero_where_absent(errors.get(key, zero), count),
            time_spent=spent.get(key, zero),
            served=count,
            quantiles={name: got.get(service, zero * np.nan) for name, got in quantiles.items()},
            off_path=side.metrics.off_path,
        )
    return out


def _client(
    fetch: _Fetcher, side: ResolvedRequests, label: str
) -> dict[tuple[str, str], CallSeries]:
    assert side.peer_label is not None
    _, errors, spent, calls = _rates(fetch, side, (label, side.peer_label))
    zero = np.zeros(fetch.times.size)
    return {
        (key[0], key[1]): CallSeries(
            calls=values,
            errors=_zero_where_absent(errors.get(key, zero), values),
            time_spent=spent.get(key, zero),
        )
        for key, values in calls.items()
    }


def _gauges(fetch: _Fetcher, detection: Detection, label: str) -> dict[str, dict[str, FloatArray]]:
    out: dict[str, dict[str, FloatArray]] = {}
    for gauge in detection.gauges:
        selector = f"{gauge.metric}{{{gauge.selector}}}"
        level = f"rate({selector}[{fetch.range}])" if gauge.counter else selector
        expression = f"sum by ({label}) ({level})"
        if gauge.capacity:
            expression += f" / sum by ({label}) ({gauge.capacity})"
        for service, values in fetch.by_service(expression, label).items():
            kinds = out.setdefault(service, {})
            kinds[gauge.kind] = add(kinds.get(gauge.kind), values)
    return out


def fetch_signals(
    query: RangeQuery, detection: Detection, grid: Grid, rate_interval: float
) -> Signals:
    label = detection.service_label or "service"
    fetch = _Fetcher(query, grid, rate_interval)
    services: dict[str, ServiceSeries] = {}
    for side in detection.server:
        for service, series in _server(fetch, side, label).items():
            known = services.get(service)
            services[service] = series if known is None else _merge(known, series)
    calls: dict[tuple[str, str], CallSeries] = {}
    for side in detection.client:
        for key, call in _client(fetch, side, label).items():
            known_call = calls.get(key)
            calls[key] = (
                call
                if known_call is None
                else CallSeries(
                    add(known_call.calls, call.calls),
                    add(known_call.errors, call.errors),
                    add(known_call.time_spent, call.time_spent),
                )
            )
    return Signals(grid, label, services, calls, _gauges(fetch, detection, label))


def _merge(a: ServiceSeries, b: ServiceSeries) -> ServiceSeries:
    """A service with both request and job metrics: one budget, on the path if either is."""
    return ServiceSeries(
        requests=add(a.requests, b.requests),
        errors=add(a.errors, b.errors),
        time_spent=add(a.time_spent, b.time_spent),
        served=add(a.served, b.served),
        quantiles=a.quantiles if not a.off_path else b.quantiles,
        off_path=a.off_path and b.off_path,
    )
