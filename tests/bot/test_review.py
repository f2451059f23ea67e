"""Conversation review: which conversations fell short, and labels on buyer messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot import db
from bot.conversations import ConversationLog
from bot.corpus import Article
from bot.errors import InvalidField, NotFound
from bot.reports import ReportService
from bot.review import ReviewService, domain_intents
from bot.schemas.agents import Actor
from bot.schemas.review import LabelRequest

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
SINCE, UNTIL = NOW - timedelta(days=1), NOW + timedelta(days=1)
ARTICLES = {
    "contact": Article(
        id="contact", title="How can I contact customer service?", category="C", answer="Call us."
    )
}
INTENTS = ["greet", "faq", "contact_support", "out_of_scope", "human_handoff"]
SAM = Actor(name="sam", role="agent", via="session")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[ConversationLog, ReviewService]]:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    reports = ReportService(engine, lambda: ARTICLES)
    yield (
        ConversationLog(engine, clock=lambda: NOW),
        ReviewService(engine, reports, lambda: ARTICLES, lambda: INTENTS, clock=lambda: NOW),
    )
    db.dispose_engine(url)


def test_conversations_that_fell_short_are_listed_with_their_reasons(
    world: tuple[ConversationLog, ReviewService],
) -> None:
    log, review = world
    log.add_message("fine", "customer", "hi")
    log.add_message("fine", "bot", "Hello!")
    log.add_message("missed", "customer", "what number do I call")
    log.add_message("missed", "bot", "I'm not sure.", data={"fallback": "not_sure"})
    log.add_message("handed", "customer", "a person")
    log.add_message("handed", "bot", "Connecting.", data={"handoff": {"ticket_id": "T-1"}})
    log.add_message("rated", "customer", "refund?")
    answer = log.add_message("rated", "bot", "3-20 days.")
    log.record_feedback("rated", answer.id, False)

    listed = {c.session_id: c.reasons for c in review.conversations(SINCE, UNTIL)}
    assert listed == {"missed": ["fallback"], "handed": ["handoff"], "rated": ["negative"]}
    assert [c.session_id for c in review.conversations(SINCE, UNTIL, reason="fallback")] == ["missed"]

    detail = review.conversation("missed")
    assert [(m.role, m.fallback) for m in detail.messages] == [("customer", True), ("bot", False)]
    with pytest.raises(NotFound):
        review.conversation("nobody")


def test_a_label_names_an_intent_an_article_or_out_of_scope(
    world: tuple[ConversationLog, ReviewService],
) -> None:
    log, review = world
    question = log.add_message("s", "customer", "what number do I call")
    reply = log.add_message("s", "bot", "I'm not sure.", data={"fallback": "not_sure"})

    label = review.label(question.id, LabelRequest(intent="contact_support", article_id="contact"), actor=SAM)
    assert (label.intent, label.article_id, label.actor) == ("contact_support", "contact", "sam")
    relabel = review.label(question.id, LabelRequest(out_of_scope=True), actor=SAM)
    assert (relabel.intent, relabel.article_id) == ("out_of_scope", None)
    [pending] = review.pending()
    assert (pending.message_id, pending.text, pending.intent) == (
        question.id,
        "what number do I call",
        "out_of_scope",
    )

    with pytest.raises(InvalidField) as bad_intent:
        review.label(question.id, LabelRequest(intent="no_such_intent"), actor=SAM)
    assert bad_intent.value.field == "intent"
    with pytest.raises(InvalidField) as bad_article:
        review.label(question.id, LabelRequest(article_id="missing"), actor=SAM)
    assert bad_article.value.field == "article_id"
    with pytest.raises(InvalidField, match="only a buyer's message"):
        review.label(reply.id, LabelRequest(intent="faq"), actor=SAM)
    with pytest.raises(NotFound):
        review.label(99999, LabelRequest(intent="faq"), actor=SAM)

    review.mark_exported([question.id], actor=SAM)
    assert review.pending() == []
    assert review.conversation("s").messages[0].label.exported  # type: ignore[union-attr]
    review.clear(question.id, actor=SAM)
    assert review.conversation("s").messages[0].label is None


def test_a_label_request_needs_something_to_say() -> None:
    with pytest.raises(ValueError, match="give an intent, an article_id, or out_of_scope"):
        LabelRequest()
    with pytest.raises(ValueError, match="out_of_scope"):
        LabelRequest(out_of_scope=True, article_id="contact")


def test_intents_come_from_the_domain() -> None:
    intents = domain_intents(Path(__file__).resolve().parents[2] / "domain.yml")
    assert {"faq", "out_of_scope", "human_handoff"} <= set(intents)
