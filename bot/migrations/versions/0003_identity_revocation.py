"""Customers get ``identities_valid_after``: revoking one customer's widget identities
(bot.identity) without rotating the widget secret for everyone.

Revision ID: 0003_identity_revocation
Revises: 0002
Create Date: 2026-03-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "0003_identity_revocation"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("identities_valid_after", bot.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("identities_valid_after")
