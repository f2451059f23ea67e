"""`supportbot bench chat`: a load test of a running gateway.

The benchmark starts nothing: it drives ``/v1/chat`` of a gateway that is already running (``make
run``, with ``SUPPORTBOT_RATE_LIMIT=off`` so one client may send many messages) with concurrent
conversations, then checks that every turn reached Rasa's tracker store and the conversation log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
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


STAGES = ("gateway", "rasa", "nlu", "dialogue")


@dataclass
class TurnResult:
    session_id: str
    latency: float
    status: int  # 0 when no HTTP answer came back
    answered_by: str | None = None
    error: str | None = None
    stages: dict[str, float] = field(default_factory=dict)  # seconds, from Server-Timing
    messages: int = 0
    attempts: int = 1


def process_tree_cpu(root: int) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) used so far by each of ``root``'s descendants, with its program
    name (Linux /proc). What a turn costs in CPU does not depend on how busy the machine is,
    unlike its latency, so turns per CPU-second is the figure capacity is planned from."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    stats: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        words = [part.decode(errors="replace") for part in cmdline if part]
        name = next(
            (w for w in words if w in ("actions.server", "uvicorn") or w.endswith(("/uvicorn", "/rasa"))),
            "other",
        )
        label = {"actions.server": "actions"}.get(name, Path(name).name)
        stats[pid] = (label, (int(fields[11]) + int(fields[12])) / tick)
    used: dict[int, tuple[str, float]] = {}
    for pid, (label, seconds) in stats.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            used[pid] = (label, seconds)
    return used


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per program between two readings. A process that died meanwhile is missing
    (what it used since the first reading is lost); one started meanwhile counts from its start."""
    used: dict[str, float] = {}
    for pid, (label, seconds) in after.items():
        used[label] = used.get(label, 0.0) + seconds - (before[pid][1] if pid in before else 0.0)
    return used


def parse_server_timing(header: str | None) -> dict[str, float]:
    """``gateway;dur=12.5, rasa;dur=80`` -> {"gateway": 0.0125, "rasa": 0.08} (seconds)."""
    stages: dict[str, float] = {}
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur" and name:
                with contextlib.suppress(ValueError):
                    stages[name] = float(value) / 1000
    return stages


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
    duplicated: int = 0
    check_errors: list[str] = field(default_factory=list)
    # Seconds per action run and runs per action during the benchmark, from the action server's
    # /metrics (empty when it could not be read).
    action_seconds: float = 0.0
    action_runs: int = 0
    # CPU seconds the stack's processes used during the run, by program (--supervisor-pid).
    cpu_seconds: dict[str, float] = field(default_factory=dict)

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
        return _quantile([r.latency * 1000 for r in self.ok], quantile)

    def stages(self) -> dict[str, dict[str, float]]:
        """Per stage: p50 and mean in ms over the answered turns that reported it; ``action`` is the
        action server's mean per turn and ``policies`` what is left of Rasa's dialogue time
        (policies, tracker store, lock, the action calls' overhead)."""
        found: dict[str, dict[str, float]] = {}
        for stage in STAGES:
            values = [r.stages[stage] * 1000 for r in self.ok if stage in r.stages]
            if values:
                found[stage] = {
                    "p50_ms": round(_quantile(values, 0.5), 1),
                    "mean_ms": round(sum(values) / len(values), 1),
                }
        forwarded = [r for r in self.ok if r.answered_by != "agent"]
        if self.action_runs and forwarded:
            action = self.action_seconds * 1000 / len(forwarded)
            found["action"] = {
                "mean_ms": round(action, 1),
                "runs_per_turn": round(self.action_runs / len(forwarded), 2),
            }
            if "dialogue" in found:
                found["policies"] = {"mean_ms": round(found["dialogue"]["mean_ms"] - action, 1)}
        return found

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
            "duplicated_turns": self.duplicated,
            "silent_turns": sum(1 for r in ok if r.answered_by == "bot" and not r.messages),
            "retried_turns": sum(1 for r in self.results if r.attempts > 1),
            "stages": self.stages(),
            "cpu_seconds": {name: round(value, 2) for name, value in sorted(self.cpu_seconds.items())},
            "cpu_ms_per_turn": round(sum(self.cpu_seconds.values()) * 1000 / len(ok), 1)
            if ok and sum(self.cpu_seconds.values()) > 0
            else None,
            "check_errors": self.check_errors,
        }


