"""The gateway's three identity checks, each in one place.

- Buyers on the web: ``customer_hash`` must be the hex HMAC-SHA256 of ``customer_id`` under
  ``SUPPORTBOT_WIDGET_SECRET``; anything else makes the buyer anonymous.
- Shop sync, agent console and agent assist: ``Authorization: Bearer SUPPORTBOT_ADMIN_TOKEN``.

Who a conversation belongs to is a rule of the conversation service (``bot.chat``).
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request

from bot.config import Settings

CUSTOMER_ID_HEADER = "X-Customer-Id"
CUSTOMER_HASH_HEADER = "X-Customer-Hash"


def customer_hash(secret: str, customer_id: str) -> str:
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def verify_customer(settings: Settings, customer_id: str | None, given_hash: str | None) -> str | None:
    """The customer id when its hash is valid, else None (anonymous). No secret: nobody is verified."""
    secret = settings.widget_secret
    if not secret or not customer_id or not given_hash:
        return None
    expected = customer_hash(secret, customer_id)
    if hmac.compare_digest(expected.encode(), given_hash.strip().lower().encode()):
        return customer_id
    return None


def identity_from_request(settings: Settings, request: Request) -> str | None:
    """The verified customer for GET-style calls: headers, or ``customer_id``/``customer_hash`` query parameters."""
    customer_id = request.headers.get(CUSTOMER_ID_HEADER) or request.query_params.get("customer_id")
    given_hash = request.headers.get(CUSTOMER_HASH_HEADER) or request.query_params.get("customer_hash")
    return verify_customer(settings, customer_id, given_hash)


def check_admin(settings: Settings, authorization: str | None) -> None:
    """401 unless the bearer token is the admin token (and one is configured at all)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if not settings.admin_token:
        raise HTTPException(
            401, "The admin API is disabled: SUPPORTBOT_ADMIN_TOKEN is not set.", headers=challenge
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "Send the admin token as 'Authorization: Bearer <token>'.", headers=challenge
        )
    if not hmac.compare_digest(token.strip().encode(), settings.admin_token.encode()):
        raise HTTPException(401, "The admin token was not accepted.", headers=challenge)
