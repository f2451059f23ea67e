"""The conversation log the gateway writes and the agent console reads (same database as orders).

Rasa's tracker store keeps the dialogue state; this log keeps what people see: every customer,
bot and agent message with an id the widget can poll after, who the conversation belongs to,
whether the bot or a person is answering, the buyer's ratings and which webhook deliveries were
already handled.

A conversation's channel and customer id are those of its first message, and the customer id
is always the *verified* one (or None): later messages cannot change who a conversation
belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine, Row

from bot import db
from bot.errors import UsageError
from bot.schemas.base import SESSION_ID_MAX_CHARS, check_one_of, utc_now
from bot.schemas.conversations import (
    CHANNELS,
    CONVERSATION_STATUSES,
    ROLES,
    Channel,
    ChannelAddress,
    Conversation,
    ConversationStatus,
    Message,
    Role,
)

MAX_LIST_LIMIT = 1000


class ConversationLog:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    @classmethod
    def from_url(cls, url: str) -> ConversationLog:
        return cls(db.get_engine(url))

    def add_message(
        self,
        session_id: str,
        role: Role,
        text: str,
        *,
        channel: Channel = "web",
        customer_id: str | None = None,
        data: dict[str, Any] | None = None,
        address: ChannelAddress = ChannelAddress(),
        agent_id: int | None = None,
    ) -> Message:
        """Append a message, starting the conversation with ``channel``, ``customer_id`` and the
        reply ``address`` if it is new. ``agent_id``: who wrote an agent message."""
        _check_session(session_id)
        check_one_of("role", role, ROLES)
        check_one_of("channel", channel, CHANNELS)
        if not isinstance(text, str):
            raise UsageError("text: must be a string")
        if data is not None:
            if not isinstance(data, dict):
                raise UsageError("data: must be an object or null")
            try:
                json.dumps(data)
            except (TypeError, ValueError):
                raise UsageError("data: must contain only JSON values") from None
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            # Insert-or-ignore: two first messages of one session racing (widget double send)
            # must both land in one conversation, and the first one decides its owner.
            db.insert_ignoring_duplicate(
                conn,
                db.conversations,
                {
                    "session_id": session_id,
                    "channel": channel,
                    "customer_id": customer_id or None,
                    "status": "bot",
                    "created_at": now,
                    "updated_at": now,
                    **address.dict(),
                },
            )
            result = conn.execute(
                db.messages.insert().values(
                    session_id=session_id, role=role, text=text, data=data, created_at=now, agent_id=agent_id
                )
            )
            message_id = int(result.inserted_primary_key[0])
            conn.execute(
                db.conversations.update()
                .where(db.conversations.c.session_id == session_id)
                .values(last_message=text, last_message_id=message_id, updated_at=now)
            )
        return Message(id=message_id, session_id=session_id, role=role, text=text, data=data, created_at=now)

    def messages(self, session_id: str, after: int = 0) -> list[Message]:
        """The conversation's messages with an id above ``after``, oldest first."""
        query = (
            select(db.messages, db.agents.c.name.label("author"))
            .outerjoin(db.agents, db.agents.c.agent_id == db.messages.c.agent_id)
            .where(db.messages.c.session_id == session_id, db.messages.c.id > after)
            .order_by(db.messages.c.id)
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_message(row) for row in conn.execute(query)]

    def message(self, session_id: str, message_id: int) -> Message | None:
        """One message of this session (None for another session's id)."""
        table = db.messages
        query = select(table).where(table.c.session_id == session_id, table.c.id == message_id)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _message(row)

    def latest_bot_turn(self, session_id: str) -> list[Message]:
        """The bot's messages since the last customer or agent message, oldest first: what the bot
        said last, whose options a WhatsApp buyer may answer by number or title."""
        table = db.messages
        last_other = (
            select(func.coalesce(func.max(table.c.id), 0))
            .where(table.c.session_id == session_id, table.c.role != "bot")
            .scalar_subquery()
        )
        query = (
            select(table)
            .where(table.c.session_id == session_id, table.c.role == "bot", table.c.id > last_other)
            .order_by(table.c.id)
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_message(row) for row in conn.execute(query)]

    def get_conversation(self, session_id: str) -> Conversation | None:
        query = select(db.conversations).where(db.conversations.c.session_id == session_id)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _conversation(row)

    def list_conversations(
        self, status: ConversationStatus | None = None, limit: int = 100
    ) -> list[Conversation]:
        """The most recently active conversations first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise UsageError(f"limit: must be a whole number from 1 to {MAX_LIST_LIMIT}")
        table = db.conversations
        query = select(table).order_by(table.c.updated_at.desc(), table.c.last_message_id.desc()).limit(limit)
        if status is not None:
            check_one_of("status", status, CONVERSATION_STATUSES)
            query = query.where(table.c.status == status)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_conversation(row) for row in conn.execute(query)]

    def set_status(self, session_id: str, status: ConversationStatus, ticket_id: str | None = None) -> None:
        """Who answers the conversation now; going back to "bot" without a ticket clears it."""
        check_one_of("status", status, CONVERSATION_STATUSES)
        values: dict[str, Any] = {"status": status, "updated_at": self._clock()}
        if ticket_id is not None:
            values["ticket_id"] = ticket_id
        elif status == "bot":
            values["ticket_id"] = None
        self._update_conversation(session_id, values)

    def set_intent(self, session_id: str, name: str, confidence: float, *, text: str | None = None) -> None:
        """The latest customer message's intent, on the conversation (agent console, not an
        activity) and on that message (reports). With ``text``, the message is only marked when
        it is the one Rasa parsed (a newer message may have arrived meanwhile)."""
        if not isinstance(name, str) or not name.strip():
            raise UsageError("intent: must be a non-empty string")
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            raise UsageError("confidence: must be a number")
        self._update_conversation(
            session_id, {"intent": name.strip(), "intent_confidence": float(confidence)}
        )
        table = db.messages
        latest = (
            select(table.c.id, table.c.text)
            .where(table.c.session_id == session_id, table.c.role == "customer")
            .order_by(table.c.id.desc())
            .limit(1)
        )
        with db.database_errors(self.engine), self.engine.begin() as conn:
            row = conn.execute(latest).one_or_none()
            if row is None or (text is not None and row.text != text):
                return
            conn.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(intent=name.strip(), intent_confidence=float(confidence))
            )

    def record_feedback(self, session_id: str, message_id: int, helpful: bool) -> None:
        """Rate a bot message of this session; rating it again replaces the earlier rating."""
        if not isinstance(helpful, bool):
            raise UsageError("helpful: must be true or false")
        table = db.messages
        with db.database_errors(self.engine), self.engine.begin() as conn:
            result = conn.execute(
                table.update()
                .where(table.c.id == message_id, table.c.session_id == session_id, table.c.role == "bot")
                .values(helpful=helpful)
            )
            if not result.rowcount:
                raise UsageError(f"message {message_id} is not a bot message of session {session_id!r}")

    def csat(self) -> dict[str, Any]:
        """The assistant's rating: {"rated", "helpful", "score"}; score is None before any rating."""
        helpful = db.messages.c.helpful
        query = select(helpful, func.count()).where(helpful.isnot(None)).group_by(helpful)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            counts = {bool(value): int(count) for value, count in conn.execute(query)}
        rated = counts.get(True, 0) + counts.get(False, 0)
        liked = counts.get(True, 0)
        return {"rated": rated, "helpful": liked, "score": liked / rated if rated else None}

    def claim_delivery(self, channel: str, message_id: str) -> bool:
        """True the first time (channel, message_id) is seen: webhook retries are answered once."""
        if not channel or not message_id:
            raise UsageError("a webhook delivery needs a channel and a message id")
        with db.database_errors(self.engine), self.engine.begin() as conn:
            return db.insert_ignoring_duplicate(
                conn,
                db.webhook_deliveries,
                {"channel": channel, "message_id": message_id, "received_at": self._clock()},
            )

    def _update_conversation(self, session_id: str, values: dict[str, Any]) -> None:
        table = db.conversations
        with db.database_errors(self.engine), self.engine.begin() as conn:
            result = conn.execute(table.update().where(table.c.session_id == session_id).values(**values))
            if not result.rowcount:
                raise UsageError(f"conversation {session_id!r} does not exist")


def _check_session(session_id: str) -> None:
    if not isinstance(session_id, str) or not session_id.strip():
        raise UsageError("session_id: is required")
    if len(session_id) > SESSION_ID_MAX_CHARS:
        raise UsageError(f"session_id: must be at most {SESSION_ID_MAX_CHARS} characters")


def _message(row: Row) -> Message:
    return Message.from_fields(row._mapping)


def _conversation(row: Row) -> Conversation:
    return Conversation.from_fields(row._mapping, address=ChannelAddress.from_fields(row._mapping))
