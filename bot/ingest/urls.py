"""Clean URLs into stable identities and refuse feed URLs that point inside the network."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, not which page they read.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "oly_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "source",
        "cmpid",
        "ito",
        "smid",
        "spm",
        "_ga",
        "share",
        "sharetype",
        "mbid",
        "wt.mc_id",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Return ``url`` with scheme and host lower-cased, no fragment or tracking, query sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    netloc = host
    if parts.port is not None and _DEFAULT_PORTS.get(scheme) != parts.port:
        netloc = f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or ("/" if netloc else "")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def feed_name(url: str) -> str:
    """Return the host of ``url`` without a leading ``www.``."""
    host = (urlsplit(url).hostname or url).lower()
    return host.removeprefix("www.")


# NAT64 (RFC 6052): the last 32 bits are an IPv4 address the gateway connects to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(address: str) -> bool:
    """Return True for a public unicast address, also when wrapped in an IPv6 one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not (inner.is_global and not inner.is_multicast):
            return False
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int | None = None) -> list[str]:
    """Return the addresses ``host`` resolves to; raise ValueError when it does not."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"cannot resolve host {host!r}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_public_addresses(host: str, addresses: list[str]) -> None:
    """Raise ValueError unless every one of ``host``'s ``addresses`` is public."""
    for address in addresses:
        if not is_public(address):
            raise ValueError(
                f"{host!r} points at a private, loopback or reserved address ({address}); "
                "set BRIEFBOT_ALLOW_PRIVATE_FEEDS=true to allow that"
            )


def check_public_host(host: str) -> None:
    """Raise ValueError unless every address ``host`` resolves to is a public one."""
    check_public_addresses(host, resolve(host))


def validate_feed_url(url: str, *, allow_private: bool) -> str:
    """Return the cleaned feed URL, or raise ValueError saying in plain words what is wrong."""
    cleaned = url.strip()
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{url!r} is not a web address: a feed URL must start with http(s)://")
    try:
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ValueError(f"{url!r} has an invalid host or port") from None
    if not host:
        raise ValueError(f"{url!r} has no host name")
    if not allow_private:
        check_public_host(host)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
