"""Request and response bodies of the chat widget, the agent console and agent assist.

The HTTP routes declare these as their models (so ``/openapi.json`` describes every field);
``bot.chat`` and ``bot.assist`` produce them. The message-length limit is a setting
(``SUPPORTBOT_MAX_MESSAGE_CHARS``), checked by ``bot.chat.check_message_length``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, StrictBool, validator

from bot.schemas.base import (
    ASSIST_MAX_MESSAGES,
    ASSIST_TEXT_MAX_CHARS,
    ID_MAX_CHARS,
    ROW_ID_MAX,
    WEB_SESSION_ID_MAX_CHARS,
    Model,
)
from bot.schemas.conversations import (
    AgentMessage,
    ChatMessage,
    ConversationStatus,
    ConversationSummary,
)
from bot.schemas.decisions import OrderEligibility
from bot.schemas.search import SearchHit

# Web session ids never contain ':'; WhatsApp session ids always do (see bot.chat), so a web
# client can never write into a WhatsApp conversation. Always used with fullmatch: '$' would
# let a trailing newline through.
WEB_SESSION_ID = re.compile(rf"[A-Za-z0-9_.@+-]{{1,{WEB_SESSION_ID_MAX_CHARS}}}")
WEB_SESSION_ID_RULE = f"must be 1 to {WEB_SESSION_ID_MAX_CHARS} letters, digits or . _ - @ +"
CUSTOMER_HASH_MAX_CHARS = 128
CUSTOMER_TOKEN_MAX_CHARS = 4096

if TYPE_CHECKING:
    CustomerRef = str
    MessageId = int
else:
    from pydantic import conint, constr

    CustomerRef = constr(max_length=ID_MAX_CHARS)
    MessageId = conint(ge=1, le=ROW_ID_MAX)


def check_web_session_id(value: str) -> str:
    if not WEB_SESSION_ID.fullmatch(value):
        raise ValueError(WEB_SESSION_ID_RULE)
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class ChatRequest(Model):
    session_id: str = Field(..., description="The widget's session id (a random UUID).", example="5c1e4f0a")
    message: str = Field(..., description="What the buyer typed.", example="Can I cancel order 1001?")
    customer_id: CustomerRef | None = Field(default=None, description="The shop's id of a signed-in buyer.")
    customer_hash: str | None = Field(
        default=None,
        max_length=CUSTOMER_HASH_MAX_CHARS,
        description="hex HMAC-SHA256 of customer_id under SUPPORTBOT_WIDGET_SECRET, computed by the shop.",
    )
    customer_token: str | None = Field(
        default=None,
        max_length=CUSTOMER_TOKEN_MAX_CHARS,
        description="Instead of customer_hash: a JWT (HS256) with sub, iat and exp, signed by the shop "
        "with SUPPORTBOT_WIDGET_SECRET (docs/widget.md).",
    )

    _session = validator("session_id", allow_reuse=True)(check_web_session_id)
    _message = validator("message", allow_reuse=True)(_not_blank)


class ChatResponse(Model):
    session_id: str
    customer_verified: bool
    answered_by: Literal["bot", "agent"] = Field(
        ..., description='"agent": the message waits for the person who has the conversation (no bot reply).'
    )
    messages: list[ChatMessage]


class ChatHistory(Model):
    session_id: str
    status: ConversationStatus | None = Field(..., description="null for a session without messages yet")
    messages: list[ChatMessage]


class FeedbackRequest(Model):
    session_id: str
    message_id: MessageId
    helpful: StrictBool

    _session = validator("session_id", allow_reuse=True)(check_web_session_id)


class Feedback(Model):
    session_id: str
    message_id: int
    helpful: bool


class AgentReplyRequest(Model):
    text: str

    _text = validator("text", allow_reuse=True)(_not_blank)


class AgentReply(Model):
    session_id: str
    status: Literal["agent"]
    message: AgentMessage


class ConversationClosed(Model):
    session_id: str
    status: Literal["bot"]


class ConversationList(Model):
    conversations: list[ConversationSummary]


class AssistMessage(Model):
    role: Literal["customer", "agent"]
    text: str = Field(..., max_length=ASSIST_TEXT_MAX_CHARS)


class AssistRequest(Model):
    messages: list[AssistMessage] = Field(..., min_items=1, max_items=ASSIST_MAX_MESSAGES)
    customer_id: CustomerRef | None = None
    order_id: CustomerRef | None = None


class Intent(Model):
    name: str | None = None
    confidence: float


class Assist(Model):
    """What an agent sees next to a conversation (``POST /v1/assist``)."""

    intent: Intent = Field(..., description="null name while Rasa is down")
    articles: list[SearchHit]
    eligibility: OrderEligibility | None = Field(
        ..., description="Only for the verified customer's own order; null otherwise."
    )
    suggested_replies: list[str]


class ConversationDetail(ConversationSummary):
    """A conversation for the agent console; ``assist_pending``/``assist_error`` only when set."""

    messages: list[AgentMessage]
    assist: Assist | None
    assist_pending: bool | None = None
    assist_error: str | None = None
