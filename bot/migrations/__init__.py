"""Alembic migrations of the supportbot database (run them with `supportbot orders migrate`)."""
