"""Conversations keep their reply address (provider, our account, the buyer's number) in columns.

Existing WhatsApp conversations get theirs from the session ids they were created with
(``wa-cloud:<phone_number_id>:<buyer digits>:<customer>``, ``wa-twilio:<our digits>:<buyer digits>:<customer>``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_conversations = sa.table(
    "conversations",
    sa.column("session_id", sa.String),
    sa.column("provider", sa.String),
    sa.column("provider_account", sa.String),
    sa.column("buyer_number", sa.String),
)


def upgrade() -> None:
    op.add_column(
        "conversations", sa.Column("provider", sa.String(length=16), server_default="web", nullable=False)
    )
    op.add_column("conversations", sa.Column("provider_account", sa.String(length=64), nullable=True))
    op.add_column("conversations", sa.Column("buyer_number", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_conversations.c.session_id).where(_conversations.c.session_id.like("wa-%:%"))
    ).all()
    for (session_id,) in rows:
        parts = session_id.split(":", 3)
        if len(parts) == 4 and parts[0] in ("wa-cloud", "wa-twilio"):
            connection.execute(
                _conversations.update()
                .where(_conversations.c.session_id == session_id)
                .values(provider=parts[0], provider_account=parts[1], buyer_number=parts[2])
            )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("buyer_number")
        batch.drop_column("provider_account")
        batch.drop_column("provider")
