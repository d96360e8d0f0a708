"""Health check types, looked up by the ``type:`` of a check in vigil.yml.

``CHECK_TYPES`` is the one registry: the YAML name, the module name and the key
are the same word. A new type is a module with an options model and a class
following ``CheckType``, plus one line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collectors.checks.base import CheckOptions, CheckType, ProbeResult
from collectors.checks.command import CommandCheck
from collectors.checks.dns import DnsCheck
from collectors.checks.http import HttpCheck
from collectors.checks.mqtt import MqttCheck
from collectors.checks.mysql import MysqlCheck
from collectors.checks.nats import NatsCheck
from collectors.checks.postgres import PostgresCheck
from collectors.checks.rabbitmq import RabbitmqCheck
from collectors.checks.redis import RedisCheck
from collectors.checks.tcp import TcpCheck
from collectors.checks.tls import TlsCheck

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig

__all__ = ["CHECK_TYPES", "CheckOptions", "CheckType", "ProbeResult", "run_check"]

CHECK_TYPES: dict[str, CheckType] = {
    "command": CommandCheck(),
    "dns": DnsCheck(),
    "http": HttpCheck(),
    "mqtt": MqttCheck(),
    "mysql": MysqlCheck(),
    "nats": NatsCheck(),
    "postgres": PostgresCheck(),
    "rabbitmq": RabbitmqCheck(),
    "redis": RedisCheck(),
    "tcp": TcpCheck(),
    "tls": TlsCheck(),
}
"""``command`` is registered but off by default: see ``collectors.checks.command``."""


def run_check(
    config: HealthCheckConfig, now: float, check_types: dict[str, CheckType] | None = None
) -> ProbeResult:
    """Probe once with the check's type.

    ``retries`` is not applied here: it counts failed probes in a row, one per
    interval, before the status changes (``store.checks.record_check``), so a
    lost packet never flips a service to down.
    """
    check = (CHECK_TYPES if check_types is None else check_types)[config.type]
    return check.run(config, now)
