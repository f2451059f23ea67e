"""The one database of supportbot: tables, the cached engine per URL and the migrations.

Orders, customers, handoff tickets and the conversation log share one SQLAlchemy engine.
Rasa's SQL tracker store lives in the same database, which is why no table here is named
``events``. The schema is owned by the Alembic migrations in ``bot/migrations/``; the
``metadata`` below mirrors them (a test asserts that the two match) and is what queries use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    exc,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.types import TypeDecorator

from bot.errors import SupportbotError, UsageError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
from bot.schemas.base import (
    AGENT_NAME_MAX_CHARS,
    ARTICLE_ID_MAX_CHARS,
    EMAIL_MAX_CHARS,
    ID_MAX_CHARS,
    INTENT_MAX_CHARS,
    NAME_MAX_CHARS,
    PHONE_MAX_CHARS,
    SESSION_ID_MAX_CHARS,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Its own version table, so another Alembic-managed schema sharing the database cannot collide.
VERSION_TABLE = "supportbot_alembic_version"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    Stored as naive UTC because SQLite has no time zones; without this, values read back from
    SQLite would be naive and compare wrongly with the aware datetimes of ``bot.schemas``.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = MetaData(naming_convention=NAMING_CONVENTION)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(ID_MAX_CHARS), primary_key=True),
    Column("name", String(NAME_MAX_CHARS), nullable=False),
    Column("email", String(EMAIL_MAX_CHARS), nullable=True),
    Column("phone", String(PHONE_MAX_CHARS), nullable=True),
    # Digits only, so WhatsApp's "whatsapp:+49 151..." matches the shop's "+4915...".
    Column("phone_digits", String(32), nullable=True, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Set when the customer's widget identities were revoked (bot.identity): tokens issued until
    # then and every customer_hash stop proving who the buyer is.
    Column("identities_valid_after", UTCDateTime(), nullable=True),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(ID_MAX_CHARS), primary_key=True),
    Column(
        "customer_id", String(ID_MAX_CHARS), ForeignKey("customers.customer_id"), nullable=False, index=True
    ),
    Column("status", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The order JSON exactly as bot.schemas.orders.Order writes it (amount as a decimal string,
    # so no float rounding): one validator, one format, lossless round trips.
    Column("document", JSON(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", String(32), primary_key=True),
    Column("session_id", String(SESSION_ID_MAX_CHARS), nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    # No foreign key: a widget buyer can be verified (HMAC) before the shop synced the customer.
    Column("customer_id", String(ID_MAX_CHARS), nullable=True),
    Column("reason", Text(), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("transcript", JSON(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

conversations = Table(
    "conversations",
    metadata,
    Column("session_id", String(SESSION_ID_MAX_CHARS), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("customer_id", String(ID_MAX_CHARS), nullable=True),
    Column("status", String(16), nullable=False),
    Column("ticket_id", String(32), nullable=True),
    Column("intent", String(INTENT_MAX_CHARS), nullable=True),
    Column("intent_confidence", Float(), nullable=True),
    Column("last_message", Text(), nullable=True),
    # Id of the newest message: breaks ties between conversations updated in the same instant.
    Column("last_message_id", Integer(), nullable=True),
    # Where agent replies go (bot.schemas.conversations.ChannelAddress), kept as columns rather
    # than read back out of the session id.
    Column("provider", String(16), nullable=False, server_default="web"),
    Column("provider_account", String(64), nullable=True),
    Column("buyer_number", String(PHONE_MAX_CHARS), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False, index=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "session_id",
        String(SESSION_ID_MAX_CHARS),
        ForeignKey("conversations.session_id"),
        nullable=False,
        index=True,
    ),
    Column("role", String(16), nullable=False),
    Column("text", Text(), nullable=False),
    Column("data", JSON(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("helpful", Boolean(create_constraint=False), nullable=True),
    # Who wrote an agent message (null for buyer and bot messages, and for the admin token).
    Column("agent_id", Integer(), ForeignKey("agents.agent_id"), nullable=True, index=True),
    # What Rasa understood of a buyer message: reports count intents and fallbacks per message.
    Column("intent", String(INTENT_MAX_CHARS), nullable=True),
    Column("intent_confidence", Float(), nullable=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel", "message_id", name="uq_webhook_deliveries_channel_message_id"),
)

# Support staff who sign in to the console by name. Never deleted: a revoked agent keeps the
# replies, labels and edits recorded under their name.
agents = Table(
    "agents",
    metadata,
    Column("agent_id", Integer(), primary_key=True, autoincrement=True),
    Column("name", String(AGENT_NAME_MAX_CHARS), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    UniqueConstraint("name", name="uq_agents_name"),
)

# Console sign-ins. The cookie holds a random token; only its sha256 is stored, so a copy of the
# database signs nobody in. ``last_seen_at`` is the agent's presence (bot.availability).
agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("agent_id", Integer(), ForeignKey("agents.agent_id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False, index=True),
)

# Who did what: agent replies, ticket changes, review labels, article edits, agent accounts.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    # Null for the admin token (a machine) and the command line; ``actor`` names them.
    Column("agent_id", Integer(), ForeignKey("agents.agent_id"), nullable=True, index=True),
    Column("actor", String(AGENT_NAME_MAX_CHARS + 16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(SESSION_ID_MAX_CHARS), nullable=True),
    Column("detail", JSON(), nullable=True),
)

# Conversation review: what a buyer message should have been understood as.
review_labels = Table(
    "review_labels",
    metadata,
    Column("message_id", Integer(), ForeignKey("messages.id"), primary_key=True),
    Column("intent", String(INTENT_MAX_CHARS), nullable=True),
    Column("article_id", String(ARTICLE_ID_MAX_CHARS), nullable=True),
    Column("agent_id", Integer(), ForeignKey("agents.agent_id"), nullable=True),
    Column("actor", String(AGENT_NAME_MAX_CHARS + 16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Set by `supportbot review export`; a label changed afterwards is exported again.
    Column("exported_at", UTCDateTime(), nullable=True),
)

# Help-center articles added or edited by admins while serving: the newest edit of an id replaces
# (or adds) that article on top of data/faq/articles.yaml (bot.knowledge).
article_edits = Table(
    "article_edits",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("article_id", String(ARTICLE_ID_MAX_CHARS), nullable=False, index=True),
    Column("document", JSON(), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("agent_id", Integer(), ForeignKey("agents.agent_id"), nullable=True),
    Column("actor", String(AGENT_NAME_MAX_CHARS + 16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

TABLES = (
    "customers",
    "orders",
    "tickets",
    "conversations",
    "messages",
    "webhook_deliveries",
    "agents",
    "agent_sessions",
    "audit_events",
    "review_labels",
    "article_edits",
)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """The engine for ``url``, built once per process and URL (pools are per engine)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url``'s engine (tests dropping a database use it)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _create_engine(url: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise UsageError(f"SUPPORTBOT_DB_URL {url!r} is not a SQLAlchemy database URL") from None
    if parsed.drivername == "postgres":
        # Hosting providers hand out postgres:// URLs, a scheme SQLAlchemy 1.4 no longer accepts.
        parsed = parsed.set(drivername="postgresql")
    kwargs: dict[str, Any] = {"future": True}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        # The gateway serves requests from a thread pool; sqlite3's same-thread check would
        # refuse connections handed between threads by the pool. The timeout waits for
        # another writer (Rasa's tracker store, the action server) instead of failing at once.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        database = parsed.database or ""
        if database in ("", ":memory:"):
            # One shared connection, or every new connection would see a new empty database.
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (exc.NoSuchModuleError, ImportError) as error:
        raise UsageError(f"no database driver for {parsed.drivername!r} ({error})") from None
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers (the gateway) proceed while a writer (seed, tracker store) commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite ignores foreign keys unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def describe(engine: Engine) -> str:
    """The engine's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """Turn driver failures into a message for a person instead of a traceback."""
    try:
        yield
    except (exc.OperationalError, exc.ProgrammingError) as error:
        text = str(error.orig) if error.orig is not None else str(error)
        lowered = text.lower()
        if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
            raise SupportbotError(
                f"the database {describe(engine)} has no supportbot tables; run `supportbot orders migrate`"
            ) from None
        first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        raise SupportbotError(f"database {describe(engine)}: {first_line}") from None


def insert_ignoring_duplicate(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """INSERT unless a row with the same unique key exists; True when the row was inserted.

    Race-free on both backends: two processes inserting the same key at once get exactly one
    True, without aborting the surrounding transaction.
    """
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        result = conn.execute(insert(table).values(**values).on_conflict_do_nothing())
        return bool(result.rowcount)
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(**values))
    except exc.IntegrityError:
        return False
    return True


def alembic_config(connection: Connection) -> AlembicConfig:
    """An Alembic ``Config`` for ``bot/migrations`` that runs on ``connection`` (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(url: str, revision: str = "head") -> str:
    """Bring the database at ``url`` to ``revision`` (idempotent); returns the revision reached."""
    from alembic import command
    from alembic.util import CommandError

    engine = get_engine(url)
    try:
        with database_errors(engine), engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
            return current_revision(connection) or "base"
    except CommandError as error:
        # e.g. a database migrated by a newer supportbot than this checkout
        raise SupportbotError(f"cannot migrate {describe(engine)}: {error}") from None


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    if head is None:
        raise SupportbotError(f"no migrations in {MIGRATIONS_DIR}")
    return head


def schema_differences(connection: Connection) -> list[Any]:
    """What ``alembic check`` would report: differences between the database and ``metadata``."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(
        connection,
        opts={
            "version_table": VERSION_TABLE,
            "compare_type": True,
            "include_name": own_tables_only,
        },
    )
    return list(compare_metadata(context, metadata))


def own_tables_only(name: str | None, type_: str, _parent: Any) -> bool:
    # Rasa's tracker store shares the database; its tables are not ours to compare.
    if type_ == "table":
        return name in TABLES
    return True
