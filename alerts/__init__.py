"""Alerting: rule files, the alert state machine, routing and webhook delivery.

Layered like Prometheus plus Alertmanager in one process: ``rulefile`` loads
rules, ``alerting`` decides alert states (pure), ``state`` persists them,
``dispatch`` groups alerts into outbox rows and ``outbox`` delivers them.
"""

from __future__ import annotations


class AlertsError(Exception):
    """Base of every error raised by the alerts package."""
