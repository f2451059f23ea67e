"""General order questions are answered for everyone; questions about one's own order need it."""

from __future__ import annotations

import pytest

from bot.dialogue.scope import needs_order


@pytest.mark.parametrize(
    "text",
    [
        "how long do refunds take to reach my card?",
        "refund to credit card how long",
        "does the refund go back to the same card i paid with",
        "can I return something I bought, how long do I have",
        "what happens once my dispute is open",
        "package not arrived",
        "free return how many days after receiving",
        "what if it's already been longer than that?",
        "how do I cancel my order",
    ],
)
def test_general_questions_need_no_order(text: str) -> None:
    assert not needs_order(text)


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "I want to cancel my order",
        "my package says delivered but I didn't get it",
        "when will I get my refund",
        "cancel order",
        "I need a refund for the lamp",
        "it still hasn't arrived",
    ],
)
def test_questions_about_the_buyers_own_order_need_it(text: str) -> None:
    assert needs_order(text)


def test_an_order_number_or_a_button_always_means_the_order() -> None:
    assert needs_order("how long does a refund take for 1004", order_id="1004")
    assert needs_order("", chosen=True)
