"""WhatsApp webhooks: Twilio (TwiML replies) and Meta's Cloud API (replies sent with the send API).

Both refuse unsigned or forged requests, answer 503 while their secret is not configured, and
answer each provider message id once (providers retry deliveries). A WhatsApp number that
matches a customer's phone makes the sender that verified customer; any other number is anonymous.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Optional

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from api.conversation import BotReply, twilio_session, whatsapp_cloud_session
from api.deps import Services, ServicesDep
from bot.channels.text import render_reply
from bot.channels.twilio import twiml, validate_signature
from bot.channels.whatsapp_cloud import (
    ChannelDeliveryError,
    IncomingMessage,
    parse_messages,
    verify_signature,
)
from bot.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

UNREADABLE = "Sorry, I can only read text messages. Please type your question."
TOO_QUICK = "You're sending messages too quickly. Please wait a moment, then try again."
UNAVAILABLE = "Sorry, the assistant is not available right now. Please try again in a few minutes."


def _too_long(limit: int) -> str:
    return f"Your message is too long for me (over {limit} characters). Please send a shorter one."


async def _whatsapp_turn(
    services: Services, session_id: str, text: Optional[str], customer_id: Optional[str]
) -> list[str]:
    """The texts to send back for one WhatsApp message (empty while an agent has the conversation)."""
    settings = services.settings
    if text is None or not text.strip():
        return [UNREADABLE]
    if len(text) > settings.max_message_chars:
        return [_too_long(settings.max_message_chars)]
    if services.limiter is not None and services.limiter.check(f"chat-session:{session_id}") is not None:
        return [TOO_QUICK]
    try:
        turn = await services.chat.handle_turn(
            session_id, text.strip(), channel="whatsapp", customer_id=customer_id
        )
    except RasaUnavailable as exc:
        logger.warning("WhatsApp turn for %s not answered: %s", session_id, exc)
        return [UNAVAILABLE]
    if turn.forwarded:
        await services.chat.record_intent(session_id)
    rendered = [_render(reply, services) for reply in turn.replies]
    return [text for text in rendered if text]


def _render(reply: BotReply, services: Services) -> str:
    return render_reply(
        reply.text,
        buttons=reply.buttons,
        data=reply.data,
        source=reply.source,
        help_base_url=services.settings.public_url,
    )


async def _customer_for_phone(services: Services, phone: str) -> Optional[str]:
    customer = await run_in_threadpool(services.store.find_customer_by_phone, phone)
    return customer.customer_id if customer is not None else None


# ------------------------------------------------------------------ Twilio


def _twilio_url(request: Request, public_url: Optional[str]) -> str:
    """The URL Twilio signed: ours as configured in the Twilio console when behind a proxy."""
    if not public_url:
        return str(request.url)
    query = request.url.query
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


@router.post("/twilio/whatsapp")
async def twilio_whatsapp(request: Request, services: ServicesDep) -> Response:
    settings = services.settings
    if not settings.twilio_auth_token:
        raise HTTPException(503, "The Twilio webhook is disabled: TWILIO_AUTH_TOKEN is not set.")
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        raise HTTPException(401, "X-Twilio-Signature is missing.")
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    if not validate_signature(
        settings.twilio_auth_token, _twilio_url(request, settings.public_url), params, signature
    ):
        raise HTTPException(403, "X-Twilio-Signature does not match this request.")
    message_sid = params.get("MessageSid") or params.get("SmsMessageSid")
    sender, ours = params.get("From"), params.get("To")
    if not message_sid or not sender or not ours:
        raise HTTPException(422, "From, To and MessageSid are required.")
    if not await run_in_threadpool(services.conversations.claim_delivery, "twilio", message_sid):
        return Response(twiml([]), media_type="application/xml")
    customer_id = await _customer_for_phone(services, sender)
    text: Optional[str] = params.get("Body", "")
    if not (text or "").strip() and params.get("NumMedia", "0") not in ("", "0"):
        text = None
    texts = await _whatsapp_turn(services, twilio_session(ours, sender, customer_id), text, customer_id)
    return Response(twiml(texts), media_type="application/xml")


# ------------------------------------------------------------------ WhatsApp Cloud API


@router.get("/whatsapp")
async def whatsapp_verify(
    services: ServicesDep,
    mode: Optional[str] = Query(None, alias="hub.mode"),
    verify_token: Optional[str] = Query(None, alias="hub.verify_token"),
    challenge: Optional[str] = Query(None, alias="hub.challenge"),
) -> PlainTextResponse:
    """Meta's subscription handshake: echo ``hub.challenge`` when the verify token matches."""
    expected = services.settings.whatsapp_verify_token
    if not expected:
        raise HTTPException(503, "The WhatsApp webhook is disabled: WHATSAPP_VERIFY_TOKEN is not set.")
    if (
        mode != "subscribe"
        or not verify_token
        or not hmac.compare_digest(verify_token.encode(), expected.encode())
    ):
        raise HTTPException(403, "The verify token does not match.")
    return PlainTextResponse(challenge or "")


@router.post("/whatsapp")
async def whatsapp_receive(
    request: Request, background: BackgroundTasks, services: ServicesDep
) -> dict[str, Any]:
    """Acknowledges at once (Meta retries slow webhooks) and answers in a background task."""
    settings = services.settings
    if not settings.whatsapp_app_secret:
        raise HTTPException(503, "The WhatsApp webhook is disabled: WHATSAPP_APP_SECRET is not set.")
    if services.whatsapp is None:
        raise HTTPException(503, "The WhatsApp webhook is disabled: WHATSAPP_ACCESS_TOKEN is not set.")
    signature = request.headers.get("X-Hub-Signature-256")
    if not signature:
        raise HTTPException(401, "X-Hub-Signature-256 is missing.")
    body = await request.body()
    if not verify_signature(settings.whatsapp_app_secret, body, signature):
        raise HTTPException(403, "X-Hub-Signature-256 does not match the body.")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "The request body is not valid JSON.") from None
    fresh = []
    for message in parse_messages(payload):
        if await run_in_threadpool(services.conversations.claim_delivery, "whatsapp", message.message_id):
            fresh.append(message)
    if fresh:
        background.add_task(_answer_whatsapp, services, fresh)
    return {"status": "received", "messages": len(fresh)}


async def _answer_whatsapp(services: Services, messages: list[IncomingMessage]) -> None:
    assert services.whatsapp is not None
    for message in messages:
        try:
            customer_id = await _customer_for_phone(services, message.sender)
            session_id = whatsapp_cloud_session(message.phone_number_id, message.sender, customer_id)
            for text in await _whatsapp_turn(services, session_id, message.text, customer_id):
                await services.whatsapp.send_text(message.phone_number_id, message.sender, text)
        except ChannelDeliveryError as exc:
            logger.error("WhatsApp reply to message %s not delivered: %s", message.message_id, exc)
        except Exception:  # one bad message must not stop the others in the same delivery
            logger.exception("WhatsApp message %s could not be answered", message.message_id)
