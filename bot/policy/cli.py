"""`supportbot eligibility`: decisions for order JSON lines read from stdin."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, TextIO


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    parser = commands.add_parser(
        "eligibility",
        help="Decide cancel / dispute / refund / return for order JSON lines on stdin.",
        description=(
            "Reads one order JSON object per line on stdin and prints one decision per line. "
            'A malformed line prints {"line": n, "error": "..."} and the others are still '
            "evaluated; the exit code is 1 if any line failed."
        ),
    )
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="Evaluate as of this ISO 8601 instant (naive means UTC); default: the current time.",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from bot.schemas.base import parse_datetime, utc_now

    now = utc_now() if args.now is None else parse_datetime(args.now, "--now")
    return evaluate_lines(sys.stdin, sys.stdout, now)


def evaluate_lines(lines: TextIO, out: TextIO, now: datetime) -> int:
    """Write one JSON decision (or error object) per non-blank input line; 1 if any line failed."""
    failed = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = _evaluate_line(line, number, now)
        failed = failed or "error" in result
        out.write(json.dumps(result) + "\n")
    out.flush()
    return 1 if failed else 0


def _evaluate_line(line: str, number: int, now: datetime) -> dict[str, Any]:
    from bot.assistant.replies import eligibility
    from bot.errors import InvalidField
    from bot.policy.engine import evaluate
    from bot.schemas.orders import Order

    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"line": number, "error": f"order: not valid JSON ({exc.msg} at column {exc.colno})"}
    try:
        order = Order.from_json(data)
        return eligibility(order, evaluate(order, now)).to_dict()
    except InvalidField as exc:
        return {"line": number, "error": str(exc)}
