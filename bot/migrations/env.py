"""Alembic environment: always online, on the connection ``bot.db.migrate`` hands in.

Run from the ``alembic`` command instead (to write a new revision), it connects to
``SUPPORTBOT_DB_URL`` through the same cached engine, so SQLite gets the same pragmas.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot import db


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        version_table=db.VERSION_TABLE,
        compare_type=True,
        include_name=db.own_tables_only,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        raise SystemExit("supportbot migrations run online only: use `supportbot orders migrate`")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from bot.config import get_settings

    engine = db.get_engine(get_settings().database_url)
    with engine.begin() as own_connection:
        _run(own_connection)


run()
