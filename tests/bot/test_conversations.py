"""ConversationLog on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine

from bot.conversations import ConversationLog
from bot.errors import UsageError
from bot.schemas.conversations import AgentMessage

START = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


class Clock:
    """Advances one second per reading, so "newest first" never depends on timing."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def log(engine: Engine) -> ConversationLog:
    return ConversationLog(engine, clock=Clock())


def test_first_message_starts_the_conversation(log: ConversationLog) -> None:
    message = log.add_message(
        "s-1", "customer", "Where is my order?", channel="whatsapp", customer_id="C1001"
    )
    assert message.id > 0
    assert message.session_id == "s-1"
    assert message.role == "customer"
    assert message.created_at == START + timedelta(seconds=1)
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert (conversation.channel, conversation.customer_id, conversation.status) == (
        "whatsapp",
        "C1001",
        "bot",
    )
    assert conversation.last_message == "Where is my order?"
    assert conversation.ticket_id is None
    assert conversation.intent is None
    assert log.get_conversation("s-404") is None


def test_later_messages_cannot_change_who_the_conversation_belongs_to(log: ConversationLog) -> None:
    log.add_message("s-1", "customer", "hi", channel="web", customer_id=None)
    log.add_message("s-1", "customer", "I am C1002", channel="whatsapp", customer_id="C1002")
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert (conversation.channel, conversation.customer_id) == ("web", None)
    assert conversation.last_message == "I am C1002"


def test_messages_oldest_first_and_after_an_id(log: ConversationLog) -> None:
    first = log.add_message("s-1", "customer", "hello")
    second = log.add_message("s-1", "bot", "Hi! How can I help?", data={"buttons": [{"title": "Track"}]})
    log.add_message("s-2", "customer", "other conversation")
    third = log.add_message("s-1", "agent", "Anna here")
    assert [m.id for m in log.messages("s-1")] == [first.id, second.id, third.id]
    assert first.id < second.id < third.id
    assert [m.text for m in log.messages("s-1", after=second.id)] == ["Anna here"]
    assert log.messages("s-1", after=third.id) == []
    assert log.messages("s-404") == []
    stored = log.messages("s-1")[1]
    assert stored == second
    assert stored.data == {"buttons": [{"title": "Track"}]}
    assert AgentMessage.of(stored).to_dict() == {
        "id": second.id,
        "role": "bot",
        "text": "Hi! How can I help?",
        "data": {"buttons": [{"title": "Track"}]},
        "created_at": "2024-06-01T12:00:02Z",
        "author": None,
        "intent": None,
        "helpful": None,
    }


def test_the_latest_bot_turn_and_its_options(log: ConversationLog) -> None:
    assert log.latest_bot_turn("s-opt") == []
    log.add_message("s-opt", "customer", "hi", channel="whatsapp")
    first = log.add_message("s-opt", "bot", "Hello!", channel="whatsapp")
    offered = [{"title": "Track my order", "payload": "/track_order"}]
    second = log.add_message("s-opt", "bot", "Anything else?", data={"buttons": offered}, channel="whatsapp")
    log.add_message("s-other", "customer", "unrelated", channel="whatsapp")
    assert [m.id for m in log.latest_bot_turn("s-opt")] == [first.id, second.id]
    assert [o.payload for o in log.latest_bot_turn("s-opt")[-1].options] == ["/track_order"]
    assert log.latest_bot_turn("s-opt")[0].options == []
    assert log.message("s-opt", second.id) == second
    assert log.message("s-other", second.id) is None  # never another session's message

    log.add_message("s-opt", "agent", "Sam here", channel="whatsapp")
    assert log.latest_bot_turn("s-opt") == []  # the bot's options are stale once a person speaks


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"session_id": "", "role": "customer", "text": "x"}, "session_id"),
        ({"session_id": "s", "role": "system", "text": "x"}, "role"),
        ({"session_id": "s", "role": "bot", "text": "x", "channel": "sms"}, "channel"),
        ({"session_id": "s", "role": "bot", "text": "x", "data": {"at": START}}, "data"),
        ({"session_id": "s", "role": "bot", "text": "x", "data": ["not", "a", "dict"]}, "data"),
        ({"session_id": "s" * 256, "role": "bot", "text": "x"}, "session_id"),
    ],
)
def test_bad_messages_are_refused_and_store_nothing(log: ConversationLog, kwargs: dict, field: str) -> None:
    with pytest.raises(UsageError, match=field):
        log.add_message(**kwargs)
    assert log.list_conversations() == []


def test_list_conversations_by_latest_activity(log: ConversationLog) -> None:
    log.add_message("s-1", "customer", "one")
    log.add_message("s-2", "customer", "two")
    log.add_message("s-3", "customer", "three")
    log.add_message("s-1", "bot", "answer to one")
    assert [c.session_id for c in log.list_conversations()] == ["s-1", "s-3", "s-2"]
    assert [c.session_id for c in log.list_conversations(limit=2)] == ["s-1", "s-3"]


def test_list_conversations_breaks_same_instant_ties_by_latest_message(engine: Engine) -> None:
    frozen = ConversationLog(engine, clock=lambda: START)
    for session in ("a", "b", "c"):
        frozen.add_message(session, "customer", "hi")
    frozen.add_message("a", "bot", "hello")
    assert [c.session_id for c in frozen.list_conversations()] == ["a", "c", "b"]


