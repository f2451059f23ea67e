"""The one command-line entry point: `supportbot <command> ...`.

Each area of the product registers its own subcommands (see ``AREAS``); a module is imported
only to register its parser, and heavy imports (torch, faiss, SQLAlchemy) happen inside the
command handlers so `supportbot --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from bot.errors import SupportbotError, UsageError

# Modules exposing ``register(commands, groups)``: the product's own commands, then the operator
# and ML tooling of ``tools/`` (named here, never imported by the core).
AREAS = (
    "bot.corpus.cli",
    "bot.search.cli",
    "bot.orders.cli",
    "bot.policy.cli",
    "bot.agents.cli",
    "tools.train",
    "tools.nlu_eval",
    "tools.search_eval",
    "tools.bench_chat",
    "tools.serve",
    "tools.chat_eval.cli",
    "tools.review",
)

# Command groups several areas add to (`supportbot eval retrieval`, `supportbot eval nlu`, ...).
GROUPS = {
    "faq": "Search the help-center articles.",
    "orders": "Manage the order store.",
    "eval": "Measure quality (retrieval, NLU, answers, dialogs).",
    "bench": "Measure speed (search, chat).",
    "agents": "Manage the support team's console accounts.",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exit code is already 2
        self.print_usage(sys.stderr)
        self.exit(2, f"supportbot: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="supportbot", description="supportbot: marketplace customer-support assistant")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, help_text in GROUPS.items():
        group = commands.add_parser(name, help=help_text, description=help_text)
        group.set_defaults(func=_group_help(group))
        groups[name] = group.add_subparsers(dest=f"{name}_command", metavar="COMMAND", parser_class=_Parser)
    for module_name in AREAS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # An area still being built must not take the other commands down with it;
            # tests/bot/test_cli.py asserts that every area imports.
            if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
                raise
            continue
        module.register(commands, groups)
    return parser


def _group_help(group: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def show(_args: argparse.Namespace) -> int:
        group.print_help(sys.stderr)
        return 2

    return show


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except UsageError as exc:
        print(f"supportbot: error: {exc}", file=sys.stderr)
        return 2
    except SupportbotError as exc:
        print(f"supportbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `supportbot faq search ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
