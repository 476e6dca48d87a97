"""Which addresses the server may fetch from on a user's behalf, and the admin's allow-list.

Python's `ipaddress` properties miss some ranges (3.11 calls 224.0.0.1, fec0::/10, 64:ff9b::/96 and
2002::/16 "global"), so the ranges are also named explicitly here, and addresses that embed an IPv4
address (IPv4-mapped, NAT64, 6to4) are judged by the address they embed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_TEREDO = ipaddress.ip_network("2001::/32")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # The deprecated IPv4-compatible form ::a.b.c.d (but not :: and ::1, judged as themselves).
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address))
    return None


def _ipv4_problem(address: ipaddress.IPv4Address) -> str | None:
    if address.is_unspecified or address in _THIS_NETWORK:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address in _CGNAT:
        return "a carrier-grade NAT address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in net for net in _RFC1918):
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a non-public address"
    return None


def _ipv6_problem(address: ipaddress.IPv6Address) -> str | None:
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        problem = _ipv4_problem(embedded)
        return f"{problem} in IPv6 form" if problem else None
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address in _UNIQUE_LOCAL:
        return "a unique-local IPv6 address"
    if address in _SITE_LOCAL:
        return "a site-local IPv6 address"
    if address.is_multicast:
        return "a multicast address"
    if address in _TEREDO:
        return "a Teredo tunnel address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a non-public address"
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why the server must not connect to `address` ("a loopback address", ...), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        return _ipv6_problem(address)
    return _ipv4_problem(address)


def parse_address(text: str) -> IPAddress | None:
    """`text` as an IP address (IPv6 zone ids dropped, brackets allowed), or None when it is not one."""
    candidate = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks an admin (or a test) lets the server fetch from even though they are not public.

    Built from `AI_REGISTRY_FETCH_ALLOW_HOSTS`: a comma-separated list of host names (`localhost`,
    `files.internal`) and addresses or CIDR networks (`127.0.0.1`, `10.1.0.0/16`, `::1`). Empty by default.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, entries: str | Iterable[str] | None) -> AllowList:
        """An allow-list from a comma-separated setting or a list of entries; bad entries raise ValueError."""
        if entries is None:
            return cls()
        items = entries.split(",") if isinstance(entries, str) else list(entries)
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in items:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = entry.lower().rstrip(".")
            if not name or any(ch in name for ch in "/:@ ") or name.replace(".", "").isdigit():
                raise ValueError(f"{entry!r} is neither a host name nor an IP network")
            hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """True when the host name itself is on the list (then every address it resolves to is allowed)."""
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        """True when `address` (or the IPv4 address it embeds) lies in an allowed network."""
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address):
            embedded = _embedded_ipv4(address)
            if embedded is not None:
                candidates.append(embedded)
        return any(c.version == net.version and c in net for c in candidates for net in self.networks)
