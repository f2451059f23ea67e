"""WhatsApp webhooks: Twilio (TwiML replies) and Meta's Cloud API (replies sent with the send API).

Both refuse unsigned or forged requests, answer 503 while their secret is not configured, and
answer each provider message id once (providers retry deliveries). A WhatsApp number that
matches a customer's phone makes the sender that verified customer; any other number is anonymous.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.deps import ChatDep, LimiterDep, SettingsDep, StoreDep, WhatsAppDep
from api.ratelimit import RateLimiter
from api.requests import StrictJSONRoute
from bot.assistant import replies
from bot.channels.render import cloud_messages, twilio_messages
from bot.channels.twilio import twiml, validate_signature
from bot.channels.whatsapp_cloud import (
    ChannelDeliveryError,
    IncomingMessage,
    WhatsAppCloudClient,
    parse_messages,
    verify_signature,
)
from bot.chat import ChatService, twilio_session, whatsapp_cloud_session
from bot.config import Settings
from bot.errors import InvalidField
from bot.orders.store import OrderStore
from bot.rasa_client import RasaUnavailable
from bot.schemas.base import Model, loads_json
from bot.schemas.conversations import BotReply, ChannelAddress

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=StrictJSONRoute)


class Received(Model):
    status: str = "received"
    messages: int = Field(..., description="New buyer messages in this delivery (retries are not counted).")


# A reply to send, with the id it was logged under (None for notices that are not logged).
Outgoing = tuple[BotReply, int | None]


async def _whatsapp_turn(
    chat: ChatService,
    limiter: RateLimiter | None,
    session: tuple[str, ChannelAddress],
    text: str | None,
    customer_id: str | None,
    reply_id: str | None = None,
) -> list[Outgoing]:
    """The replies to one WhatsApp message (none while an agent has the conversation). A tapped
    option (``reply_id``) or a typed option number or title reaches Rasa as the option's payload."""
    session_id, address = session
    if text is None or not text.strip():
        return [(BotReply(text=replies.UNREADABLE), None)]
    try:
        chat.check_message(text)
    except InvalidField:
        return [(BotReply(text=replies.too_long(chat.max_message_chars)), None)]
    if limiter is not None and limiter.check(f"chat-session:{session_id}") is not None:
        return [(BotReply(text=replies.TOO_QUICK), None)]
    text = text.strip()
    try:
        option = await chat.option_for(session_id, text, reply_id=reply_id)
        turn = await chat.handle_turn(
            session_id, text, channel="whatsapp", customer_id=customer_id, address=address, option=option
        )
    except RasaUnavailable as exc:
        logger.warning("WhatsApp turn for %s not answered: %s", session_id, exc)
        return [(BotReply(text=replies.UNAVAILABLE), None)]
    if turn.forwarded:
        await chat.record_intent(session_id)
    return [(reply, message.id) for reply, message in zip(turn.replies, turn.messages, strict=True)]


async def _customer_for_phone(store: OrderStore, phone: str) -> str | None:
    customer = await run_in_threadpool(store.find_customer_by_phone, phone)
    return customer.customer_id if customer is not None else None


# ------------------------------------------------------------------ Twilio


def _twilio_url(request: Request, public_url: str | None) -> str:
    """The URL Twilio signed: ours as configured in the Twilio console when behind a proxy.
    Without a public URL it is the request's, whose Host the allowed-hosts check has vetted."""
    if not public_url:
        return str(request.url)
    query = request.url.query
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


TWILIO_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "description": "Twilio's incoming-message webhook (all fields are signed).",
                    "required": ["From", "To", "MessageSid"],
                    "properties": {
                        "From": {"type": "string", "example": "whatsapp:+4915112345678"},
                        "To": {"type": "string", "example": "whatsapp:+14155238886"},
                        "Body": {"type": "string"},
                        "MessageSid": {"type": "string"},
                        "NumMedia": {"type": "string", "example": "0"},
                    },
                }
            }
        },
    },
    "responses": {
        "200": {"description": "TwiML", "content": {"application/xml": {"schema": {"type": "string"}}}}
    },
}
# The body is read raw (its signature covers the exact bytes), so it is documented, not parsed by FastAPI.
CLOUD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": (
                        "Meta's WhatsApp Cloud API notification: entry[].changes[].value with "
                        "metadata.phone_number_id and messages[] ({id, from, type, text.body} or, for a "
                        "tapped option, interactive.button_reply | list_reply {id, title})."
                    ),
                }
            }
        },
    }
}