def test_list_conversations_by_status_and_limits(log: ConversationLog) -> None:
    log.add_message("s-1", "customer", "one")
    log.add_message("s-2", "customer", "two")
    log.set_status("s-1", "handoff", ticket_id="T-1")
    assert [c.session_id for c in log.list_conversations(status="handoff")] == ["s-1"]
    assert [c.session_id for c in log.list_conversations(status="bot")] == ["s-2"]
    assert log.list_conversations(status="agent") == []
    for bad in (0, 1001, True):
        with pytest.raises(UsageError, match="limit"):
            log.list_conversations(limit=bad)
    with pytest.raises(UsageError, match="status"):
        log.list_conversations(status="closed")


def test_status_and_ticket_through_a_handoff(log: ConversationLog) -> None:
    log.add_message("s-1", "customer", "human please")
    log.add_message("s-2", "customer", "other")
    log.set_status("s-1", "handoff", ticket_id="T-1")
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert (conversation.status, conversation.ticket_id) == ("handoff", "T-1")
    assert log.list_conversations()[0].session_id == "s-1"

    log.set_status("s-1", "agent")
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert (conversation.status, conversation.ticket_id) == ("agent", "T-1")

    log.set_status("s-1", "bot")
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert (conversation.status, conversation.ticket_id) == ("bot", None)
    assert conversation.to_dict()["status"] == "bot"


def test_set_status_errors(log: ConversationLog) -> None:
    log.add_message("s-1", "customer", "hi")
    with pytest.raises(UsageError, match="status"):
        log.set_status("s-1", "closed")
    with pytest.raises(UsageError, match="s-404"):
        log.set_status("s-404", "handoff")
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert conversation.status == "bot"


def test_set_intent_is_shown_but_is_not_activity(log: ConversationLog) -> None:
    log.add_message("s-1", "customer", "cancel my order")
    log.add_message("s-2", "customer", "hello")
    log.set_intent("s-1", "cancel_order", 0.91)
    conversation = log.get_conversation("s-1")
    assert conversation is not None
    assert (conversation.intent, conversation.intent_confidence) == ("cancel_order", pytest.approx(0.91))
    assert [c.session_id for c in log.list_conversations()] == ["s-2", "s-1"]
    with pytest.raises(UsageError, match="s-404"):
        log.set_intent("s-404", "greet", 0.5)
    with pytest.raises(UsageError, match="intent"):
        log.set_intent("s-1", " ", 0.5)


def test_feedback_on_bot_messages_and_csat(log: ConversationLog) -> None:
    assert log.csat() == {"rated": 0, "helpful": 0, "score": None}
    question = log.add_message("s-1", "customer", "can I cancel?")
    answer = log.add_message("s-1", "bot", "Yes, until Friday.")
    other = log.add_message("s-2", "bot", "Hello")
    log.record_feedback("s-1", answer.id, False)
    log.record_feedback("s-1", answer.id, True)  # re-rating overwrites
    assert log.csat() == {"rated": 1, "helpful": 1, "score": 1.0}
    log.record_feedback("s-2", other.id, False)
    assert log.csat() == {"rated": 2, "helpful": 1, "score": 0.5}
    assert log.messages("s-1")[1].helpful is True

    with pytest.raises(UsageError, match="bot message"):
        log.record_feedback("s-1", question.id, True)
    with pytest.raises(UsageError, match="bot message"):
        log.record_feedback("s-1", other.id, True)  # another session's message
    with pytest.raises(UsageError, match="bot message"):
        log.record_feedback("s-1", 999_999, True)
    with pytest.raises(UsageError, match="helpful"):
        log.record_feedback("s-1", answer.id, "yes")  # type: ignore[arg-type]
    assert log.csat() == {"rated": 2, "helpful": 1, "score": 0.5}


def test_claim_delivery_once_per_channel_and_id(log: ConversationLog) -> None:
    assert log.claim_delivery("whatsapp", "wamid.1") is True
    assert log.claim_delivery("whatsapp", "wamid.1") is False
    assert log.claim_delivery("whatsapp", "wamid.2") is True
    assert log.claim_delivery("twilio", "wamid.1") is True
    with pytest.raises(UsageError):
        log.claim_delivery("whatsapp", "")


def test_concurrent_first_messages_share_one_conversation(engine: Engine) -> None:
    log = ConversationLog(engine)
    workers = 6
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def send(number: int) -> None:
        try:
            barrier.wait()
            log.add_message("race", "customer", f"message {number}", customer_id=f"C{number}")
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(log.messages("race")) == workers
    assert len(log.list_conversations()) == 1


def test_concurrent_duplicate_deliveries_are_claimed_once(engine: Engine) -> None:
    log = ConversationLog(engine)
    workers = 6
    barrier = threading.Barrier(workers)
    claims: list[bool] = []

    def claim() -> None:
        barrier.wait()
        claims.append(log.claim_delivery("whatsapp", "wamid.dup"))

    threads = [threading.Thread(target=claim) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claims) == [False] * (workers - 1) + [True]
