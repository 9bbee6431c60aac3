"""The client address (core/client_address.py): the peer by default; X-Forwarded-For only from a trusted proxy,
read from the right, so whatever a client writes into the header itself never counts."""

import pytest

from coursesite.core.client_address import TrustedProxies, client_address, limit_key, parse_address

PROXIES = TrustedProxies.parse("10.0.0.1, 10.1.0.0/16, ::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # no trusted proxies: the header is ignored whatever it says
        ("203.0.113.9", ["198.51.100.1"], TrustedProxies(), "203.0.113.9"),
        # a peer that is not a trusted proxy: ignored too (a client sending the header itself)
        ("203.0.113.9", ["198.51.100.1"], PROXIES, "203.0.113.9"),
        # behind one trusted proxy: the address it appended
        ("10.0.0.1", ["198.51.100.1"], PROXIES, "198.51.100.1"),
        # a spoofed chain: the client wrote "1.2.3.4, 10.0.0.1" itself; the proxy appended the real address
        ("10.0.0.1", ["1.2.3.4, 10.0.0.1, 198.51.100.1"], PROXIES, "198.51.100.1"),
        # two trusted hops (a load balancer, then the proxy): the right-most untrusted address
        ("10.0.0.1", ["198.51.100.1, 10.1.2.3"], PROXIES, "198.51.100.1"),
        # the header in several lines counts as one list
        ("10.0.0.1", ["6.6.6.6", "198.51.100.1, 10.1.2.3"], PROXIES, "198.51.100.1"),
        # garbage where a proxy would have written an address: the nearest trusted hop
        ("10.0.0.1", ["198.51.100.1, nonsense, 10.1.2.3"], PROXIES, "10.1.2.3"),
        ("10.0.0.1", ["unknown"], PROXIES, "10.0.0.1"),
        # every hop trusted (a request from inside): the left-most
        ("10.0.0.1", ["10.1.0.5"], PROXIES, "10.1.0.5"),
        # a trusted proxy without the header: the proxy itself
        ("10.0.0.1", [], PROXIES, "10.0.0.1"),
        # ports and brackets as proxies write them, canonical forms back
        ("10.0.0.1", ["198.51.100.1:4711"], PROXIES, "198.51.100.1"),
        ("::1", ["[2001:DB8::0001]:443"], PROXIES, "2001:db8::1"),
        ("::ffff:10.0.0.1", ["198.51.100.1"], PROXIES, "198.51.100.1"),  # an IPv4 proxy seen over IPv6
        # no usable peer (a test client, a unix socket): the header still does not count
        ("testclient", ["198.51.100.1"], PROXIES, "testclient"),
        (None, ["198.51.100.1"], PROXIES, ""),
    ],
)
def test_client_address(peer, forwarded, trusted, expected) -> None:
    assert client_address(peer, forwarded, trusted) == expected


def test_only_the_right_end_of_a_long_header_is_read() -> None:
    chain = ", ".join(["10.1.0.9"] * 100 + ["198.51.100.1"])
    assert client_address("10.0.0.1", [chain], PROXIES) == "198.51.100.1"


@pytest.mark.parametrize(
    ("value", "message"),
    [("proxy.example", "proxy.example"), ("10.0.0.0/33", "10.0.0.0/33"), ("1.2.3", "1.2.3")],
)
def test_bad_proxy_entries_are_named(value, message) -> None:
    with pytest.raises(ValueError, match=message):
        TrustedProxies.parse(f"10.0.0.1,{value}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("203.0.113.7", "203.0.113.7"), (" 203.0.113.7:80 ", "203.0.113.7"), ("[::1]", "::1"), ("x", None), ("", None)],
)
def test_parse_address(value, expected) -> None:
    for _ in range(2):  # the second from the cache
        parsed = parse_address(value)
        assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # one IPv6 client holds its whole /64
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("testclient", "testclient"),
    ],
)
def test_limit_key(address, key) -> None:
    assert limit_key(address) == key
