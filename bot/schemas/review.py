"""Conversation review: the conversations worth a look, and what agents say buyer messages meant."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, root_validator

from bot.schemas.base import ARTICLE_ID_MAX_CHARS, INTENT_MAX_CHARS, Model, UtcDateTime
from bot.schemas.conversations import Channel, Role

ReviewReason = Literal["fallback", "negative", "handoff"]
REVIEW_REASONS: tuple[ReviewReason, ...] = ReviewReason.__args__  # type: ignore[attr-defined]
OUT_OF_SCOPE = "out_of_scope"


class ReviewConversation(Model):
    session_id: str
    channel: Channel
    started_at: UtcDateTime
    reasons: list[ReviewReason]
    first_message: str | None = None
    messages: int
    labelled: int


class ReviewList(Model):
    conversations: list[ReviewConversation]


class Label(Model):
    """What a buyer message should have been understood as: an intent (``out_of_scope`` for
    "not something we answer"), the article that answers it, or both."""

    intent: str | None = None
    article_id: str | None = None
    actor: str
    updated_at: UtcDateTime
    exported: bool = False


class LabelRequest(Model):
    intent: str | None = Field(default=None, max_length=INTENT_MAX_CHARS, example="contact_support")
    article_id: str | None = Field(default=None, max_length=ARTICLE_ID_MAX_CHARS)
    out_of_scope: bool = Field(default=False, description='Shorthand for intent "out_of_scope".')

    @root_validator(skip_on_failure=True)
    def _something(cls, values: dict[str, object]) -> dict[str, object]:
        if values.get("out_of_scope"):
            if values.get("intent") not in (None, OUT_OF_SCOPE) or values.get("article_id"):
                raise ValueError("out_of_scope: a message out of scope has no other intent or article")
            values["intent"] = OUT_OF_SCOPE
        if not values.get("intent") and not values.get("article_id"):
            raise ValueError("label: give an intent, an article_id, or out_of_scope")
        return values


class ReviewMessage(Model):
    id: int
    role: Role
    text: str
    created_at: UtcDateTime
    intent: str | None = None
    fallback: bool = Field(False, description="A buyer message the bot could not answer (fallback turn).")
    helpful: bool | None = None
    source_title: str | None = None
    label: Label | None = None


class ReviewDetail(Model):
    session_id: str
    channel: Channel
    reasons: list[ReviewReason]
    messages: list[ReviewMessage]


class ArticleChoice(Model):
    id: str
    title: str


class ReviewOptions(Model):
    intents: list[str]
    articles: list[ArticleChoice]


class PendingLabel(Model):
    """A label not exported yet, with the buyer's words (for `supportbot review export`)."""

    message_id: int
    text: str
    intent: str | None = None
    article_id: str | None = None
    actor: str
