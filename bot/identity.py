"""Who a buyer is: each proof is made and checked in one place.

Widget buyers are vouched for by the shop, with ``SUPPORTBOT_WIDGET_SECRET``:

- ``customer_hash``: hex HMAC-SHA256 of the customer id. It never expires.
- ``customer_token``: a JWT (HS256, the same secret) with ``sub`` (the customer id), ``iat`` and
  ``exp``, at most ``SUPPORTBOT_WIDGET_TOKEN_MAX_SECONDS`` long: the shape chat-widget vendors use
  for identity verification. A token's signing input is always longer than a customer id may be
  (``ID_MAX_CHARS``), so no ``customer_hash`` can ever be passed off as a token signature.

A customer's proofs can be revoked one customer at a time (``OrderStore.revoke_identities``):
tokens issued before the revocation are refused with ``Unauthenticated`` (the shop renders a new
one with the next page), and hashes stop proving anything for that customer, since a hash carries
no issue time.

Between the gateway and the action server, with ``SUPPORTBOT_ACTIONS_SECRET``: the gateway signs
the customer it verified together with the conversation, the channel and the time
(``turn_metadata``); the actions believe a customer id only with a fresh, valid signature
(``verified_turn_customer``). Rasa's REST webhook accepts anything from anyone on the machine, so
this signature, not Rasa, is what keeps a forged ``customer_id`` away from order data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.errors import Unauthenticated
from bot.schemas.base import ID_MAX_CHARS
from bot.schemas.chat import CUSTOMER_TOKEN_MAX_CHARS

logger = logging.getLogger(__name__)

# A turn reaches the actions within a Rasa round trip (seconds); a signature older than this is
# a replay, not a slow turn.
TURN_MAX_AGE_SECONDS = 300
# Clocks of the processes (and of the shop's server) may disagree by this much.
CLOCK_SKEW_SECONDS = 60
TOKEN_ALGORITHM = "HS256"
_TURN_VERSION = "supportbot-turn-v1"

EXPIRED = "Your sign-in has expired. Reload the page to continue the conversation."
REVOKED = "Your sign-in is no longer valid. Reload the page to sign in again."


def customer_hash(secret: str, customer_id: str) -> str:
    """What the shop's server computes for a signed-in buyer (docs/widget.md)."""
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def customer_token(secret: str, customer_id: str, *, issued_at: datetime, lifetime_seconds: int) -> str:
    """A widget token as a shop's server makes one (the demo shop and the tests use this)."""
    import jwt

    iat = int(issued_at.timestamp())
    claims = {"sub": customer_id, "iat": iat, "exp": iat + lifetime_seconds}
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def _usable_id(value: Any) -> str | None:
    if not isinstance(value, str) or not value or len(value) > ID_MAX_CHARS or value != value.strip():
        return None
    if not value.isprintable():
        return None
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate from JSON's \ud800
        return None
    return value


