"""The client's address, the one way for the whole project (audit, rate limits, the gateway).

Behind reverse proxies, ``REMOTE_ADDR`` is the nearest proxy's address. Only proxies listed in
``settings.TRUSTED_PROXIES`` (addresses or CIDR networks) are believed: ``X-Forwarded-For`` is
read right to left, each trusted hop is skipped, and the first address that is not a trusted
proxy is the client. A header sent by anybody else is ignored (anyone can write it).
"""

import functools
import ipaddress

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def trusted_proxies() -> tuple[Network, ...]:
    return _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting == "TRUSTED_PROXIES":
        _trusted.cache_clear()


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address as text (as the database gives it back), or None when unknown."""
    if request is None:
        return None
    address = _address(request.META.get("REMOTE_ADDR", ""))
    networks = trusted_proxies()
    if address is None or not _is_trusted(address, networks):
        return str(address) if address else None
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        forwarded = _address(hop)
        if forwarded is None:
            # Only a misconfigured trusted proxy passes on an entry that is not an address:
            # keep the last address it vouched for.
            break
        address = forwarded
        if not _is_trusted(address, networks):
            break
    return str(address)
