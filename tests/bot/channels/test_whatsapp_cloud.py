"""WhatsApp Cloud API helpers: signature check, payload parsing, the send call."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.channels.whatsapp_cloud import (
    ChannelDeliveryError,
    WhatsAppCloudClient,
    parse_messages,
    signature_for,
    verify_signature,
)


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"entry": []}'
    header = signature_for("s3cret", body)
    assert header.startswith("sha256=")
    assert len(header) == 7 + 64
    assert verify_signature("s3cret", body, header)
    assert verify_signature("s3cret", body, header.upper().replace("SHA256=", "sha256="))
    assert not verify_signature("other", body, header)
    assert not verify_signature("s3cret", body + b" ", header)
    assert not verify_signature("s3cret", body, None)
    assert not verify_signature("s3cret", body, header.removeprefix("sha256="))


def test_parse_reads_text_buttons_and_skips_statuses_and_junk() -> None:
    payload = {
        "entry": [
            "junk",
            {
                "changes": [
                    {
                        "value": {
                            "metadata": {"phone_number_id": "PN1"},
                            "messages": [
                                {"from": "491", "id": "m1", "type": "text", "text": {"body": "hello"}},
                                {"from": "491", "id": "m2", "type": "image", "image": {}},
                                {
                                    "from": "491",
                                    "id": "m3",
                                    "type": "button",
                                    "button": {"text": "Yes", "payload": "y"},
                                },
                                {"from": "491", "type": "text", "text": {"body": "no id"}},
                            ],
                            "statuses": [{"id": "m0", "status": "read"}],
                        }
                    },
                    {"value": {"statuses": [{"id": "m9"}]}},
                ]
            },
        ]
    }
    found = parse_messages(payload)
    assert [(m.message_id, m.text, m.kind, m.phone_number_id, m.sender) for m in found] == [
        ("m1", "hello", "text", "PN1", "491"),
        ("m2", None, "image", "PN1", "491"),
        ("m3", "Yes", "button", "PN1", "491"),
    ]
    assert parse_messages([1, 2]) == []


def test_parse_reads_a_tapped_button_or_list_row_as_its_title_and_reply_id() -> None:
    def tapped(kind: str, reply: dict) -> dict:
        return {
            "from": "491",
            "id": f"m-{kind}",
            "type": "interactive",
            "interactive": {"type": kind, kind: reply},
        }

    payload = {
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "metadata": {"phone_number_id": "PN1"},
                            "messages": [
                                tapped("button_reply", {"id": "/track_order", "title": "Track my order"}),
                                tapped(
                                    "list_reply", {"id": "sb:7:3", "title": "Order 1001", "description": "…"}
                                ),
                                tapped("button_reply", {"id": "/x", "title": ""}),
                                tapped("nfm_reply", {"response_json": "{}"}),
                            ],
                        }
                    }
                ]
            }
        ]
    }
    assert [(m.text, m.reply_id) for m in parse_messages(payload)] == [
        ("Track my order", "/track_order"),
        ("Order 1001", "sb:7:3"),
        ("/x", "/x"),
        (None, None),
    ]


def test_send_posts_an_interactive_body_as_rendered() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    sender = WhatsAppCloudClient(
        "https://graph.test/v19.0", "tok", timeout=2, transport=httpx.MockTransport(handler)
    )
    body = {
        "messaging_product": "whatsapp",
        "to": "491",
        "type": "interactive",
        "interactive": {"type": "button"},
    }
    asyncio.run(sender.send("PN1", body))
    assert str(seen[0].url) == "https://graph.test/v19.0/PN1/messages"
    assert json.loads(seen[0].content) == body


def test_send_text_posts_to_the_phone_numbers_messages_endpoint() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    sender = WhatsAppCloudClient(
        "https://graph.test/v19.0/", "tok", timeout=2, transport=httpx.MockTransport(handler)
    )
    asyncio.run(sender.send_text("PN1", "491", "Hi"))
    assert str(seen[0].url) == "https://graph.test/v19.0/PN1/messages"
    assert seen[0].headers["Authorization"] == "Bearer tok"
    assert json.loads(seen[0].content)["text"]["body"] == "Hi"


def test_send_failures_are_delivery_errors() -> None:
    refused = WhatsAppCloudClient(
        "https://graph.test", "tok", timeout=2, transport=httpx.MockTransport(lambda r: httpx.Response(401))
    )
    with pytest.raises(ChannelDeliveryError, match="HTTP 401"):
        asyncio.run(refused.send_text("PN1", "491", "Hi"))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    unreachable = WhatsAppCloudClient(
        "https://graph.test", "tok", timeout=2, transport=httpx.MockTransport(down)
    )
    with pytest.raises(ChannelDeliveryError, match="not reachable"):
        asyncio.run(unreachable.send_text("PN1", "491", "Hi"))
