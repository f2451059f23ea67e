"""Conversations, whatever the channel: a buyer's turn, ratings, and the handoff to a person and back.

The web chat route and both WhatsApp webhooks call ``ChatService.handle_turn``; the agent console
calls ``agent_reply`` and ``close``. Everything the buyer, the bot and agents say is kept in the
``ConversationLog``; Rasa keeps its own tracker (the dialogue state) under the same session id.

The handoff, as states: the bot answers (``bot``) until a reply carries ``handoff`` (``handoff``:
queued, ticket ``open``); the first agent reply makes it ``agent`` (ticket ``assigned``); closing
gives it back to the bot (ticket ``closed``). While a person has it, the bot stays silent.
A handoff nobody can take now (``agent_available: false``: outside opening hours or nobody at
the console, decided by the handoff action with ``bot.availability``) keeps the conversation with
the bot, ticket ``open`` for later: the buyer's next question is answered. An agent who replies
later takes the conversation as usual.

Every agent reply and ticket change records who did it (``Actor``): the message's author and a
line in the audit trail.

Errors are domain errors (``bot.errors``): ``Forbidden`` for someone else's conversation,
``NotFound``, ``InvalidField``, ``Unavailable`` when Rasa is down, ``DeliveryFailed`` when a
messaging provider refuses an agent's reply. The gateway maps them to HTTP statuses in one place.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.agents import AgentDirectory
from bot.channels.render import match_option, option_ref, web_message
from bot.channels.twilio import TwilioClient
from bot.channels.whatsapp_cloud import WhatsAppCloudClient
from bot.conversations import ConversationLog
from bot.errors import DeliveryFailed, Forbidden, InvalidField, NotFound
from bot.identity import turn_metadata
from bot.orders.store import OrderStore
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.schemas.agents import Actor
from bot.schemas.base import utc_now
from bot.schemas.chat import (
    WEB_SESSION_ID,
    WEB_SESSION_ID_RULE,
    AgentReply,
    ChatHistory,
    ConversationClosed,
    Feedback,
)
from bot.schemas.conversations import (
    AGENT_STATUSES,
    AgentMessage,
    BotReply,
    Button,
    Channel,
    ChannelAddress,
    Conversation,
    ConversationStatus,
    Message,
    Source,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

FALLBACK_INTENTS = frozenset({"nlu_fallback"})
WEB = ChannelAddress(provider="web")


class ChatMetrics(Protocol):
    """What the service reports (the gateway's Prometheus metrics implement it)."""

    def turn_received(self, channel: Channel) -> None: ...

    def rasa_answered(self, seconds: float) -> None: ...

    def rasa_failed(self) -> None: ...

    def intent_recognised(self, name: str, *, fallback: bool) -> None: ...

    def handed_off(self, channel: Channel) -> None: ...

    def agent_replied(self, channel: Channel) -> None: ...


# ------------------------------------------------------------------ WhatsApp sessions


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def whatsapp_cloud_session(
    phone_number_id: str, wa_id: str, customer_id: str | None
) -> tuple[str, ChannelAddress]:
    """The session id and reply address of a Cloud API buyer.

    The customer is part of the id: if a phone number changes hands, a new conversation starts.
    """
    address = ChannelAddress(
        provider="wa-cloud", provider_account=phone_number_id, buyer_number=_digits(wa_id)
    )
    return f"wa-cloud:{phone_number_id}:{address.buyer_number}:{customer_id or '-'}", address


def twilio_session(our_number: str, their_number: str, customer_id: str | None) -> tuple[str, ChannelAddress]:
    address = ChannelAddress(
        provider="wa-twilio", provider_account=_digits(our_number), buyer_number=_digits(their_number)
    )
    return f"wa-twilio:{address.provider_account}:{address.buyer_number}:{customer_id or '-'}", address


# ------------------------------------------------------------------ Rasa's replies


def replies_from_rasa(items: list[dict[str, Any]]) -> list[BotReply]:
    """Rasa's REST channel sends an utterance's text and its ``custom`` payload as separate
    messages; a payload-only message belongs to the text just before it, so they are merged."""
    replies: list[BotReply] = []
    for item in items:
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = [
            Button(
                title=str(button.get("title") or button.get("payload") or ""),
                payload=str(button.get("payload") or ""),
            )
            for button in item.get("buttons") or []
            if isinstance(button, dict)
        ] or None
        raw_custom = item.get("custom")
        custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
        source = _source(custom.get("source"))
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


def _source(value: Any) -> Source | None:
    """``custom.source`` as sent by the actions: ``{"id", "title", "category"?, "platform"?, "more"?}``."""
    if not isinstance(value, dict) or not value.get("id"):
        return None
    return Source(
        id=str(value["id"]),
        title=str(value.get("title") or ""),
        category=str(value.get("category") or ""),
        platform=str(value["platform"]) if value.get("platform") else None,
        more=value.get("more") is True,
    )


# ------------------------------------------------------------------ the service


@dataclass
class Turn:
    messages: list[Message] = field(default_factory=list)  # logged bot messages, in order
    replies: list[BotReply] = field(default_factory=list)
    forwarded: bool = False  # False while an agent owns the conversation


async def _in_thread(func: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(func, *args)


@dataclass(kw_only=True)
class ChatService:
    """``run_sync`` runs the (synchronous, SQLAlchemy) log and store calls off the event loop;
    ``actions_secret`` signs the verified customer sent to Rasa with each turn (bot.identity)."""

    rasa: RasaClient
    conversations: ConversationLog
    store: OrderStore
    metrics: ChatMetrics
    max_message_chars: int
    actions_secret: str | None = None
    clock: Callable[[], datetime] = utc_now
    whatsapp: WhatsAppCloudClient | None = None
    twilio: TwilioClient | None = None
    agents: AgentDirectory | None = None  # the audit trail; None writes none (tests)
    run_sync: Callable[..., Awaitable[Any]] = _in_thread

    async def db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        result: T = await self.run_sync(lambda: func(*args, **kwargs))
        return result

    def check_message(self, text: str) -> None:
        """``InvalidField`` for a message over ``SUPPORTBOT_MAX_MESSAGE_CHARS``."""
        limit = self.max_message_chars
        if len(text) > limit:
            raise InvalidField("message", f"is longer than {limit} characters; please shorten it.")

    async def owned_conversation(
        self, session_id: str, channel: Channel, customer_id: str | None
    ) -> Conversation | None:
        """The conversation, None when it has no messages yet, ``Forbidden`` when it was started on
        another channel or by another customer (an anonymous buyer counts as a different one)."""
        conversation = await self.db(self.conversations.get_conversation, session_id)
        if conversation is not None and (
            conversation.channel != channel or conversation.customer_id != customer_id
        ):
            raise Forbidden(
                "This conversation belongs to someone else. Start a new conversation with a new session id."
            )
        return conversation

    async def handle_turn(
        self,
        session_id: str,
        text: str,
        *,
        channel: Channel,
        customer_id: str | None,
        address: ChannelAddress = WEB,
        option: Button | None = None,
    ) -> Turn:
        """One buyer message: ``Forbidden`` for someone else's session, ``RasaUnavailable`` when Rasa
        is down (the buyer's message is logged either way, so an agent can still see it).

        ``option`` is the offered option the message picks (``option_for``): the log keeps what the
        buyer sent, with the option beside it, and Rasa gets the option's payload."""
        self.check_message(text)
        conversation = await self.owned_conversation(session_id, channel, customer_id)
        self.metrics.turn_received(channel)
        await self.db(
            self.conversations.add_message,
            session_id,
            "customer",
            text,
            channel=channel,
            customer_id=customer_id,
            address=address,
            data={"option": option.dict()} if option is not None else None,
        )
        if conversation is not None and conversation.status in AGENT_STATUSES:
            return Turn()
        started = time.perf_counter()
        said = (option.payload or option.title) if option is not None else text
        try:
            metadata = turn_metadata(
                self.actions_secret,
                sender_id=session_id,
                channel=channel,
                customer_id=customer_id,
                now=self.clock(),
            )
            items = await self.rasa.send_message(session_id, said, metadata)
        except RasaUnavailable:
            self.metrics.rasa_failed()
            raise
        self.metrics.rasa_answered(time.perf_counter() - started)
        replies = replies_from_rasa(items)
        messages = await self.db(self._log_replies, session_id, replies, channel, customer_id)
        return Turn(messages=messages, replies=replies, forwarded=True)

    def _log_replies(
        self, session_id: str, replies: list[BotReply], channel: Channel, customer_id: str | None
    ) -> list[Message]:
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
            # Nobody to answer now: the ticket waits, the bot keeps the conversation.
            status: ConversationStatus = "handoff" if handoff.agent_available else "bot"
            self.conversations.set_status(session_id, status, ticket_id=handoff.ticket_id)
            self.metrics.handed_off(channel)
        return logged

    async def option_for(self, session_id: str, text: str, *, reply_id: str | None = None) -> Button | None:
        """The option a WhatsApp buyer picked, or None for a message that picks none.

        A tapped button or list row comes with its ``reply_id`` (the option's payload, or a
        reference to the logged message and position for a payload too long to be an id). Typed,
        an option's number or title picks from what the bot offered last, while the bot (not a
        person) has the conversation: "2" is an answer to an agent's own question otherwise."""
        if reply_id is not None:
            ref = option_ref(reply_id)
            if ref is None:
                return Button(title=text or reply_id, payload=reply_id)
            message = await self.db(self.conversations.message, session_id, ref[0])
            offered = message.options if message is not None else []
            return offered[ref[1]] if ref[1] < len(offered) else None
        conversation = await self.db(self.conversations.get_conversation, session_id)
        if conversation is None or conversation.status != "bot":
            return None
        turn = await self.db(self.conversations.latest_bot_turn, session_id)
        offered = next((message.options for message in reversed(turn) if message.options), [])
        return match_option(text, offered)

    async def record_intent(self, session_id: str) -> None:
        """After a turn: the intent Rasa recognised, for the agent console and the metrics.
        Best effort (it runs after the reply was sent); a failure is only logged."""
        try:
            tracker = await self.rasa.tracker(session_id, include_events="NONE")
        except RasaUnavailable as exc:
            logger.debug("no intent recorded for %s: %s", session_id, exc)
            return
        latest = tracker.get("latest_message") or {}
        intent = latest.get("intent") or {}
        name = intent.get("name")
        if not isinstance(name, str) or not name:
            return
        confidence = float(intent.get("confidence") or 0.0)
        text = latest.get("text") if isinstance(latest.get("text"), str) else None
        self.metrics.intent_recognised(name, fallback=name in FALLBACK_INTENTS)
        try:
            await self.db(self.conversations.set_intent, session_id, name, confidence, text=text)
        except Exception:  # the reply is already out; never fail a background task loudly
            logger.exception("could not record the intent of %s", session_id)

    async def history(self, session_id: str, customer_id: str | None, *, after: int = 0) -> ChatHistory:
        """A web buyer's messages newer than ``after`` (the widget polls this for agent replies)."""
        if not WEB_SESSION_ID.fullmatch(session_id):
            raise InvalidField("session_id", WEB_SESSION_ID_RULE)
        conversation = await self.owned_conversation(session_id, "web", customer_id)
        if conversation is None:
            return ChatHistory(session_id=session_id, status=None, messages=[])
        found = await self.db(self.conversations.messages, session_id, after)
        return ChatHistory(
            session_id=session_id,
            status=conversation.status,
            messages=[web_message(message) for message in found],
        )

    async def rate(
        self, session_id: str, message_id: int, helpful: bool, customer_id: str | None
    ) -> Feedback:
        """A web buyer rates one bot answer; rating again overwrites (the CSAT score)."""
        conversation = await self.owned_conversation(session_id, "web", customer_id)
        if conversation is None:
            raise NotFound("There is no conversation with this session id.")
        await self.db(self.conversations.record_feedback, session_id, message_id, helpful)
        return Feedback(session_id=session_id, message_id=message_id, helpful=helpful)

    # -------------------------------------------------------------- agents

    async def conversation(self, session_id: str) -> Conversation:
        found = await self.db(self.conversations.get_conversation, session_id)
        if found is None:
            raise NotFound(f"There is no conversation {session_id!r}.")
        return found

    async def agent_reply(self, session_id: str, text: str, actor: Actor) -> AgentReply:
        """Delivers the reply on the buyer's channel first (nothing is logged when the provider refuses,
        so the agent can retry), then logs it under ``actor``: the conversation is the agent's, its
        ticket assigned."""
        conversation = await self.conversation(session_id)
        await self._deliver(conversation, text)

        def record() -> Message:
            message = self.conversations.add_message(
                session_id,
                "agent",
                text,
                channel=conversation.channel,
                customer_id=conversation.customer_id,
                agent_id=actor.agent_id,
            )
            ticket = self.store.get_open_ticket(session_id)
            if ticket is not None and ticket.status == "open":
                self.store.update_ticket(ticket.ticket_id, "assigned")
                self._audit(actor, "ticket.assigned", ticket.ticket_id, {"session_id": session_id})
            ticket_id = conversation.ticket_id or (ticket.ticket_id if ticket is not None else None)
            self.conversations.set_status(session_id, "agent", ticket_id=ticket_id)
            self._audit(actor, "conversation.reply", session_id, {"message_id": message.id})
            return message.copy(update={"author": actor.name if actor.agent_id is not None else None})

        message = await self.db(record)
        self.metrics.agent_replied(conversation.channel)
        return AgentReply(session_id=session_id, status="agent", message=AgentMessage.of(message))

    async def close(self, session_id: str, actor: Actor) -> ConversationClosed:
        """Resolves the handoff ticket and gives the conversation back to the bot."""
        await self.conversation(session_id)

        def record() -> None:
            ticket = self.store.get_open_ticket(session_id)
            if ticket is not None:
                self.store.update_ticket(ticket.ticket_id, "closed")
                self._audit(actor, "ticket.closed", ticket.ticket_id, {"session_id": session_id})
            self.conversations.set_status(session_id, "bot", ticket_id=None)
            self._audit(actor, "conversation.close", session_id, None)

        await self.db(record)
        return ConversationClosed(session_id=session_id, status="bot")

    def _audit(self, actor: Actor, action: str, subject: str | None, detail: dict[str, Any] | None) -> None:
        if self.agents is not None:
            self.agents.record(actor, action, subject, detail)

    async def _deliver(self, conversation: Conversation, text: str) -> None:
        """Web buyers fetch agent replies by polling, so only WhatsApp needs a send call."""
        address = conversation.address
        if address.provider == "wa-cloud":
            if self.whatsapp is None:
                raise DeliveryFailed(
                    "WHATSAPP_ACCESS_TOKEN is not set, so replies cannot be sent to WhatsApp buyers"
                )
            await self.whatsapp.send_text(str(address.provider_account), str(address.buyer_number), text)
        elif address.provider == "wa-twilio":
            if self.twilio is None:
                raise DeliveryFailed(
                    "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to send replies to Twilio WhatsApp buyers"
                )
            await self.twilio.send_whatsapp(
                f"whatsapp:+{address.provider_account}", f"whatsapp:+{address.buyer_number}", text
            )
