"""The runner against a scripted transport: conversations, clicks, identity, errors, and the figures."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.assistant import replies
from bot.errors import SupportbotError
from tools.chat_eval import report
from tools.chat_eval.data import load_dialogs, load_questions
from tools.chat_eval.grading import BotMessage, Button, TurnObservation
from tools.chat_eval.runner import Runner, messages_from_gateway, messages_from_rasa

Reply = Callable[[str, str | None], TurnObservation]


class ScriptedTransport:
    """Answers by the first regex matching the message; records (conversation, text, customer)."""

    def __init__(self, script: list[tuple[str, Reply]]) -> None:
        self.script = [(re.compile(pattern, re.I), reply) for pattern, reply in script]
        self.sent: list[tuple[str, str, str | None]] = []

    async def send(self, conversation: str, text: str, customer_id: str | None) -> TurnObservation:
        self.sent.append((conversation, text, customer_id))
        for pattern, reply in self.script:
            if pattern.search(text):
                return reply(text, customer_id)
        return says("Sorry, I didn't understand that.", intent="nlu_fallback")(text, customer_id)

    async def aclose(self) -> None:
        pass


def says(text: str, *buttons: Button, intent: str = "faq", payload: dict[str, Any] | None = None) -> Reply:
    def reply(_text: str, _customer: str | None) -> TurnObservation:
        return TurnObservation((BotMessage(text, buttons, payload or {}),), 0.05, intent, ("action_listen",))

    return reply


def fails(error: str) -> Reply:
    return lambda _text, _customer: TurnObservation((), 2.0, error=error)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_each_question_is_a_fresh_conversation_anonymous_unless_a_customer_is_given(
    tmp_path: Path,
) -> None:
    questions = load_questions(
        write(
            tmp_path,
            "answers.yaml",
            """
questions:
  - {q: "when will I get my refund", expect: ['3-20 business days'], topic: refund, style: terse}
  - {q: "can I cancel order 1002", expect: ['cancel'], forbid: ['sign in'], customer: C1001, topic: cancel}
  - {q: "blorf", expect: ['refund'], topic: refund, style: typo}
""",
        )
    )
    transport = ScriptedTransport(
        [
            ("refund", says("Usually it takes 3-20 business days.")),
            (
                "cancel",
                lambda _t, customer: says("You can cancel it." if customer else replies.SIGN_IN)(
                    _t, customer
                ),
            ),
        ]
    )

    results = await Runner(transport, run_id="r1").questions(questions, "dev")

    assert [r.passed for r in results] == [True, True, False]
    assert transport.sent == [
        ("eval-r1-dev-q1", "when will I get my refund", None),
        ("eval-r1-dev-q2", "can I cancel order 1002", "C1001"),
        ("eval-r1-dev-q3", "blorf", None),
    ]
    summary = report.answers_summary(results, split="dev", path="answers.yaml")
    assert summary["correct"] == 2
    assert summary["accuracy"] == pytest.approx(0.6667)
    assert summary["fallbacks"] == 1
    assert summary["fallback_kinds"] == {"nlu_fallback": 1}
    assert summary["by_topic"]["refund"] == {"questions": 2, "correct": 1, "fallbacks": 1}
    assert summary["by_style"]["(none)"] == {"questions": 1, "correct": 1, "fallbacks": 0}
    assert summary["latency_ms"] == {"turns": 3, "p50": 50.0, "p95": 50.0, "max": 50.0}
    assert summary["targets"]["met"] is False


DIALOGS = """
dialogs:
  - id: which-order
    pattern: clarification
    customer: C1001
    turns:
      - user: "I want to cancel"
        expect: ['which order']
      - choose: 'phone case'
        expect: ['cancelled']
      - user: "thanks"
        expect: ['welcome']
  - id: missing-button
    pattern: recovery
    turns:
      - user: "I want to cancel"
        expect: ['which order']
      - choose: 'a button nobody shows'
        expect: ['cancelled']
      - user: "thanks"
        expect: ['welcome']
