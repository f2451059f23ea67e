"""One renderer for every channel: widget JSON, Cloud API interactive messages, Twilio numbered text,
within each channel's limits, and a buyer's pick read back into the option's payload."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from bot.assistant import replies
from bot.channels.render import (
    CLOUD_BODY_MAX_CHARS,
    CLOUD_BUTTON_ID_MAX_CHARS,
    CLOUD_BUTTON_TITLE_MAX_CHARS,
    CLOUD_LIST_BUTTON_MAX_CHARS,
    CLOUD_MAX_BUTTONS,
    CLOUD_MAX_ROWS,
    CLOUD_ROW_DESCRIPTION_MAX_CHARS,
    CLOUD_ROW_ID_MAX_CHARS,
    CLOUD_ROW_TITLE_MAX_CHARS,
    CLOUD_TEXT_MAX_CHARS,
    TWILIO_TEXT_MAX_CHARS,
    cloud_messages,
    match_option,
    option_ref,
    shorten,
    split_text,
    twilio_messages,
    web_message,
    whatsapp_text,
)
from bot.schemas.conversations import BotReply, Button, Message, Source

BASE = "https://support.example.com/"
TRACK = Button(title="Track my order", payload="/track_order")
PERSON = Button(title="Talk to a person", payload="/human_handoff")
CANCEL_SOURCE = Source(
    id="how-to-cancel-my-order", title="How to cancel my order?", category="orders", platform="WISHALIVE"
)
CITATION = "Source: How to cancel my order? (WISHALIVE help center)"


def options(count: int, title: str = "Option {n}") -> list[Button]:
    return [Button(title=title.format(n=n), payload=f'/choose{{"n":{n}}}') for n in range(1, count + 1)]


def interactive_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    *texts, last = messages
    assert all(message["type"] == "text" for message in texts)
    assert last["type"] == "interactive"
    return dict(last["interactive"])


# ------------------------------------------------------------------ the source and the MORE hint


def test_a_source_is_labelled_with_its_help_center_and_links_to_its_help_page() -> None:
    assert CANCEL_SOURCE.label == "How to cancel my order? (WISHALIVE help center)"
    assert CANCEL_SOURCE.url == "/help/how-to-cancel-my-order"
    # What the actions send today stays valid: id, title, category only.
    plain = Source.parse_obj(
        {"id": "delivery times", "title": "How long does delivery take?", "category": "x"}
    )
    assert (plain.label, plain.url, plain.more) == (
        "How long does delivery take?",
        "/help/delivery%20times",
        False,
    )
    # label and url are derived, whatever a sender put in them.
    forged = Source.parse_obj({"id": "a", "title": "A", "label": "file.txt", "url": "javascript:alert(1)"})
    assert (forged.label, forged.url) == ("A", "/help/a")


def test_whatsapp_text_cites_the_source_once_with_its_link_and_offers_more() -> None:
    composed = f"*Paid order*\nYou can cancel with the seller's approval.\n{CITATION}\nReply MORE for the rest of this article."
    reply = BotReply(text=composed, source=CANCEL_SOURCE)
    assert whatsapp_text(reply, help_base_url=BASE) == (
        "*Paid order*\nYou can cancel with the seller's approval.\n\n"
        f"{CITATION} https://support.example.com/help/how-to-cancel-my-order\n"
        "Reply MORE for the rest of this article."
    )
    # Text without a citation gets one; `more` asks for the hint; no public URL, no link.
    bare = BotReply(text="You can cancel.", source=CANCEL_SOURCE.copy(update={"more": True}))
    assert whatsapp_text(bare) == f"You can cancel.\n\n{CITATION}\nReply MORE for the rest of this article."
    whole = BotReply(text="You can cancel.", source=CANCEL_SOURCE)
    assert "MORE" not in whatsapp_text(whole)


def test_whatsapp_text_writes_order_decisions_as_lines() -> None:
    reply = BotReply(
        text="Here is order 1001.",
        data={
            "order_id": "1001",
            "status": "awaiting_shipment",
            "cancel": {"allowed": True, "reason": "Not shipped yet."},
            "dispute": {
                "allowed": False,
                "opens_at": "2026-03-23T12:00:00Z",
                "closes_at": "2026-04-07T12:00:00Z",
            },
        },
    )
    assert whatsapp_text(reply).split("\n\n") == [
        "Here is order 1001.",
        "Order 1001 (awaiting shipment)\n✅ Cancel: allowed. Not shipped yet.\n"
        "❌ Open a dispute: not allowed (window 23 Mar 2026 to 07 Apr 2026)",
    ]


def test_the_web_shows_the_source_as_a_link_not_as_a_line_of_text() -> None:
    logged = Message(
        id=7,
        session_id="s",
        role="bot",
        text=f"Paid order\nYou can cancel with the seller's approval.\n{CITATION}",
        data={"source": CANCEL_SOURCE.copy(update={"more": True}).dict(), "buttons": [TRACK.dict()]},
        created_at=datetime(2026, 3, 2, tzinfo=timezone.utc),
    )
    shown = web_message(logged).to_dict(exclude_unset=True)
    assert shown["text"] == "Paid order\nYou can cancel with the seller's approval."
    assert shown["source"] == {
        "id": "how-to-cancel-my-order",
        "title": "How to cancel my order?",
        "category": "orders",
        "platform": "WISHALIVE",
        "more": True,
        "label": "How to cancel my order? (WISHALIVE help center)",
        "url": "/help/how-to-cancel-my-order",
    }
    assert shown["buttons"] == [{"title": "Track my order", "payload": "/track_order"}]
    # An agent's words are never touched.
    agent = logged.copy(update={"role": "agent", "data": None})
    assert web_message(agent).text == logged.text


# ------------------------------------------------------------------ Twilio: numbered options


def test_twilio_numbers_the_options_and_a_number_or_title_picks_one_back() -> None:
    reply = BotReply(text="Anything else?", buttons=[TRACK, PERSON])
    [text] = twilio_messages(reply)
    assert text == "Anything else?\n\nReply with a number:\n1. Track my order\n2. Talk to a person"
    offered = [TRACK, PERSON]
    for typed in ("1", " 1 ", "1.", "1)", "#1", "track MY  order"):
        assert match_option(typed, offered) == TRACK, typed
    assert match_option("2", offered) == PERSON
    for typed in ("0", "3", "1001", "track", "1 and 2", ""):
        assert match_option(typed, offered) is None, typed
    assert match_option("1", []) is None


def test_twilio_splits_a_long_reply_between_paragraphs_within_its_limit() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 120 for n in range(6)]
    reply = BotReply(text="\n\n".join(p.strip() for p in paragraphs), buttons=[TRACK], source=CANCEL_SOURCE)
    sent = twilio_messages(reply, help_base_url=BASE)
    assert len(sent) > 1
    assert all(len(message) <= TWILIO_TEXT_MAX_CHARS for message in sent)
    assert all(message.startswith(("Paragraph", "Source:", "Reply with")) for message in sent)
    assert sent[-1].endswith("1. Track my order")
    assert sum(CITATION in message for message in sent) == 1


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "a" * 3500,  # one word longer than a message: cut where it must be
        ("line " * 50 + "\n") * 30,
        "\n\n".join(["x" * 900] * 5),
    ],
)
def test_split_text_keeps_every_word_and_every_piece_within_the_limit(text: str) -> None:
    pieces = split_text(text, 1000)
    assert all(0 < len(piece) <= 1000 for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    assert shorten("How long does delivery take?", 24) == "How long does delivery…"
    assert shorten("Short", 24) == "Short"
    assert len(shorten("x" * 100, 20)) == 20


# ------------------------------------------------------------------ WhatsApp Cloud API


def test_up_to_three_short_options_are_reply_buttons_whose_ids_are_the_payloads() -> None:
    reply = BotReply(text="Anything else?", buttons=[TRACK, PERSON])
    [message] = cloud_messages(reply, to="4915112345678", message_id=42)
    assert message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "4915112345678",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Anything else?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "/track_order", "title": "Track my order"}},
                    {"type": "reply", "reply": {"id": "/human_handoff", "title": "Talk to a person"}},
                ]
            },
        },
    }


@pytest.mark.parametrize(
    "offered",
    [
        options(4),  # more than three buttons
        [TRACK, Button(title="How long does delivery take?", payload="delivery")],  # a title over 20
        [Button(title="Refund", payload="a"), Button(title="refund", payload="b")],  # titles must differ
        options(CLOUD_MAX_ROWS, "How do I get a refund for order number {n}?"),
    ],
)
def test_other_options_are_a_list_within_the_row_limits(offered: list[Button]) -> None:
    reply = BotReply(text=replies.NOT_SURE, buttons=offered)
    interactive = interactive_of(cloud_messages(reply, to="491", message_id=5))
    assert interactive["type"] == "list"
    assert interactive["body"] == {"text": replies.NOT_SURE}
    action = interactive["action"]
    assert 0 < len(action["button"]) <= CLOUD_LIST_BUTTON_MAX_CHARS
    [section] = action["sections"]
    rows = section["rows"]
    assert [row["id"] for row in rows] == [option.payload for option in offered]
    for option, row in zip(offered, rows, strict=True):
        assert 0 < len(row["title"]) <= CLOUD_ROW_TITLE_MAX_CHARS
        assert len(row["id"]) <= CLOUD_ROW_ID_MAX_CHARS
        if row["title"] != option.title:  # cut: the description carries the title on
            assert row["title"].endswith("…")
            assert len(row["description"]) <= CLOUD_ROW_DESCRIPTION_MAX_CHARS
            assert row["description"].startswith(row["title"][:-1])
        else:
            assert "description" not in row


def test_a_long_row_title_reads_on_in_its_description() -> None:
    offered = [Button(title="How long does delivery take to remote areas?", payload="delivery"), TRACK]
    rows = interactive_of(cloud_messages(BotReply(text="Which one?", buttons=offered), to="491"))["action"][
        "sections"
    ][0]["rows"]
    assert rows[0] == {
        "id": "delivery",
        "title": "How long does delivery…",
        "description": "How long does delivery take to remote areas?",
    }
    assert rows[1] == {"id": "/track_order", "title": "Track my order"}


def test_more_than_ten_options_become_a_numbered_text_list() -> None:
    offered = options(CLOUD_MAX_ROWS + 1)
    sent = cloud_messages(BotReply(text="Pick one.", buttons=offered), to="491", message_id=1)
    assert [m["type"] for m in sent] == ["text"]
    body = sent[0]["text"]["body"]
    assert body.startswith("Pick one.\n\nReply with a number:\n1. Option 1\n")
    assert body.endswith("11. Option 11")
    assert match_option("11", offered) == offered[-1]


def test_payloads_too_long_for_an_id_are_named_by_message_and_position() -> None:
    long_payload = "/inform_order_id" + '{"order_id": "' + "9" * 300 + '"}'
    offered = [
        Button(title="Order 999", payload=long_payload),
        Button(title="Dup", payload="/x"),
        Button(title="Dup 2", payload="/x"),
    ]
    buttons = interactive_of(
        cloud_messages(BotReply(text="Which?", buttons=offered), to="491", message_id=77)
    )["action"]["buttons"]
    ids = [button["reply"]["id"] for button in buttons]
    assert ids == ["sb:77:0", "/x", "sb:77:2"]  # too long; the payload; a repeated payload
    assert all(len(reply_id) <= CLOUD_BUTTON_ID_MAX_CHARS for reply_id in ids)
    assert option_ref("sb:77:0") == (77, 0)
    assert option_ref("/x") is None
    # A payload shaped like a reference is never taken for one.
    tricky = Button(title="Tricky", payload="sb:1:0")
    [button] = interactive_of(cloud_messages(BotReply(text="?", buttons=[tricky]), to="491", message_id=9))[
        "action"
    ]["buttons"]
    assert button["reply"]["id"] == "sb:9:0"


def test_a_body_too_long_for_an_interactive_message_goes_first_as_text() -> None:
    answer = "\n\n".join(["Step " + "x" * 600, "More " + "y" * 600])
    reply = BotReply(text=answer, buttons=[TRACK], source=CANCEL_SOURCE)
    sent = cloud_messages(reply, to="491", message_id=3, help_base_url=BASE)
    interactive = interactive_of(sent)
    assert len(interactive["body"]["text"]) <= CLOUD_BODY_MAX_CHARS
    assert interactive["body"]["text"].startswith("More ")  # the last paragraphs that fit
    assert CITATION in interactive["body"]["text"]
    assert sent[0]["text"]["body"].startswith("Step ")
    # One paragraph longer than any body: all of it first, the buttons under a short prompt.
    huge = cloud_messages(BotReply(text="z" * 2000, buttons=[TRACK]), to="491", message_id=4)
    assert [m["type"] for m in huge] == ["text", "interactive"]
    assert huge[0]["text"]["body"] == "z" * 2000
    assert huge[1]["interactive"]["body"]["text"] == replies.CHOOSE_OPTION
    # Options without words still need a body.
    bare = cloud_messages(BotReply(text="", buttons=[TRACK]), to="491", message_id=5)
    assert bare[0]["interactive"]["body"]["text"] == replies.CHOOSE_OPTION


def test_text_without_options_is_split_within_the_text_limit() -> None:
    sent = cloud_messages(BotReply(text="\n\n".join(["w " * 1500] * 3)), to="491")
    assert len(sent) > 1
    assert all(m["type"] == "text" and len(m["text"]["body"]) <= CLOUD_TEXT_MAX_CHARS for m in sent)
    assert all(m["to"] == "491" and m["messaging_product"] == "whatsapp" for m in sent)


def test_every_rendering_respects_the_cloud_limits() -> None:
    titles = [
        "Yes",
        "Talk to a person",
        "How long does delivery take to remote areas of Siberia in winter, and why?",
    ]
    for count in range(1, CLOUD_MAX_ROWS + 1):
        for title in titles:
            offered = options(count, title + " {n}")
            for text in ("", "Short.", "p " * 700):
                for message in cloud_messages(BotReply(text=text, buttons=offered), to="491", message_id=1):
                    if message["type"] == "text":
                        assert len(message["text"]["body"]) <= CLOUD_TEXT_MAX_CHARS
                        continue
                    interactive = message["interactive"]
                    assert 0 < len(interactive["body"]["text"]) <= CLOUD_BODY_MAX_CHARS
                    if interactive["type"] == "button":
                        buttons = interactive["action"]["buttons"]
                        assert len(buttons) <= CLOUD_MAX_BUTTONS
                        assert all(len(b["reply"]["title"]) <= CLOUD_BUTTON_TITLE_MAX_CHARS for b in buttons)
                        assert len({b["reply"]["title"] for b in buttons}) == len(buttons)
                    else:
                        rows = interactive["action"]["sections"][0]["rows"]
                        assert len(rows) == count <= CLOUD_MAX_ROWS
                        assert len({row["id"] for row in rows}) == count
                        assert all(len(row["title"]) <= CLOUD_ROW_TITLE_MAX_CHARS for row in rows)
