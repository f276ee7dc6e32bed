"""The SSRF guard: which addresses an outgoing request may reach.

Every address a host name resolves to is checked, and the request is then sent to one of those
checked addresses (the name kept for the Host header and TLS), so a DNS answer that changes
between the check and the connection cannot smuggle a private address in. Loopback, private,
link-local (169.254.169.254, the cloud metadata service, among them), shared, reserved and
multicast addresses are refused unless the platform settings allow-list them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
METADATA_ADDRESSES = frozenset({"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})
DNS_TIMEOUT_S = 5.0


class BlockedAddress(Exception):
    """The URL leads to an address that the platform refuses to reach."""


@dataclass(frozen=True)
class HttpPolicy:
    """What outgoing requests may reach beyond the public internet.

    ``allow`` holds host names (exact, case-insensitive), IP addresses and CIDR networks, e.g.
    ``["127.0.0.1", "10.0.0.0/8", "api.internal"]``; the settings' SSRF allow-list.
    """

    allow: tuple[str, ...] = ()
    max_redirects: int = 5

    @classmethod
    def of(cls, allow: list[str] | tuple[str, ...] | None, **kwargs: int) -> HttpPolicy:
        return cls(allow=tuple(item.strip() for item in allow or () if item.strip()), **kwargs)

    def _networks(self) -> list[IPNetwork]:
        networks: list[IPNetwork] = []
        for item in self.allow:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                continue  # a host name
        return networks

    def _hosts(self) -> set[str]:
        hosts = set()
        for item in self.allow:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return hosts

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._hosts()

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self._networks() if network.version == address.version)


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped or 6to4 IPv6 address, else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is refused by default, or None for a public address."""
    plain = _unwrap(address)
    if str(plain) in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if plain.is_loopback:
        return "a loopback address"
    if plain.is_link_local:
        return "a link-local address"
    if plain.is_private:
        return "a private address"
    if plain.is_multicast or plain.is_reserved or plain.is_unspecified or not plain.is_global:
        return "not a public address"
    return None


def parse_url(url: str) -> SplitResult:
    """The URL split into parts, refusing anything but http(s) with a host."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise BlockedAddress(f"not a valid URL: {url[:200]!r}") from exc
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"only http and https URLs are allowed, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise BlockedAddress(f"the URL has no host: {url[:200]!r}")
    return parts


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.split("%")[0])]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=DNS_TIMEOUT_S
        )
    except (OSError, TimeoutError) as exc:
        raise BlockedAddress(f"cannot resolve host '{host}': {exc or 'timed out'}") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        text = str(info[4][0]).split("%")[0]
        address = ipaddress.ip_address(text)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise BlockedAddress(f"host '{host}' resolves to no address")
    return addresses


async def check_url(url: str, policy: HttpPolicy) -> tuple[SplitResult, IPAddress]:
    """The parsed URL and the checked address to connect to; BlockedAddress when any is refused."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await resolve(host, port)
    if policy.allows_host(host):
        return parts, addresses[0]
    for address in addresses:
        reason = refusal(address)
        if reason is not None and not policy.allows_address(_unwrap(address)) and not policy.allows_address(address):
            shown = host if str(address) == host.strip("[]") else f"{host} ({address})"
            raise BlockedAddress(
                f"refused to connect to {shown}: {reason}; an admin can allow it in the SSRF allow-list setting"
            )
    return parts, addresses[0]
