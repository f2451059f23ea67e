"""Support reports over a date range: how often the assistant resolved, fell back or handed off,
what buyers asked, which articles helped, what it could not answer, and how agents did.

Every figure is computed from the conversation log, per conversation that *started* in the range
(so a conversation counts once, on the day it started). The definitions (docs/operations.md):

- **bot turn**: a buyer message the bot answered (one or more bot messages before the next buyer
  or agent message). A **fallback turn** is a bot turn whose reply carried the ``fallback`` marker
  (the help center's "not sure" / "no answer", ``bot.assistant.replies.fallback_payload``) or whose
  buyer message Rasa classified as ``nlu_fallback`` (answered by "please rephrase").
- **handed off**: a conversation where a bot reply carried a ``handoff`` (whether or not an agent
  was available).
- **resolved**: the bot answered at least once, there was no handoff, no agent wrote, no bot answer
  was rated not helpful, and the last bot turn was not a fallback.
- ``resolution_rate`` = resolved / conversations; ``handoff_rate`` = handed off / conversations;
  ``fallback_rate`` = fallback turns / bot turns; ``csat`` = helpful / rated bot messages.
  Each is null when its denominator is 0.
- ``first_response_seconds_p50``: over conversations handed off to the queue (an agent was
  available) in which an agent replied: the median time from the handoff message to the first
  agent message after it.
- ``unanswered``: the buyer messages of fallback turns, e-mails and phones masked, grouped when
  their content words overlap (Jaccard >= ``GROUP_SIMILARITY``), largest group first.

Reports show buyers' words: only signed-in agents (or the admin token) may read them.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import db
from bot.corpus import Article
from bot.errors import InvalidField
from bot.privacy import mask_contacts
from bot.schemas.base import as_utc, check_one_of, utc_now
from bot.schemas.conversations import CHANNELS, Channel
from bot.schemas.reports import (
    AgentStats,
    ArticleStats,
    DailyRates,
    IntentCount,
    ReportPart,
    ReportSummary,
    UnansweredQuestion,
)

FALLBACK_INTENT = "nlu_fallback"
DEFAULT_DAYS = 30
MAX_DAYS = 366
GROUP_SIMILARITY = 0.5
MAX_UNANSWERED = 50
MAX_EXAMPLES = 3
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about what was asked; grouping compares the rest.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "so",
        "if",
        "not",
        "no",
        "can",
        "could",
        "would",
        "should",
        "will",
        "how",
        "what",
        "when",
        "where",
        "why",
        "which",
        "who",
        "there",
        "this",
        "that",
        "these",
        "those",
        "have",
        "has",
        "had",
        "get",
        "got",
        "please",
        "pls",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "just",
    ]
)


# ------------------------------------------------------------------ the date range


def parse_range(
    since: str | None, until: str | None, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """``[since, until)`` in UTC from ISO 8601 dates or date-times. A date alone is a whole UTC
    day (``until=2026-03-02`` includes that day). Default: the last 30 whole days, today included.
    ``InvalidField`` (HTTP 422) for an unreadable date, ``since`` not before ``until``, or a range
    over a year."""
    today = as_utc(now or utc_now()).date()
    end = (
        _instant(until, "until", end_of_day=True)
        if until
        else datetime.combine(today + timedelta(days=1), time(0), tzinfo=timezone.utc)
    )
    start = _instant(since, "since", end_of_day=False) if since else end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise InvalidField("since", "must be before until")
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidField("since", f"the range must be at most {MAX_DAYS} days")
    return start, end


def _instant(value: str, field: str, *, end_of_day: bool) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(
                day + timedelta(days=1 if end_of_day else 0), time(0), tzinfo=timezone.utc
            )
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise InvalidField(field, f"{value!r} is not an ISO 8601 date or date-time") from None


# ------------------------------------------------------------------ per conversation


@dataclass
class ConversationFacts:
    """What the reports (and conversation review) know about one conversation."""

    session_id: str
    started: datetime
    channel: str = "web"
    messages: int = 0
    first_message: str | None = None
    bot_turns: int = 0
    fallback_turns: int = 0
    handed_off: bool = False
    queued_at: datetime | None = None  # the first handoff an agent could take
    first_agent: tuple[datetime, str] | None = None  # after queued_at: when, and who
    agent_wrote: bool = False
    negative: bool = False
    last_turn_fallback: bool = False
    rated: int = 0
    helpful: int = 0
    unanswered: list[str] = field(default_factory=list)
    fallback_messages: list[int] = field(default_factory=list)  # ids of the unanswered buyer messages

    @property
    def resolved(self) -> bool:
        return (
            self.bot_turns > 0
            and not self.handed_off
            and not self.agent_wrote
            and not self.negative
            and not self.last_turn_fallback
        )


class ReportService:
    """``articles`` gives the served articles (titles for the article table)."""

    def __init__(
        self,
        engine: Engine,
        articles: Callable[[], dict[str, Article]],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.articles = articles
        self.clock = clock

    def summary(self, since: datetime, until: datetime, channel: Channel | None = None) -> ReportSummary:
        if channel is not None:
            check_one_of("channel", channel, CHANNELS)
        conversations, intents, article_counts, agents = self._collect(since, until, channel)
        titles = {article_id: article.title for article_id, article in self.articles().items()}
        total = len(conversations)
        handed_off = sum(c.handed_off for c in conversations)
        resolved = sum(c.resolved for c in conversations)
        bot_turns = sum(c.bot_turns for c in conversations)
        fallback_turns = sum(c.fallback_turns for c in conversations)
        rated = sum(c.rated for c in conversations)
        helpful = sum(c.helpful for c in conversations)
        waits = [
            (c.first_agent[0] - c.queued_at).total_seconds()
            for c in conversations
            if c.queued_at is not None and c.first_agent is not None
        ]
        return ReportSummary(
            since=since,
            until=until,
            channel=channel,
            conversations=total,
            handed_off=handed_off,
            resolved=resolved,
            bot_turns=bot_turns,
            fallback_turns=fallback_turns,
            rated=rated,
            helpful=helpful,
            resolution_rate=_rate(resolved, total),
            handoff_rate=_rate(handed_off, total),
            fallback_rate=_rate(fallback_turns, bot_turns),
            csat=_rate(helpful, rated),
            first_response_seconds_p50=_median(waits),
            intents=[
                IntentCount(intent=name, count=n)
                for name, n in sorted(intents.items(), key=lambda item: (-item[1], item[0]))
            ],
            articles=sorted(
                (
                    ArticleStats(
                        article_id=article_id,
                        title=titles.get(article_id) or stats["title"] or article_id,
                        answered=stats["answered"],
                        helpful=stats["helpful"],
                        not_helpful=stats["not_helpful"],
                    )
                    for article_id, stats in article_counts.items()
                ),
                key=lambda a: (-a.answered, a.article_id),
            ),
            unanswered=group_unanswered(text for c in conversations for text in c.unanswered),
            daily=_daily(conversations, since, until),
            agents=_agent_stats(conversations, agents),
        )

    def conversations(
        self, since: datetime, until: datetime, channel: Channel | None = None
    ) -> list[ConversationFacts]:
        """The facts of every conversation that started in ``[since, until)``, oldest first."""
        return self._collect(since, until, channel)[0]

    def _collect(
        self, since: datetime, until: datetime, channel: Channel | None
    ) -> tuple[list[ConversationFacts], Counter[str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        conv, msg = db.conversations, db.messages
        query = (
            select(
                conv.c.session_id,
                conv.c.created_at.label("started"),
                conv.c.channel,
                msg.c.id,
                msg.c.role,
                msg.c.text,
                msg.c.data,
                msg.c.created_at,
                msg.c.helpful,
                msg.c.intent,
                db.agents.c.name.label("author"),
            )
            .join(msg, msg.c.session_id == conv.c.session_id)
            .outerjoin(db.agents, db.agents.c.agent_id == msg.c.agent_id)
            .where(conv.c.created_at >= since, conv.c.created_at < until)
            .order_by(conv.c.created_at, conv.c.session_id, msg.c.id)
        )
        if channel is not None:
            query = query.where(conv.c.channel == channel)
        conversations: list[ConversationFacts] = []
        intents: Counter[str] = Counter()
        articles: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"title": "", "answered": 0, "helpful": 0, "not_helpful": 0}
        )
        agents: dict[str, dict[str, Any]] = defaultdict(lambda: {"sessions": set(), "replies": 0})
        current: ConversationFacts | None = None
        pending: dict[str, Any] | None = None  # the buyer message of the turn being read
        with db.database_errors(self.engine), self.engine.connect() as conn:
            for row in conn.execute(query):
                values = row._mapping
                if current is None or current.session_id != values["session_id"]:
                    current = ConversationFacts(values["session_id"], values["started"], values["channel"])
                    conversations.append(current)
                    pending = None
                current.messages += 1
                role, data = values["role"], values["data"] or {}
                if role == "customer":
                    if current.first_message is None:
                        current.first_message = values["text"]
                    pending = {
                        "id": values["id"],
                        "text": values["text"],
                        "intent": values["intent"],
                        "answered": False,
                        "fallback": False,
                    }
                    if values["intent"]:
                        intents[values["intent"]] += 1
                    continue
                if role == "agent":
                    pending = None
                    current.agent_wrote = True
                    author = values["author"] or "admin token"
                    agents[author]["sessions"].add(current.session_id)
                    agents[author]["replies"] += 1
                    if current.queued_at is not None and current.first_agent is None:
                        current.first_agent = (values["created_at"], author)
                    continue
                # a bot message
                _read_bot_message(current, pending, data, values, articles)
        return conversations, intents, articles, agents


def _read_bot_message(
    current: ConversationFacts,
    pending: dict[str, Any] | None,
    data: dict[str, Any],
    values: Any,
    articles: dict[str, dict[str, Any]],
) -> None:
    if pending is not None:
        fallback = bool(data.get("fallback")) or pending["intent"] == FALLBACK_INTENT
        if not pending["answered"]:
            pending["answered"] = True
            current.bot_turns += 1
            current.last_turn_fallback = False
        if fallback and not pending["fallback"]:
            pending["fallback"] = True
            current.fallback_turns += 1
            current.last_turn_fallback = True
            current.unanswered.append(pending["text"])
            current.fallback_messages.append(pending["id"])
    handoff = data.get("handoff")
    if isinstance(handoff, dict):
        current.handed_off = True
        if handoff.get("agent_available", True) and current.queued_at is None:
            current.queued_at = values["created_at"]
    helpful = values["helpful"]
    if helpful is not None:
        current.rated += 1
        current.helpful += int(bool(helpful))
        current.negative = current.negative or not helpful
    source = data.get("source")
    if isinstance(source, dict) and source.get("id"):
        stats = articles[str(source["id"])]
        stats["title"] = stats["title"] or str(source.get("title") or "")
        stats["answered"] += 1
        if helpful is True:
            stats["helpful"] += 1
        elif helpful is False:
            stats["not_helpful"] += 1


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _daily(conversations: list[ConversationFacts], since: datetime, until: datetime) -> list[DailyRates]:
    by_day: dict[date, list[ConversationFacts]] = defaultdict(list)
    for conversation in conversations:
        by_day[as_utc(conversation.started).date()].append(conversation)
    days: list[DailyRates] = []
    day, last = since.date(), (until - timedelta(microseconds=1)).date()
    while day <= last:
        group = by_day.get(day, [])
        total = len(group)
        days.append(
            DailyRates(
                day=day.isoformat(),
                conversations=total,
                handed_off=sum(c.handed_off for c in group),
                resolution_rate=_rate(sum(c.resolved for c in group), total),
                handoff_rate=_rate(sum(c.handed_off for c in group), total),
                fallback_rate=_rate(sum(c.fallback_turns for c in group), sum(c.bot_turns for c in group)),
                csat=_rate(sum(c.helpful for c in group), sum(c.rated for c in group)),
            )
        )
        day += timedelta(days=1)
    return days


def _agent_stats(
    conversations: list[ConversationFacts], agents: dict[str, dict[str, Any]]
) -> list[AgentStats]:
    waits: dict[str, list[float]] = defaultdict(list)
    for c in conversations:
        if c.queued_at is not None and c.first_agent is not None:
            waits[c.first_agent[1]].append((c.first_agent[0] - c.queued_at).total_seconds())
    return sorted(
        (
            AgentStats(
                agent=name,
                conversations=len(stats["sessions"]),
                replies=stats["replies"],
                first_response_seconds_p50=_median(waits.get(name, [])),
            )
            for name, stats in agents.items()
        ),
        key=lambda a: (-a.replies, a.agent),
    )


# ------------------------------------------------------------------ unanswered questions


def content_words(text: str) -> frozenset[str]:
    """The words that carry what was asked: lower-case, no stop words, a plural 's' dropped."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return frozenset(words)


