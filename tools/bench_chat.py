"""`supportbot bench chat`: a load test of a running gateway.

The benchmark starts nothing: it drives ``/v1/chat`` of a gateway that is already running (``make
run``, with ``SUPPORTBOT_RATE_LIMIT=off`` so one client may send many messages) with concurrent
conversations, then checks that every turn reached Rasa's tracker store and the conversation log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.errors import SupportbotError, UsageError

# What buyers ask most, none of it asking for a person: a handed-off conversation stops reaching
# Rasa, which is correct behaviour but would leave nothing to check in the tracker.
BENCH_MESSAGES = (
    "Hi there",
    "How long does delivery take?",
    "How do I return an item?",
    "Which payment methods can I use?",
    "How do I use a coupon?",
    "Can I change my shipping address?",
    "My parcel has not arrived yet",
    "Thanks, that helps",
)
P95_TARGET_MS = 500.0


@dataclass
class TurnResult:
    session_id: str
    latency: float
    status: int  # 0 when no HTTP answer came back
    answered_by: str | None = None
    error: str | None = None


@dataclass
class BenchReport:
    url: str
    users: int
    turns: int
    wall_seconds: float
    think: float = 0.0
    results: list[TurnResult] = field(default_factory=list)
    in_tracker: int = 0
    expected_in_tracker: int = 0
    in_log: int = 0
    expected_in_log: int = 0
    check_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> list[TurnResult]:
        return [r for r in self.results if r.status == 200]

    @property
    def errors(self) -> list[TurnResult]:
        return [r for r in self.results if r.status != 200]

    @property
    def lost(self) -> int:
        return (self.expected_in_tracker - self.in_tracker) + (self.expected_in_log - self.in_log)

    def latency_ms(self, quantile: float) -> float:
        values = sorted(r.latency * 1000 for r in self.ok)
        if not values:
            return math.nan
        # Nearest rank: the value below which `quantile` of the turns fall.
        rank = max(1, math.ceil(quantile * len(values)))
        return values[rank - 1]

    def to_dict(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for result in self.errors:
            key = str(result.status) if result.status else (result.error or "no answer")
            statuses[key] = statuses.get(key, 0) + 1
        ok = self.ok
        return {
            "url": self.url,
            "users": self.users,
            "turns_per_user": self.turns,
            "think_seconds": self.think,
            "turns": len(self.results),
            "ok": len(ok),
            "errors": len(self.errors),
            "error_kinds": statuses,
            "p50_ms": round(self.latency_ms(0.50), 1),
            "p95_ms": round(self.latency_ms(0.95), 1),
            "max_ms": round(self.latency_ms(1.0), 1),
            "mean_ms": round(sum(r.latency for r in ok) * 1000 / len(ok), 1) if ok else math.nan,
            "throughput_per_s": round(len(ok) / self.wall_seconds, 2) if self.wall_seconds else 0.0,
            "wall_seconds": round(self.wall_seconds, 2),
            "held_for_agent": sum(1 for r in ok if r.answered_by == "agent"),
            "in_tracker": self.in_tracker,
            "expected_in_tracker": self.expected_in_tracker,
            "in_log": self.in_log,
            "expected_in_log": self.expected_in_log,
            "lost_turns": self.lost,
            "check_errors": self.check_errors,
        }


async def _user(
    client: Any,
    url: str,
    session_id: str,
    turns: int,
    offset: int,
    think: float = 0.0,
    start_after: float = 0.0,
) -> list[TurnResult]:
    import httpx

    results = []
    if start_after:
        await asyncio.sleep(start_after)
    for turn in range(turns):
        if think and turn:
            await asyncio.sleep(think)
        message = BENCH_MESSAGES[(offset + turn) % len(BENCH_MESSAGES)]
        started = time.perf_counter()
        try:
            response = await client.post(
                f"{url}/v1/chat", json={"session_id": session_id, "message": message}
            )
        except httpx.HTTPError as exc:
            results.append(
                TurnResult(session_id, time.perf_counter() - started, 0, error=exc.__class__.__name__)
            )
            continue
        latency = time.perf_counter() - started
        answered_by = None
        if response.status_code == 200:
            try:
                answered_by = response.json().get("answered_by")
            except ValueError:
                results.append(TurnResult(session_id, latency, 0, error="not JSON"))
                continue
        results.append(TurnResult(session_id, latency, response.status_code, answered_by))
    return results


async def _check_turns(report: BenchReport, settings: Settings, rasa_url: str, timeout: float) -> None:
    """Counts each conversation's buyer turns in Rasa's tracker store and in the conversation log."""
    from bot.conversations import ConversationLog
    from bot.db import get_engine
    from bot.rasa_client import RasaClient

    sessions = sorted({r.session_id for r in report.results})
    rasa = RasaClient(rasa_url, timeout=timeout, token=settings.rasa_token)
    log = ConversationLog(get_engine(settings.database_url))
    try:
        for session_id in sessions:
            mine = [r for r in report.ok if r.session_id == session_id]
            forwarded = sum(1 for r in mine if r.answered_by != "agent")
            report.expected_in_tracker += forwarded
            report.expected_in_log += len(mine)
            try:
                report.in_tracker += min(forwarded, await rasa.count_user_messages(session_id))
            except SupportbotError as exc:
                report.check_errors.append(f"tracker of {session_id}: {exc}")
            try:
                messages = await asyncio.to_thread(log.messages, session_id)
            except SupportbotError as exc:
                report.check_errors.append(f"conversation log of {session_id}: {exc}")
                continue
            report.in_log += min(len(mine), sum(1 for m in messages if m.role == "customer"))
    finally:
        await rasa.aclose()


async def run_chat_bench(
    url: str,
    users: int,
    turns: int,
    *,
    settings: Settings,
    rasa_url: str,
    timeout: float,
    think: float = 0.0,
) -> BenchReport:
    """``think`` seconds pass between one user's reply and their next message (0: back to back)."""
    import httpx

    url = url.rstrip("/")
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=limits) as client:
        try:
            health = await client.get(f"{url}/healthz")
        except httpx.HTTPError as exc:
            raise SupportbotError(
                f"no gateway answers at {url} ({exc.__class__.__name__}); start it with `make run`"
            ) from None
        if health.status_code != 200:
            raise SupportbotError(f"the gateway at {url} is not healthy: {health.text.strip()}")
        run_id = secrets.token_hex(4)
        started = time.perf_counter()
        per_user = await asyncio.gather(
            # With think time, users arrive spread over one think period instead of all at once.
            *(
                _user(client, url, f"bench-{run_id}-{n:03d}", turns, n, think, think * n / users)
                for n in range(users)
            )
        )
        wall = time.perf_counter() - started
    report = BenchReport(url=url, users=users, turns=turns, wall_seconds=wall, think=think)
    report.results = [result for results in per_user for result in results]
    await _check_turns(report, settings, rasa_url, timeout)
    return report


