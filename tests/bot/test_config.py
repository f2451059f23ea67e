"""Settings that decide what is safe to serve: the demo sign-in, allowed hosts, production secrets."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings, is_loopback


def settings(**values: Any) -> Settings:
    return Settings(**values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "enabled"),
    [
        ({"env": "development"}, True),
        ({"env": "development", "host": "localhost"}, True),
        ({"env": "development", "host": "0.0.0.0"}, False),
        ({"env": "development", "host": "::"}, False),
        ({"env": "development", "host": "10.0.0.5"}, False),
        ({"env": "development", "public_url": "https://support.example.com"}, False),
        ({"env": "development", "public_url": "http://127.0.0.1:8000"}, True),
        ({"env": "development", "demo": "off"}, False),
        ({"env": "test"}, False),
        ({"env": "test", "demo": "on"}, True),
        ({"env": "production", "demo": "auto"}, False),
    ],
)
def test_the_demo_sign_in_is_on_only_for_a_local_development_gateway(values: dict, enabled: bool) -> None:
    assert settings(**values).demo_enabled is enabled


def test_demo_mode_is_one_of_auto_on_off() -> None:
    with pytest.raises(ValueError, match="SUPPORTBOT_DEMO"):
        settings(demo="yes-please")


def test_allowed_hosts_are_loopback_names_the_bind_address_the_public_host_and_the_setting() -> None:
    assert settings().trusted_hosts == ["localhost", "127.0.0.1"]
    assert settings(host="0.0.0.0").trusted_hosts == ["localhost", "127.0.0.1"]
    configured = settings(
        host="10.0.0.5", public_url="https://Support.Example.com/", allowed_hosts=" a.test, *.b.test ,"
    )
    assert configured.trusted_hosts == [
        "localhost",
        "127.0.0.1",
        "10.0.0.5",
        "support.example.com",
        "a.test",
        "*.b.test",
    ]


def test_loopback() -> None:
    assert all(
        is_loopback(host) for host in ("127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "app.localhost")
    )
    assert not any(
        is_loopback(host) for host in ("0.0.0.0", "::", "", "10.0.0.1", "example.com", "testclient")
    )
