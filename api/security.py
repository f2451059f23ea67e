"""The gateway's identity checks, each in one place.

- Buyers on the web: a ``customer_hash`` or a ``customer_token`` made by the shop with
  ``SUPPORTBOT_WIDGET_SECRET`` (checked by ``bot.identity.WidgetIdentity``). POST /v1/chat carries
  it in the body; every other call in the ``X-Customer-*`` headers, never in the query string
  (URLs end up in access logs, browser history and Referer headers).
- Shop sync, agent console and agent assist: ``Authorization: Bearer SUPPORTBOT_ADMIN_TOKEN``.

Who a conversation belongs to is a rule of the conversation service (``bot.chat``).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from bot.config import Settings
from bot.identity import WidgetIdentity, WidgetProof

CUSTOMER_ID_HEADER = "X-Customer-Id"
CUSTOMER_HASH_HEADER = "X-Customer-Hash"
CUSTOMER_TOKEN_HEADER = "X-Customer-Token"
IDENTITY_HEADERS = (CUSTOMER_ID_HEADER, CUSTOMER_HASH_HEADER, CUSTOMER_TOKEN_HEADER)


def proof_from_headers(request: Request) -> WidgetProof:
    headers = request.headers
    return WidgetProof(
        customer_id=headers.get(CUSTOMER_ID_HEADER),
        customer_hash=headers.get(CUSTOMER_HASH_HEADER),
        customer_token=headers.get(CUSTOMER_TOKEN_HEADER),
    )


async def verified_customer(identity: WidgetIdentity, proof: WidgetProof) -> str | None:
    """The verified customer id or None; ``Unauthenticated`` (401) for an expired or revoked token.
    Off the event loop: a valid proof is checked against the customer's revocation in the database."""
    return await run_in_threadpool(identity.verify, proof)


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
