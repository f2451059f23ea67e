"""Grading a turn: the text a buyer saw, expect/forbid, buttons to click, and what counts as a fallback."""

from __future__ import annotations

import re
from typing import Any

from bot.assistant import replies
from tools.chat_eval.data import FLAGS, Check
from tools.chat_eval.grading import (
    BotMessage,
    Button,
    TurnObservation,
    choose_button,
    fallback_kind,
    grade,
    reply_text,
    turn_from_tracker,
)


def check(expect: tuple[str, ...] = (), forbid: tuple[str, ...] = ()) -> Check:
    return Check(
        expect=tuple(re.compile(p, FLAGS) for p in expect), forbid=tuple(re.compile(p, FLAGS) for p in forbid)
    )


def turn(*messages: BotMessage, intent: str | None = "faq", actions: tuple[str, ...] = ()) -> TurnObservation:
    return TurnObservation(messages=messages, latency=0.1, intent=intent, actions=actions)


NOT_SURE = BotMessage(
    replies.NOT_SURE,
    (
        Button("When will I get my refund?", "When will I get my refund?"),
        Button("Talk to a person", "/human_handoff"),
    ),
    replies.fallback_payload(replies.NOT_SURE_FALLBACK),
)


def test_all_messages_of_a_turn_and_their_button_titles_are_joined_in_order() -> None:
    messages = [
        BotMessage("Please sign in first."),
        BotMessage("Refunds take 3-20 business days.", (Button("Talk to a person", "/human_handoff"),)),
        BotMessage("", (Button("1001 · Wireless earbuds · shipped", "1001"),)),
    ]

    assert reply_text(messages) == (
        "Please sign in first.\nRefunds take 3-20 business days.\nTalk to a person\n1001 · Wireless earbuds · shipped"
    )


def test_every_expect_must_match_and_no_forbid_may() -> None:
    text = "Usually it takes 3-20 business days.\nPlease sign in."

    assert grade(check(expect=(r"3\s*-\s*20 business", "USUALLY")), text).passed
    missing = grade(check(expect=(r"3-20", "180 days")), text)
    assert not missing.passed
    assert missing.missing == ("180 days",)
    forbidden = grade(check(expect=("3-20",), forbid=("sign in", "password")), text)
    assert not forbidden.passed
    assert forbidden.forbidden == ("sign in",)


def test_patterns_match_across_lines_and_in_button_titles() -> None:
    text = reply_text([BotMessage("Open a dispute", (Button("Not arrived yet", "/order_not_received"),))])

    assert grade(check(expect=(r"dispute.*not arrived",)), text).passed


def test_choose_clicks_the_first_button_whose_title_matches() -> None:
    messages = [
        BotMessage("Which order?", (Button("1001 · Wireless earbuds · shipped", "1001"),)),
        BotMessage(
            "", (Button("1005 · Smart watch strap set · shipped", "1005"), Button("Talk to a person", "/x"))
        ),
    ]

    assert choose_button(re.compile("shipped", FLAGS), messages) == Button(
        "1001 · Wireless earbuds · shipped", "1001"
    )
    assert choose_button(re.compile("watch", FLAGS), messages) == Button(
        "1005 · Smart watch strap set · shipped", "1005"
    )
    assert choose_button(re.compile("refund", FLAGS), messages) is None
    assert choose_button(re.compile("1001", FLAGS), [BotMessage("1001 in text only")]) is None


def test_an_nlu_fallback_intent_is_a_fallback() -> None:
    reply = BotMessage("Sorry, I didn't understand that.", (Button("Talk to a person", "/human_handoff"),))

    assert fallback_kind(turn(reply, intent="nlu_fallback", actions=("utter_default",))) == "nlu_fallback"


def test_nlu_unsure_but_answered_by_the_help_center_is_not_a_fallback() -> None:
    answer = BotMessage("Usually 3-20 business days.", (), replies.source_payload("a", "When?", "Refund"))
    order = BotMessage("Order 1001 was shipped.", (), {"order_id": "1001", "status": "shipped"})

    assert fallback_kind(turn(answer, intent="nlu_fallback", actions=("action_fallback",))) is None
    assert fallback_kind(turn(order, intent="nlu_fallback", actions=("action_fallback",))) is None


def test_nlu_unsure_and_offered_choices_keeps_the_marker() -> None:
    which = BotMessage(replies.WHICH_ONE, (), replies.fallback_payload(replies.AMBIGUOUS_FALLBACK))

    assert fallback_kind(turn(NOT_SURE, intent="nlu_fallback", actions=("action_fallback",))) == "not_sure"
    assert fallback_kind(turn(which, intent="nlu_fallback", actions=("action_fallback",))) == "ambiguous"


def test_the_policies_core_fallback_is_a_fallback_whatever_the_intent() -> None:
    assert fallback_kind(
        turn(BotMessage("Sorry..."), intent="affirm", actions=("action_default_fallback",))
    ) == ("core_fallback")
    assert (
        fallback_kind(turn(BotMessage("Sorry..."), intent="deny", actions=("utter_default",)))
        == "core_fallback"
    )


def test_the_help_centers_not_sure_marker_is_a_fallback() -> None:
    no_article = BotMessage(replies.NO_ARTICLE, (), replies.fallback_payload(replies.NO_ARTICLE_FALLBACK))

    assert fallback_kind(turn(NOT_SURE, actions=("action_answer_faq",))) == "not_sure"
    assert fallback_kind(turn(BotMessage(replies.SIGN_IN_FOR_ORDER), no_article)) == "no_article"


def test_answers_refusals_and_handoffs_are_not_fallbacks() -> None:
    answer = BotMessage("Usually 3-20 business days.", (), replies.source_payload("a", "When?", "Refund"))
    out_of_scope = BotMessage("Sorry, I can't help with that here.")
    handoff = BotMessage(replies.handoff_text("T1"), (), {"handoff": {"ticket_id": "T1"}})

    assert fallback_kind(turn(answer, actions=("action_answer_faq", "action_listen"))) is None
    assert fallback_kind(turn(out_of_scope, intent="out_of_scope", actions=("action_out_of_scope",))) is None
    assert fallback_kind(turn(handoff, intent="human_handoff", actions=("action_handoff",))) is None
    # The wording alone decides nothing: only the marker or the tracker does.
    assert fallback_kind(turn(BotMessage(replies.NOT_SURE))) is None


# Trimmed from a real one (Rasa 3.6, GET /conversations/<id>/tracker) after "hello" and gibberish.
TRACKER: dict[str, Any] = {
    "latest_message": {"intent": {"name": "nlu_fallback", "confidence": 0.5}, "text": "zxqv blorft wumble"},
    "events": [
        {"event": "slot", "name": "session_started_metadata", "value": None},
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hello", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "action", "name": "utter_greet"},
        {"event": "bot", "text": "Hi! I'm the marketplace's support assistant."},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "zxqv blorft wumble", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "user_featurization"},
        {"event": "action", "name": "utter_default"},
        {"event": "bot", "text": "Sorry, I didn't understand that. Could you say it another way?"},
        {"event": "action", "name": "action_listen"},
    ],
}


def test_the_turns_intent_and_actions_come_from_the_tracker_after_the_last_user_message() -> None:
    assert turn_from_tracker(TRACKER) == ("nlu_fallback", ("utter_default", "action_listen"))
    assert turn_from_tracker({}) == (None, ())
