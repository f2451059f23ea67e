"""WhatsApp through Twilio and through Meta's Cloud API: signatures, dedupe, identity, replies."""

from __future__ import annotations

import hashlib
import hmac
import json
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
    assert gateway.rasa.received[-1]["metadata"] == {"customer_id": None, "channel": "whatsapp"}


def test_twilio_sender_with_a_customers_phone_is_that_verified_customer(gateway: Any) -> None:
    response = post_twilio(gateway, twilio_params("Can I cancel order 1001?"))
    assert gateway.rasa.received[-1]["metadata"] == {"customer_id": "C1001", "channel": "whatsapp"}
    assert "Here is what I found for order 1001, C1001." in response.text
    assert "Order 1001 (shipped)" in response.text  # the decision card as text
    assert "❌ Cancel: not allowed" in response.text


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
    assert gateway.rasa.received[-1]["metadata"] == {"customer_id": "C1001", "channel": "whatsapp"}
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


def test_cloud_buttons_reach_the_bot_as_their_title(gateway: Any) -> None:
    reply = {
        "from": "15550001111",
        "id": "wamid.btn",
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "track", "title": "Track my order"}},
    }
    post_cloud(gateway, cloud_payload(reply))
    assert gateway.rasa.received[-1]["message"] == "Track my order"
    assert gateway.rasa.received[-1]["metadata"]["customer_id"] is None


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
