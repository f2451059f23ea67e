"""The support reports, figure by figure, on a conversation log written the way the gateway writes it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot import db
from bot.agents import AgentDirectory
from bot.conversations import ConversationLog
from bot.corpus import Article
from bot.errors import InvalidField
from bot.reports import ReportService, group_unanswered, parse_range, to_csv
from bot.schemas.agents import CLI_ACTOR, Actor

DAY1 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DAY2 = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
ARTICLES = {
    "delivery-times": Article(
        id="delivery-times", title="How long does delivery take?", category="Shipping", answer="7-15 days."
    ),
    "refunds": Article(
        id="refunds", title="When will I get my refund?", category="Refund", answer="3-20 days."
    ),
}
NOT_SURE = {"fallback": "not_sure"}
NO_ARTICLE = {"fallback": "no_article"}


class Clock:
    def __init__(self) -> None:
        self.now = DAY1

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        self.now = moment


def source(article_id: str) -> dict[str, object]:
    return {"source": {"id": article_id, "title": ARTICLES[article_id].title, "category": "x"}}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[ConversationLog, ReportService, Clock, AgentDirectory]]:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    clock = Clock()
    yield (
        ConversationLog(engine, clock=clock),
        ReportService(engine, lambda: ARTICLES),
        clock,
        AgentDirectory(engine, clock=clock),
    )
    db.dispose_engine(url)


def buyer(log: ConversationLog, session: str, text: str, intent: str, channel: str = "web") -> None:
    log.add_message(session, "customer", text, channel=channel)  # type: ignore[arg-type]
    log.set_intent(session, intent, 0.9)


def write_conversations(log: ConversationLog, clock: Clock, agents: AgentDirectory) -> None:
    clock.at(DAY1 - timedelta(days=3))  # before the range: not counted
    buyer(log, "old", "hello", "greet")
    log.add_message("old", "bot", "Hi!")

    clock.at(DAY1)
    buyer(log, "c1", "how long does delivery take", "faq")
    answer = log.add_message(
        "c1", "bot", "Most parcels arrive within 7 to 15 days.", data=source("delivery-times")
    )
    log.record_feedback("c1", answer.id, True)

    clock.at(DAY1 + timedelta(minutes=5))
    buyer(log, "c2", "my email is ana.silva@mail.com, where is the refund", "refund_status")
    log.add_message("c2", "bot", "I'm not sure I have the right answer.", data=NOT_SURE)
    buyer(log, "c2", "refund to card?", "faq")
    refund = log.add_message("c2", "bot", "Refunds take 3-20 days.", data=source("refunds"))
    log.record_feedback("c2", refund.id, False)

    clock.at(DAY1 + timedelta(minutes=10))
    buyer(log, "c3", "blah blah", "nlu_fallback", channel="whatsapp")
    log.add_message("c3", "bot", "Sorry, could you say that in other words?")
    buyer(log, "c3", "I want a person", "human_handoff")
    log.add_message(
        "c3", "bot", "Connecting you.", data={"handoff": {"ticket_id": "T-1", "agent_available": True}}
    )
    sam, _ = agents.add("sam", "agent", actor=Actor(name=CLI_ACTOR, role="admin", via="cli"))
    clock.at(DAY1 + timedelta(minutes=12))
    log.add_message("c3", "agent", "Sam here.", channel="whatsapp", agent_id=sam.agent_id)

    clock.at(DAY1 + timedelta(minutes=20))
    buyer(log, "c4", "agent please", "human_handoff")
    log.add_message(
        "c4",
        "bot",
        "No one is available right now.",
        data={"handoff": {"ticket_id": "T-2", "agent_available": False}},
    )

    clock.at(DAY2)
    buyer(log, "c5", "what's the weather", "out_of_scope")
    log.add_message("c5", "bot", "I couldn't find an answer.", data=NO_ARTICLE)


def test_every_figure_of_the_summary(
    world: tuple[ConversationLog, ReportService, Clock, AgentDirectory],
) -> None:
    log, reports, clock, agents = world
    write_conversations(log, clock, agents)
    since, until = parse_range("2026-03-02", "2026-03-03")

    report = reports.summary(since, until)

    assert (report.conversations, report.handed_off, report.resolved) == (5, 2, 1)
    assert (report.bot_turns, report.fallback_turns) == (7, 3)
    assert (report.rated, report.helpful) == (2, 1)
    assert report.resolution_rate == 0.2
    assert report.handoff_rate == 0.4
    assert report.fallback_rate == round(3 / 7, 4)
    assert report.csat == 0.5
    assert report.first_response_seconds_p50 == 120.0  # only c3 was queued to a person
    assert [(i.intent, i.count) for i in report.intents] == [
        ("faq", 2),
        ("human_handoff", 2),
        ("nlu_fallback", 1),
        ("out_of_scope", 1),
        ("refund_status", 1),
    ]
    assert [(a.article_id, a.title, a.answered, a.helpful, a.not_helpful) for a in report.articles] == [
        ("delivery-times", "How long does delivery take?", 1, 1, 0),
        ("refunds", "When will I get my refund?", 1, 0, 1),
    ]
    assert sorted(q.text for q in report.unanswered) == [
        "blah blah",
        "my email is [email], where is the refund",
        "what's the weather",
    ]
    assert [
        (d.day, d.conversations, d.handed_off, d.resolution_rate, d.fallback_rate, d.csat)
        for d in report.daily
    ] == [
        ("2026-03-02", 4, 2, 0.25, round(2 / 6, 4), 0.5),
        ("2026-03-03", 1, 0, 0.0, 1.0, None),
    ]
    assert [(a.agent, a.conversations, a.replies, a.first_response_seconds_p50) for a in report.agents] == [
        ("sam", 1, 1, 120.0)
    ]


def test_a_channel_filter_and_an_empty_range(
    world: tuple[ConversationLog, ReportService, Clock, AgentDirectory],
) -> None:
    log, reports, clock, agents = world
    write_conversations(log, clock, agents)
    whatsapp = reports.summary(*parse_range("2026-03-02", "2026-03-03"), channel="whatsapp")
    assert (whatsapp.conversations, whatsapp.handed_off, whatsapp.fallback_turns) == (1, 1, 1)

    empty = reports.summary(*parse_range("2026-02-01", "2026-02-02"))
    assert empty.conversations == 0
    assert (empty.resolution_rate, empty.fallback_rate, empty.csat, empty.first_response_seconds_p50) == (
        None,
        None,
        None,
        None,
    )
    assert [d.day for d in empty.daily] == ["2026-02-01", "2026-02-02"]


def test_csv_exports_mask_contacts_and_defuse_formulas(
    world: tuple[ConversationLog, ReportService, Clock, AgentDirectory],
) -> None:
    log, reports, clock, agents = world
    write_conversations(log, clock, agents)
    clock.at(DAY2 + timedelta(hours=1))
    buyer(log, "c6", '=HYPERLINK("http://x") call me on +44 7700 900123', "nlu_fallback")
    log.add_message("c6", "bot", "Sorry?")
    report = reports.summary(*parse_range("2026-03-02", "2026-03-03"))

    rows = list(csv.reader(io.StringIO(to_csv(report, "unanswered"))))
    assert rows[0] == ["text", "count", "examples"]
    texts = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x") call me on [phone]' in texts
    assert not any("7700" in text or "ana.silva" in text for text in texts)
    daily = list(csv.DictReader(io.StringIO(to_csv(report, "daily"))))
    assert daily[1] == {
        "day": "2026-03-03",
        "conversations": "2",
        "handed_off": "0",
        "resolution_rate": "0.0",
        "handoff_rate": "0.0",
        "fallback_rate": "1.0",
        "csat": "",
    }


def test_similar_unanswered_questions_are_grouped() -> None:
    groups = group_unanswered(
        [
            "Do you ship to Mars?",
            "do you ship to mars",
            "Can you ship to Mars please",
            "Where can I buy gift cards?",
            "gift cards where to buy",
            "is there a loyalty program",
        ]
    )
    assert [(g.count, g.text) for g in groups] == [
        (3, "do you ship to mars"),
        (2, "gift cards where to buy"),
        (1, "is there a loyalty program"),
    ]
    assert groups[0].examples == ["Do you ship to Mars?", "Can you ship to Mars please"]


@pytest.mark.parametrize(
    ("since", "until", "field", "message"),
    [
        ("2026-03-05", "2026-03-01", "since", "must be before until"),
        ("yesterday", None, "since", "is not an ISO 8601 date"),
        (None, "2026-13-01", "until", "is not an ISO 8601 date"),
        ("2024-01-01", "2026-01-01", "since", "at most 366 days"),
    ],
)
def test_a_bad_range_names_the_field(since: str | None, until: str | None, field: str, message: str) -> None:
    with pytest.raises(InvalidField, match=message) as bad:
        parse_range(since, until, now=DAY2)
    assert bad.value.field == field


def test_range_defaults_and_whole_days() -> None:
    tomorrow = datetime(2026, 3, 4, tzinfo=timezone.utc)
    assert parse_range(None, None, now=DAY2) == (tomorrow - timedelta(days=30), tomorrow)
    assert parse_range("2026-03-02", "2026-03-02") == (
        datetime(2026, 3, 2, tzinfo=timezone.utc),
        datetime(2026, 3, 3, tzinfo=timezone.utc),
    )
    assert parse_range("2026-03-02T10:00:00Z", "2026-03-02T12:00:00+01:00")[1] == datetime(
        2026, 3, 2, 11, tzinfo=timezone.utc
    )
