"""One buyer turn, whatever the channel: log it, route it to Rasa or to the agent, log the replies.

The web chat route and both WhatsApp webhooks call ``ConversationService.handle_turn``; the
agent console calls ``deliver_agent_reply``. Everything the buyer and the bot say is kept in the
``ConversationLog``; Rasa keeps its own tracker (the dialogue state) under the same session id.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Optional, TypeVar

from starlette.concurrency import run_in_threadpool

from api.security import check_conversation_owner
from api.telemetry import Metrics
from bot.channels.twilio import TwilioClient
from bot.channels.whatsapp_cloud import ChannelDeliveryError, WhatsAppCloudClient
from bot.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

# While a person owns the conversation the bot stays silent.
AGENT_STATUSES = ("handoff", "agent")
FALLBACK_INTENTS = {"nlu_fallback"}
WHATSAPP_CLOUD_PREFIX = "wa-cloud"
WHATSAPP_TWILIO_PREFIX = "wa-twilio"


def iso(value: Optional[datetime]) -> Optional[str]:
    """UTC ISO 8601 with a Z; naive datetimes (SQLite returns them) are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class BotReply:
    """One bot message as the buyer sees it; ``data`` holds order decisions and handoffs."""

    text: str
    buttons: Optional[list[dict[str, Any]]] = None
    data: Optional[dict[str, Any]] = None
    source: Optional[dict[str, Any]] = None

    def stored_data(self) -> Optional[dict[str, Any]]:
        """What the conversation log keeps next to the text (the agent console reads it)."""
        stored = dict(self.data or {})
        if self.source:
            stored["source"] = self.source
        if self.buttons:
            stored["buttons"] = self.buttons
        return stored or None

    @property
    def handoff(self) -> Optional[dict[str, Any]]:
        value = (self.data or {}).get("handoff")
        return value if isinstance(value, dict) else None


def replies_from_rasa(items: list[dict[str, Any]]) -> list[BotReply]:
    """Rasa's REST channel sends an utterance's text and its ``custom`` payload as separate
    messages; a payload-only message belongs to the text just before it, so they are merged."""
    replies: list[BotReply] = []
    for item in items:
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = [
            {
                "title": str(button.get("title") or button.get("payload") or ""),
                "payload": str(button.get("payload") or ""),
            }
            for button in item.get("buttons") or []
            if isinstance(button, dict)
        ] or None
        raw_custom = item.get("custom")
        custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
        source = custom.get("source") if isinstance(custom.get("source"), dict) else None
        data = {key: value for key, value in custom.items() if key != "source"}
        if item.get("image"):
            data["image"] = item["image"]
        if not text and not buttons:
            if not data and not source:
                continue
            if replies:
                previous = replies[-1]
                replies[-1] = BotReply(
                    text=previous.text,
                    buttons=previous.buttons,
                    data={**(previous.data or {}), **data} or None,
                    source=source or previous.source,
                )
                continue
        replies.append(BotReply(text=text or "", buttons=buttons, data=data or None, source=source))
    return replies


def message_view(message: Any) -> dict[str, Any]:
    """A logged message for the widget and WhatsApp: ``{"id", "role", "text", "buttons"?, "data"?, "source"?}``."""
    stored = dict(message.data or {})
    view: dict[str, Any] = {
        "id": message.id,
        "role": message.role,
        "text": message.text,
        "created_at": iso(message.created_at),
    }
    buttons = stored.pop("buttons", None)
    source = stored.pop("source", None)
    if buttons:
        view["buttons"] = buttons
    if source:
        view["source"] = source
    if stored:
        view["data"] = stored
    return view


def agent_message_view(message: Any) -> dict[str, Any]:
    """A logged message for the agent console: the stored data as is (source, decisions, handoff)."""
    return {
        "id": message.id,
        "role": message.role,
        "text": message.text,
        "data": message.data or None,
        "created_at": iso(message.created_at),
    }


def conversation_view(conversation: Any) -> dict[str, Any]:
    return {
        "session_id": conversation.session_id,
        "channel": conversation.channel,
        "customer_id": conversation.customer_id,
        "status": conversation.status,
        "last_message": conversation.last_message,
        "updated_at": iso(conversation.updated_at),
        "ticket_id": conversation.ticket_id,
        "intent": getattr(conversation, "intent", None),
        "intent_confidence": getattr(conversation, "intent_confidence", None),
    }


# ------------------------------------------------------------------ WhatsApp session ids


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def whatsapp_cloud_session(phone_number_id: str, wa_id: str, customer_id: Optional[str]) -> str:
    """The customer is part of the id: if a phone number changes hands, a new conversation starts."""
    return f"{WHATSAPP_CLOUD_PREFIX}:{phone_number_id}:{digits(wa_id)}:{customer_id or '-'}"


def twilio_session(our_number: str, their_number: str, customer_id: Optional[str]) -> str:
    return f"{WHATSAPP_TWILIO_PREFIX}:{digits(our_number)}:{digits(their_number)}:{customer_id or '-'}"


@dataclass(frozen=True)
class ChannelAddress:
    provider: str  # "web" | "wa-cloud" | "wa-twilio"
    ours: str = ""  # Cloud API phone_number_id, or our Twilio number (digits)
    theirs: str = ""  # the buyer's number (digits)


