"""Conversations, their messages and handoff tickets: as stored, and as the widget and agents see them."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, root_validator

from bot.corpus import cited_title
from bot.schemas.base import Model, UtcDateTime

Channel = Literal["web", "whatsapp"]
Role = Literal["customer", "bot", "agent"]
# "handoff": waiting in the queue for a person; "agent": a person is answering.
ConversationStatus = Literal["bot", "handoff", "agent"]
TicketStatus = Literal["open", "assigned", "closed"]
# Who carries the conversation: the widget, Meta's WhatsApp Cloud API or Twilio's WhatsApp.
Provider = Literal["web", "wa-cloud", "wa-twilio"]

CHANNELS: tuple[Channel, ...] = Channel.__args__  # type: ignore[attr-defined]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]
CONVERSATION_STATUSES: tuple[ConversationStatus, ...] = ConversationStatus.__args__  # type: ignore[attr-defined]
TICKET_STATUSES: tuple[TicketStatus, ...] = TicketStatus.__args__  # type: ignore[attr-defined]
# While a person owns the conversation the bot stays silent.
AGENT_STATUSES: tuple[ConversationStatus, ...] = ("handoff", "agent")


class ChannelAddress(Model):
    """Where a conversation's replies go: stored in the conversation's row, never parsed from its id."""

    provider: Provider = "web"
    provider_account: str | None = Field(
        default=None, description="Cloud API phone_number_id, or our Twilio number (digits)."
    )
    buyer_number: str | None = Field(default=None, description="The buyer's WhatsApp number (digits).")


class Button(Model):
    """An option the buyer can pick: ``title`` is what they see, ``payload`` what the bot receives
    (an intent like ``/human_handoff`` or words the bot understands). Channels draw it natively:
    a widget button, a WhatsApp reply button or list row, a numbered line on Twilio."""

    title: str
    payload: str


def help_path(article_id: str) -> str:
    """The gateway's page for an article (``/help/{id}``), relative to wherever the gateway lives."""
    return f"/help/{quote(article_id, safe='')}"


class Source(Model):
    """The help article an answer comes from. Buyers see ``label`` (the title, and whose help center
    it is); the id only makes the link. Senders give ``id``, ``title`` and optionally ``category``,
    ``platform`` and ``more``; ``label`` and ``url`` are always derived, whatever a sender put there."""

    id: str
    title: str
    category: str = ""
    platform: str | None = Field(default=None, description="Whose help center: WISHALIVE, AliExpress, ...")
    more: bool = Field(
        default=False,
        description=(
            "The answer is only part of the article: the web shows a 'Read the whole article' link, "
            "WhatsApp asks the buyer to reply MORE."
        ),
    )
    label: str = Field(default="", description="How buyers see the source: the title with its help center.")
    url: str = Field(default="", description="The article's help page, relative to the gateway: /help/{id}.")

    @root_validator(skip_on_failure=True)
    def _derived(cls, values: dict[str, Any]) -> dict[str, Any]:
        values["label"] = cited_title(values["title"] or values["id"], values.get("platform"))
        values["url"] = help_path(values["id"])
        return values


class Handoff(Model):
    ticket_id: str | None = None
    # False when no person can answer now (outside opening hours, nobody at the console): the
    # ticket waits for later and the conversation stays with the bot.
    agent_available: bool = True


class Message(Model):
    """One logged message; ``data`` is the reply's payload (order decisions, source, buttons, handoff)."""

    id: int
    session_id: str
    role: Role
    text: str
    data: dict[str, Any] | None = None
    created_at: UtcDateTime
    helpful: bool | None = None
    # An agent message's author (the agent's name; null for the admin token).
    author: str | None = None
    # A buyer message's intent as Rasa understood it.
    intent: str | None = None

    @property
    def options(self) -> list[Button]:
        """The options a bot message offered (stored with it as ``data.buttons``)."""
        stored = (self.data or {}).get("buttons")
        if not isinstance(stored, list):
            return []
        return [Button.parse_obj(item) for item in stored if isinstance(item, dict)]


class AgentMessage(Model):
    """A message as the agent console shows it: the stored payload as is, who wrote an agent
    message, what Rasa understood of a buyer message and how the buyer rated a bot message."""

    id: int
    role: Role
    text: str
    data: dict[str, Any] | None = None
    created_at: UtcDateTime
    author: str | None = None
    intent: str | None = None
    helpful: bool | None = None

    @classmethod
    def of(cls, message: Message) -> AgentMessage:
        return cls(
            id=message.id,
            role=message.role,
            text=message.text,
            data=message.data or None,
            created_at=message.created_at,
            author=message.author,
            intent=message.intent,
            helpful=message.helpful,
        )


class ChatMessage(Model):
    """A message as the widget shows it. ``buttons``, ``source`` and ``data`` are present only when set
    (routes answer with ``response_model_exclude_unset``)."""

    id: int
    role: Role
    text: str
    created_at: UtcDateTime
    buttons: list[Button] | None = None
    source: Source | None = None
    data: dict[str, Any] | None = Field(
        default=None,
        description=(
            "Order payloads: {order_id, status, cancel|dispute|refund|return: <verdict>} or "
            "{order_id, status, order: <order summary>}; a handoff: {handoff: {ticket_id}}."
        ),
    )

    @classmethod
    def of(cls, message: Message) -> ChatMessage:
        stored = dict(message.data or {})
        present: dict[str, Any] = {}
        buttons, source = stored.pop("buttons", None), stored.pop("source", None)
        if buttons:
            present["buttons"] = buttons
        if source:
            present["source"] = source
        if stored:
            present["data"] = stored
        return cls(
            id=message.id, role=message.role, text=message.text, created_at=message.created_at, **present
        )


class ConversationSummary(Model):
    session_id: str
    channel: Channel
    customer_id: str | None = None
    status: ConversationStatus
    last_message: str | None = None
    updated_at: UtcDateTime
    ticket_id: str | None = None
    intent: str | None = None
    intent_confidence: float | None = None


class Conversation(ConversationSummary):
    """A conversation as stored. Its channel, customer and address are those of its first message."""

    address: ChannelAddress = ChannelAddress()

    def summary(self) -> ConversationSummary:
        return ConversationSummary(**self.dict(exclude={"address"}))


class Ticket(Model):
    """A handoff to a person: the agents' queue, oldest first."""

    ticket_id: str
    session_id: str
    channel: Channel
    customer_id: str | None = None
    reason: str
    status: TicketStatus
    transcript: list[dict[str, Any]]
    created_at: UtcDateTime
    updated_at: UtcDateTime


class BotReply(Model):
    """One bot message as the buyer sees it, before it is logged (``data``: decisions, handoff)."""

    text: str
    buttons: list[Button] | None = None
    data: dict[str, Any] | None = None
    source: Source | None = None

    def stored_data(self) -> dict[str, Any] | None:
        """What the conversation log keeps next to the text (the agent console reads it)."""
        stored = dict(self.data or {})
        if self.source:
            stored["source"] = self.source.dict()
        if self.buttons:
            stored["buttons"] = [button.dict() for button in self.buttons]
        return stored or None

    @property
    def handoff(self) -> Handoff | None:
        value = (self.data or {}).get("handoff")
        return Handoff.parse_obj(value) if isinstance(value, dict) else None