def group_unanswered(texts: Iterable[str], limit: int = MAX_UNANSWERED) -> list[UnansweredQuestion]:
    """Masked buyer messages grouped by shared content words, largest group first.

    Greedy and deterministic: wordings are visited by frequency (then shortest first), and each
    joins the first group whose first wording shares at least ``GROUP_SIMILARITY`` of the words of
    both (Jaccard). A group is shown by its first, most frequent and shortest, wording."""
    counts = Counter(" ".join(mask_contacts(text).split()) for text in texts if text and text.strip())
    groups: list[tuple[frozenset[str], list[tuple[str, int]]]] = []
    for text, count in sorted(counts.items(), key=lambda item: (-item[1], len(item[0]), item[0].lower())):
        words = content_words(text)
        for head, members in groups:
            union = words | head
            if union and len(words & head) / len(union) >= GROUP_SIMILARITY:
                members.append((text, count))
                break
        else:
            groups.append((words, [(text, count)]))
    questions = [
        UnansweredQuestion(
            text=members[0][0],
            count=sum(n for _, n in members),
            examples=[text for text, _ in members[1 : 1 + MAX_EXAMPLES]],
        )
        for _, members in groups
    ]
    questions.sort(key=lambda q: (-q.count, q.text.lower()))
    return questions[:limit]


# ------------------------------------------------------------------ CSV


def to_csv(report: ReportSummary, part: ReportPart) -> str:
    """One table of the report as CSV (buyers' words are already masked)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if part == "daily":
        columns = [
            "day",
            "conversations",
            "handed_off",
            "resolution_rate",
            "handoff_rate",
            "fallback_rate",
            "csat",
        ]
        rows: list[list[Any]] = [[getattr(d, c) for c in columns] for d in report.daily]
    elif part == "intents":
        columns = ["intent", "count"]
        rows = [[i.intent, i.count] for i in report.intents]
    elif part == "articles":
        columns = ["article_id", "title", "answered", "helpful", "not_helpful"]
        rows = [[getattr(a, c) for c in columns] for a in report.articles]
    elif part == "unanswered":
        columns = ["text", "count", "examples"]
        rows = [[q.text, q.count, " | ".join(q.examples)] for q in report.unanswered]
    else:
        columns = ["agent", "conversations", "replies", "first_response_seconds_p50"]
        rows = [[getattr(a, c) for c in columns] for a in report.agents]
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else _csv_safe(value) for value in row])
    return out.getvalue()


def _csv_safe(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula ('=HYPERLINK(...)' typed by a buyer) is quoted
    with a leading apostrophe (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