"""


async def test_a_dialog_is_one_conversation_and_choose_sends_the_buttons_payload(tmp_path: Path) -> None:
    dialogs = load_dialogs(write(tmp_path, "dialogs.yaml", DIALOGS))
    transport = ScriptedTransport(
        [
            (
                "cancel",
                says(
                    "Which order is it about?",
                    Button("1001 · Wireless earbuds · shipped", "1001"),
                    Button("1002 · Phone case · awaiting shipment", "1002"),
                ),
            ),
            ("^1002$", says("Order 1002 is cancelled.", intent="inform_order_id")),
            ("thanks", says("You're welcome!", intent="thank")),
        ]
    )

    first, second = await Runner(transport, run_id="r2").dialogs(dialogs, "dev")

    assert first.passed
    assert [t.clicked for t in first.turns] == [
        None,
        "1002 · Phone case · awaiting shipment",
        None,
    ]
    assert transport.sent[:3] == [
        ("eval-r2-dev-which-order", "I want to cancel", "C1001"),
        ("eval-r2-dev-which-order", "1002", "C1001"),
        ("eval-r2-dev-which-order", "thanks", "C1001"),
    ]
    # No matching button: that turn fails without sending anything, the dialog goes on.
    assert [t.passed for t in second.turns] == [True, False, True]
    assert second.turns[1].problem == "no button title matches 'a button nobody shows'"
    assert [text for conversation, text, _ in transport.sent if conversation.endswith("missing-button")] == [
        "I want to cancel",
        "thanks",
    ]
    summary = report.dialogs_summary([first, second], split="dev", path="dialogs.yaml")
    assert (summary["fully_correct"], summary["turns_correct"], summary["turns"]) == (1, 5, 6)
    assert summary["unplayed_choices"] == 1
    assert summary["latency_ms"]["turns"] == 5
    assert summary["by_pattern"]["recovery"] == {
        "dialogs": 1,
        "fully_correct": 0,
        "turns": 3,
        "turns_correct": 2,
    }


async def test_an_unanswered_turn_fails_with_its_error_and_many_in_a_row_stop_the_run(tmp_path: Path) -> None:
    lines = "\n".join(f"  - {{q: 'question {n}', expect: ['x']}}" for n in range(1, 7))
    questions = load_questions(write(tmp_path, "answers.yaml", "questions:\n" + lines))

    one = await Runner(ScriptedTransport([("question 1$", fails("Rasa did not answer in time"))])).questions(
        questions[:2], "dev"
    )
    assert one[0].turn.problem == "Rasa did not answer in time"
    assert one[0].turn.latency is None
    assert report.answers_summary(one, split="dev", path="a")["errors"] == 1

    with pytest.raises(SupportbotError, match="5 turns in a row failed"):
        await Runner(ScriptedTransport([("question", fails("HTTP 503: down"))])).questions(questions, "dev")


async def test_a_turn_answered_by_an_agent_is_not_the_bots_answer(tmp_path: Path) -> None:
    questions = load_questions(write(tmp_path, "answers.yaml", "questions:\n  - {q: hi, expect: ['x']}\n"))
    transport = ScriptedTransport([("hi", lambda _t, _c: TurnObservation((), 0.01, answered_by="agent"))])

    [result] = await Runner(transport).questions(questions, "dev")

    assert not result.passed
    assert result.turn.problem == "answered by agent, not the bot"


def test_rasa_rest_output_is_merged_as_the_gateway_merges_it() -> None:
    items = [
        {
            "recipient_id": "s",
            "text": replies.NOT_SURE,
            "buttons": [{"title": "What is ARN?", "payload": "What is ARN?"}],
        },
        {"recipient_id": "s", "custom": {"fallback": "not_sure"}},
        {"recipient_id": "s", "text": "Refunds take 3-20 business days."},
        {"recipient_id": "s", "custom": {"source": {"id": "a", "title": "When?", "category": "Refund"}}},
    ]

    assert messages_from_rasa(items) == (
        BotMessage(replies.NOT_SURE, (Button("What is ARN?", "What is ARN?"),), {"fallback": "not_sure"}),
        BotMessage(
            "Refunds take 3-20 business days.",
            (),
            {
                "source": {
                    "id": "a",
                    "title": "When?",
                    "category": "Refund",
                    "platform": None,
                    "more": False,
                    "label": "When?",
                    "url": "/help/a",
                }
            },
        ),
    )


def test_gateway_messages_keep_data_and_source_as_the_payload() -> None:
    items = [
        {"id": 1, "role": "bot", "text": "Order 1001", "data": {"order_id": "1001"}, "created_at": "x"},
        {
            "id": 2,
            "role": "bot",
            "text": "Answer",
            "source": {"id": "a"},
            "buttons": [{"title": "T", "payload": "P"}],
        },
    ]

    assert messages_from_gateway(items) == (
        BotMessage("Order 1001", (), {"order_id": "1001"}),
        BotMessage("Answer", (Button("T", "P"),), {"source": {"id": "a"}}),
    )


async def test_a_turn_with_no_fact_due_passes_on_any_reply_but_not_on_silence(tmp_path: Path) -> None:
    dialogs = load_dialogs(
        write(
            tmp_path,
            "dialogs.yaml",
            """
dialogs:
  - id: thanks
    pattern: mixed
    turns:
      - {user: "hello", expect: []}
      - {user: "thanks", expect: []}
""",
        )
    )
    transport = ScriptedTransport(
        [
            ("hello", says("Hi! What can I do for you?", intent="greet")),
            ("thanks", lambda _t, _c: TurnObservation((), 0.02, "thank", ("action_listen",))),
        ]
    )

    [result] = await Runner(transport).dialogs(dialogs, "dev")

    assert [turn.passed for turn in result.turns] == [True, False]
    assert result.turns[1].problem == "the assistant replied nothing"
