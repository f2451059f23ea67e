"""Twilio signature and TwiML helpers (what a reply says on Twilio: test_render.py)."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

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
