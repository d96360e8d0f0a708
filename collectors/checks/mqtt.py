"""The ``mqtt`` check: connect with paho-mqtt and wait for the broker's CONNACK."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from collectors.checks.base import HostPortCheck, LoginOptions, ProbeFailure

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt

    from collectors.config import HealthCheckConfig


class MqttOptions(LoginOptions):
    client_id: str = ""
    """Empty: the broker assigns one (a clean session)."""


class MqttCheck(HostPortCheck):
    kind = "mqtt"
    options = MqttOptions

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        options = config.options
        assert isinstance(options, MqttOptions)
        # Imported here, not at the top: the agent starts without loading every client library.
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

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
