"""Support agents, who is acting, and the console's sign-in bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, validator

from bot.schemas.base import (
    AGENT_NAME_MAX_CHARS,
    AGENT_PASSWORD_MAX_CHARS,
    Model,
    UtcDateTime,
)

Role = Literal["admin", "agent"]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]
# Letters, digits and . _ - (a sign-in name, shown on replies and in reports): no spaces to mistype.
AGENT_NAME_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{AGENT_NAME_MAX_CHARS - 1}}}$"
AGENT_NAME_RULE = (
    f"must be 1 to {AGENT_NAME_MAX_CHARS} letters, digits or . _ - (starting with a letter or digit)"
)
# How the admin token appears wherever an agent's name would (audit trail, reports).
ADMIN_TOKEN_ACTOR = "admin token"
CLI_ACTOR = "command line"


class Agent(Model):
    """A support agent's account (never the password hash)."""

    agent_id: int
    name: str
    role: Role
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Actor(Model):
    """Who is acting on a request: a signed-in agent, or a machine holding the admin token.

    ``agent_id`` is None for the admin token; ``name`` is what the audit trail records.
    """

    agent_id: int | None = None
    name: str
    role: Role
    via: Literal["session", "token", "cli"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class AgentSession(Model):
    """A signed-in console session as the server keeps it (the cookie's token is not in it)."""

    agent: Agent
    csrf_token: str
    created_at: UtcDateTime
    expires_at: UtcDateTime
    last_seen_at: UtcDateTime

    def actor(self) -> Actor:
        return Actor(agent_id=self.agent.agent_id, name=self.agent.name, role=self.agent.role, via="session")


class SignInRequest(Model):
    name: str = Field(..., min_length=1, max_length=AGENT_NAME_MAX_CHARS, example="sam")
    password: str = Field(..., min_length=1, max_length=AGENT_PASSWORD_MAX_CHARS)


class SignedIn(Model):
    """The console's session: who is signed in and the CSRF token to send as ``X-CSRF-Token``."""

    agent: str
    role: Role
    csrf_token: str
    expires_at: UtcDateTime


class NewAgentRequest(Model):
    name: str = Field(..., regex=AGENT_NAME_PATTERN, description=AGENT_NAME_RULE, example="sam")
    role: Role = "agent"

    @validator("name")
    def _lower(cls, value: str) -> str:
        return value.lower()


class NewAgent(Model):
    """A created agent with the one-time password (shown once, stored only as a hash)."""

    agent: Agent
    password: str


class AgentList(Model):
    agents: list[Agent]
