"""The ``dns`` check: one query to a nameserver, success when the answer is the expected one.

The target is the name to look up. Metrics follow blackbox_exporter's dns
prober: ``probe_dns_lookup_time_seconds`` and the record counts per section.
"""

from __future__ import annotations

import re
import socket
import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from collectors.checks.base import (
    CheckOptions,
    ProbeFailure,
    ProbeResult,
    split_host_port,
    timed_probe,
    valid_regex,
)
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig

RecordType = Literal["A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT", "CAA"]


class DnsOptions(CheckOptions):
    record_type: RecordType = "A"
    expected_answers: list[str] = Field(default_factory=list)
    """Each must be among the answers (compared without the trailing dot)."""
    answer_regex: str | None = None
    """At least one answer must match it."""
    nameserver: str | None = None
    """``host:port``; default: the first nameserver of /etc/resolv.conf, port 53."""
    transport: Literal["udp", "tcp"] = "udp"

    _compiles = field_validator("answer_regex")(valid_regex)

    @field_validator("nameserver")
    @classmethod
    def _host_port(cls, nameserver: str | None) -> str | None:
        if nameserver is not None:
            split_host_port(nameserver, "dns nameserver")
        return nameserver


def _normalised(answer: str) -> str:
    return answer.rstrip(".").lower()


def answer_problem(answers: list[str], options: DnsOptions) -> str | None:
    """Why ``answers`` are not what the check expects (None: they are)."""
    have = {_normalised(answer) for answer in answers}
    missing = [want for want in options.expected_answers if _normalised(want) not in have]
    if missing:
        got = ", ".join(answers) or "no answer"
        return f"expected {', '.join(missing)} among the answers, got {got}"
    pattern = options.answer_regex
    if pattern is not None and not any(re.search(pattern, answer) for answer in answers):
        return f"no answer matches /{pattern}/ (got {', '.join(answers) or 'no answer'})"
    return None


def _nameserver(options: DnsOptions) -> tuple[str, int]:
    import dns.resolver

    if options.nameserver is not None:
        host, port = split_host_port(options.nameserver, "dns nameserver")
    else:
        first = dns.resolver.get_default_resolver().nameservers[0]
        host, port = (first, 53) if isinstance(first, str) else (first.answer_nameserver(), 53)
    address = socket.getaddrinfo(host, port, proto=socket.IPPROTO_UDP)[0][4][0]
    return str(address), port


class DnsCheck:
    options = DnsOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        if not target or any(c.isspace() or c == "/" for c in target):
            raise ValueError(f'a dns check needs a domain name as target, not "{target}"')

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, DnsOptions)

        def attempt() -> dict[str, float]:
            # Imported here, not at the top: the agent starts without loading every client library.
            import dns.message
            import dns.query
            import dns.rcode
            import dns.rdatatype

            address, port = _nameserver(options)
            query = dns.message.make_query(config.target, options.record_type)
            send = dns.query.udp if options.transport == "udp" else dns.query.tcp
            started = self._clock()
            response = send(query, address, timeout=config.timeout, port=port)
            metrics = {
                "probe_dns_lookup_time_seconds": self._clock() - started,
                "probe_dns_answer_rrs": float(sum(len(rrset) for rrset in response.answer)),
                "probe_dns_authority_rrs": float(sum(len(rrset) for rrset in response.authority)),
                "probe_dns_additional_rrs": float(sum(len(rrset) for rrset in response.additional)),
            }
            if response.rcode() != dns.rcode.NOERROR:
                raise ProbeFailure(f"rcode {dns.rcode.to_text(response.rcode())}", metrics)
            wanted = dns.rdatatype.from_text(options.record_type)
            answers = sorted(
                rdata.to_text()
                for rrset in response.answer
                if rrset.rdtype == wanted
                for rdata in rrset
            )
            problem = answer_problem(answers, options)
            if problem is not None:
                raise ProbeFailure(problem, metrics)
            return metrics

        return timed_probe(attempt, target=config.target, clock=self._clock)
