"""Notifier types by their configuration name: ``webhook`` for ``webhook_configs``.

This registry is the one place a new integration (email, Slack...) is added:
the dispatcher finds a receiver's ``<name>_configs`` for each entry here.
"""

from __future__ import annotations

from alerts.notifiers.base import DeliveryResult, Notifier, Outgoing
from alerts.notifiers.webhook import WebhookNotifier

NOTIFIERS: dict[str, Notifier] = {
    "webhook": WebhookNotifier(),
}

__all__ = ["NOTIFIERS", "DeliveryResult", "Notifier", "Outgoing"]