def channel_address(session_id: str) -> ChannelAddress:
    parts = session_id.split(":", 3)
    if len(parts) == 4 and parts[0] in (WHATSAPP_CLOUD_PREFIX, WHATSAPP_TWILIO_PREFIX):
        return ChannelAddress(parts[0], parts[1], parts[2])
    return ChannelAddress("web")


# ------------------------------------------------------------------ the service


@dataclass
class Turn:
    messages: list[Any] = field(default_factory=list)  # logged bot messages, in order
    replies: list[BotReply] = field(default_factory=list)
    forwarded: bool = False  # False while an agent owns the conversation


class ConversationService:
    def __init__(
        self,
        *,
        rasa: RasaClient,
        conversations: Any,
        metrics: Metrics,
        whatsapp: Optional[WhatsAppCloudClient] = None,
        twilio: Optional[TwilioClient] = None,
        run_sync: Callable[..., Awaitable[Any]] = run_in_threadpool,
    ) -> None:
        self.rasa = rasa
        self.conversations = conversations
        self.metrics = metrics
        self.whatsapp = whatsapp
        self.twilio = twilio
        self._run_sync = run_sync

    async def db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Database calls are synchronous (SQLAlchemy); they run off the event loop."""
        result: T = await self._run_sync(func, *args, **kwargs)
        return result

    async def owned_conversation(self, session_id: str, channel: str, customer_id: Optional[str]) -> Any:
        conversation = await self.db(self.conversations.get_conversation, session_id)
        check_conversation_owner(conversation, channel, customer_id)
        return conversation

    async def handle_turn(
        self, session_id: str, text: str, *, channel: str, customer_id: Optional[str]
    ) -> Turn:
        """Raises HTTP 403 for someone else's session and ``RasaUnavailable`` when Rasa is down
        (the buyer's message is logged either way, so an agent can still see it)."""
        conversation = await self.owned_conversation(session_id, channel, customer_id)
        self.metrics.turns.labels(channel).inc()
        await self.db(
            self.conversations.add_message,
            session_id,
            "customer",
            text,
            channel=channel,
            customer_id=customer_id,
        )
        if conversation is not None and conversation.status in AGENT_STATUSES:
            return Turn()
        started = time.perf_counter()
        try:
            items = await self.rasa.send_message(
                session_id, text, {"customer_id": customer_id, "channel": channel}
            )
        except RasaUnavailable:
            self.metrics.rasa_errors.inc()
            raise
        self.metrics.rasa_latency.observe(time.perf_counter() - started)
        replies = replies_from_rasa(items)
        messages = await self.db(self._log_replies, session_id, replies, channel, customer_id)
        return Turn(messages=messages, replies=replies, forwarded=True)

    def _log_replies(
        self, session_id: str, replies: list[BotReply], channel: str, customer_id: Optional[str]
    ) -> list[Any]:
        logged = [
            self.conversations.add_message(
                session_id,
                "bot",
                reply.text,
                channel=channel,
                customer_id=customer_id,
                data=reply.stored_data(),
            )
            for reply in replies
        ]
        handoff = next((reply.handoff for reply in replies if reply.handoff is not None), None)
        if handoff is not None:
            ticket = handoff.get("ticket_id")
            self.conversations.set_status(
                session_id, "handoff", ticket_id=None if ticket is None else str(ticket)
            )
            self.metrics.handoffs.labels(channel).inc()
        return logged

    async def record_intent(self, session_id: str) -> None:
        """After a turn: the intent Rasa recognised, for the agent console and ``/metrics``.
        Best effort (it runs after the reply was sent); a failure is only logged."""
        try:
            tracker = await self.rasa.tracker(session_id, include_events="NONE")
        except RasaUnavailable as exc:
            logger.debug("no intent recorded for %s: %s", session_id, exc)
            return
        intent = (tracker.get("latest_message") or {}).get("intent") or {}
        name = intent.get("name")
        if not isinstance(name, str) or not name:
            return
        confidence = float(intent.get("confidence") or 0.0)
        self.metrics.intents.labels(name).inc()
        if name in FALLBACK_INTENTS:
            self.metrics.fallbacks.inc()
        try:
            await self.db(self.conversations.set_intent, session_id, name, confidence)
        except Exception:  # the reply is already out; never fail a background task loudly
            logger.exception("could not record the intent of %s", session_id)

    async def deliver_agent_reply(self, conversation: Any, text: str) -> None:
        """Hands an agent's reply to the buyer's channel. Web buyers fetch it by polling, so only
        WhatsApp needs a send call; raises ``ChannelDeliveryError`` when the provider refuses."""
        address = channel_address(conversation.session_id)
        if address.provider == WHATSAPP_CLOUD_PREFIX:
            if self.whatsapp is None:
                raise ChannelDeliveryError(
                    "WHATSAPP_ACCESS_TOKEN is not set, so replies cannot be sent to WhatsApp buyers"
                )
            await self.whatsapp.send_text(address.ours, address.theirs, text)
        elif address.provider == WHATSAPP_TWILIO_PREFIX:
            if self.twilio is None:
                raise ChannelDeliveryError(
                    "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to send replies to Twilio WhatsApp buyers"
                )
            await self.twilio.send_whatsapp(f"whatsapp:+{address.ours}", f"whatsapp:+{address.theirs}", text)
