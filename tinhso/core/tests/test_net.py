"""The client's address behind the configured trusted proxies (``tinhso.core.net.client_ip``)."""

import pytest
from django.test import RequestFactory

from tinhso.core.net import client_ip


def ip(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("203.0.113.9", "198.51.100.7") == "203.0.113.9"
    assert ip("not an address") is None
    assert client_ip(None) is None


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # the left part is the client's own
        ("127.0.0.1", "198.51.100.7, 10.0.0.5", "198.51.100.7"),  # two trusted hops
        ("127.0.0.1", "10.0.0.5", "10.0.0.5"),  # only trusted hops: the leftmost
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "garbage, 198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "198.51.100.7:51234", "198.51.100.7"),
        ("127.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not a trusted proxy
    ],
)
def test_the_forwarded_chain_is_read_right_to_left(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1", "10.0.0.0/24"]
    assert ip(remote, forwarded) == client
