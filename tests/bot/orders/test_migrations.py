"""The Alembic migrations and the engine factory, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot import db
from bot.config import Settings
from bot.conversations import ConversationLog
from bot.errors import SupportbotError, UsageError
from bot.orders.store import OrderStore
from bot.schemas.customers import Customer


def _tables(url: str) -> set[str]:
    return set(inspect(db.get_engine(url)).get_table_names())


def test_migrate_creates_every_table_at_head(empty_db_url: str) -> None:
    assert _tables(empty_db_url) == set()
    assert db.migrate(empty_db_url) == db.head_revision()
    assert _tables(empty_db_url) == {*db.TABLES, db.VERSION_TABLE}
    with db.get_engine(empty_db_url).connect() as conn:
        assert db.current_revision(conn) == db.head_revision()


def test_migrations_match_the_table_definitions(empty_db_url: str) -> None:
    db.migrate(empty_db_url)
    with db.get_engine(empty_db_url).connect() as conn:
        assert db.schema_differences(conn) == []


def test_schema_check_notices_drift(empty_db_url: str) -> None:
    db.migrate(empty_db_url)
    engine = db.get_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_orders_customer_id"))
    with engine.connect() as conn:
        differences = db.schema_differences(conn)
    assert any("ix_orders_customer_id" in str(diff) for diff in differences)


def test_migrate_is_idempotent_and_keeps_data(empty_db_url: str) -> None:
    db.migrate(empty_db_url)
    OrderStore.from_url(empty_db_url).upsert_customer(Customer(customer_id="C1001", name="Ana Silva"))
    assert db.migrate(empty_db_url) == db.head_revision()
    assert OrderStore.from_url(empty_db_url).get_customer("C1001") == Customer(
        customer_id="C1001", name="Ana Silva"
    )


def test_rasa_tracker_table_shares_the_database(empty_db_url: str) -> None:
    assert "events" not in db.TABLES
    engine = db.get_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255))"))
    db.migrate(empty_db_url)
    with engine.connect() as conn:
        assert db.schema_differences(conn) == []
    assert "events" in _tables(empty_db_url)


def test_downgrade_to_base_removes_only_our_tables(empty_db_url: str) -> None:
    engine = db.get_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY)"))
    db.migrate(empty_db_url)
    with engine.begin() as conn:
        command.downgrade(db.alembic_config(conn), "base")
    assert _tables(empty_db_url) == {"events", db.VERSION_TABLE}


def test_store_on_an_unmigrated_database_says_to_migrate(empty_db_url: str) -> None:
    with pytest.raises(SupportbotError, match="supportbot orders migrate"):
        OrderStore.from_url(empty_db_url).count_orders()


def test_default_database_is_sqlite_under_var(tmp_path: Path) -> None:
    url = Settings(home=tmp_path, db_url="").database_url
    assert url == f"sqlite:///{tmp_path / 'var' / 'supportbot.db'}"
    try:
        db.migrate(url)
        assert (tmp_path / "var" / "supportbot.db").is_file()
    finally:
        db.dispose_engine(url)


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'x.db'}"
    try:
        with db.get_engine(url).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose_engine(url)


def test_engine_is_cached_per_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    try:
        assert db.get_engine(url) is db.get_engine(url)
        assert db.get_engine(url) is not db.get_engine(f"sqlite:///{tmp_path / 'y.db'}")
    finally:
        db.dispose_engine(url)
        db.dispose_engine(f"sqlite:///{tmp_path / 'y.db'}")


def test_in_memory_sqlite_keeps_its_tables_across_connections() -> None:
    url = "sqlite://"
    try:
        db.migrate(url)
        assert OrderStore.from_url(url).count_orders() == 0
    finally:
        db.dispose_engine(url)


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y"])
def test_bad_database_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError):
        db.get_engine(url)


def test_unreachable_postgres_is_a_clear_error() -> None:
    url = "postgresql+psycopg2://nobody:secret-pw@127.0.0.1:1/none?connect_timeout=2"
    try:
        with pytest.raises(SupportbotError) as error:
            OrderStore.from_url(url).count_orders()
        assert "secret-pw" not in str(error.value)
        assert "127.0.0.1" in str(error.value)
    finally:
        db.dispose_engine(url)


def test_postgres_scheme_alias_is_accepted() -> None:
    url = "postgres://user:pw@127.0.0.1:1/db"
    try:
        assert db.get_engine(url).dialect.name == "postgresql"
    finally:
        db.dispose_engine(url)


def test_database_from_a_newer_supportbot_is_a_clear_error(empty_db_url: str) -> None:
    db.migrate(empty_db_url)
    with db.get_engine(empty_db_url).begin() as conn:
        conn.execute(text(f"UPDATE {db.VERSION_TABLE} SET version_num = 'ffff'"))
    with pytest.raises(SupportbotError, match="ffff"):
        db.migrate(empty_db_url)


def test_0002_moves_whatsapp_addresses_out_of_session_ids_into_columns(empty_db_url: str) -> None:
    db.migrate(empty_db_url, "0001")
    with db.get_engine(empty_db_url).begin() as conn:
        for session_id, channel in (
            ("wa-cloud:1098765:4915112345678:C1001", "whatsapp"),
            ("wa-twilio:14155238886:34612345678:-", "whatsapp"),
            ("5c1e-web", "web"),
        ):
            conn.execute(
                text(
                    "INSERT INTO conversations (session_id, channel, status, created_at, updated_at) "
                    "VALUES (:session_id, :channel, 'bot', '2024-06-01 12:00:00', '2024-06-01 12:00:00')"
                ),
                {"session_id": session_id, "channel": channel},
            )
    db.migrate(empty_db_url)
    log = ConversationLog(db.get_engine(empty_db_url))
    cloud = log.get_conversation("wa-cloud:1098765:4915112345678:C1001")
    twilio = log.get_conversation("wa-twilio:14155238886:34612345678:-")
    web = log.get_conversation("5c1e-web")
    assert cloud is not None
    assert twilio is not None
    assert web is not None
    assert (cloud.address.provider, cloud.address.provider_account, cloud.address.buyer_number) == (
        "wa-cloud",
        "1098765",
        "4915112345678",
    )
    assert (twilio.address.provider, twilio.address.buyer_number) == ("wa-twilio", "34612345678")
    assert web.address.provider == "web"
    assert web.address.buyer_number is None
