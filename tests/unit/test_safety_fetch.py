"""The SSRF rule and IPv6 addresses that carry an IPv4 one (6to4, Teredo, NAT64…).

Python 3.11 calls ``2002:7f00:1::1`` (6to4 for 127.0.0.1) global: the embedded IPv4
address must be judged like any IPv4 address. No network is used.
"""

from __future__ import annotations

import ipaddress
import re
import socket

import httpx
import pytest
from procs import free_port

from assistant.fetch import FetchError, address_refusal, check_url, embedded_ipv4, fetch

#: (IPv6 address, the IPv4 address it stands for, which must be refused).
EMBEDDING = [
    ("2002:7f00:1::1", "127.0.0.1"),                           # 6to4
    ("2002:a9fe:a9fe::1", "169.254.169.254"),                  # 6to4, cloud metadata
    ("2002:a00:1::", "10.0.0.1"),                              # 6to4, private
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),     # Teredo (client XOR ffffffff)
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "10.0.0.1"),      # Teredo
    ("64:ff9b::7f00:1", "127.0.0.1"),                          # NAT64 well-known /96
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),                 # NAT64 well-known /96
    ("64:ff9b:1::7f00:1", "127.0.0.1"),                        # NAT64 local-use, /96 form
    ("64:ff9b:1:a00:0:100::", "10.0.0.1"),                     # NAT64 local-use, /48 form
    ("::127.0.0.1", "127.0.0.1"),                              # IPv4-compatible
    ("::192.168.1.1", "192.168.1.1"),                          # IPv4-compatible
    ("::ffff:127.0.0.1", "127.0.0.1"),                         # IPv4-mapped
    ("::ffff:169.254.169.254", "169.254.169.254"),             # IPv4-mapped
]


@pytest.mark.parametrize(("v6", "v4"), EMBEDDING)
def test_embedded_ipv4_is_found(v6: str, v4: str) -> None:
    assert ipaddress.IPv4Address(v4) in embedded_ipv4(ipaddress.IPv6Address(v6))


@pytest.mark.parametrize(("v6", "v4"), EMBEDDING)
def test_ipv6_forms_of_private_ipv4_are_refused_naming_it(v6: str, v4: str) -> None:
    why = address_refusal(ipaddress.ip_address(v6))
    assert why is not None and f"IPv6 form of {v4}," in why, why
    shown = re.escape(str(ipaddress.ip_address(v6)))  # as Python writes it: ::ffff:7f00:1
    with pytest.raises(FetchError, match=rf"^refused: {shown} is an IPv6 form of "
                       rf"{re.escape(v4)}, .*\(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow\)$"):
        check_url(f"http://[{v6}]/", allow_private=False)


@pytest.mark.parametrize("v6", [
    "2606:4700:4700::1111",  # a plain public IPv6 address
    "2002:808:808::1",       # 6to4 for 8.8.8.8, a public address
])
def test_public_ipv6_still_passes(v6: str) -> None:
    assert address_refusal(ipaddress.ip_address(v6)) is None
    assert check_url(f"http://[{v6}]/", allow_private=False) == [ipaddress.ip_address(v6)]


def test_plain_ipv6_loopback_keeps_its_own_reason() -> None:
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) == []  # not "IPv4-compatible 0.0.0.1"
    assert address_refusal(ipaddress.ip_address("::1")) == "a private/loopback address"


def test_fetch_refuses_6to4_loopback_without_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def no_send(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError("a connection was attempted")

    def no_connect(address: object, *args: object, **kwargs: object) -> None:
        attempts.append(address)
        raise OSError("a connection was attempted")

    monkeypatch.setattr(httpx.Client, "send", no_send)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    url = f"http://[2002:7f00:1::1]:{free_port()}/"
    with pytest.raises(FetchError) as err:
        fetch(url, allow_private=False, timeout=5)
    assert str(err.value) == (
        "refused: 2002:7f00:1::1 is an IPv6 form of 127.0.0.1, a private/loopback address "
        "(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow)")
    assert attempts == []
