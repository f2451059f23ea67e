"""`supportbot eval answers` and `supportbot eval dialogs` (see docs/benchmarks.md).

Exit codes: 0 when the run completed, whatever the figures (it is a measurement); 2 for bad
input (a missing or malformed file, a bad option), before anything is started; 1 when the
assistant could not be started or stopped answering.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import SupportbotError, UsageError

if TYPE_CHECKING:
    from bot.config import Settings
    from tools.chat_eval.data import Dialog, Question
    from tools.chat_eval.runner import Runner

SPLITS = ("dev", "heldout", "all")
HELDOUT = "heldout"
EVAL_DIR = Path("eval")
KINDS = {
    "answers": (
        "Ask the whole assistant single buyer questions and grade the facts in its replies.",
        "Sends every question of eval/answers_<split>.yaml as a new conversation through Rasa, "
        "the actions and the help-center search, and reports the share answered correctly (all "
        "expect patterns, no forbid pattern), the fallback rate and the latency per turn, by topic "
        "and style. Held-out results are figures only unless --show-failures.",
    ),
    "dialogs": (
        "Play multi-turn conversations through the whole assistant and grade every turn.",
        "Plays every dialog of eval/dialogs_<split>.yaml turn by turn in one conversation "
        "(choose: clicks the first button whose title matches), and reports the share of dialogs "
        "with every turn correct, the share of correct turns, the fallback rate and the latency "
        "per turn, by pattern. Held-out results are figures only unless --show-failures.",
    ),
}


@dataclass(frozen=True)
class EvalFile:
    split: str  # dev | heldout | file
    path: Path
    items: list[Any]  # Question or Dialog

    @property
    def reveal(self) -> bool:
        return self.split != HELDOUT


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    for kind, (help_text, description) in KINDS.items():
        parser = groups["eval"].add_parser(kind, help=help_text, description=description)
        parser.add_argument(
            "--split",
            choices=SPLITS,
            help=f"which eval/{kind}_<split>.yaml to run; all runs dev then heldout (default dev)",
        )
        parser.add_argument(
            "--file",
            type=Path,
            action="append",
            metavar="PATH",
            help="run this file instead of a split (repeatable); a name containing 'heldout' counts as held-out",
        )
        parser.add_argument(
            "--url",
            help="drive a running gateway's POST /v1/chat (run it with SUPPORTBOT_RATE_LIMIT=off) instead of "
            "starting an action server and Rasa for the run",
        )
        parser.add_argument(
            "--rasa-url",
            help="with --url: the gateway's Rasa server, read for the fallback signals (default SUPPORTBOT_RASA_URL)",
        )
        parser.add_argument(
            "--model", type=Path, help="the Rasa model to start (default models/rasa/supportbot.tar.gz)"
        )
        parser.add_argument(
            "--timeout", type=float, help="seconds per turn (default SUPPORTBOT_HTTP_TIMEOUT)"
        )
        parser.add_argument(
            "--start-timeout",
            type=float,
            default=300.0,
            help="seconds to wait for the action server and Rasa to be ready (default 300)",
        )
        parser.add_argument(
            "--show-failures",
            action="store_true",
            help="also print (and write to --json) held-out failures with their texts; never while tuning",
        )
        parser.add_argument(
            "--json", type=Path, metavar="PATH", help="write the summary and per-item results here"
        )
        parser.set_defaults(func=partial(_run, kind))


def _run(kind: str, args: argparse.Namespace) -> int:
    from bot.config import get_settings

    settings = get_settings()
    files = _load(kind, args, settings)
    timeout = args.timeout if args.timeout is not None else settings.http_timeout
    if timeout <= 0 or args.start_timeout <= 0:
        raise UsageError("--timeout and --start-timeout must be positive")
    if args.json is not None and not args.json.parent.is_dir():
        raise UsageError(f"--json: the directory {args.json.parent} does not exist")
    if args.rasa_url and not args.url:
        raise UsageError("--rasa-url goes with --url (without it the run starts its own Rasa)")
    if args.url and args.model:
        raise UsageError("--model starts a Rasa server; with --url the gateway's own model answers")
    customers = sorted({item.customer for file in files for item in file.items if item.customer})
    if args.url and customers and not settings.widget_secret:
        raise UsageError(
            f"{', '.join(customers)}: signed-in buyers need the gateway's SUPPORTBOT_WIDGET_SECRET in the environment"
        )
    if not args.url:
        from bot.orders.seed import demo_customers

        unknown = _unknown_customers(kind, files, {customer.customer_id for customer in demo_customers()})
        if unknown:
            raise UsageError(unknown)
    _warn_about_overlap(kind, files)

    started = time.perf_counter()
    with _sigterm_as_interrupt():
        if args.url:
            mode = {"mode": "gateway", "url": args.url, "rasa_url": args.rasa_url or settings.rasa_url}
            print(f"evaluating through the gateway at {args.url}", file=sys.stderr)
            outcomes = asyncio.run(_via_gateway(kind, files, args, settings, timeout))
        else:
            model = _model(args, settings)
            mode = {"mode": "rasa", "model": str(model)}
            outcomes = _via_local_stack(kind, files, args, settings, model, timeout)
    wall = round(time.perf_counter() - started, 1)

    document: dict[str, Any] = {
        "command": f"eval {kind}",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        **mode,
        "wall_seconds": wall,
        "runs": [],
    }
    for file, results in zip(files, outcomes, strict=True):
        show = args.show_failures or file.reveal
        summary, details = _figures(kind, file, results, show)
        _print(kind, summary, results, show)
        document["runs"].append({"summary": summary, "results": details})
    print(f"\n{wall:.0f} s in all, start-up included", file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"results -> {args.json}", file=sys.stderr)
    return 0


def _load(kind: str, args: argparse.Namespace, settings: Settings) -> list[EvalFile]:
    from tools.chat_eval.data import load_dialogs, load_questions

    if args.file and args.split:
        raise UsageError("give --split or --file, not both")
    if args.file:
        chosen = [(HELDOUT if HELDOUT in path.name.lower() else "file", path) for path in args.file]
    else:
        splits = ("dev", HELDOUT) if args.split == "all" else (args.split or "dev",)
        chosen = [(split, settings.resolve(EVAL_DIR / f"{kind}_{split}.yaml")) for split in splits]
    load = load_questions if kind == "answers" else load_dialogs
    files = []
    for split, path in chosen:
        if not path.exists() and not args.file:
            raise UsageError(
                f"{path} does not exist (the {split} {kind} of docs/benchmarks.md); use --file for another file"
            )
        # Errors about a held-out file name items by number only.
        files.append(EvalFile(split, path, list(load(path, reveal=split != HELDOUT or args.show_failures))))
    return files


def _model(args: argparse.Namespace, settings: Settings) -> Path:
    from tools.train import model_file, model_is_current

    if args.model is not None:
        if not args.model.is_file():
            raise UsageError(f"--model: {args.model} is not a file")
        return args.model.resolve()  # Rasa runs in the project directory
    model = model_file(settings)
    if not model.is_file():
        raise SupportbotError(f"no Rasa model at {model}; run `make train`")
    if not model_is_current(settings):
        print(
            f"warning: {model} was trained from other data than the current config/domain/data; `make train` updates it",
            file=sys.stderr,
        )
    return model


def _via_local_stack(
    kind: str,
    files: list[EvalFile],
    args: argparse.Namespace,
    settings: Settings,
    model: Path,
    timeout: float,
) -> list[list[Any]]:
    from tools.chat_eval.runner import RasaTransport, Runner
    from tools.chat_eval.stack import LocalStack, StackConfig
    from tools.rasa import rasa_executable

    config = StackConfig(
        home=settings.home, model=model, rasa=rasa_executable(), start_timeout=args.start_timeout
    )
    stack = LocalStack(config)
    print(f"starting an action server and a Rasa server with {model} (about a minute) ...", file=sys.stderr)
    began = time.perf_counter()
    with stack:
        print(f"ready in {time.perf_counter() - began:.0f} s; Rasa at {stack.rasa_url}", file=sys.stderr)

        async def run() -> list[list[Any]]:
            # The first help question waits for the action server to load the embedding model.
            def transport_to_rasa(seconds: float) -> RasaTransport:
                return RasaTransport(
                    stack.rasa_url,
                    timeout=seconds,
                    token=stack.rasa_token,
                    actions_secret=stack.actions_secret,
                )

            warm = transport_to_rasa(args.start_timeout)
            try:
                await Runner(warm, check_alive=stack.check_alive).warm_up()
            finally:
                await warm.aclose()
            transport = transport_to_rasa(timeout)
            try:
                return await _run_files(kind, files, Runner(transport, check_alive=stack.check_alive))
            finally:
                await transport.aclose()

        return asyncio.run(run())


async def _via_gateway(
    kind: str, files: list[EvalFile], args: argparse.Namespace, settings: Settings, timeout: float
) -> list[list[Any]]:
    from tools.chat_eval.runner import GatewayTransport, Runner

    rasa_url = args.rasa_url or settings.rasa_url
    warm = GatewayTransport(
        args.url,
        rasa_url,
        timeout=args.start_timeout,
        widget_secret=settings.widget_secret,
        rasa_token=settings.rasa_token,
    )
    try:
        await warm.check()
        await Runner(warm).warm_up()
    finally:
        await warm.aclose()
    transport = GatewayTransport(
        args.url,
        rasa_url,
        timeout=timeout,
        widget_secret=settings.widget_secret,
        rasa_token=settings.rasa_token,
    )
    try:
        return await _run_files(kind, files, Runner(transport))
    finally:
        await transport.aclose()


async def _run_files(kind: str, files: list[EvalFile], runner: Runner) -> list[list[Any]]:
    from tools.chat_eval.runner import stderr_progress

    outcomes: list[list[Any]] = []
    for index, file in enumerate(files, start=1):
        runner.progress = stderr_progress(f"{kind} {file.split}")
        tag = f"{file.split}{index}"  # two --file files may both have a question 1 or a dialog `a`
        if kind == "answers":
            outcomes.append(list(await runner.questions(file.items, tag)))
        else:
            outcomes.append(list(await runner.dialogs(file.items, tag)))
    return outcomes


def _figures(kind: str, file: EvalFile, results: list[Any], reveal: bool) -> tuple[dict[str, Any], list[Any]]:
    from tools.chat_eval import report

    if kind == "answers":
        summary = report.answers_summary(results, split=file.split, path=str(file.path))
        return summary, report.answers_details(results, reveal=reveal)
    summary = report.dialogs_summary(results, split=file.split, path=str(file.path))
    return summary, report.dialogs_details(results, reveal=reveal)


def _print(kind: str, summary: dict[str, Any], results: list[Any], show: bool) -> None:
    from tools.chat_eval import report

    if kind == "answers":
        report.print_answers(summary, results, show_failures=show, out=sys.stdout)
    else:
        report.print_dialogs(summary, results, show_failures=show, out=sys.stdout)


def _unknown_customers(kind: str, files: list[EvalFile], known: set[str]) -> str | None:
    """A sentence naming items whose customer is not a demo customer (their orders are not in the store)."""
    problems = []
    for file in files:
        bad = [item for item in file.items if item.customer and item.customer not in known]
        if bad:
            what = "question" if kind == "answers" else "dialog"
            numbers = ", ".join(str(item.number) for item in bad)
            problems.append(f"{file.path}: {what} {numbers}: customer is not one of the demo customers")
    if not problems:
        return None
    return "; ".join(problems) + f" ({', '.join(sorted(known))})"


def _normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _fingerprint(item: Question | Dialog) -> str:
    if hasattr(item, "turns"):
        return " | ".join(_normalised(turn.user or "") for turn in item.turns)
    return _normalised(item.text)


def _warn_about_overlap(kind: str, files: list[EvalFile]) -> None:
    """A held-out item that is also a dev item is not held out; says how many, never which."""
    dev = {_fingerprint(item) for file in files if file.split == "dev" for item in file.items}
    for file in files:
        if file.split != HELDOUT:
            continue
        shared = sum(1 for item in file.items if _fingerprint(item) in dev)
        if shared:
            print(f"warning: {shared} held-out {kind} also appear in the dev file", file=sys.stderr)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the servers started are stopped."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
