"""The ``mqtt`` check: connect with paho-mqtt and wait for the broker's CONNACK."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from collectors.checks.base import (
    LoginOptions,
    ProbeFailure,
    ProbeResult,
    split_host_port,
    timed_probe,
)
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class MqttOptions(LoginOptions):
    client_id: str = ""
    """Empty: the broker assigns one (a clean session)."""


class MqttCheck:
    options = MqttOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, "mqtt")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, MqttOptions)
        host, port = split_host_port(config.target, "mqtt")

        def attempt() -> dict[str, float]:
            deadline = self._clock() + config.timeout
            answered = threading.Event()
            reasons: list[str] = []

            def on_connect(
                client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
            ) -> None:
                reasons.append("" if not reason.is_failure else str(reason))
                answered.set()

            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=options.client_id)
            client.connect_timeout = config.timeout
            client.on_connect = on_connect
            if options.username:
                client.username_pw_set(options.username, options.password_text)
            client.connect(host, port, keepalive=max(5, int(config.timeout) + 1))
            try:
                while not answered.is_set():
                    remaining = deadline - self._clock()
                    if remaining <= 0:
                        raise ProbeFailure("timeout waiting for CONNACK")
                    code = client.loop(timeout=min(remaining, 0.1))
                    if code != mqtt.MQTT_ERR_SUCCESS and not answered.is_set():
                        raise ProbeFailure(f"no CONNACK: {mqtt.error_string(code)}")
            finally:
                client.disconnect()
            if reasons[0]:
                raise ProbeFailure(f"connection refused by the broker: {reasons[0]}")
            return {}

        return timed_probe(attempt, target=config.target, clock=self._clock)
