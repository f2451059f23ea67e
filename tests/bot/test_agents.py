"""Agent accounts and console sessions: hashing, one refusal for every bad credential, expiry,
revocation, presence and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot import db
from bot.agents import PRESENCE_WRITE_SECONDS, SIGN_IN_FAILED, AgentDirectory
from bot.errors import InvalidField, NotFound, Unauthenticated, UsageError
from bot.schemas.agents import CLI_ACTOR, Actor

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CLI = Actor(name=CLI_ACTOR, role="admin", via="cli")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(tmp_path: Path, clock: Clock) -> Iterator[AgentDirectory]:
    url = f"sqlite:///{tmp_path / 'agents.db'}"
    db.migrate(url)
    yield AgentDirectory(
        db.get_engine(url), clock=clock, session_lifetime=timedelta(hours=8), idle_timeout=timedelta(hours=1)
    )
    db.dispose_engine(url)


def test_a_new_agent_gets_a_one_time_password_stored_only_as_an_argon2_hash(
    directory: AgentDirectory,
) -> None:
    agent, password = directory.add("Sam", "admin", actor=CLI)
    assert (agent.name, agent.role, agent.active) == ("sam", "admin", True)
    assert len(password) >= 20
    with directory.engine.connect() as conn:
        stored = conn.execute(db.agents.select()).one()._mapping["password_hash"]
    assert stored.startswith("$argon2id$")
    assert password not in stored
    token, session = directory.sign_in("SAM", password)
    assert session.agent.name == "sam"
    assert directory.session(token).agent.agent_id == agent.agent_id


def test_every_bad_credential_gets_the_same_refusal(directory: AgentDirectory) -> None:
    directory.add("sam", "agent", actor=CLI, password="a-good-long-password")
    directory.add("old", "agent", actor=CLI, password="a-good-long-password")
    directory.revoke("old", actor=CLI)
    for name, password in (
        ("nobody", "a-good-long-password"),
        ("sam", "wrong-password"),
        ("old", "a-good-long-password"),
    ):
        with pytest.raises(Unauthenticated) as refused:
            directory.sign_in(name, password)
        assert str(refused.value) == SIGN_IN_FAILED


def test_names_are_unique_and_well_formed_and_passwords_long_enough(directory: AgentDirectory) -> None:
    directory.add("sam", "agent", actor=CLI)
    with pytest.raises(InvalidField, match="already exists"):
        directory.add("SAM", "agent", actor=CLI)
    with pytest.raises(InvalidField) as bad:
        directory.add("sam smith", "agent", actor=CLI)
    assert bad.value.field == "name"
    with pytest.raises(InvalidField) as short:
        directory.add("lee", "agent", actor=CLI, password="short")
    assert short.value.field == "password"
    with pytest.raises(InvalidField):
        directory.add("kim", "boss", actor=CLI)  # type: ignore[arg-type]


def test_a_session_ends_at_its_lifetime_and_after_idling(directory: AgentDirectory, clock: Clock) -> None:
    directory.add("sam", "agent", actor=CLI, password="a-good-long-password")
    token, _ = directory.sign_in("sam", "a-good-long-password")
    for _ in range(7):  # active every 59 minutes: never idle, but the 8 hours run out
        clock.advance(minutes=59)
        directory.session(token)
    clock.advance(minutes=60)
    with pytest.raises(Unauthenticated):
        directory.session(token)

    idle, _ = directory.sign_in("sam", "a-good-long-password")
    clock.advance(hours=1, seconds=1)
    with pytest.raises(Unauthenticated):
        directory.session(idle)


def test_revoking_ends_open_sessions_and_keeps_the_name(directory: AgentDirectory) -> None:
    directory.add("sam", "agent", actor=CLI, password="a-good-long-password")
    token, _ = directory.sign_in("sam", "a-good-long-password")
    directory.revoke("sam", actor=CLI)
    with pytest.raises(Unauthenticated):
        directory.session(token)
    assert directory.get("sam").revoked_at is not None
    with pytest.raises(InvalidField):
        directory.add("sam", "agent", actor=CLI)
    with pytest.raises(UsageError):
        directory.reset_password("sam", actor=CLI)
    with pytest.raises(NotFound):
        directory.revoke("nobody", actor=CLI)


def test_a_reset_password_replaces_the_old_one_and_ends_sessions(directory: AgentDirectory) -> None:
    _, first = directory.add("sam", "agent", actor=CLI)
    token, _ = directory.sign_in("sam", first)
    _, second = directory.reset_password("sam", actor=CLI)
    with pytest.raises(Unauthenticated):
        directory.session(token)
    with pytest.raises(Unauthenticated):
        directory.sign_in("sam", first)
    directory.sign_in("sam", second)


def test_presence_is_a_recent_console_request_written_at_most_every_half_minute(
    directory: AgentDirectory, clock: Clock
) -> None:
    directory.add("sam", "agent", actor=CLI, password="a-good-long-password")
    directory.add("mia", "agent", actor=CLI, password="a-good-long-password")
    sam, _ = directory.sign_in("sam", "a-good-long-password")
    directory.sign_in("mia", "a-good-long-password")
    assert directory.present(timedelta(minutes=5)) == ["mia", "sam"]

    clock.advance(minutes=4)
    assert directory.session(sam).last_seen_at == clock.now  # written: older than the throttle
    clock.advance(seconds=PRESENCE_WRITE_SECONDS - 1)
    assert directory.session(sam).last_seen_at == clock.now - timedelta(seconds=PRESENCE_WRITE_SECONDS - 1)
    clock.advance(minutes=2)
    assert directory.present(timedelta(minutes=5)) == ["sam"]  # mia's console went quiet
    directory.sign_out(sam)
    assert directory.present(timedelta(minutes=5)) == []


def test_the_audit_trail_records_who_did_what(directory: AgentDirectory) -> None:
    directory.add("sam", "agent", actor=CLI, password="a-good-long-password")
    _, session = directory.sign_in("sam", "a-good-long-password")
    directory.record(session.actor(), "ticket.closed", "T-1", {"session_id": "s-1"})
    trail = [(e["actor"], e["action"], e["subject"]) for e in directory.audit_trail()][::-1]
    assert trail == [
        (CLI_ACTOR, "agent.add", "sam"),
        ("sam", "agent.sign_in", "sam"),
        ("sam", "ticket.closed", "T-1"),
    ]
