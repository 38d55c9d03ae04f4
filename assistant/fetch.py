"""Fetching a web page or feed safely: public addresses only, bounded size and time.

Every hop (the first URL and each redirect) is checked with :func:`check_url`:
http/https only, and every address the host resolves to must be public unless
``allow_private``. The connection is then made to the very address that was
checked (the host name still goes in the Host header and in TLS SNI, so
certificates are verified against it): a DNS answer that changes between the
check and the connection cannot send the request to an internal address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import AssistantError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
USER_AGENT = "assistant-news-reader/0.1 (+https://example.invalid/assistant)"
ALLOW_VAR = "ASSISTANT_ALLOW_PRIVATE_URLS"
_REDIRECT_CODES = (301, 302, 303, 307, 308)
#: Response headers kept for the next conditional GET of the same URL.
VALIDATORS = ("etag", "last-modified")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(AssistantError, ValueError):
    """A URL that cannot or may not be fetched; the message is one clear line."""


class FetchTimeout(FetchError):
    """The time limit ran out (resolving the host, connecting or reading)."""


@dataclass
class Fetched:
    """A fetched response: final URL (after redirects), status, content type, body,
    and the validators of a conditional GET (``etag``, ``last-modified``) if sent."""

    url: str
    status: int
    content_type: str
    content: bytes
    encoding: str = ""
    validators: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The body decoded with the declared charset (UTF-8 if none or unknown)."""
        try:
            return self.content.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


#: Prefixes whose addresses carry an IPv4 address that the traffic reaches in the end.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, operator-chosen length
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated "::a.b.c.d" (RFC 4291)
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")


def _rfc6052_ipv4(ip: ipaddress.IPv6Address, prefix_len: int) -> ipaddress.IPv4Address:
    """The IPv4 address an RFC 6052 NAT64 address of prefix length ``prefix_len`` embeds."""
    if prefix_len == 96:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    n = int(ip)
    # Bits 64-71 (the "u" octet) are always zero and never part of the IPv4 address.
    without_u = ((n >> 64) << 56) | (n & ((1 << 56) - 1))
    return ipaddress.IPv4Address((without_u >> (120 - prefix_len - 32)) & 0xFFFFFFFF)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for: IPv4-mapped, IPv4-compatible,
    6to4, Teredo (its client) and NAT64 forms; [] for a plain IPv6 address."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return [ip.teredo[1]]  # the client, whose address is stored inverted (XOR 0xffffffff)
    if ip in _NAT64_WELL_KNOWN:
        return [_rfc6052_ipv4(ip, 96)]
    if ip in _NAT64_LOCAL:
        # The operator picks the prefix length (48 to 96): every reading must be public.
        # Readings in 0.0.0.0/8 (mere zero padding) come last, so a refusal names the other.
        readings = [_rfc6052_ipv4(ip, n) for n in (96, 64, 56, 48)]
        return sorted(readings, key=lambda v4: v4 in _THIS_NETWORK)
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are not IPv4-compatible
        return [ipaddress.IPv4Address(int(ip))]
    return []


def address_refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (e.g. "a link-local address"), or None if it is.

    An IPv6 address embedding an IPv4 one (``2002:7f00:1::1`` is 6to4 for 127.0.0.1)
    is refused when that IPv4 address is: Python 3.11 calls many of them global.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        for v4 in embedded_ipv4(ip):
            why = _own_refusal(v4)
            if why:
                return f"an IPv6 form of {v4}, {why}"
    return _own_refusal(ip)


