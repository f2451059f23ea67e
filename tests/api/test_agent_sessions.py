"""Signing agents in to the console: the cookie, CSRF, 401s that say nothing about which part was
wrong, revocation, roles, presence, and the admin token that stays for machines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_an_agent_signs_in_by_name_and_gets_an_httponly_samesite_cookie(gateway: Any) -> None:
    gateway.add_agent("sam")
    response = gateway.client.post(
        "/v1/agent/session", json={"name": "Sam", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["agent"], body["role"]) == ("sam", "agent")
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("supportbot_agent=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in development and tests; production sets it

    me = gateway.client.get("/v1/agent/session")
    assert me.json()["agent"] == "sam"
    assert me.json()["csrf_token"] == body["csrf_token"]
    assert gateway.client.get("/v1/agent/conversations").status_code == 200


def test_unknown_name_wrong_password_and_revoked_agent_get_the_same_401(gateway: Any) -> None:
    from bot.schemas.agents import CLI_ACTOR, Actor

    gateway.add_agent("sam")
    gateway.add_agent("gone")
    gateway.services.agents.revoke("gone", actor=Actor(name=CLI_ACTOR, role="admin", via="cli"))
    answers = [
        gateway.client.post("/v1/agent/session", json={"name": name, "password": password})
        for name, password in (
            ("nobody", "correct-horse-battery"),
            ("sam", "wrong-password-here"),
            ("gone", "correct-horse-battery"),
        )
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert {answer.json()["detail"] for answer in answers} == {"The name or password was not accepted."}
    assert all("set-cookie" not in answer.headers for answer in answers)


def test_repeated_wrong_passwords_are_throttled(gateway: Any) -> None:
    gateway.add_agent("sam")
    for _ in range(10):
        assert (
            gateway.client.post("/v1/agent/session", json={"name": "sam", "password": "x" * 12}).status_code
            == 401
        )
    blocked = gateway.client.post(
        "/v1/agent/session", json={"name": "sam", "password": "correct-horse-battery"}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_without_credentials_or_with_an_ended_session_the_console_api_answers_401(gateway: Any) -> None:
    assert gateway.client.get("/v1/agent/conversations").status_code == 401
    assert gateway.client.get("/v1/reports/summary").status_code == 401
    assert gateway.client.get("/v1/review/conversations").status_code == 401
    gateway.client.cookies.set("supportbot_agent", "made-up-token")
    answer = gateway.client.get("/v1/agent/conversations")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Your session has ended. Please sign in again."


def test_state_changing_calls_need_the_csrf_token(gateway: Any) -> None:
    gateway.chat("csrf-1", "I want a person")
    headers = gateway.sign_in()
    assert gateway.client.post("/v1/agent/conversations/csrf-1/reply", json={"text": "Hi"}).status_code == 403
    wrong = gateway.client.post(
        "/v1/agent/conversations/csrf-1/reply", json={"text": "Hi"}, headers={"X-CSRF-Token": "guess"}
    )
    assert wrong.status_code == 403
    ok = gateway.client.post("/v1/agent/conversations/csrf-1/reply", json={"text": "Hi"}, headers=headers)
    assert ok.status_code == 200
    assert ok.json()["message"]["author"] == "sam"


def test_a_request_from_another_sites_page_is_refused(gateway: Any) -> None:
    gateway.chat("origin-1", "I want a person")
    headers = gateway.sign_in()
    answer = gateway.client.post(
        "/v1/agent/conversations/origin-1/close", headers={**headers, "Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    signing_in = gateway.client.post(
        "/v1/agent/session",
        json={"name": "sam", "password": "correct-horse-battery"},
        headers={"Origin": "https://evil.example"},
    )
    assert signing_in.status_code == 403


def test_the_admin_token_still_works_for_machines_and_is_recorded_as_such(gateway: Any) -> None:
    gateway.chat("machine-1", "I want a person")
    answer = gateway.client.post(
        "/v1/agent/conversations/machine-1/reply", json={"text": "Hello"}, headers=gateway.admin
    )
    assert answer.status_code == 200
    assert answer.json()["message"]["author"] is None
    trail = gateway.services.agents.audit_trail(subject="machine-1")
    assert [(e["actor"], e["action"]) for e in trail] == [("admin token", "conversation.reply")]
    wrong = gateway.client.get("/v1/agent/conversations", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_replies_and_closes_record_the_agent(gateway: Any) -> None:
    gateway.chat("who-1", "I want a person")
    headers = gateway.sign_in("mia")
    gateway.client.post("/v1/agent/conversations/who-1/reply", json={"text": "Mia here"}, headers=headers)
    gateway.client.post("/v1/agent/conversations/who-1/close", headers=headers)
    detail = gateway.client.get("/v1/agent/conversations/who-1").json()
    assert [m["author"] for m in detail["messages"] if m["role"] == "agent"] == ["mia"]
    actions = [(e["actor"], e["action"]) for e in gateway.services.agents.audit_trail(subject="who-1")][::-1]
    assert actions == [("mia", "conversation.reply"), ("mia", "conversation.close")]


def test_sign_out_ends_the_session(gateway: Any) -> None:
    headers = gateway.sign_in()
    assert gateway.client.delete("/v1/agent/session", headers=headers).status_code == 204
    assert gateway.client.get("/v1/agent/conversations").status_code == 401


def test_only_admins_manage_agents(gateway: Any) -> None:
    headers = gateway.sign_in("sam", role="agent")
    assert gateway.client.get("/v1/agents").status_code == 403
    assert gateway.client.post("/v1/agents", json={"name": "eve"}, headers=headers).status_code == 403

    created = gateway.client.post("/v1/agents", json={"name": "Lea", "role": "agent"}, headers=gateway.admin)
    assert created.status_code == 201
    password = created.json()["password"]
    assert created.json()["agent"]["name"] == "lea"
    assert (
        gateway.client.post("/v1/agent/session", json={"name": "lea", "password": password}).status_code
        == 200
    )
    revoked = gateway.client.post("/v1/agents/lea/revoke", headers=gateway.admin)
    assert revoked.json()["revoked_at"] is not None
    # Her session ended with the revocation.
    assert gateway.client.get("/v1/agent/conversations").status_code == 401
    bad = gateway.client.post("/v1/agents", json={"name": "no spaces"}, headers=gateway.admin)
    assert bad.status_code == 422
    assert bad.json()["field"] == "name"


def test_availability_follows_presence_and_opening_hours(make_gateway: Callable[..., Any]) -> None:
    open_now = make_gateway()
    assert (
        open_now.client.get("/v1/agent/availability", headers=open_now.admin).json()["code"]
        == "nobody_online"
    )
    open_now.sign_in("sam")
    now = open_now.client.get("/v1/agent/availability").json()
    assert (now["available"], now["present"]) == (True, ["sam"])


def test_outside_opening_hours_nobody_is_available(make_gateway: Callable[..., Any], tmp_path: Any) -> None:
    # NOW is Monday 2 March 2026, 12:00 UTC: 13:00 in Berlin, after these hours.
    closed = make_gateway(
        support_hours="Mon-Fri 08:00-12:00",
        support_timezone="Europe/Berlin",
        db_url=f"sqlite:///{tmp_path / 'closed.db'}",
    )
    closed.sign_in("sam")
    now = closed.client.get("/v1/agent/availability").json()
    assert (now["available"], now["code"]) == (False, "closed")
    assert now["hours"] == "Mon-Fri 08:00-12:00 (Europe/Berlin time)"
    assert now["next_open"] == "2026-03-03T07:00:00Z"