@router.post("/twilio/whatsapp", response_class=Response, openapi_extra=TWILIO_FORM)
async def twilio_whatsapp(
    request: Request, settings: SettingsDep, chat: ChatDep, store: StoreDep, limiter: LimiterDep
) -> Response:
    """Form-encoded in (signed with X-Twilio-Signature), TwiML out."""
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
    if not await chat.db(chat.conversations.claim_delivery, "twilio", message_sid):
        return Response(twiml([]), media_type="application/xml")
    customer_id = await _customer_for_phone(store, sender)
    text: str | None = params.get("Body", "")
    if not (text or "").strip() and params.get("NumMedia", "0") not in ("", "0"):
        text = None
    outgoing = await _whatsapp_turn(
        chat, limiter, twilio_session(ours, sender, customer_id), text, customer_id
    )
    texts = [
        message
        for reply, _ in outgoing
        for message in twilio_messages(reply, help_base_url=settings.public_url)
    ]
    return Response(twiml(texts), media_type="application/xml")


# ------------------------------------------------------------------ WhatsApp Cloud API


@router.get("/whatsapp", response_class=PlainTextResponse)
async def whatsapp_verify(
    settings: SettingsDep,
    mode: str | None = Query(None, alias="hub.mode"),
    verify_token: str | None = Query(None, alias="hub.verify_token"),
    challenge: str | None = Query(None, alias="hub.challenge"),
) -> PlainTextResponse:
    """Meta's subscription handshake: echo ``hub.challenge`` when the verify token matches."""
    expected = settings.whatsapp_verify_token
    if not expected:
        raise HTTPException(503, "The WhatsApp webhook is disabled: WHATSAPP_VERIFY_TOKEN is not set.")
    if (
        mode != "subscribe"
        or not verify_token
        or not hmac.compare_digest(verify_token.encode(), expected.encode())
    ):
        raise HTTPException(403, "The verify token does not match.")
    return PlainTextResponse(challenge or "")


@router.post("/whatsapp", openapi_extra=CLOUD_BODY)
async def whatsapp_receive(
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    chat: ChatDep,
    store: StoreDep,
    limiter: LimiterDep,
    whatsapp: WhatsAppDep,
) -> Received:
    """Acknowledges at once (Meta retries slow webhooks) and answers in a background task."""
    if not settings.whatsapp_app_secret:
        raise HTTPException(503, "The WhatsApp webhook is disabled: WHATSAPP_APP_SECRET is not set.")
    if whatsapp is None:
        raise HTTPException(503, "The WhatsApp webhook is disabled: WHATSAPP_ACCESS_TOKEN is not set.")
    signature = request.headers.get("X-Hub-Signature-256")
    if not signature:
        raise HTTPException(401, "X-Hub-Signature-256 is missing.")
    body = await request.body()
    if not verify_signature(settings.whatsapp_app_secret, body, signature):
        raise HTTPException(403, "X-Hub-Signature-256 does not match the body.")
    try:
        payload = loads_json(body)
    except (ValueError, RecursionError):
        raise HTTPException(400, "The request body is not valid JSON.") from None
    fresh = []
    for message in parse_messages(payload):
        if await chat.db(chat.conversations.claim_delivery, "whatsapp", message.message_id):
            fresh.append(message)
    if fresh:
        background.add_task(_answer_whatsapp, chat, whatsapp, store, limiter, settings, fresh)
    return Received(messages=len(fresh))


async def _answer_whatsapp(
    chat: ChatService,
    whatsapp: WhatsAppCloudClient,
    store: OrderStore,
    limiter: RateLimiter | None,
    settings: Settings,
    messages: list[IncomingMessage],
) -> None:
    for message in messages:
        try:
            customer_id = await _customer_for_phone(store, message.sender)
            session = whatsapp_cloud_session(message.phone_number_id, message.sender, customer_id)
            outgoing = await _whatsapp_turn(
                chat, limiter, session, message.text, customer_id, reply_id=message.reply_id
            )
            for reply, logged_id in outgoing:
                for body in cloud_messages(
                    reply, to=message.sender, message_id=logged_id, help_base_url=settings.public_url
                ):
                    await whatsapp.send(message.phone_number_id, body)
        except ChannelDeliveryError as exc:
            logger.error("WhatsApp reply to message %s not delivered: %s", message.message_id, exc)
        except Exception:  # one bad message must not stop the others in the same delivery
            logger.exception("WhatsApp message %s could not be answered", message.message_id)
