"""A migrated database per test module on SQLite and on PostgreSQL, emptied before each test
(the store, the conversation log and the migrations are tested on both)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot import db
from bot.conversations import ConversationLog
from bot.orders.store import OrderStore


def database_url(request: pytest.FixtureRequest, backend: str, *, migrate: bool = True) -> Iterator[str]:
    """A database of its own on ``backend``, migrated to head unless ``migrate`` is false."""
    if backend == "sqlite":
        url = f"sqlite:///{request.getfixturevalue('tmp_path_factory').mktemp('db') / 'supportbot.db'}"
    else:
        url = request.getfixturevalue("pg_schemas")()
    if migrate:
        db.migrate(url)
    yield url
    db.dispose_engine(url)


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
