"""A migrated database per test module on SQLite and on PostgreSQL, emptied before each test.

PostgreSQL tests run in a schema of their own (dropped afterwards), so they never touch tables
other test modules or Rasa's tracker store may have in the same test database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot import db
from bot.conversations import ConversationLog
from bot.orders.store import OrderStore


def database_url(request: pytest.FixtureRequest, backend: str, *, migrate: bool = True) -> Iterator[str]:
    """A database of its own on ``backend``, migrated to head unless ``migrate`` is false."""
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path_factory").mktemp("db") / "supportbot.db"
        url = f"sqlite:///{path}"
        if migrate:
            db.migrate(url)
        yield url
        db.dispose_engine(url)
        return
    base = request.getfixturevalue("pg_url")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = db.get_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        if migrate:
            db.migrate(url)
        yield url
    finally:
        db.dispose_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from database_url(request, request.param)


@pytest.fixture
def engine(db_url: str) -> Engine:
    engine = db.get_engine(db_url)
    with engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    return engine


@pytest.fixture
def store(engine: Engine) -> OrderStore:
    return OrderStore(engine)


@pytest.fixture
def log(engine: Engine) -> ConversationLog:
    return ConversationLog(engine)


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database with no tables at all, for migration tests."""
    yield from database_url(request, request.param, migrate=False)
