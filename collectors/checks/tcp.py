"""The ``tcp`` check: success when a TCP connection opens within the timeout."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

from collectors.checks.base import CheckOptions, ProbeResult, probe_metrics, split_host_port
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class TcpOptions(CheckOptions):
    """No options yet; TLS and send/expect steps would go here."""


class TcpCheck:
    options = TcpOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, "tcp")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        host, port = split_host_port(config.target, "tcp")
        start = self._clock()
        try:
            with socket.create_connection((host, port), timeout=config.timeout) as sock:
                family = sock.family
        except TimeoutError:
            duration = self._clock() - start
            return ProbeResult(
                False,
                duration,
                probe_metrics(False, duration),
                f"connect to {config.target}: timeout after {config.timeout:g}s",
            )
        except OSError as error:
            duration = self._clock() - start
            reason = error.strerror or str(error)
            return ProbeResult(
                False,
                duration,
                probe_metrics(False, duration),
                f"connect to {config.target}: {reason}",
            )
        duration = self._clock() - start
        protocol = 6.0 if family == socket.AF_INET6 else 4.0
        return ProbeResult(
            True, duration, probe_metrics(True, duration, probe_ip_protocol=protocol)
        )
