"""Which addresses are forbidden and why, and how the allow-list setting is read."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from ai_registry.netguard import AllowList, address_problem, parse_address
from ai_registry.settings import Settings


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("10.0.0.5", "a private address"),
        ("172.16.3.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("100.127.255.254", "a carrier-grade NAT address"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("0.1.2.3", "an unspecified address"),
        ("192.0.2.1", "a non-public address"),  # documentation range
        ("198.18.0.1", "a non-public address"),  # benchmarking range
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fc00::1", "a unique-local IPv6 address"),
        ("fd12:3456::1", "a unique-local IPv6 address"),
        ("fe80::1", "a link-local address"),
        ("fec0::1", "a site-local IPv6 address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address in IPv6 form"),
        ("::ffff:10.0.0.5", "a private address in IPv6 form"),
        ("::ffff:169.254.169.254", "a link-local address in IPv6 form"),
        ("64:ff9b::a9fe:a9fe", "a link-local address in IPv6 form"),  # NAT64 of 169.254.169.254
        ("2002:a00:1::", "a private address in IPv6 form"),  # 6to4 of 10.0.0.1
        ("::7f00:1", "a loopback address in IPv6 form"),  # IPv4-compatible 127.0.0.1
        ("2001::1", "a Teredo tunnel address"),
    ],
)
def test_forbidden_addresses_are_named(address: str, problem: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_parse_address_takes_brackets_and_zone_ids() -> None:
    assert parse_address("[::1]") == ipaddress.ip_address("::1")
    assert parse_address("fe80::1%eth0") == ipaddress.ip_address("fe80::1")
    assert parse_address("files.example.com") is None


def test_allow_list_reads_hosts_and_networks() -> None:
    allow = AllowList.parse(" 127.0.0.1 , 10.1.0.0/16,Files.Internal., ::1 ,")
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))
    assert allow.allows_address(ipaddress.ip_address("10.1.200.3"))
    assert not allow.allows_address(ipaddress.ip_address("10.2.0.1"))
    assert allow.allows_address(ipaddress.ip_address("::ffff:127.0.0.1"))  # the IPv4 it embeds is allowed
    assert allow.allows_address(ipaddress.ip_address("::1"))
    assert allow.allows_host("files.internal")
    assert not allow.allows_host("other.internal")


@pytest.mark.parametrize("entry", ["http://127.0.0.1/", "10.0.0.0/33", "user@host", "999.1.1.1"])
def test_allow_list_refuses_entries_it_cannot_read(entry: str) -> None:
    with pytest.raises(ValueError, match="neither a host name nor an IP network"):
        AllowList.parse(entry)


def test_allow_list_is_empty_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AI_REGISTRY_FETCH_ALLOW_HOSTS", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    settings = Settings()
    assert settings.fetch_allow_hosts == ""
    assert AllowList.parse(settings.fetch_allow_hosts) == AllowList()


def test_allow_list_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AI_REGISTRY_FETCH_ALLOW_HOSTS", "127.0.0.1,localhost")
    allow = AllowList.parse(Settings().fetch_allow_hosts)
    assert allow.allows_host("localhost")
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))
