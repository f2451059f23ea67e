"""WhatsApp through Twilio and through Meta's Cloud API: signatures, dedupe, identity, replies."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

TWILIO_PATH = "/webhooks/twilio/whatsapp"
ANA_PHONE = "+4915112345678"  # the seeded customer C1001
STRANGER_PHONE = "+15550001111"


def twilio_params(body: str, sid: str = "SM100", sender: str = ANA_PHONE) -> dict[str, str]:
    return {
        "From": f"whatsapp:{sender}",
        "To": "whatsapp:+14155238886",
        "Body": body,
        "MessageSid": sid,
        "NumMedia": "0",
    }


def post_twilio(
    gateway: Any, params: dict[str, str], url: str = f"http://testserver{TWILIO_PATH}", **kwargs: Any
) -> Any:
    signature = RequestValidator(gateway.settings.twilio_auth_token).compute_signature(url, params)
    return gateway.client.post(TWILIO_PATH, data=params, headers={"X-Twilio-Signature": signature}, **kwargs)


def test_twilio_message_is_answered_with_twiml(gateway: Any) -> None:
    response = post_twilio(gateway, twilio_params("How long does delivery take?", sender=STRANGER_PHONE))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert "Most parcels arrive within 7 to 15 days." in response.text
    assert "Source: How long does delivery take?" in response.text
    assert response.text.endswith("</Message></Response>")
    assert gateway.sent_identity() == {"customer_id": None, "channel": "whatsapp"}


def test_twilio_sender_with_a_customers_phone_is_that_verified_customer(gateway: Any) -> None:
    response = post_twilio(gateway, twilio_params("Can I cancel order 1001?"))
    assert gateway.sent_identity() == {"customer_id": "C1001", "channel": "whatsapp"}
    assert "Here is what I found for order 1001, C1001." in response.text
    assert "Order 1001 (shipped)" in response.text  # the decision card as text
    assert "❌ Cancel: not allowed" in response.text


def test_twilio_options_are_numbered_and_a_number_picks_one(gateway: Any) -> None:
    first = post_twilio(
        gateway, twilio_params("How long does delivery take?", sid="SM-o1", sender=STRANGER_PHONE)
    )
    assert "Reply with a number:\n1. Track my order</Message>" in first.text
    assert "You can reply" not in first.text

    post_twilio(gateway, twilio_params("1", sid="SM-o2", sender=STRANGER_PHONE))
    assert gateway.rasa.received[-1]["message"] == "/track_order"
    post_twilio(gateway, twilio_params("Track my order", sid="SM-o3", sender=STRANGER_PHONE))
    assert gateway.rasa.received[-1]["message"] == "/track_order"

    session_id = gateway.rasa.received[-1]["sender"]
    typed = [m for m in gateway.services.conversations.messages(session_id) if m.role == "customer"]
    assert [(m.text, (m.data or {}).get("option", {}).get("payload")) for m in typed] == [
        ("How long does delivery take?", None),
        ("1", "/track_order"),
        ("Track my order", "/track_order"),
    ]


def test_twilio_number_goes_to_the_agent_as_typed_during_a_handoff(gateway: Any) -> None:
    post_twilio(gateway, twilio_params("How long does delivery take?", sid="SM-h0", sender=STRANGER_PHONE))
    session_id = gateway.rasa.received[-1]["sender"]
    gateway.services.conversations.set_status(session_id, "agent")
    received = len(gateway.rasa.received)
    post_twilio(gateway, twilio_params("1", sid="SM-h1", sender=STRANGER_PHONE))
    assert len(gateway.rasa.received) == received
    last = gateway.services.conversations.messages(session_id)[-1]
    assert (last.role, last.text, last.data) == ("customer", "1", None)


def test_twilio_splits_a_long_reply_into_messages_within_its_limit(gateway: Any) -> None:
    long_text = "\n\n".join(f"Paragraph {n}: " + "lorem ipsum " * 60 for n in range(5))
    scripted(
        gateway, {"text": long_text, "buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}]}
    )
    response = post_twilio(gateway, twilio_params("tell me everything", sid="SM-long"))
    messages = re.findall(r"<Message>(.*?)</Message>", response.text, flags=re.S)
    assert len(messages) > 1
    assert all(len(html.unescape(message)) <= 1600 for message in messages)
    assert messages[-1].endswith("1. Talk to a person")


def test_twilio_reply_text_is_xml_escaped(gateway: Any) -> None:
    gateway.rasa.reply = lambda sender, text, metadata: [{"text": "<b>5 < 6 & 7</b>"}]  # type: ignore[method-assign]
    response = post_twilio(gateway, twilio_params("hi", sid="SM-x"))
    assert "<Message>&lt;b&gt;5 &lt; 6 &amp; 7&lt;/b&gt;</Message>" in response.text


def test_twilio_unsigned_or_forged_requests_are_refused(gateway: Any) -> None:
    params = twilio_params("Can I cancel order 1001?")
    unsigned = gateway.client.post(TWILIO_PATH, data=params)
    forged = gateway.client.post(
        TWILIO_PATH, data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    )
    tampered_signature = RequestValidator(gateway.settings.twilio_auth_token).compute_signature(
        f"http://testserver{TWILIO_PATH}", params
    )
    tampered = gateway.client.post(
        TWILIO_PATH,
        data={**params, "Body": "Something else"},
        headers={"X-Twilio-Signature": tampered_signature},
    )
    other_token = RequestValidator("another-token").compute_signature(
        f"http://testserver{TWILIO_PATH}", params
    )
    wrong_token = gateway.client.post(TWILIO_PATH, data=params, headers={"X-Twilio-Signature": other_token})

    assert unsigned.status_code == 401
    assert forged.status_code == tampered.status_code == wrong_token.status_code == 403
    assert gateway.rasa.received == []


def test_twilio_webhook_is_disabled_without_its_token(make_gateway: Any) -> None:
    gateway = make_gateway(twilio_auth_token=None)
    params = twilio_params("hi")
    signature = RequestValidator("anything").compute_signature(f"http://testserver{TWILIO_PATH}", params)
    response = gateway.client.post(TWILIO_PATH, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.json()["detail"]
    assert gateway.rasa.received == []


def test_twilio_signature_uses_the_public_url_behind_a_proxy(make_gateway: Any) -> None:
    gateway = make_gateway(public_url="https://support.example.com")
    params = twilio_params("How long does delivery take?", sender=STRANGER_PHONE)
    public = post_twilio(gateway, params, url=f"https://support.example.com{TWILIO_PATH}")
    local = post_twilio(gateway, {**params, "MessageSid": "SM101"})
    assert public.status_code == 200
    assert local.status_code == 403
    assert "https://support.example.com/help/delivery-times" in public.text


def test_twilio_retries_are_answered_once(gateway: Any) -> None:
    params = twilio_params("How long does delivery take?", sid="SM-dup", sender=STRANGER_PHONE)
    first = post_twilio(gateway, params)
    retry = post_twilio(gateway, params)
    assert "<Message>" in first.text
    assert retry.status_code == 200
    assert "<Message>" not in retry.text
    assert len(gateway.rasa.received) == 1


def test_twilio_media_without_text_gets_an_explanation(gateway: Any) -> None:
    params = {**twilio_params("", sid="SM-img"), "NumMedia": "1"}
    response = post_twilio(gateway, params)
    assert "I can only read text messages" in response.text
    assert gateway.rasa.received == []


def test_twilio_message_over_the_length_limit_is_refused_with_a_message(make_gateway: Any) -> None:
    gateway = make_gateway(max_message_chars=20)
    response = post_twilio(gateway, twilio_params("x" * 21))
    assert response.status_code == 200
    assert "too long" in response.text
    assert gateway.rasa.received == []


def test_whatsapp_numbers_get_separate_conversations(gateway: Any) -> None:
    post_twilio(gateway, twilio_params("Can I cancel order 1001?", sid="SM-a"))
    post_twilio(gateway, twilio_params("Can I cancel order 1001?", sid="SM-b", sender=STRANGER_PHONE))
    ana, stranger = (item["sender"] for item in gateway.rasa.received)
    assert ana != stranger
    conversations = {c.session_id: c for c in gateway.services.conversations.list_conversations()}
    assert conversations[ana].customer_id == "C1001"
    assert conversations[stranger].customer_id is None
    assert {c.channel for c in conversations.values()} == {"whatsapp"}
    # The stranger's reply carries no order data.
    assert gateway.rasa.received[-1]["metadata"]["customer_id"] is None


# ------------------------------------------------------------------ WhatsApp Cloud API


def cloud_payload(*messages: dict[str, Any], phone_number_id: str = "PN1") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550009999",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [
                                {"profile": {"name": "Buyer"}, "wa_id": m["from"]} for m in messages
                            ],
                            "messages": list(messages),
                        },
                    }
                ],
            }
        ],
    }


def text_message(body: str, message_id: str = "wamid.1", sender: str = "4915112345678") -> dict[str, Any]:
    return {
        "from": sender,
        "id": message_id,
        "timestamp": "1767225600",
        "type": "text",
        "text": {"body": body},
    }


def post_cloud(gateway: Any, payload: Any, secret: str | None = None, raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    key = (secret or gateway.settings.whatsapp_app_secret).encode()
    signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return gateway.client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
    )


def sent_texts(gateway: Any) -> list[dict[str, Any]]:
    return [httpx.Response(200, content=request.content).json() for request in gateway.outbox.requests]


def test_cloud_verify_handshake_echoes_the_challenge(gateway: Any) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": gateway.settings.whatsapp_verify_token,
        "hub.challenge": "1158201444",
    }
    response = gateway.client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"


def test_cloud_verify_handshake_refuses_a_wrong_token(gateway: Any) -> None:
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {
            "hub.mode": "unsubscribe",
            "hub.verify_token": gateway.settings.whatsapp_verify_token,
            "hub.challenge": "1",
        },
        {"hub.challenge": "1"},
    ):
        response = gateway.client.get("/webhooks/whatsapp", params=params)
        assert response.status_code == 403
        assert response.text != "1"


def test_cloud_webhook_is_disabled_without_its_secrets(make_gateway: Any) -> None:
    no_verify = make_gateway(whatsapp_verify_token=None)
    handshake = no_verify.client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "None", "hub.challenge": "1"},
    )
    assert handshake.status_code == 503
    no_secret = make_gateway(whatsapp_app_secret=None)
    assert post_cloud(no_secret, cloud_payload(text_message("hi")), secret="anything").status_code == 503
    no_access = make_gateway(whatsapp_access_token=None)
    assert post_cloud(no_access, cloud_payload(text_message("hi"))).status_code == 503
    assert no_secret.rasa.received == no_access.rasa.received == []


def test_cloud_message_is_acknowledged_and_answered_through_the_send_api(gateway: Any) -> None:
    response = post_cloud(gateway, cloud_payload(text_message("Can I cancel order 1001?")))

    assert response.status_code == 200
    assert response.json() == {"status": "received", "messages": 1}
    assert gateway.sent_identity() == {"customer_id": "C1001", "channel": "whatsapp"}
    [request] = gateway.outbox.requests
    assert str(request.url) == f"{gateway.settings.whatsapp_api_url}/PN1/messages"
    assert request.headers["Authorization"] == f"Bearer {gateway.settings.whatsapp_access_token}"
    [sent] = sent_texts(gateway)
    assert sent["messaging_product"] == "whatsapp"
    assert sent["to"] == "4915112345678"
    assert sent["type"] == "text"
    assert sent["text"]["body"].startswith("Here is what I found for order 1001, C1001.")


def test_cloud_unsigned_or_forged_posts_are_refused(gateway: Any) -> None:
    payload = cloud_payload(text_message("Can I cancel order 1001?"))
    body = json.dumps(payload).encode()
    unsigned = gateway.client.post(
        "/webhooks/whatsapp", content=body, headers={"Content-Type": "application/json"}
    )
    wrong_secret = post_cloud(gateway, payload, secret="not-the-app-secret")
    tampered = gateway.client.post(
        "/webhooks/whatsapp",
        content=body.replace(b"1001", b"1002"),
        headers={
            "X-Hub-Signature-256": "sha256="
            + hmac.new(gateway.settings.whatsapp_app_secret.encode(), body, hashlib.sha256).hexdigest()
        },
    )
    not_sha256 = gateway.client.post(
        "/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": "md5=abc"}
    )

    assert unsigned.status_code == 401
    assert wrong_secret.status_code == tampered.status_code == not_sha256.status_code == 403
    assert gateway.rasa.received == []
    assert gateway.outbox.requests == []


def test_cloud_duplicate_deliveries_are_answered_once(gateway: Any) -> None:
    payload = cloud_payload(text_message("How long does delivery take?", message_id="wamid.dup"))
    first = post_cloud(gateway, payload)
    retry = post_cloud(gateway, payload)
    assert first.json()["messages"] == 1
    assert retry.status_code == 200
    assert retry.json()["messages"] == 0
    assert len(gateway.rasa.received) == 1
    assert len(gateway.outbox.requests) == 1


def test_cloud_status_updates_and_media_are_handled_without_the_bot(gateway: Any) -> None:
    statuses = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "metadata": {"phone_number_id": "PN1"},
                            "statuses": [{"id": "wamid.s", "status": "read"}],
                        },
                    }
                ]
            }
        ],
    }
    assert post_cloud(gateway, statuses).json() == {"status": "received", "messages": 0}
    image = {"from": "4915112345678", "id": "wamid.img", "type": "image", "image": {"id": "media1"}}
    assert post_cloud(gateway, cloud_payload(image)).status_code == 200
    assert gateway.rasa.received == []
    [sent] = sent_texts(gateway)
    assert "I can only read text messages" in sent["text"]["body"]


def test_cloud_signed_but_malformed_json_is_a_400(gateway: Any) -> None:
    response = post_cloud(gateway, None, raw=b"{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def interactive_reply(
    reply_id: str, title: str, message_id: str, kind: str = "button_reply"
) -> dict[str, Any]:
    return {
        "from": "15550001111",
        "id": message_id,
        "timestamp": "1767225600",
        "type": "interactive",
        "interactive": {"type": kind, kind: {"id": reply_id, "title": title}},
    }


def scripted(gateway: Any, *replies: dict[str, Any]) -> None:
    """Rasa answers every message with ``replies`` (and records what it received)."""

    def reply(sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        gateway.rasa.received.append({"sender": sender, "message": text, "metadata": metadata})
        return [dict(item, recipient_id=sender) for item in replies]

    gateway.rasa.reply = reply


def test_cloud_answers_options_with_reply_buttons(gateway: Any) -> None:
    post_cloud(gateway, cloud_payload(text_message("How long does delivery take?", sender="15550001111")))
    [sent] = sent_texts(gateway)
    assert sent["messaging_product"] == "whatsapp"
    assert sent["to"] == "15550001111"
    assert sent["type"] == "interactive"
    interactive = sent["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == (
        "Most parcels arrive within 7 to 15 days.\n\nSource: How long does delivery take?"
    )
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "/track_order", "title": "Track my order"}}
    ]
    assert "You can reply" not in json.dumps(sent)


def test_cloud_button_reply_reaches_the_bot_as_the_options_payload(gateway: Any) -> None:
    post_cloud(gateway, cloud_payload(interactive_reply("/track_order", "Track my order", "wamid.btn")))
    assert gateway.rasa.received[-1]["message"] == "/track_order"
    assert gateway.rasa.received[-1]["metadata"]["customer_id"] is None
    # The log keeps what the buyer saw, with the option they picked.
    [conversation] = gateway.services.conversations.list_conversations()
    tapped = gateway.services.conversations.messages(conversation.session_id)[0]
    assert tapped.text == "Track my order"
    assert tapped.data == {"option": {"title": "Track my order", "payload": "/track_order"}}


def test_cloud_list_reply_with_a_long_payload_maps_back_through_the_log(gateway: Any) -> None:
    long_payload = '/inform_order_id{"order_id": "' + "7" * 300 + '"}'
    offered = [{"title": f"Order number {n} from last week", "payload": f"/pick{n}"} for n in range(3)]
    offered.append({"title": "The big one", "payload": long_payload})
    scripted(gateway, {"text": "Which order is it about?", "buttons": offered})
    post_cloud(gateway, cloud_payload(text_message("my order", message_id="wamid.ask", sender="15550001111")))
    [sent] = sent_texts(gateway)
    interactive = sent["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows[:3]] == ["/pick0", "/pick1", "/pick2"]
    assert rows[0]["title"] == "Order number 0 from…"
    assert rows[0]["description"] == "Order number 0 from last week"
    long_id = rows[3]["id"]
    assert long_id.startswith("sb:")
    assert len(long_id) <= 200

    post_cloud(gateway, cloud_payload(interactive_reply(long_id, "The big one", "wamid.pick", "list_reply")))
    assert gateway.rasa.received[-1]["message"] == long_payload
    post_cloud(
        gateway,
        cloud_payload(interactive_reply("/pick1", "Order number 1 from…", "wamid.pick2", "list_reply")),
    )
    assert gateway.rasa.received[-1]["message"] == "/pick1"


def test_cloud_buyers_may_type_an_options_number_or_title(gateway: Any) -> None:
    post_cloud(gateway, cloud_payload(text_message("How long does delivery take?", "wamid.q", "15550001111")))
    post_cloud(gateway, cloud_payload(text_message("track my order", "wamid.t", "15550001111")))
    assert gateway.rasa.received[-1]["message"] == "/track_order"
    post_cloud(gateway, cloud_payload(text_message("1", "wamid.n", "15550001111")))
    assert gateway.rasa.received[-1]["message"] == "/track_order"
    # A number that names no option is just what the buyer wrote.
    post_cloud(gateway, cloud_payload(text_message("7", "wamid.x", "15550001111")))
    assert gateway.rasa.received[-1]["message"] == "7"


def test_cloud_partial_answer_cites_once_and_offers_more(make_gateway: Any) -> None:
    gateway = make_gateway(public_url="https://support.example.com")
    citation = "Source: How to cancel my order? (WISHALIVE help center)"
    scripted(
        gateway,
        {
            "text": f"*Paid order*\nYou can cancel with the seller's approval.\n{citation}\nReply MORE for the rest of this article."
        },
        {
            "custom": {
                "source": {
                    "id": "how-to-cancel-my-order",
                    "title": "How to cancel my order?",
                    "platform": "WISHALIVE",
                    "more": True,
                }
            }
        },
    )
    post_cloud(gateway, cloud_payload(text_message("how do I cancel a paid order", "wamid.more")))
    [sent] = sent_texts(gateway)
    body = sent["text"]["body"]
    assert body.count("Source:") == 1
    assert f"{citation} https://support.example.com/help/how-to-cancel-my-order" in body
    assert body.endswith("Reply MORE for the rest of this article.")
    assert "how-to-cancel-my-order" not in body.replace("/help/how-to-cancel-my-order", "")


def test_cloud_rasa_down_tells_the_buyer(gateway: Any) -> None:
    gateway.rasa.down = True
    assert (
        post_cloud(gateway, cloud_payload(text_message("hello", message_id="wamid.down"))).status_code == 200
    )
    [sent] = sent_texts(gateway)
    assert "not available right now" in sent["text"]["body"]


def test_cloud_handoff_then_the_agent_reply_reaches_the_buyer(gateway: Any) -> None:
    post_cloud(gateway, cloud_payload(text_message("I want a person", message_id="wamid.h1")))
    [conversation] = gateway.services.conversations.list_conversations(status="handoff")
    assert conversation.channel == "whatsapp"
    gateway.outbox.requests.clear()

    post_cloud(gateway, cloud_payload(text_message("Still there?", message_id="wamid.h2")))
    assert gateway.outbox.requests == [], "the bot answered while the buyer waits for a person"

    gateway.client.post(
        f"/v1/agent/conversations/{conversation.session_id}/reply",
        json={"text": "Sam here"},
        headers=gateway.admin,
    )
    assert [sent["text"]["body"] for sent in sent_texts(gateway)] == ["Sam here"]


def test_cloud_rate_limit_per_buyer_answers_with_a_message(make_gateway: Any) -> None:
    gateway = make_gateway(rate_limit="2/minute")
    for n in range(3):
        post_cloud(gateway, cloud_payload(text_message(f"hello {n}", message_id=f"wamid.rl{n}")))
    assert len(gateway.rasa.received) == 2
    assert "too quickly" in sent_texts(gateway)[-1]["text"]["body"]
