"""Shared test configuration.

Tests that need PostgreSQL or Chromium skip on a developer machine without them, and fail in
CI (``SUPPORTBOT_REQUIRE_SERVICES=1``, set by .ci/run), so a missing service is never a silent pass.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator

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
def redis_url() -> str:
    """URL of a Redis server the tests may write keys to (each test uses keys of its own)."""
    url = os.environ.get("SUPPORTBOT_TEST_REDIS_URL")
    if not url:
        _missing_service("Redis (SUPPORTBOT_TEST_REDIS_URL)")
    return str(url)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("SUPPORTBOT_CHROMIUM") or shutil.which("chromium")
    if not path or not os.path.exists(path):
        _missing_service("Chromium (SUPPORTBOT_CHROMIUM)")
    return str(path)


@pytest.fixture(scope="session")
def pg_schemas(pg_url: str) -> Iterator[Callable[[], str]]:
    """Makes PostgreSQL URLs whose tables live in a schema of their own (dropped at the end), so
    tests never touch each other's tables or Rasa's tracker store in the same test database."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from bot import db

    admin = db.get_engine(pg_url)
    made: list[tuple[str, str]] = []

    def new_schema() -> str:
        schema = f"test_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        made.append((schema, url.render_as_string(hide_password=False)))
        return made[-1][1]

    yield new_schema
    for schema, url in made:
        db.dispose_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