def _own_refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` itself (not what it may embed) is not public, or None."""
    if ip.is_loopback:
        return "a private/loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private/loopback address"
    if not ip.is_global:  # shared (CGNAT) space, 6to4/Teredo relays of private ones…
        return "a non-public address"
    return None


def resolve_host(host: str, port: int, timeout: float = 15.0) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    # getaddrinfo has no timeout of its own: a stuck resolver must not hang the caller,
    # so it runs in a daemon thread that is abandoned past the time limit.
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise FetchTimeout(f"timed out after {timeout:g} s (resolving '{host}')")
    if "error" in box:
        raise FetchError(f"cannot resolve host '{host}'") from box["error"]  # type: ignore[misc]
    infos = box["infos"]
    out: list[IPAddress] = []
    for info in infos:  # type: ignore[attr-defined]
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    if not out:
        raise FetchError(f"cannot resolve host '{host}'")
    return out


def check_url(url: str, allow_private: bool, *, timeout: float = 15.0) -> list[IPAddress]:
    """Check one hop; return the host's addresses, or raise FetchError saying why not.

    Only http and https; the host must resolve, and unless ``allow_private``
    every address it resolves to must be public (one bad address is enough to
    refuse: the connection could go to any of them).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"unsupported scheme '{scheme}'" if scheme else f"not a URL: {url!r}")
    host = parts.hostname
    if not host:
        raise FetchError(f"no host in URL {url!r}")
    addresses = resolve_host(host, port or (443 if scheme == "https" else 80), timeout)
    if not allow_private:
        for ip in addresses:
            why = address_refusal(ip)
            if why:
                raise FetchError(f"refused: {ip} is {why} (set {ALLOW_VAR}=1 to allow)")
    return addresses


def _pinned(url: str, ip: IPAddress) -> tuple[str, dict[str, str], dict]:
    """The URL rewritten to connect to ``ip``, with the Host header and SNI of the original."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    with contextlib.suppress(UnicodeError):  # Host header and SNI are ASCII: IDNA form
        host = host.encode("idna").decode("ascii")
    netloc = f"[{ip}]" if ip.version == 6 else str(ip)
    if parts.port:
        netloc += f":{parts.port}"
    target = parts._replace(netloc=netloc, fragment="").geturl()
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header += f":{parts.port}"
    extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
    return target, {"Host": host_header}, extensions


def _content_type(response: httpx.Response) -> tuple[str, str]:
    raw = response.headers.get("content-type", "")
    mime = raw.split(";", 1)[0].strip().lower()
    m = re.search(r"charset=[\"']?([\w.:-]+)", raw, re.I)
    return mime, (m.group(1) if m else "")


def fetch(url: str, *, allow_private: bool, timeout: float = 15.0,
          max_bytes: int = 5_000_000, conditional: dict[str, str] | None = None) -> Fetched:
    """GET ``url`` (following up to 5 redirects, each checked) and return its body.

    ``conditional`` headers (``If-None-Match``, ``If-Modified-Since``) are sent on
    every hop; an unchanged resource then comes back as status 304 with no body.

    Raises FetchError: refused address or scheme, HTTP error status, too many
    redirects, a body over ``max_bytes``, or more than ``timeout`` seconds in all.
    """
    deadline = time.monotonic() + timeout
    timed_out = FetchTimeout(f"timed out after {timeout:g} s")
    current = url.strip()
    with httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout,
                      headers={"User-Agent": USER_AGENT}) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise timed_out
            try:
                addresses = check_url(current, allow_private, timeout=left)
            except FetchTimeout as exc:  # say the caller's limit, not what was left of it
                host = urlsplit(current).hostname
                raise FetchTimeout(f"timed out after {timeout:g} s (resolving '{host}')") from exc
            target, headers, extensions = _pinned(current, addresses[0])
            headers.update(conditional or {})
            left = deadline - time.monotonic()
            if left <= 0:
                raise timed_out
            try:
                with client.stream("GET", target, headers=headers, extensions=extensions,
                                   timeout=left) as response:
                    if response.status_code in _REDIRECT_CODES:
                        location = response.headers.get("location", "").strip()
                        if not location:
                            raise FetchError(
                                f"HTTP {response.status_code} without a Location for {current}"
                            )
                        log.info("redirect %s -> %s", current, location)
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"HTTP {response.status_code} for {current}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(f"larger than {max_bytes} bytes")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise FetchError(f"larger than {max_bytes} bytes")
                        if time.monotonic() > deadline:
                            raise timed_out
                    mime, charset = _content_type(response)
                    validators = {k: response.headers[k] for k in VALIDATORS
                                  if response.headers.get(k)}
                    return Fetched(current, response.status_code, mime, bytes(body), charset,
                                   validators)
            except httpx.TimeoutException as exc:
                raise timed_out from exc
            except httpx.HTTPError as exc:
                reason = f"{exc.__class__.__name__}: {exc}"
                raise FetchError(f"cannot fetch {current}: {reason}") from exc
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) for {url}")
