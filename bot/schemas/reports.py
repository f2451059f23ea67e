"""The support reports: how the assistant and the agents did over a date range (docs/operations.md
defines every figure)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.schemas.base import Model, UtcDateTime
from bot.schemas.conversations import Channel

ReportPart = Literal["daily", "intents", "articles", "unanswered", "agents"]
REPORT_PARTS: tuple[ReportPart, ...] = ReportPart.__args__  # type: ignore[attr-defined]


class IntentCount(Model):
    intent: str
    count: int


class ArticleStats(Model):
    article_id: str
    title: str
    answered: int = Field(..., description="Bot answers citing the article.")
    helpful: int
    not_helpful: int


class UnansweredQuestion(Model):
    text: str = Field(..., description="The most frequent wording of the group (emails and phones masked).")
    count: int
    examples: list[str] = Field(default_factory=list, description="Other wordings grouped with it.")


class DailyRates(Model):
    day: str = Field(..., description="YYYY-MM-DD (UTC): conversations that started that day.")
    conversations: int
    handed_off: int
    resolution_rate: float | None
    handoff_rate: float | None
    fallback_rate: float | None
    csat: float | None


class AgentStats(Model):
    agent: str
    conversations: int = Field(..., description="Conversations the agent wrote in.")
    replies: int
    first_response_seconds_p50: float | None = Field(
        ..., description="Median wait from handoff to this agent's first reply, where they answered first."
    )


class ReportSummary(Model):
    since: UtcDateTime
    until: UtcDateTime
    channel: Channel | None = None
    conversations: int
    handed_off: int
    resolved: int
    bot_turns: int
    fallback_turns: int
    rated: int
    helpful: int
    resolution_rate: float | None = Field(..., description="resolved / conversations")
    handoff_rate: float | None = Field(..., description="handed_off / conversations")
    fallback_rate: float | None = Field(..., description="fallback_turns / bot_turns")
    csat: float | None = Field(..., description="helpful / rated; null when nothing is rated")
    first_response_seconds_p50: float | None
    intents: list[IntentCount]
    articles: list[ArticleStats]
    unanswered: list[UnansweredQuestion]
    daily: list[DailyRates]
    agents: list[AgentStats]