def _numeric_date(value: Any) -> float | None:
    """A JWT NumericDate: seconds since the epoch, finite, within the 32-bit unsigned range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number < 2**32 else None


@dataclass(frozen=True)
class WidgetProof:
    """What a widget request carries: an id with its hash, or a token (with or without the id)."""

    customer_id: str | None = None
    customer_hash: str | None = None
    customer_token: str | None = None


class WidgetIdentity:
    """Checks a widget buyer's proof; ``identities_valid_after(customer_id)`` reads the revocation."""

    def __init__(
        self,
        secret: str | None,
        *,
        max_token_seconds: int,
        identities_valid_after: Callable[[str], datetime | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._secret = secret or None
        self.max_token_seconds = max_token_seconds
        self._valid_after = identities_valid_after
        self._clock = clock

    def verify(self, proof: WidgetProof) -> str | None:
        """The verified customer id, or None (anonymous) for a missing, malformed or forged proof.

        ``Unauthenticated`` for a genuine token that has expired or was revoked, so the widget can
        tell the buyer to reload instead of silently losing their conversation.
        """
        if self._secret is None:
            return None
        if proof.customer_token:
            return self._verify_token(proof.customer_token, proof.customer_id)
        customer_id = _usable_id(proof.customer_id)
        given = (proof.customer_hash or "").strip().lower()
        if customer_id is None or not given:
            return None
        expected = customer_hash(self._secret, customer_id)
        if not hmac.compare_digest(expected.encode(), given.encode("ascii", "replace")):
            return None
        if self._valid_after(customer_id) is not None:
            return None  # revoked: a hash has no issue time, so none is after the revocation
        return customer_id

    def _verify_token(self, token: str, claimed_id: str | None) -> str | None:
        import jwt

        assert self._secret is not None
        if len(token) > CUSTOMER_TOKEN_MAX_CHARS:
            return None
        try:
            # The signature and algorithm by PyJWT; the dates below, against the injected clock.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[TOKEN_ALGORITHM],
                options={
                    "require": ["sub", "iat", "exp"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError, UnicodeError):
            return None
        customer_id = _usable_id(claims.get("sub"))
        issued_at, expires_at = _numeric_date(claims.get("iat")), _numeric_date(claims.get("exp"))
        if customer_id is None or issued_at is None or expires_at is None:
            return None
        if claimed_id is not None and claimed_id != customer_id:
            return None
        if not 0 < expires_at - issued_at <= self.max_token_seconds:
            return None
        now = self._clock().timestamp()
        if issued_at > now + CLOCK_SKEW_SECONDS:
            return None
        not_before = _numeric_date(claims.get("nbf"))
        if "nbf" in claims and (not_before is None or not_before > now + CLOCK_SKEW_SECONDS):
            return None
        if expires_at <= now - CLOCK_SKEW_SECONDS:
            raise Unauthenticated(EXPIRED)
        revoked = self._valid_after(customer_id)
        if revoked is not None and issued_at <= revoked.timestamp():
            raise Unauthenticated(REVOKED)
        return customer_id


# ------------------------------------------------------------------ gateway -> action server


def sign_turn(secret: str, *, sender_id: str, channel: str, customer_id: str | None, issued_at: int) -> str:
    # A JSON array: unambiguous whatever characters the fields hold.
    message = json.dumps([_TURN_VERSION, sender_id, channel, customer_id, issued_at], separators=(",", ":"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def turn_metadata(
    secret: str | None, *, sender_id: str, channel: str, customer_id: str | None, now: datetime
) -> dict[str, Any]:
    """The metadata the gateway sends with a buyer's message to Rasa, signed when it has a secret."""
    metadata: dict[str, Any] = {"customer_id": customer_id, "channel": channel}
    if secret:
        issued_at = int(now.timestamp())
        metadata["issued_at"] = issued_at
        metadata["signature"] = sign_turn(
            secret, sender_id=sender_id, channel=channel, customer_id=customer_id, issued_at=issued_at
        )
    return metadata


def verified_turn_customer(
    secret: str | None,
    metadata: Mapping[str, Any] | None,
    *,
    sender_id: str,
    now: datetime,
    max_age_seconds: int = TURN_MAX_AGE_SECONDS,
) -> str | None:
    """The customer id of a turn's metadata when the gateway signed it for this conversation,
    recently; None otherwise (no secret, unsigned, forged, moved to another conversation, stale)."""
    if not secret or not isinstance(metadata, Mapping):
        return None
    customer_id = metadata.get("customer_id")
    channel, issued_at, signature = (
        metadata.get("channel"),
        metadata.get("issued_at"),
        metadata.get("signature"),
    )
    if not isinstance(customer_id, str) or not customer_id or not isinstance(channel, str):
        return None
    if isinstance(issued_at, bool) or not isinstance(issued_at, int) or not isinstance(signature, str):
        return None
    age = now.astimezone(timezone.utc).timestamp() - issued_at
    if not -CLOCK_SKEW_SECONDS <= age <= max_age_seconds:
        logger.warning("refused a stale identity signature for conversation %s (%.0f s old)", sender_id, age)
        return None
    expected = sign_turn(
        secret, sender_id=sender_id, channel=channel, customer_id=customer_id, issued_at=issued_at
    )
    if not hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace")):
        logger.warning("refused a forged identity for conversation %s", sender_id)
        return None
    return customer_id
