"""Reading the question and dialog files: every mistake is a UsageError naming the file and the item."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UsageError
from tools.chat_eval.data import load_dialogs, load_questions


def write(tmp_path: Path, text: str, name: str = "answers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_questions_are_read_with_compiled_case_insensitive_patterns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
questions:
  - q: "how long does a refund to my card take"
    expect: ['3\\s*-\\s*20 business days']
    forbid: ['sign in']
    topic: refund
    style: terse
  - q: "can I cancel 1002"
    expect: 'cancel'
    customer: C1001
""",
    )

    first, second = load_questions(path)

    assert first.number == 1
    assert first.topic == "refund"
    assert first.style == "terse"
    assert first.check.expect[0].search("It takes 3 - 20 Business Days.")
    assert first.check.forbid[0].search("Please SIGN IN")
    assert second.customer == "C1001"
    assert second.check.forbid == ()
    assert [p.pattern for p in second.check.expect] == ["cancel"]  # one string is a one-item list


def test_dialogs_are_read_turn_by_turn(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
dialogs:
  - id: dispute-then-paypal
    pattern: follow-up
    customer: null
    turns:
      - user: "When can I open a dispute?"
        expect: ['11th day']
      - choose: 'paypal'
        expect: []
        forbid: ['sign in']
      - user: "thanks"
        expect: []
""",
        "dialogs.yaml",
    )

    [dialog] = load_dialogs(path)

    assert dialog.id == "dispute-then-paypal"
    assert dialog.pattern == "follow-up"
    assert dialog.customer is None
    first, second, third = dialog.turns
    assert first.user == "When can I open a dispute?"
    assert first.choose is None
    assert second.user is None
    assert second.choose is not None
    assert second.choose.search("PayPal")
    assert third.check.expect == ()
    assert third.check.forbid == ()


QUESTION_ERRORS = {
    "no-list": ("items:\n  - q: x\n", "expected a mapping with a 'questions:' list"),
    "empty-list": ("questions: []\n", "'questions:' must be a non-empty list"),
    "not-a-mapping": ("questions:\n  - just a string\n", "question 1: expected a mapping"),
    "no-q": ("questions:\n  - expect: ['x']\n", "question 1: q: must be a non-empty string"),
    "no-expect": ("questions:\n  - q: hello\n", "question 1 ('hello'): expect: needs at least one pattern"),
    "bad-regex": (
        "questions:\n  - q: ok\n    expect: ['x']\n  - q: hello\n    expect: ['(unclosed']\n",
        "question 2 ('hello'): expect[0] '(unclosed' is not a valid regular expression",
    ),
    "matches-anything": (
        "questions:\n  - q: hello\n    expect: ['.*']\n",
        "expect[0] '.*' matches an empty reply",
    ),
    "unknown-key": (
        "questions:\n  - q: hello\n    expects: ['x']\n",
        "question 1 ('hello'): unknown key expects",
    ),
    "bad-style": (
        "questions:\n  - q: hello\n    expect: ['x']\n    style: shouty\n",
        "style: 'shouty' is not one of terse",
    ),
    "bad-customer": (
        "questions:\n  - q: hello\n    expect: ['x']\n    customer: 1001\n",
        "customer: must be null or a customer id",
    ),
    "expect-not-a-list": ("questions:\n  - q: hello\n    expect: {a: 1}\n", "expect: must be a list"),
    "not-yaml": ("questions:\n  - q: [unclosed\n", "is not valid YAML (line"),
}


@pytest.mark.parametrize(("text", "message"), QUESTION_ERRORS.values(), ids=QUESTION_ERRORS.keys())
def test_a_malformed_question_file_is_a_usage_error_naming_file_and_item(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(UsageError) as error:
        load_questions(path)

    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


DIALOG_ERRORS = {
    "no-id": (
        "dialogs:\n  - pattern: mixed\n    turns: [{user: hi, expect: [x]}]\n",
        "dialog 1: id: must be",
    ),
    "no-pattern": (
        "dialogs:\n  - id: a\n    turns: [{user: hi, expect: [x]}]\n",
        "dialog 1 (a): pattern: is required",
    ),
    "bad-pattern": (
        "dialogs:\n  - id: a\n    pattern: chitchat\n    turns: [{user: hi, expect: [x]}]\n",
        "pattern: 'chitchat' is not one of",
    ),
    "no-turns": (
        "dialogs:\n  - id: a\n    pattern: mixed\n    turns: []\n",
        "turns: must be a non-empty list",
    ),
    "both-user-and-choose": (
        "dialogs:\n  - id: a\n    pattern: mixed\n    turns:\n      - {user: hi, expect: [x]}\n"
        "      - {user: hi, choose: x, expect: [x]}\n",
        "dialog 1 (a), turn 2: needs exactly one of user:",
    ),
    "choose-first": (
        "dialogs:\n  - id: a\n    pattern: mixed\n    turns:\n      - {choose: x, expect: [x]}\n",
        "turn 1: a dialog cannot start with choose:",
    ),
    "no-expect": (
        "dialogs:\n  - id: a\n    pattern: mixed\n    turns:\n      - {user: hi, forbid: [x]}\n",
        "turn 1: expect: is required ([] when no fact is due",
    ),
    "bad-choose-regex": (
        "dialogs:\n  - id: a\n    pattern: mixed\n    turns:\n      - {user: hi, expect: [x]}\n"
        "      - {choose: '[', expect: [x]}\n",
        "turn 2: choose '[' is not a valid regular expression",
    ),
    "duplicate-id": (
        "dialogs:\n"
        "  - {id: a, pattern: mixed, turns: [{user: hi, expect: [x]}]}\n"
        "  - {id: a, pattern: mixed, turns: [{user: hi, expect: [x]}]}\n",
        "dialog 2: the same id as dialog 1",
    ),
    "unknown-turn-key": (
        "dialogs:\n  - id: a\n    pattern: mixed\n    turns:\n      - {user: hi, expect: [x], bot: hello}\n",
        "turn 1: unknown key bot",
    ),
}


@pytest.mark.parametrize(("text", "message"), DIALOG_ERRORS.values(), ids=DIALOG_ERRORS.keys())
def test_a_malformed_dialog_file_is_a_usage_error_naming_file_and_item(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text, "dialogs.yaml")

    with pytest.raises(UsageError) as error:
        load_dialogs(path)

    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_questions(tmp_path / "nope.yaml")


def test_errors_about_a_held_out_file_never_quote_its_texts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - q: secret held-out question\n    expect: ['(secret pattern']\n",
        "answers_heldout.yaml",
    )

    with pytest.raises(UsageError) as error:
        load_questions(path, reveal=False)

    message = str(error.value)
    assert "question 1" in message
    assert "not a valid regular expression" in message
    assert "secret" not in message.replace(str(path), "")
