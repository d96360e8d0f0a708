"""Peer labels name services in many spellings; all of them reach the same node."""

from __future__ import annotations

import pytest

from analysis.graph import resolve_peer

KNOWN = {"payments", "ledger-api"}


@pytest.mark.parametrize(
    ("peer", "service"),
    [
        ("payments", "payments"),
        ("payments:8080", "payments"),
        ("payments.prod.svc.cluster.local:8443", "payments"),
        ("http://ledger-api.internal/v1", "ledger-api"),
        ("api.stripe.com", "api.stripe.com"),
        ("10.0.0.7:5432", "10.0.0.7"),
    ],
)
def test_it_resolves_a_peer_to_a_known_service(peer: str, service: str) -> None:
    assert resolve_peer(peer, KNOWN) == service
