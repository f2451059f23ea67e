"""Buyer order lookups, the eligibility engine over HTTP and the shop's admin sync."""

from __future__ import annotations

from typing import Any

ORDER = {
    "order_id": "9001",
    "customer_id": "C9001",
    "status": "awaiting_shipment",
    "created_at": "2026-02-27T10:00:00Z",
    "paid_at": "2026-02-27T10:05:00Z",
    "payment_method": "card",
    "amount": 19.9,
    "currency": "EUR",
    "items": [{"title": "Lamp", "quantity": 1}],
}


def test_a_verified_customer_reads_their_own_order(gateway: Any) -> None:
    response = gateway.client.get("/v1/orders/1001", headers=gateway.identity("C1001"))
    assert response.status_code == 200
    assert response.json()["order_id"] == "1001"
    assert response.json()["customer_id"] == "C1001"
    # Never from the query string: URLs end up in access logs and Referer headers.
    query = gateway.client.get(
        "/v1/orders/1001", params={"customer_id": "C1001", "customer_hash": gateway.sign("C1001")}
    )
    assert query.status_code == 401


def test_another_customers_order_looks_like_a_missing_one(gateway: Any) -> None:
    other = gateway.client.get("/v1/orders/1007", headers=gateway.identity("C1001"))  # 1007 is Mateo's
    missing = gateway.client.get("/v1/orders/424242", headers=gateway.identity("C1001"))
    assert other.status_code == missing.status_code == 404
    assert "1007" not in str(other.json()).replace("You have no order 1007.", "")
    assert "Mateo" not in other.text
    assert "keyboard" not in other.text.lower()


def test_order_lookup_without_a_valid_identity_is_401(gateway: Any) -> None:
    anonymous = gateway.client.get("/v1/orders/1001")
    forged = gateway.client.get(
        "/v1/orders/1001", headers={"X-Customer-Id": "C1001", "X-Customer-Hash": "00" * 32}
    )
    for response in (anonymous, forged):
        assert response.status_code == 401
        assert "X-Customer-Hash" in response.json()["detail"]


def test_eligibility_returns_the_engines_decision(gateway: Any) -> None:
    response = gateway.client.post("/v1/eligibility", json=ORDER, params={"now": "2026-02-28T10:00:00Z"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"order_id", "cancel", "dispute", "refund", "return"}
    assert body["order_id"] == "9001"
    assert body["cancel"]["allowed"] is True


def test_eligibility_uses_the_clock_when_now_is_not_given(gateway: Any) -> None:
    from bot.assistant.replies import eligibility
    from bot.policy import evaluate
    from bot.schemas.orders import Order

    response = gateway.client.post("/v1/eligibility", json=ORDER)
    order = Order.from_json(ORDER)
    expected = eligibility(order, evaluate(order, gateway.services.clock())).to_dict()
    assert response.status_code == 200
    assert response.json() == expected


def test_eligibility_names_the_field_that_is_wrong(gateway: Any) -> None:
    cases = [
        ({**ORDER, "status": "lost"}, "status"),
        ({key: value for key, value in ORDER.items() if key != "created_at"}, "created_at"),
        ({**ORDER, "paid_at": "yesterday"}, "paid_at"),
        ({**ORDER, "colour": "red"}, "colour"),
        ({**ORDER, "paid_at": "2026-02-26T10:00:00Z"}, "paid_at"),  # paid before it was created
    ]
    for order, field in cases:
        response = gateway.client.post("/v1/eligibility", json=order)
        assert response.status_code == 422, field
        assert response.json()["detail"].startswith(f"{field}:"), response.json()
    assert gateway.client.post("/v1/eligibility", json=[ORDER]).status_code == 422
    bad_now = gateway.client.post("/v1/eligibility", json=ORDER, params={"now": "soon"})
    assert bad_now.status_code == 422
    assert "now" in bad_now.json()["detail"]


def test_eligibility_refuses_events_after_now(gateway: Any) -> None:
    response = gateway.client.post("/v1/eligibility", json=ORDER, params={"now": "2026-02-27T10:01:00Z"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("paid_at:")


def test_admin_sync_needs_the_bearer_token(gateway: Any) -> None:
    customer = {"customer_id": "C9001", "name": "Noor"}
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ):
        assert (
            gateway.client.put("/v1/admin/customers/C9001", json=customer, headers=headers).status_code == 401
        )
        assert gateway.client.put("/v1/admin/orders/9001", json=ORDER, headers=headers).status_code == 401
        response = gateway.client.get("/v1/admin/orders/1001", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert gateway.services.store.get_customer("C9001") is None


def test_admin_api_is_closed_without_a_configured_token(make_gateway: Any) -> None:
    gateway = make_gateway(admin_token=None)
    response = gateway.client.get("/v1/admin/orders/1001", headers={"Authorization": "Bearer None"})
    assert response.status_code == 401
    assert "SUPPORTBOT_ADMIN_TOKEN" in response.json()["detail"]


def test_admin_creates_then_replaces_customers_and_orders(gateway: Any) -> None:
    customer = {
        "customer_id": "C9001",
        "name": "Noor",
        "email": "noor@example.com",
        "phone": "+971 50 123 4567",
    }
    created = gateway.client.put("/v1/admin/customers/C9001", json=customer, headers=gateway.admin)
    replaced = gateway.client.put(
        "/v1/admin/customers/C9001", json={**customer, "name": "Noor A."}, headers=gateway.admin
    )
    assert (created.status_code, replaced.status_code) == (201, 200)
    assert replaced.json()["name"] == "Noor A."

    first = gateway.client.put("/v1/admin/orders/9001", json=ORDER, headers=gateway.admin)
    second = gateway.client.put("/v1/admin/orders/9001", json={**ORDER, "amount": 25}, headers=gateway.admin)
    assert (first.status_code, second.status_code) == (201, 200)
    fetched = gateway.client.get("/v1/admin/orders/9001", headers=gateway.admin)
    assert fetched.status_code == 200
    assert fetched.json()["amount"] == "25.00"  # a decimal string, as docs/api.md says
    assert fetched.json()["customer_id"] == "C9001"
    # The synced buyer can now read it, and only them.
    assert gateway.client.get("/v1/orders/9001", headers=gateway.identity("C9001")).status_code == 200
    assert gateway.client.get("/v1/orders/9001", headers=gateway.identity("C1001")).status_code == 404


def test_admin_refuses_inconsistent_or_unknown_data(gateway: Any) -> None:
    mismatch = gateway.client.put(
        "/v1/admin/customers/C9002", json={"customer_id": "C9003", "name": "X"}, headers=gateway.admin
    )
    assert mismatch.status_code == 422
    assert "does not match" in mismatch.json()["detail"]
    no_name = gateway.client.put(
        "/v1/admin/customers/C9002", json={"customer_id": "C9002"}, headers=gateway.admin
    )
    assert no_name.status_code == 422
    order_mismatch = gateway.client.put("/v1/admin/orders/9999", json=ORDER, headers=gateway.admin)
    assert order_mismatch.status_code == 422
    unknown_customer = gateway.client.put("/v1/admin/orders/9001", json=ORDER, headers=gateway.admin)
    assert unknown_customer.status_code == 422
    assert "C9001" in unknown_customer.json()["detail"]
    invalid = gateway.client.put(
        "/v1/admin/orders/9001", json={**ORDER, "currency": "euros"}, headers=gateway.admin
    )
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "currency"
    assert gateway.client.get("/v1/admin/orders/9001", headers=gateway.admin).status_code == 404
