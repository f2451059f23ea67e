"""Shared test configuration.

Tests that need PostgreSQL or Chromium skip on a developer machine without them, and fail in
CI (``SUPPORTBOT_REQUIRE_SERVICES=1``, set by .ci/run), so a missing service is never a silent pass.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bot.config import apply_env_defaults

# defaults.env (offline, quiet), set before any test imports transformers or sentence-transformers.
apply_env_defaults()


def _missing_service(what: str) -> None:
    if os.environ.get("SUPPORTBOT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available on this machine")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of a PostgreSQL database the tests may freely create and drop tables in."""
    url = os.environ.get("SUPPORTBOT_TEST_PG_URL")
    if not url:
        _missing_service("PostgreSQL (SUPPORTBOT_TEST_PG_URL)")
    return str(url)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("SUPPORTBOT_CHROMIUM") or shutil.which("chromium")
    if not path or not os.path.exists(path):
        _missing_service("Chromium (SUPPORTBOT_CHROMIUM)")
    return str(path)
