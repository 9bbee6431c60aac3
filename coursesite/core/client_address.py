"""Who the client is: the one place that decides the address the login limits, the rate limits and the page views
count. Pure (the standard library only).

By default only the peer address of the connection counts: a client can write any ``X-Forwarded-For`` it likes.
``COURSESITE_TRUSTED_PROXIES`` lists the proxies (addresses or networks) whose ``X-Forwarded-For`` is believed. When
the peer is one of them, the header is read from the right, skipping the trusted proxies; the first address that is
not one is the client. Everything left of it was written by the client itself and is never looked at. A value that
is not an address (a spoofed or broken header) stops the walk at the last trusted hop.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

CLIENT_ADDRESS_KEY = "client_address"  # where the middleware leaves it in the ASGI scope
MAX_FORWARDED_HOPS = 20  # a longer header is cut from the left: only the right end is ever believed
IPV6_LIMIT_PREFIX = 64  # one IPv6 client usually holds a whole /64: limits count the network


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, value: str | None) -> TrustedProxies:
        """``"10.0.0.1, 172.16.0.0/12, ::1"``; ValueError naming the bad entry."""
        networks = []
        for entry in (value or "").split(","):
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry[:60]!r}") from None
        return cls(tuple(networks))

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return any(address.version == net.version and address in net for net in self.networks)


def parse_address(value: str | None) -> Address | None:
    """An address as a proxy writes it: ``203.0.113.7``, ``2001:db8::1``, ``[2001:db8::1]:443``, ``203.0.113.7:80``.
    None for anything else."""
    text = (value or "").strip()
    if not text or len(text) > 64:
        return None
    return _parsed_address(text)


@functools.lru_cache(maxsize=1024)
def _parsed_address(text: str) -> Address | None:
    """Kept per text (at most 64 characters, see above): a request's peer is parsed on every request, and the
    addresses are few compared to the requests. The result is immutable."""
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: TrustedProxies) -> str:
    """The client's address as text (canonical form), or ``""`` when the peer is unknown (a unix socket, a test
    client without an address: such requests share one limit)."""
    peer_address = parse_address(peer)
    if peer_address is None:
        return (peer or "")[:64]
    if peer_address not in trusted:
        return str(peer_address)
    hops = [hop for header in forwarded_for for hop in header.split(",")][-MAX_FORWARDED_HOPS:]
    nearest = peer_address
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # a proxy we trust never writes this: the client did
        if address not in trusted:
            return str(address)
        nearest = address
    return str(nearest)


def limit_key(address: str) -> str:
    """What a per-client limit counts under: the address, or its /64 for IPv6."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_LIMIT_PREFIX}", strict=False))
    return str(parsed) if parsed is not None else address


def stored_client_address(scope: Mapping[str, Any]) -> str | None:
    """The address the middleware left in the scope, if it ran."""
    value = scope.get(CLIENT_ADDRESS_KEY)
    return value if isinstance(value, str) else None


def scope_client_address(scope: Mapping[str, Any], trusted: TrustedProxies) -> str:
    """The client address of an ASGI request."""
    client = scope.get("client")
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name.lower() == b"x-forwarded-for" and len(value) <= 2000
    ]
    return client_address(client[0] if client else None, forwarded, trusted)
