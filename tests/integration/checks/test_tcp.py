"""The tcp check against a real listener and a closed port."""

from __future__ import annotations

from collectors.checks.tcp import TcpCheck
from tests.integration.checks.support import check, closed_port, silent_listener


def test_tcp_open_and_closed_port() -> None:
    with silent_listener() as address:
        opened = TcpCheck().run(check(type="tcp", target=address), 0.0)
    assert opened.success and opened.metrics["probe_ip_protocol"] == 4.0
    closed = TcpCheck().run(check(type="tcp", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not closed.success
    assert closed.error is not None and "refused" in closed.error.lower()
