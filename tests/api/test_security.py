"""Issue #12, as an attacker probes ``make run`` with its defaults: each finding, answered.

Demo identities only in a local demo; identities never from query strings; widget tokens that
expire and can be revoked per customer; no 5xx for hostile input; the Host header steers nothing;
browser hardening headers on every page; API docs without a CDN, and none in production.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.identity import EXPIRED, customer_token

NOW_SECONDS = 1_772_452_800  # conftest.NOW


def token(
    gateway: Any, customer_id: str = "C1001", *, issued: timedelta = timedelta(0), **claims: Any
) -> str:
    secret = claims.pop("secret", gateway.settings.widget_secret)
    iat = int((gateway.services.clock() + issued).timestamp())
    payload = {"sub": customer_id, "iat": iat, "exp": iat + 3600, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def client_from(gateway: Any, peer: str) -> TestClient:
    return TestClient(gateway.client.app, client=(peer, 40000))


# ------------------------------------------------------------------ 1. demo identities


@pytest.mark.parametrize(
    "overrides",
    [
        {"env": "development", "host": "0.0.0.0"},
        {"env": "development", "host": "192.168.1.20", "allowed_hosts": "testserver,192.168.1.20"},
        {"env": "development", "public_url": "https://support.example.com"},
        {"env": "development", "demo": "off"},
        {"env": "test"},
    ],
    ids=["all-interfaces", "lan-address", "published", "switched-off", "test-env"],
)
def test_no_demo_identity_when_reachable_from_other_machines_or_switched_off(
    make_gateway: Any, overrides: dict[str, Any]
) -> None:
    gateway = make_gateway(**overrides)
    assert gateway.client.get("/demo/identity", params={"customer_id": "C1002"}).status_code == 404
    assert gateway.client.get("/demo/customers").status_code == 404


def test_the_local_demo_answers_only_this_machine_without_a_proxy_or_cors(make_gateway: Any) -> None:
    gateway = make_gateway(env="development")
    assert gateway.client.get("/demo/identity", params={"customer_id": "C1002"}).status_code == 200

    # A gateway started on loopback by hand but reached from elsewhere, or through a proxy.
    assert client_from(gateway, "203.0.113.7").get("/demo/customers").status_code == 404
    proxied = gateway.client.get("/demo/customers", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 404

    cross_origin = gateway.client.get(
        "/demo/identity?customer_id=C1002", headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in cross_origin.headers
    preflight = gateway.client.options(
        "/demo/customers", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_the_demo_is_refused_in_production_and_on_other_interfaces(make_gateway: Any) -> None:
    from api.main import create_app
    from bot.config import Settings

    secrets = {
        "widget_secret": "w" * 40,
        "admin_token": "a" * 40,
        "actions_secret": "s" * 40,
        "rasa_token": "r" * 40,
    }
    with pytest.raises(RuntimeError, match="SUPPORTBOT_DEMO=on is refused in production"):
        create_app(Settings(env="production", demo="on", **secrets))  # type: ignore[call-arg]
    with pytest.raises(RuntimeError, match="reachable from other machines"):
        create_app(Settings(env="development", demo="on", host="0.0.0.0"))  # type: ignore[call-arg]
    for name in ("SUPPORTBOT_ACTIONS_SECRET", "SUPPORTBOT_RASA_TOKEN"):
        missing = {key: value for key, value in secrets.items() if f"SUPPORTBOT_{key.upper()}" != name}
        with pytest.raises(RuntimeError, match=name):
            create_app(Settings(env="production", **missing))  # type: ignore[call-arg]


# ------------------------------------------------------------------ 3. widget identity


def test_a_widget_token_verifies_the_buyer_in_the_body_and_in_headers(gateway: Any) -> None:
    signed_in = gateway.chat("web-tok", "Can I cancel order 1001?", customer_token=token(gateway))
    assert signed_in.json()["customer_verified"] is True
    assert gateway.sent_identity()["customer_id"] == "C1001"

    headers = {"X-Customer-Token": token(gateway)}
    assert gateway.client.get("/v1/orders/1001", headers=headers).status_code == 200
    assert gateway.client.get("/v1/chat/web-tok/messages", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"secret": "not-the-widget-secret-but-long-enough"},
        {"exp": NOW_SECONDS + 30 * 86_400},  # longer than SUPPORTBOT_WIDGET_TOKEN_MAX_SECONDS
        {"iat": NOW_SECONDS + 3600, "exp": NOW_SECONDS + 7200},  # issued in the future
        {"sub": ""},
        {"sub": 1001},
    ],
    ids=["wrong-secret", "too-long", "future", "empty-sub", "numeric-sub"],
)
def test_a_forged_or_malformed_token_leaves_the_buyer_anonymous(gateway: Any, claims: dict[str, Any]) -> None:
    response = gateway.chat("web-forged", "Can I cancel order 1001?", customer_token=token(gateway, **claims))
    assert response.status_code == 200
    assert response.json()["customer_verified"] is False


def test_unsigned_tokens_and_a_token_for_another_customer_are_refused(gateway: Any) -> None:
    unsigned = jwt.encode(
        {"sub": "C1001", "iat": NOW_SECONDS, "exp": NOW_SECONDS + 60}, None, algorithm="none"
    )
    for proof in (
        {"customer_token": unsigned},
        {"customer_token": token(gateway, "C1002"), "customer_id": "C1001"},
        {"customer_token": "not.a.token"},
    ):
        response = gateway.client.post("/v1/chat", json={"session_id": "web-u", "message": "hi", **proof})
        assert response.json()["customer_verified"] is False


def test_an_expired_token_is_a_401_telling_the_buyer_to_reload(gateway: Any) -> None:
    expired = token(gateway, issued=timedelta(hours=-3))
    response = gateway.chat("web-exp", "Can I cancel order 1001?", customer_token=expired)
    assert response.status_code == 401
    assert response.json()["detail"] == EXPIRED
    assert gateway.client.get("/v1/orders/1001", headers={"X-Customer-Token": expired}).status_code == 401


def test_identities_are_never_taken_from_the_query_string(gateway: Any) -> None:
    gateway.chat("web-q", "Can I cancel order 1001?", customer_id="C1001")
    for query in (
        {"customer_id": "C1001", "customer_hash": gateway.sign("C1001")},
        {"customer_token": token(gateway)},
    ):
        assert gateway.client.get("/v1/orders/1001", params=query).status_code == 401
        assert gateway.client.get("/v1/chat/web-q/messages", params=query).status_code == 403


def test_revoking_a_customer_ends_their_hash_and_older_tokens_but_not_newer_ones(gateway: Any) -> None:
    older = token(gateway, issued=timedelta(minutes=-5))
    revoked = gateway.client.post("/v1/admin/customers/C1001/revoke-identities", headers=gateway.admin)
    assert revoked.status_code == 200
    assert revoked.json() == {"customer_id": "C1001", "identities_valid_after": "2026-03-02T12:00:00Z"}

    assert gateway.chat("web-rv1", "hi", customer_id="C1001").json()["customer_verified"] is False
    assert gateway.chat("web-rv2", "hi", customer_token=older).status_code == 401
    newer = token(gateway, issued=timedelta(seconds=1))
    assert gateway.chat("web-rv3", "hi", customer_token=newer).json()["customer_verified"] is True
    # Only that customer: everyone else's hashes still work.
    assert gateway.chat("web-rv4", "hi", customer_id="C1002").json()["customer_verified"] is True

    unknown = gateway.client.post("/v1/admin/customers/C404/revoke-identities", headers=gateway.admin)
    assert unknown.status_code == 404
    assert gateway.client.post("/v1/admin/customers/C1002/revoke-identities").status_code == 401


def test_the_demo_token_is_a_valid_widget_token(make_gateway: Any) -> None:
    gateway = make_gateway(env="development")
    identity = gateway.client.get("/demo/identity", params={"customer_id": "C1003"}).json()
    response = gateway.chat("web-demo", "hi", customer_token=identity["customer_token"])
    assert response.json()["customer_verified"] is True


def test_a_hash_can_never_pass_for_a_token_signature() -> None:
    from bot.schemas.base import ID_MAX_CHARS

    shortest = customer_token(
        "k" * 32, "C", issued_at=__import__("datetime").datetime(1970, 1, 2), lifetime_seconds=60
    )
    signing_input = shortest.rsplit(".", 1)[0]
    assert len(signing_input) > ID_MAX_CHARS


# ------------------------------------------------------------------ 4. inputs that were 500s


def post_raw(gateway: Any, path: str, body: str, **kwargs: Any) -> Any:
    return gateway.client.post(
        path, content=body.encode(), headers={"Content-Type": "application/json"}, **kwargs
    )


@pytest.mark.parametrize(
    "message",
    ['"\\ud800"', '"abc\\udfff"', '"nul\\u0000byte"'],
    ids=["lone-high-surrogate", "lone-low-surrogate", "nul"],
)
def test_unstorable_characters_in_a_message_are_a_400(gateway: Any, message: str) -> None:
    response = post_raw(gateway, "/v1/chat", f'{{"session_id": "web-s", "message": {message}}}')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    assert gateway.client.get("/healthz").status_code == 200


def test_ids_and_counters_past_the_database_range_are_a_422(gateway: Any) -> None:
    gateway.chat("web-big", "How long does delivery take?")
    assert gateway.client.get("/v1/chat/web-big/messages", params={"after": 2**63}).status_code == 422
    assert gateway.client.get("/v1/chat/web-big/messages", params={"after": 2**31}).status_code == 422
    for message_id in (2**63, 2**31, 0, -1):
        body = {"session_id": "web-big", "message_id": message_id, "helpful": True}
        assert gateway.client.post("/v1/chat/feedback", json=body).status_code == 422, message_id


ORDER = {
    "order_id": "9001",
    "customer_id": "C9001",
    "status": "awaiting_shipment",
    "created_at": "2026-02-27T10:00:00Z",
    "paid_at": "2026-02-27T10:05:00Z",
    "amount": "19.90",
    "items": [{"title": "Lamp", "quantity": 1}],
}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('"amount": 1e308', 422),
        ('"amount": "1e308"', 422),
        ('"amount": 1e400', 400),
        ('"amount": "1e400"', 422),
        ('"amount": NaN', 400),
        ('"amount": Infinity', 400),
        ('"created_at": "0001-01-01T00:00:00+14:00"', 422),
        ('"created_at": "9999-12-31T23:59:59-14:00"', 422),
        ('"paid_at": "9999-12-31T23:00:00Z"', 422),
        ('"items": [{"title": "Lamp", "quantity": 10000000000000000000000}]', 422),
    ],
)
def test_amounts_dates_and_quantities_out_of_range_are_a_4xx(gateway: Any, raw: str, status: int) -> None:
    field = raw.split(":", 1)[0].strip('"')
    base = {key: value for key, value in ORDER.items() if key != field}
    body = json.dumps(base)[:-1] + ", " + raw + "}"
    response = post_raw(gateway, "/v1/eligibility", body)
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["field"].startswith(field)


def test_a_decision_date_out_of_range_is_a_422(gateway: Any) -> None:
    for now in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1800-01-01T00:00:00Z"):
        response = gateway.client.post("/v1/eligibility", json=ORDER, params={"now": now})
        assert response.status_code == 422, now
        assert response.json()["field"] == "now"


def test_a_nul_in_the_url_is_a_400(gateway: Any) -> None:
    assert gateway.client.get("/static/widget.js%00.css").status_code == 400
    assert gateway.client.get("/help/x%00y").status_code == 400
    assert gateway.client.get("/v1/faq/search?q=a%00b").status_code == 400
    assert gateway.client.get("/static/widget.css").status_code == 200


def test_a_session_id_with_a_trailing_newline_is_refused(gateway: Any) -> None:
    response = gateway.client.post("/v1/chat", json={"session_id": "web-nl\n", "message": "hi"})
    assert response.status_code == 422
    assert response.json()["field"] == "session_id"
    assert gateway.client.get("/v1/chat/web-nl%0A/messages").status_code == 422
    feedback = {"session_id": "web-nl\n", "message_id": 1, "helpful": True}
    assert gateway.client.post("/v1/chat/feedback", json=feedback).status_code == 422


# ------------------------------------------------------------------ 4. hardened HTTP


@pytest.mark.parametrize("path", ["/", "/agent", "/help/delivery-times", "/docs"])
def test_every_page_sends_the_hardening_headers(gateway: Any, path: str) -> None:
    response = gateway.client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_api_responses_are_nosniff_and_unframeable(gateway: Any) -> None:
    response = gateway.client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert gateway.client.get("/widget.js").headers["x-content-type-options"] == "nosniff"


def test_a_foreign_host_header_steers_no_redirect_and_no_signature_url(gateway: Any) -> None:
    redirect = gateway.client.get("/static", headers={"Host": "evil.example"}, follow_redirects=False)
    assert redirect.status_code == 400
    assert "location" not in redirect.headers
    ours = gateway.client.get("/static", follow_redirects=False)
    assert ours.headers["location"].startswith("http://testserver/")

    params = {
        "From": "whatsapp:+34612345678",
        "To": "whatsapp:+14155238886",
        "Body": "hi",
        "MessageSid": "SMh",
    }
    url = "http://evil.example/webhooks/twilio/whatsapp"
    signature = RequestValidator(gateway.settings.twilio_auth_token).compute_signature(url, params)
    forged = gateway.client.post(
        "/webhooks/twilio/whatsapp",
        data=params,
        headers={"X-Twilio-Signature": signature, "Host": "evil.example"},
    )
    assert forged.status_code == 400


def test_the_public_url_and_allowed_hosts_are_answered(make_gateway: Any) -> None:
    gateway = make_gateway(
        public_url="https://support.example.com", allowed_hosts="testserver,*.shop.example"
    )
    for host in ("support.example.com", "help.shop.example", "localhost", "127.0.0.1"):
        assert gateway.client.get("/healthz", headers={"Host": host}).status_code == 200, host
    published = gateway.client.get("/healthz", headers={"Host": "support.example.com"})
    assert published.headers["strict-transport-security"].startswith("max-age=")
    assert gateway.client.get("/healthz", headers={"Host": "shop.example.evil"}).status_code == 400


def test_api_docs_are_served_without_a_cdn(gateway: Any) -> None:
    page = gateway.client.get("/docs")
    assert "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace('"/docs-assets', "")
    assert gateway.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert gateway.client.get("/docs-assets/swagger-ui.css").status_code == 200
    assert gateway.client.get("/redoc").status_code == 404
    assert gateway.client.get("/openapi.json").status_code == 200


def test_no_api_docs_in_production(make_gateway: Any) -> None:
    gateway = make_gateway(env="production")
    for path in ("/docs", "/openapi.json", "/docs-assets/swagger-ui-bundle.js"):
        assert gateway.client.get(path).status_code == 404, path