def _quantile(values: list[float], quantile: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    # Nearest rank: the value below which `quantile` of the turns fall.
    return ordered[max(1, math.ceil(quantile * len(ordered))) - 1]


async def _user(
    client: Any,
    url: str,
    session_id: str,
    turns: int,
    offset: int,
    think: float = 0.0,
    start_after: float = 0.0,
    retries: int = 0,
) -> list[TurnResult]:
    results = []
    if start_after:
        await asyncio.sleep(start_after)
    for turn in range(turns):
        if think and turn:
            await asyncio.sleep(think)
        message = BENCH_MESSAGES[(offset + turn) % len(BENCH_MESSAGES)]
        started = time.perf_counter()
        for attempt in range(1, retries + 2):
            result = await _send(client, url, session_id, message, started)
            result.attempts = attempt
            # Like a widget would: a 503 or a dropped connection is sent again after a pause.
            if result.status not in (0, 503) or attempt > retries:
                break
            await asyncio.sleep(1.0)
        results.append(result)
    return results


async def _send(client: Any, url: str, session_id: str, message: str, started: float) -> TurnResult:
    import httpx

    try:
        response = await client.post(f"{url}/v1/chat", json={"session_id": session_id, "message": message})
    except httpx.HTTPError as exc:
        return TurnResult(session_id, time.perf_counter() - started, 0, error=exc.__class__.__name__)
    latency = time.perf_counter() - started
    if response.status_code != 200:
        return TurnResult(session_id, latency, response.status_code)
    try:
        body = response.json()
    except ValueError:
        return TurnResult(session_id, latency, 0, error="not JSON")
    return TurnResult(
        session_id,
        latency,
        200,
        body.get("answered_by"),
        stages=parse_server_timing(response.headers.get("server-timing")),
        messages=len(body.get("messages") or []),
    )


async def _action_totals(client: Any, action_server_url: str) -> tuple[float, int] | None:
    """(seconds, runs) summed over every action, from the action server's /metrics."""
    import httpx

    try:
        response = await client.get(f"{action_server_url.rstrip('/')}/metrics")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    seconds, runs = 0.0, 0
    for line in response.text.splitlines():
        if line.startswith("supportbot_action_duration_seconds_sum"):
            seconds += float(line.rsplit(" ", 1)[1])
        elif line.startswith("supportbot_action_duration_seconds_count"):
            runs += int(float(line.rsplit(" ", 1)[1]))
    return seconds, runs


async def _check_turns(report: BenchReport, settings: Settings, rasa_url: str, timeout: float) -> None:
    """Counts each conversation's buyer turns in Rasa's tracker store and in the conversation log."""
    from bot.conversations import ConversationLog
    from bot.db import get_engine
    from bot.rasa_client import RasaClient

    sessions = sorted({r.session_id for r in report.results})
    rasa = RasaClient(rasa_url, timeout=timeout, token=settings.rasa_token)
    replicas = list(rasa.replicas)

    async def stored_turns(session_id: str) -> int:
        # Any replica reads the shared tracker store; one that is down (killed during the run)
        # is skipped.
        problem: SupportbotError | None = None
        for url in replicas:
            try:
                tracker = await rasa.tracker(session_id, include_events="ALL", base_url=url)
            except SupportbotError as exc:
                problem = exc
                continue
            return sum(1 for event in tracker.get("events") or [] if event.get("event") == "user")
        assert problem is not None
        raise problem

    log = ConversationLog(get_engine(settings.database_url))
    try:
        for session_id in sessions:
            mine = [r for r in report.ok if r.session_id == session_id]
            forwarded = sum(1 for r in mine if r.answered_by != "agent")
            report.expected_in_tracker += forwarded
            report.expected_in_log += len(mine)
            try:
                stored = await stored_turns(session_id)
                report.in_tracker += min(forwarded, stored)
                # A turn resent after a failure that had in fact been handled counts twice; every
                # attempt (a timed-out one too) may have reached Rasa.
                sent = sum(
                    r.attempts
                    for r in report.results
                    if r.session_id == session_id and r.answered_by != "agent"
                )
                report.duplicated += max(0, stored - sent)
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
    retries: int = 0,
    action_server_url: str | None = None,
    supervisor_pid: int | None = None,
) -> BenchReport:
    """``think`` seconds pass between one user's reply and their next message (0: back to back);
    a failed turn is sent again up to ``retries`` times."""
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
        before = await _action_totals(client, action_server_url) if action_server_url else None
        cpu_before = process_tree_cpu(supervisor_pid) if supervisor_pid else {}
        started = time.perf_counter()
        per_user = await asyncio.gather(
            # With think time, users arrive spread over one think period instead of all at once.
            *(
                _user(client, url, f"bench-{run_id}-{n:03d}", turns, n, think, think * n / users, retries)
                for n in range(users)
            )
        )
        wall = time.perf_counter() - started
        cpu_after = process_tree_cpu(supervisor_pid) if supervisor_pid else {}
        after = await _action_totals(client, action_server_url) if action_server_url else None
    report = BenchReport(url=url, users=users, turns=turns, wall_seconds=wall, think=think)
    report.cpu_seconds = cpu_used(cpu_before, cpu_after)
    if before is not None and after is not None and after[1] >= before[1]:
        report.action_seconds, report.action_runs = after[0] - before[0], after[1] - before[1]
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
    for stage, figures in data["stages"].items():
        shown = "   ".join(
            f"{key.replace('_ms', '')} {value:g}{' ms' if key.endswith('_ms') else ''}"
            for key, value in figures.items()
        )
        print(f"stage        {stage:<9} {shown}")
    if data["cpu_ms_per_turn"] is not None:
        shares = ", ".join(f"{name} {value:g} s" for name, value in data["cpu_seconds"].items())
        print(
            f"cpu          {data['cpu_ms_per_turn']:g} ms of CPU per turn, "
            f"{1000 / data['cpu_ms_per_turn']:.1f} turns per CPU-second ({shares})"
        )
    if data["duplicated_turns"] or data["silent_turns"] or data["retried_turns"]:
        print(
            f"recovery     {data['retried_turns']} turns resent, {data['duplicated_turns']} handled twice, "
            f"{data['silent_turns']} answered with no message"
        )
    if data["held_for_agent"]:
        print(f"handoffs     {data['held_for_agent']} turns went to an agent instead of the bot")
    for problem in data["check_errors"][:5]:
        print(f"check error  {problem}")
    target = "met" if data["p95_ms"] <= P95_TARGET_MS else "missed"
    print(f"p95 target   {P95_TARGET_MS:.0f} ms: {target}")


