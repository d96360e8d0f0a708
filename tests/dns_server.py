"""A small real DNS server on 127.0.0.1 (UDP and TCP) answering fixed records (dnspython)."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dns.message
import dns.rcode
import dns.rrset
import dns.zone

ZONE = """
$ORIGIN example.test.
@        3600 IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@        3600 IN NS  ns.example.test.
@        3600 IN MX  10 mail.example.test.
@        3600 IN TXT "v=spf1 -all"
ns       3600 IN A   127.0.0.53
api      60   IN A   10.0.0.1
api      60   IN A   10.0.0.2
api      60   IN AAAA 2001:db8::1
www      60   IN CNAME api.example.test.
"""


def answer(zone: dns.zone.Zone, wire: bytes) -> bytes:
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    question = query.question[0]
    try:
        node = zone.get_node(question.name)
    except KeyError:  # a name outside the zone
        node = None
    if node is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    rdataset = node.get_rdataset(question.rdclass, question.rdtype)
    if rdataset is not None:
        response.answer.append(
            dns.rrset.from_rdata_list(question.name, rdataset.ttl, list(rdataset))
        )
    return response.to_wire()


@contextmanager
def dns_server() -> Iterator[str]:
    """``127.0.0.1:port`` of a nameserver for ``example.test``, UDP and TCP on the same port."""
    zone = dns.zone.from_text(ZONE, origin="example.test.", relativize=False)

    class Udp(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            sock.sendto(answer(zone, data), self.client_address)

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            length = int.from_bytes(sock.recv(2), "big")
            reply = answer(zone, sock.recv(length))
            sock.sendall(len(reply).to_bytes(2, "big") + reply)

    udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Udp)
    port = udp.server_address[1]
    tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), Tcp)
    servers: list[Any] = [udp, tcp]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
