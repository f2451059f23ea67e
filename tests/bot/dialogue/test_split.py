"""Two questions in one message are split, each with the message's context; one question is not."""

from __future__ import annotations

import pytest

from bot.dialogue.split import asks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "On WISHALIVE I paid with a MIR card. Which account receives the refund, and how long does it take?",
            [
                "On WISHALIVE I paid with a MIR card. Which account receives the refund",
                # "it" points back: the second question carries the first one's words.
                "On WISHALIVE I paid with a MIR card. how long does it take? Which account receives the refund",
            ],
        ),
        (
            "I am in Ukraine. Please give me both the post office number and the customs number.",
            [
                "I am in Ukraine. Please give me the post office number",
                "I am in Ukraine. Please give me the customs number",
            ],
        ),
        (
            "Spain: what's the customs number, and what's the post office number?",
            ["Spain what's the customs number", "Spain what's the post office number?"],
        ),
    ],
)
def test_two_questions_are_split_with_their_context(text: str, expected: list[str]) -> None:
    assert asks(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "how do i cancel my order",
        "cats and dogs",
        "I paid and waited and nothing came",  # "and" without a question after it
        "what is it and why",  # too little in the second question to search
        "where is it? and when? and how? and why?",  # more than two: one long story
        "",
    ],
)
def test_one_question_comes_back_whole(text: str) -> None:
    assert asks(text) == [" ".join(text.split())]
