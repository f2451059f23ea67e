"""`supportbot agents add | list | revoke | reset-password`: the support team's console accounts.

Passwords are never typed on the command line (they would land in the shell history): `add` and
`reset-password` print a generated one-time password, once. Every change is in the audit trail
under "command line".
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.agents import AgentDirectory
    from bot.schemas.agents import Actor


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    agents = groups["agents"]

    add = agents.add_parser(
        "add",
        help="Create an agent account and print its one-time password.",
        description="Create a console account. The password is generated and printed once; store it safely.",
    )
    add.add_argument("name", help="sign-in name: letters, digits, '.', '_' or '-'")
    add.add_argument(
        "--role",
        choices=("admin", "agent"),
        default="agent",
        help="admin may also manage agents and articles",
    )
    add.set_defaults(func=_add)

    listing = agents.add_parser("list", help="Print the accounts as JSON lines.")
    listing.set_defaults(func=_list)

    revoke = agents.add_parser(
        "revoke", help="Revoke an account at once (its sessions end; its history keeps its name)."
    )
    revoke.add_argument("name")
    revoke.set_defaults(func=_revoke)

    reset = agents.add_parser("reset-password", help="Print a new one-time password; open sessions end.")
    reset.add_argument("name")
    reset.set_defaults(func=_reset)


def _directory() -> AgentDirectory:
    from bot.agents import AgentDirectory
    from bot.config import get_settings

    return AgentDirectory.from_url(get_settings().database_url)


def _cli_actor() -> Actor:
    from bot.schemas.agents import CLI_ACTOR, Actor

    return Actor(name=CLI_ACTOR, role="admin", via="cli")


def _add(args: argparse.Namespace) -> int:
    agent, password = _directory().add(args.name, args.role, actor=_cli_actor())
    print(f"created {agent.role} {agent.name!r}")
    print(f"one-time password: {password}")
    print("Sign in at /agent with this name and password. It is shown only now.")
    return 0


def _list(_args: argparse.Namespace) -> int:
    for agent in _directory().list_agents():
        print(json.dumps(agent.to_dict()))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    agent = _directory().revoke(args.name, actor=_cli_actor())
    print(f"revoked {agent.name!r}: their console sessions have ended")
    return 0


def _reset(args: argparse.Namespace) -> int:
    agent, password = _directory().reset_password(args.name, actor=_cli_actor())
    print(f"new one-time password for {agent.name!r}: {password}")
    return 0