def _pid(value: str | None) -> int | None:
    """A pid, or the pid in a pid file (var/run/supervisord.pid)."""
    if not value:
        return None
    text = Path(value).read_text().strip() if not value.isdigit() else value
    if not text.isdigit():
        raise UsageError(f"--supervisor-pid: {value!r} is neither a pid nor a pid file")
    return int(text)


def _bench_chat(args: argparse.Namespace) -> int:
    if args.users < 1 or args.turns < 1:
        raise UsageError("--users and --turns must be at least 1")
    if args.retries < 0:
        raise UsageError("--retries must not be negative")
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
            retries=args.retries,
            action_server_url=args.action_server_url or settings.action_server_url,
            supervisor_pid=_pid(args.supervisor_pid),
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
    if report.lost or report.check_errors or report.duplicated:
        print(
            f"supportbot: {report.lost} turns missing from the tracker store or the conversation log, "
            f"{report.duplicated} handled twice",
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
    bench.add_argument(
        "--retries",
        type=int,
        default=0,
        help="send a turn that failed (503 or a dropped connection) again, up to N times, as a widget would (default 0)",
    )
    bench.add_argument(
        "--supervisor-pid",
        help="supervisord's pid or pid file (var/run/supervisord.pid): report the CPU its processes used per turn",
    )
    bench.add_argument(
        "--action-server-url",
        help="the action server, for the per-action time from its /metrics (default SUPPORTBOT_ACTION_SERVER_URL)",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    bench.set_defaults(func=_bench_chat)
