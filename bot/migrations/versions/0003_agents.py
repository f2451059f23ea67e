"""Support operations: named agents and their console sessions, an audit trail, review labels,
admin article edits, and per-message authorship and intent (for reports).

Revision ID: 0003_agents
Revises: 0003_identity_revocation
Create Date: 2026-03-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "0003_agents"
down_revision: str | Sequence[str] | None = "0003_identity_revocation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("agent_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", bot.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agents")),
        sa.UniqueConstraint("name", name="uq_agents_name"),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", bot.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.agent_id"], name=op.f("fk_agent_sessions_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_agent_sessions")),
    )
    op.create_index(op.f("ix_agent_sessions_agent_id"), "agent_sessions", ["agent_id"])
    op.create_index(op.f("ix_agent_sessions_last_seen_at"), "agent_sessions", ["last_seen_at"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.agent_id"], name=op.f("fk_audit_events_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])
    op.create_index(op.f("ix_audit_events_agent_id"), "audit_events", ["agent_id"])

    op.create_table(
        "review_labels",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("article_id", sa.String(length=128), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("exported_at", bot.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.agent_id"], name=op.f("fk_review_labels_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_review_labels_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_review_labels")),
    )

    op.create_table(
        "article_edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(length=128), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.agent_id"], name=op.f("fk_article_edits_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_edits")),
    )
    op.create_index(op.f("ix_article_edits_article_id"), "article_edits", ["article_id"])

    # Batch mode: SQLite cannot add a foreign key to an existing table, so it rebuilds the table.
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("intent", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch.create_foreign_key(op.f("fk_messages_agent_id_agents"), "agents", ["agent_id"], ["agent_id"])
        batch.create_index(op.f("ix_messages_agent_id"), ["agent_id"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index(op.f("ix_messages_agent_id"))
        batch.drop_constraint(op.f("fk_messages_agent_id_agents"), type_="foreignkey")
        batch.drop_column("intent_confidence")
        batch.drop_column("intent")
        batch.drop_column("agent_id")
    op.drop_index(op.f("ix_article_edits_article_id"), table_name="article_edits")
    op.drop_table("article_edits")
    op.drop_table("review_labels")
    op.drop_index(op.f("ix_audit_events_agent_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_agent_sessions_last_seen_at"), table_name="agent_sessions")
    op.drop_index(op.f("ix_agent_sessions_agent_id"), table_name="agent_sessions")
    op.drop_table("agent_sessions")
    op.drop_table("agents")
