"""The client's address behind trusted proxies, for the audit log and throttling."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import RequestFactory

from portal.audit import client_ip


@pytest.fixture
def proxies(settings):
    def configure(*entries: str) -> None:
        settings.PORTAL_TRUSTED_PROXY_NETWORKS = [
            ipaddress.ip_network(entry, strict=False) for entry in entries
        ]

    configure()
    return configure


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_connection_address_is_used(proxies):
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_from_a_trusted_proxy_the_forwarded_client_is_used(proxies):
    proxies("10.0.0.0/8")
    assert client_ip(request("10.0.0.2", "198.51.100.7")) == "198.51.100.7"


def test_a_forged_leftmost_entry_is_ignored(proxies):
    """The client wrote "1.2.3.4" itself; the proxy appended the real address."""
    proxies("10.0.0.2")
    assert client_ip(request("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_chains_of_trusted_proxies_are_skipped(proxies):
    proxies("10.0.0.0/8", "192.0.2.10")
    assert client_ip(request("10.0.0.2", "198.51.100.7, 192.0.2.10")) == "198.51.100.7"


def test_an_untrusted_connection_cannot_claim_an_address(proxies):
    proxies("10.0.0.0/8")
    assert client_ip(request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


@pytest.mark.parametrize("header", ["", "not-an-address", "10.0.0.3"])
def test_missing_or_malformed_headers_fall_back_to_the_proxy(proxies, header):
    proxies("10.0.0.0/8")
    assert client_ip(request("10.0.0.2", header)) == "10.0.0.2"


def test_ipv6_clients(proxies):
    proxies("::1")
    assert client_ip(request("::1", "2001:db8::5")) == "2001:db8::5"
