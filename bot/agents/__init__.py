"""Support agents: accounts with a role, console sessions, presence and the audit trail.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's recommended profile);
a new account gets a random one-time password, printed once. A console session is a random
token in an HttpOnly cookie; the database keeps only its sha256, the agent, a CSRF token, and
when it expires. Every request the console makes with it moves ``last_seen_at`` (at most once per
``PRESENCE_WRITE_SECONDS``): that is how the handoff knows whether anyone is there to answer.

Signing in fails with one message whatever was wrong (unknown name, wrong password, revoked
account), so the answer does not tell which names exist. Revoking an account ends its sessions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine, Row

from bot import db
from bot.errors import InvalidField, NotFound, Unauthenticated, UsageError
from bot.schemas.agents import (
    AGENT_NAME_PATTERN,
    AGENT_NAME_RULE,
    ROLES,
    Actor,
    Agent,
    AgentSession,
    Role,
)
from bot.schemas.base import AGENT_PASSWORD_MAX_CHARS, AGENT_PASSWORD_MIN_CHARS, check_one_of, utc_now

SIGN_IN_FAILED = "The name or password was not accepted."
SESSION_ENDED = "Your session has ended. Please sign in again."
# Presence writes are throttled: a console polling every 5 s must not write every 5 s.
PRESENCE_WRITE_SECONDS = 30
_NAME = re.compile(AGENT_NAME_PATTERN)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_name(name: str) -> str:
    """Sign-in names are compared case-insensitively: 'Sam' and 'sam' are one agent."""
    return name.strip().lower()


def new_password() -> str:
    """A one-time password: 20 URL-safe characters (~120 bits), easy to paste."""
    return secrets.token_urlsafe(15)


class AgentDirectory:
    """Agent accounts, their console sessions and the audit trail, over the one database."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
        session_lifetime: timedelta = timedelta(hours=12),
        idle_timeout: timedelta = timedelta(hours=2),
    ) -> None:
        self.engine = engine
        self._clock = clock
        self.session_lifetime = session_lifetime
        self.idle_timeout = idle_timeout
        # A dummy hash to verify against when the name is unknown, so an unknown name takes as
        # long as a wrong password (no timing oracle for which names exist).
        self._dummy_hash: str | None = None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> AgentDirectory:
        return cls(db.get_engine(url), **options)

    # -------------------------------------------------------------- accounts

    def add(self, name: str, role: Role, *, actor: Actor, password: str | None = None) -> tuple[Agent, str]:
        """A new active agent and its password (``password`` or a generated one-time password).

        ``InvalidField("name")`` for a malformed or taken name (a revoked name stays taken: its
        replies and edits keep pointing at it).
        """
        name = normalise_name(name)
        if not _NAME.match(name):
            raise InvalidField("name", AGENT_NAME_RULE)
        check_one_of("role", role, ROLES)
        password = password if password is not None else new_password()
        _check_password(password)
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            inserted = db.insert_ignoring_duplicate(
                conn,
                db.agents,
                {"name": name, "role": role, "password_hash": hash_password(password), "created_at": now},
            )
            if not inserted:
                raise InvalidField("name", f"an agent named {name!r} already exists")
            agent = _agent(conn.execute(select(db.agents).where(db.agents.c.name == name)).one())
            self._audit(conn, actor, "agent.add", name, {"role": role})
        return agent, password

    def list_agents(self) -> list[Agent]:
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_agent(row) for row in conn.execute(select(db.agents).order_by(db.agents.c.name))]

    def get(self, name: str) -> Agent:
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(
                select(db.agents).where(db.agents.c.name == normalise_name(name))
            ).one_or_none()
        if row is None:
            raise NotFound(f"There is no agent named {normalise_name(name)!r}.")
        return _agent(row)

    def count_active(self, role: Role | None = None) -> int:
        query = select(func.count()).select_from(db.agents).where(db.agents.c.revoked_at.is_(None))
        if role is not None:
            query = query.where(db.agents.c.role == role)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def revoke(self, name: str, *, actor: Actor) -> Agent:
        """Revoke the account and end its sessions at once; its history keeps its name."""
        agent = self.get(name)
        if not agent.active:
            return agent
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                db.agents.update().where(db.agents.c.agent_id == agent.agent_id).values(revoked_at=now)
            )
            conn.execute(delete(db.agent_sessions).where(db.agent_sessions.c.agent_id == agent.agent_id))
            self._audit(conn, actor, "agent.revoke", agent.name, None)
        return agent.copy(update={"revoked_at": now})

    def reset_password(self, name: str, *, actor: Actor) -> tuple[Agent, str]:
        """A new one-time password for an active agent; their open sessions end."""
        agent = self.get(name)
        if not agent.active:
            raise UsageError(f"the agent {agent.name!r} is revoked; add a new account instead")
        password = new_password()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                db.agents.update()
                .where(db.agents.c.agent_id == agent.agent_id)
                .values(password_hash=hash_password(password))
            )
            conn.execute(delete(db.agent_sessions).where(db.agent_sessions.c.agent_id == agent.agent_id))
            self._audit(conn, actor, "agent.password", agent.name, None)
        return agent, password

    # -------------------------------------------------------------- sessions

    def sign_in(self, name: str, password: str) -> tuple[str, AgentSession]:
        """A new session (the cookie's token and the session) or ``Unauthenticated``."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = _hasher()
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(
                select(db.agents).where(db.agents.c.name == normalise_name(name))
            ).one_or_none()
        stored = row._mapping["password_hash"] if row is not None else self._dummy()
        try:
            hasher.verify(stored, password)
            verified = row is not None
        except (VerificationError, InvalidHashError):
            verified = False
        if not verified or row is None or row._mapping["revoked_at"] is not None:
            raise Unauthenticated(SIGN_IN_FAILED)
        agent = _agent(row)
        if hasher.check_needs_rehash(stored):  # argon2's parameters were raised since
            with db.database_errors(self.engine), self.engine.begin() as conn:
                conn.execute(
                    db.agents.update()
                    .where(db.agents.c.agent_id == agent.agent_id)
                    .values(password_hash=hasher.hash(password))
                )
        token = secrets.token_urlsafe(32)
        now = self._clock()
        session = AgentSession(
            agent=agent,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self.session_lifetime,
            last_seen_at=now,
        )
        with db.database_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                db.agent_sessions.insert().values(
                    token_hash=_token_hash(token),
                    agent_id=agent.agent_id,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    expires_at=session.expires_at,
                    last_seen_at=now,
                )
            )
            self._audit(conn, session.actor(), "agent.sign_in", agent.name, None)
        return token, session

    def session(self, token: str | None, *, touch: bool = True) -> AgentSession:
        """The session of a cookie token, ``Unauthenticated`` when it is unknown, expired, idle for
        longer than the idle timeout, or its agent was revoked. ``touch`` records presence."""
        if not token:
            raise Unauthenticated(SESSION_ENDED)
        key = _token_hash(token)
        query = (
            select(db.agent_sessions, db.agents)
            .join(db.agents, db.agents.c.agent_id == db.agent_sessions.c.agent_id)
            .where(db.agent_sessions.c.token_hash == key)
        )
        now = self._clock()
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            raise Unauthenticated(SESSION_ENDED)
        values = row._mapping
        if (
            values["revoked_at"] is not None
            or values["expires_at"] <= now
            or values["last_seen_at"] + self.idle_timeout <= now
        ):
            self.sign_out(token)
            raise Unauthenticated(SESSION_ENDED)
        last_seen = values["last_seen_at"]
        if touch and now - last_seen >= timedelta(seconds=PRESENCE_WRITE_SECONDS):
            with db.database_errors(self.engine), self.engine.begin() as conn:
                conn.execute(
                    db.agent_sessions.update()
                    .where(db.agent_sessions.c.token_hash == key)
                    .values(last_seen_at=now)
                )
            last_seen = now
        return AgentSession(
            agent=_agent(row),
            csrf_token=values["csrf_token"],
            created_at=values["created_at"],
            expires_at=values["expires_at"],
            last_seen_at=last_seen,
        )

    def sign_out(self, token: str) -> None:
        with db.database_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                delete(db.agent_sessions).where(db.agent_sessions.c.token_hash == _token_hash(token))
            )

    def present(self, within: timedelta) -> list[str]:
        """Names of active agents whose console made a request within ``within`` (and whose session
        is still valid): who could answer a handoff now."""
        now = self._clock()
        query = (
            select(db.agents.c.name)
            .distinct()
            .join(db.agent_sessions, db.agents.c.agent_id == db.agent_sessions.c.agent_id)
            .where(
                db.agents.c.revoked_at.is_(None),
                db.agent_sessions.c.expires_at > now,
                db.agent_sessions.c.last_seen_at >= now - within,
            )
            .order_by(db.agents.c.name)
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [str(name) for (name,) in conn.execute(query)]

    def purge_expired_sessions(self) -> int:
        now = self._clock()
        table = db.agent_sessions
        with db.database_errors(self.engine), self.engine.begin() as conn:
            result = conn.execute(
                delete(table).where(
                    (table.c.expires_at <= now) | (table.c.last_seen_at <= now - self.idle_timeout)
                )
            )
        return int(result.rowcount or 0)

    # -------------------------------------------------------------- audit trail

    def record(
        self, actor: Actor, action: str, subject: str | None, detail: dict[str, Any] | None = None
    ) -> None:
        """One line of the audit trail (who, what, on what)."""
        with db.database_errors(self.engine), self.engine.begin() as conn:
            self._audit(conn, actor, action, subject, detail)

    def audit_trail(self, *, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        table = db.audit_events
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(table.c.subject == subject)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def _audit(
        self, conn: Connection, actor: Actor, action: str, subject: str | None, detail: dict[str, Any] | None
    ) -> None:
        audit(conn, actor, action, subject, detail, at=self._clock())

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = hash_password(secrets.token_urlsafe(16))
        return self._dummy_hash


def audit(
    conn: Connection,
    actor: Actor,
    action: str,
    subject: str | None,
    detail: dict[str, Any] | None,
    *,
    at: datetime,
) -> None:
    """Write one audit line inside the caller's transaction (the change and its record commit together)."""
    conn.execute(
        db.audit_events.insert().values(
            at=at, agent_id=actor.agent_id, actor=actor.name, action=action, subject=subject, detail=detail
        )
    )


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < AGENT_PASSWORD_MIN_CHARS:
        raise InvalidField("password", f"must be at least {AGENT_PASSWORD_MIN_CHARS} characters")
    if len(password) > AGENT_PASSWORD_MAX_CHARS:
        raise InvalidField("password", f"must be at most {AGENT_PASSWORD_MAX_CHARS} characters")


def _agent(row: Row) -> Agent:
    return Agent.from_fields(row._mapping)
