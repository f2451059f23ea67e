"""Domain errors with a sentence for a person. The CLI turns them into exit codes (``bot.cli``) and
the gateway into HTTP statuses, in one table (``api.errors``); nothing in ``bot/`` knows either."""

from __future__ import annotations


class SupportbotError(Exception):
    """Base class for errors that carry a message meant for a person (CLI exit 1, HTTP 503)."""


class UsageError(SupportbotError):
    """Bad input from the caller: the CLI exits 2, the gateway answers 422."""


class InvalidField(UsageError, ValueError):
    """One field of the input is missing or invalid; ``field`` names it (dotted, ``items[0].title``).

    A ``ValueError`` too, so pydantic validators can raise it and its message survives unchanged.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(UsageError):
    """What was asked for does not exist, or is not the caller's to see (HTTP 404)."""


class Unauthenticated(SupportbotError):
    """Missing, wrong, expired or revoked credentials (HTTP 401): a widget token that expired or was
    revoked (the shop renders a fresh one with the next page), or an agent's sign-in or session.
    The message never says which part of a credential was wrong."""


class Forbidden(SupportbotError):
    """The caller may not act on this, e.g. someone else's conversation (HTTP 403)."""


class Unavailable(SupportbotError):
    """A service the answer depends on is down or timed out (HTTP 503 with Retry-After)."""


class DeliveryFailed(SupportbotError):
    """A reply could not be handed to the buyer's messaging provider (HTTP 502)."""
