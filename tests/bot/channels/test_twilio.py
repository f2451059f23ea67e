"""Twilio signature and TwiML helpers, and bot replies rendered as WhatsApp text."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from bot.channels.text import render_reply
from bot.channels.twilio import twiml, validate_signature


def test_signatures_made_by_twilios_validator_are_accepted() -> None:
    url = "https://support.example.com/webhooks/twilio/whatsapp"
    params = {"From": "whatsapp:+491", "Body": "hi", "MessageSid": "SM1"}
    signature = RequestValidator("tok").compute_signature(url, params)
    assert validate_signature("tok", url, params, signature)
    assert not validate_signature("tok", url, {**params, "Body": "changed"}, signature)
    assert not validate_signature("other", url, params, signature)
    assert not validate_signature("tok", url, params, None)


def test_twiml_escapes_and_skips_empty_messages() -> None:
    assert twiml(["a < b", "", "c & d"]) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a &lt; b</Message><Message>c &amp; d</Message></Response>'
    )
    assert twiml([]).endswith("<Response></Response>")


def test_a_reply_renders_its_decisions_source_and_options_as_text() -> None:
    text = render_reply(
        "Here is order 1001.",
        buttons=[{"title": "Track", "payload": "/track"}, {"title": "Person", "payload": "/human_handoff"}],
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
        source={"id": "how-to-cancel", "title": "How do I cancel?"},
        help_base_url="https://support.example.com/",
    )
    assert text.split("\n\n") == [
        "Here is order 1001.",
        "Order 1001 (awaiting shipment)\n✅ Cancel: allowed. Not shipped yet.\n❌ Open a dispute: not allowed (window 23 Mar 2026 to 07 Apr 2026)",
        "Source: How do I cancel? https://support.example.com/help/how-to-cancel",
        "You can reply: Track · Person",
    ]


def test_long_replies_are_cut_to_the_channel_limit() -> None:
    text = render_reply("x" * 5000, max_chars=1600)
    assert len(text) == 1600
    assert text.endswith("…")
