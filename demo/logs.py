"""Sampled JSON-lines request logs for the simulated services.

The simulation hands over whole batches (arrays); only a handful of requests per
service and step become log records, so logging cost stays flat as traffic grows.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from demo.state import FloatArray, IntArray
from demo.traffic import format_trace_id

LogRecord = dict[str, object]

_STATUS_MESSAGES: dict[int, str] = {
    400: "rejected invalid request",
    404: "resource not found",
    500: "unhandled exception while handling request",
    502: "upstream call failed",
    503: "service unavailable",
    504: "upstream call timed out",
}

_EXCEPTIONS: dict[int, str] = {
    500: "RuntimeError: invariant violated while processing request",
    502: "UpstreamError: upstream returned 5xx",
    503: "ConnectionRefusedError: [Errno 111] Connection refused",
    504: "TimeoutError: upstream did not answer within the deadline",
}


def rfc3339(ts: float) -> str:
    """UTC RFC 3339 timestamp with millisecond precision."""
    ms = round(ts * 1000.0)
    secs, milli = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{milli:03d}Z"


def _stack(service: str, status: int, route: str) -> str:
    """A plausible Python traceback, so log viewers get multi-line content."""
    module = service.replace("-", "_")
    return (
        "Traceback (most recent call last):\n"
        f'  File "/app/{module}/server.py", line 212, in dispatch\n'
        "    response = handler(request)\n"
        f'  File "/app/{module}/handlers.py", line 87, in handle\n'
        f"    result = self.backend.execute({route!r}, request.payload)\n"
        f'  File "/app/{module}/backend.py", line 143, in execute\n'
        "    raise self.error_for(reply)\n"
        f"{_EXCEPTIONS.get(status, 'Exception: request failed')}"
    )


@dataclass
class LogBuffer:
    """Collects sampled log records per service until the writer drains them.

    ``info_per_second`` bounds sampled successes; errors are all kept up to
    ``errors_per_second``, beyond which a single "suppressed" line is emitted.
    """

    rng: random.Random
    step: float = 1.0
    info_per_second: float = 5.0
    errors_per_second: float = 40.0
    records: dict[str, list[LogRecord]] = field(default_factory=dict)
    _info_left: dict[str, int] = field(default_factory=dict)
    _errors_left: dict[str, int] = field(default_factory=dict)
    _suppressed: dict[str, int] = field(default_factory=dict)

    def new_step(self, t: float) -> None:
        """Reset per-step budgets, reporting errors dropped in the last step."""
        for service, dropped in self._suppressed.items():
            if dropped:
                self.event(service, t, "ERROR", f"suppressed {dropped} similar error log lines")
        self._suppressed = {}
        self._info_left = {}
        self._errors_left = {}

    def requests(
        self,
        service: str,
        method: str,
        route: str,
        starts: FloatArray,
        latency: FloatArray,
        status: IntArray,
        traces: IntArray,
        cause: IntArray,
        peers: tuple[str, ...],
        slow_after: float,
    ) -> None:
        """Sample one served batch into log records."""
        n = status.size
        if n == 0:
            return
        chosen: list[int] = []
        if int(status.max()) >= 500:
            errors = np.flatnonzero(status >= 500).tolist()
            budget = self._errors_left.setdefault(
                service, int(self.errors_per_second * self.step))
            chosen = errors[:budget]
            self._errors_left[service] = budget - len(chosen)
            dropped = len(errors) - len(chosen)
            self._suppressed[service] = self._suppressed.get(service, 0) + dropped
        budget = self._info_left.setdefault(service, int(self.info_per_second * self.step))
        if budget > 0 and self.rng.random() < 0.6:
            i = self.rng.randrange(n)
            if status[i] < 500:
                chosen.append(i)
                self._info_left[service] = budget - 1
        for i in chosen:
            self._one(service, method, route, float(starts[i]), float(latency[i]),
                      int(status[i]), int(traces[i]), int(cause[i]), peers, slow_after)

    def _one(self, service: str, method: str, route: str, start: float, lat: float,
             status: int, trace: int, cause: int, peers: tuple[str, ...],
             slow_after: float) -> None:
        level = "ERROR" if status >= 500 else "WARNING" if lat > slow_after else "INFO"
        msg = _STATUS_MESSAGES.get(status, "request completed")
        if level == "WARNING":
            msg = "slow request"
        rec: LogRecord = {
            "ts": rfc3339(start + lat), "service": service, "level": level,
            "logger": f"{service}.http", "msg": msg, "trace_id": format_trace_id(trace),
            "method": method, "route": route, "status": status,
            "duration_ms": round(lat * 1000.0, 3),
        }
        if cause >= 0 and status in (502, 504):
            rec["upstream"] = peers[cause]
            rec["msg"] = f"{msg}: {peers[cause]}"
        if status >= 500 and self.rng.random() < 0.3:
            rec["exc_info"] = _stack(service, status, route)
        self.records.setdefault(service, []).append(rec)

    def event(self, service: str, t: float, level: str, msg: str, **fields: object) -> None:
        """A non-request log line (pool exhaustion, backlog, start-up...)."""
        rec: LogRecord = {"ts": rfc3339(t), "service": service, "level": level,
                          "logger": f"{service}.runtime", "msg": msg}
        rec.update(fields)
        self.records.setdefault(service, []).append(rec)

    def drain(self) -> dict[str, list[LogRecord]]:
        """Hand over and forget the buffered records."""
        out, self.records = self.records, {}
        return out


class LogWriter:
    """Appends records to ``<log_dir>/<service>.log``, one JSON object per line."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._closed = False

    def path(self, service: str) -> Path:
        return self.log_dir / f"{service}.log"

    def touch(self, services: list[str]) -> None:
        """Create every log file up front so tailers find them immediately."""
        for name in services:
            self._file(name)

    def _file(self, service: str) -> IO[str]:
        fh = self._files.get(service)
        if fh is None:
            fh = self._files[service] = self.path(service).open("a", encoding="utf-8")
        return fh

    def write(self, batches: dict[str, list[LogRecord]]) -> None:
        """Write each service's records in timestamp order and flush."""
        if self._closed:  # a straggling request after stop(): drop, don't reopen
            return
        for service, records in batches.items():
            if not records:
                continue
            records.sort(key=lambda r: str(r["ts"]))
            fh = self._file(service)
            fh.write("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
            fh.flush()

    def close(self) -> None:
        self._closed = True
        for fh in self._files.values():
            fh.close()
        self._files = {}