def _print_report(data: dict[str, Any]) -> None:
    think = f", {data['think_seconds']:g} s between a user's turns" if data["think_seconds"] else ""
    print(
        f"supportbot bench chat: {data['users']} users x {data['turns_per_user']} turns{think} against {data['url']}"
    )
    print(f"turns        {data['ok']} ok, {data['errors']} errors {data['error_kinds'] or ''}".rstrip())
    print(
        f"latency      p50 {data['p50_ms']:.0f} ms   p95 {data['p95_ms']:.0f} ms   "
        f"max {data['max_ms']:.0f} ms   mean {data['mean_ms']:.0f} ms"
    )
    print(f"throughput   {data['throughput_per_s']:.1f} turns/s ({data['wall_seconds']:.1f} s wall)")
    print(f"tracker      {data['in_tracker']}/{data['expected_in_tracker']} turns in Rasa's tracker store")
    print(f"log          {data['in_log']}/{data['expected_in_log']} turns in the conversation log")
    if data["held_for_agent"]:
        print(f"handoffs     {data['held_for_agent']} turns went to an agent instead of the bot")
    for problem in data["check_errors"][:5]:
        print(f"check error  {problem}")
    target = "met" if data["p95_ms"] <= P95_TARGET_MS else "missed"
    print(f"p95 target   {P95_TARGET_MS:.0f} ms: {target}")


def _bench_chat(args: argparse.Namespace) -> int:
    if args.users < 1 or args.turns < 1:
        raise UsageError("--users and --turns must be at least 1")
    if args.think < 0:
        raise UsageError("--think must not be negative")
    from bot.config import get_settings  # looked up per run, like every other command

    settings = get_settings()
    url = args.url or f"http://{settings.host}:{settings.port}"
    timeout = args.timeout or settings.http_timeout
    report = asyncio.run(
        run_chat_bench(
            url,
            args.users,
            args.turns,
            settings=settings,
            rasa_url=args.rasa_url or settings.rasa_url,
            timeout=timeout,
            think=args.think,
        )
    )
    data = report.to_dict()
    if args.json:
        print(json.dumps(data))
    else:
        _print_report(data)
    if any(r.status == 429 for r in report.errors):
        print(
            "supportbot: the gateway rate-limited the benchmark; run it with SUPPORTBOT_RATE_LIMIT=off",
            file=sys.stderr,
        )
    if report.lost or report.check_errors:
        print(
            f"supportbot: {report.lost} turns missing from the tracker store or the conversation log",
            file=sys.stderr,
        )
        return 1
    if report.errors:
        print(f"supportbot: {len(report.errors)} turns failed", file=sys.stderr)
        return 1
    return 0


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    bench = groups["bench"].add_parser(
        "chat",
        help="Load-test a running gateway's /v1/chat and check no turn was lost.",
        description=(
            "Drives POST /v1/chat of a running gateway with concurrent conversations, prints p50/p95 "
            "latency, throughput and errors, then checks every turn is in Rasa's tracker store and the "
            "conversation log (exit 1 if any is missing). Run the gateway with SUPPORTBOT_RATE_LIMIT=off."
        ),
    )
    bench.add_argument("--users", type=int, default=20, help="concurrent conversations (default 20)")
    bench.add_argument("--turns", type=int, default=8, help="messages per conversation (default 8)")
    bench.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each user waits before their next message, like a person reading and typing (default 0)",
    )
    bench.add_argument(
        "--url", help="the gateway's base URL (default http://SUPPORTBOT_HOST:SUPPORTBOT_PORT)"
    )
    bench.add_argument(
        "--rasa-url", help="the Rasa server, for the tracker check (default SUPPORTBOT_RASA_URL)"
    )
    bench.add_argument("--timeout", type=float, help="seconds per request (default SUPPORTBOT_HTTP_TIMEOUT)")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    bench.set_defaults(func=_bench_chat)
