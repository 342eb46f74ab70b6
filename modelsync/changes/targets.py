"""Where a webhook may point (SSRF): one parse, one lookup, public addresses only, and the address that was checked.

The URL is read with urllib3's `parse_url`, the parser of the client that sends, and refused when `urllib.parse`
reads it otherwise: `http://127.0.0.1:18600\\@8.8.8.8/` is host 8.8.8.8 to one and 127.0.0.1 to the other. The host
is resolved once; every address it resolves to must be public, and the delivery connects to the first of them
(never to the name, which a second lookup could answer differently: DNS rebinding). The Host header and the TLS
server name stay the URL's host, so the receiver and its certificate see the name they expect.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from modelsync.sync.http import LocationParseError, parse_url

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

PUBLIC_ONLY = "webhooks go to public addresses only (MODELSYNC_WEBHOOK_ALLOW_PRIVATE=1 lifts this)"
DEFAULT_PORTS = {"http": 80, "https": 443}
# A DNS name: dot-separated labels of letters, digits and inner hyphens (underscores too, as some services use).
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = re.compile(rf"(?=.{{1,253}}\.?$){_LABEL}(?:\.{_LABEL})*\.?")
# Checked in this order, so 169.254.169.254 is named link-local rather than private.
_KINDS = (
    ("is_unspecified", "an unspecified"),
    ("is_loopback", "a loopback"),
    ("is_link_local", "a link-local"),
    ("is_multicast", "a multicast"),
    ("is_private", "a private"),
    ("is_reserved", "a reserved"),
)


class TargetRefused(ValueError):
    """The URL may not be a webhook target; the message says why, in words staff can act on."""


@dataclass(frozen=True)
class WebhookTarget:
    """A checked target: connect to `address`:`port`, and speak to `host` (Host header, TLS server name)."""

    scheme: str
    host: str
    port: int
    address: str
    request_uri: str

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port == DEFAULT_PORTS[self.scheme] else f"{shown}:{self.port}"

    @property
    def tls_name(self) -> str | None:
        """The name to send (SNI) and to match in the certificate; None for an address literal (matched as is)."""
        return None if _literal(self.host) else self.host


def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the order the system gives them (the order a client tries them)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def target_check(url: str, *, allow_private: bool = False, resolve: Resolver = system_resolve) -> WebhookTarget:
    """The target `url` names, resolved once; TargetRefused when it is not one to deliver to."""
    scheme, host, port, request_uri = url_parse(url)
    literal = _literal(host)
    if literal is not None:
        _refuse_odd_literal(host, literal, allow_private)
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            raise TargetRefused(f"The host {host!r} does not resolve.") from None
        if not addresses:
            raise TargetRefused(f"The host {host!r} does not resolve.")
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not allow_private and (kind := address_kind(address)):
                raise TargetRefused(f"{host} resolves to {address}, {kind}; {PUBLIC_ONLY}.")
    return WebhookTarget(scheme=scheme, host=host, port=port, address=addresses[0], request_uri=request_uri)


def url_parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) as urllib3 reads `url`, refused unless urllib.parse reads it alike."""
    if "\\" in url:
        raise TargetRefused("A webhook URL may not contain a backslash: URL parsers disagree on where its host ends.")
    if not url.isascii() or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise TargetRefused("A webhook URL is plain ASCII without spaces; write an international name as xn--….")
    try:
        ours, theirs = parse_url(url), urlsplit(url)
        their_port = theirs.port
    except (LocationParseError, ValueError):
        raise TargetRefused("Enter a valid http:// or https:// URL.") from None
    scheme = (ours.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not ours.host:
        raise TargetRefused("Enter an http:// or https:// URL.")
    if ours.auth is not None or "@" in theirs.netloc:
        raise TargetRefused("A webhook URL may not carry a user name or password (user@host); deliveries are signed.")
    host = ours.host.strip("[]").lower()
    port = ours.port if ours.port is not None else DEFAULT_PORTS[scheme]
    if (theirs.scheme.lower(), (theirs.hostname or "").lower(), their_port) != (scheme, host, ours.port):
        raise TargetRefused(f"URL parsers read the host of {url!r} differently; write a plain http(s)://host/path URL.")
    if "%" in theirs.netloc or not (_literal(host) or _NAME.fullmatch(host)):
        raise TargetRefused(f"{host!r} is not a host name or an IP address.")
    if not 0 < port < 65536:
        raise TargetRefused(f"Port {port} is not a port to deliver to.")
    return scheme, host, port, ours.request_uri


def address_kind(address: Address) -> str | None:
    """What makes `address` non-public ("a loopback address", …), or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"an IPv4-mapped IPv6 address (of {address.ipv4_mapped})"
        if address.sixtofour is not None and address_kind(address.sixtofour):
            return f"a 6to4 address of {address.sixtofour}"
    for attribute, kind in _KINDS:
        if getattr(address, attribute):
            return f"{kind} address"
    return None if address.is_global else "not a public address"


def _literal(host: str) -> Address | None:
    """The IP address `host` is written as, in any form the system resolver reads as one (127.1, 0x7f.1,
    2130706433, 0177.0.0.1 are all 127.0.0.1), or None for a name."""
    try:
        return ipaddress.IPv6Address(host) if ":" in host else ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _refuse_odd_literal(host: str, address: Address, allow_private: bool) -> None:
    if not allow_private and (kind := address_kind(address)):
        shown = host if str(address) == host or address.version == 6 else f"{host} ({address})"
        raise TargetRefused(f"{shown} is {kind}; {PUBLIC_ONLY}.")
    if isinstance(address, ipaddress.IPv4Address) and str(address) != host:
        raise TargetRefused(f"{host} is {address} written another way; write the address as {address}.")
