"""The figures of a run, what is printed and what goes to ``--json``.

Held-out results are printed as figures and per-label counts only: the texts of held-out
questions, their patterns and the replies to them stay out of the output (and out of the JSON)
unless ``--show-failures`` is given, so nobody tunes content, search or NLU on them by accident.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from tools.chat_eval.runner import DialogResult, QuestionResult, TurnResult

# Targets of issues #9 and #14, met or missed on the held-out split.
ANSWERS_TARGET = 0.90
FALLBACK_TARGET = 0.05
DIALOGS_TARGET = 0.85
NO_LABEL = "(none)"
_REPLY_LINES = 14
_REPLY_CHARS = 1200


def percentile_ms(seconds: Iterable[float], quantile: float) -> float | None:
    """Nearest rank, as `supportbot bench chat` reports: the value below which ``quantile`` of the turns fall."""
    values = sorted(value * 1000 for value in seconds)
    if not values:
        return None
    rank = max(1, math.ceil(quantile * len(values)))
    return round(values[rank - 1], 1)


def _turn_figures(turns: Sequence[TurnResult]) -> dict[str, Any]:
    fallbacks: dict[str, int] = {}
    for turn in turns:
        if turn.fallback is not None:
            fallbacks[turn.fallback] = fallbacks.get(turn.fallback, 0) + 1
    latencies = [turn.latency for turn in turns if turn.latency is not None]
    errors = sum(1 for turn in turns if turn.observation is not None and turn.observation.error is not None)
    return {
        "fallbacks": sum(fallbacks.values()),
        "fallback_rate": _rate(sum(fallbacks.values()), len(turns)),
        "fallback_kinds": dict(sorted(fallbacks.items())),
        "errors": errors,
        "latency_ms": {
            "turns": len(latencies),
            "p50": percentile_ms(latencies, 0.50),
            "p95": percentile_ms(latencies, 0.95),
            "max": percentile_ms(latencies, 1.0),
        },
    }


def answers_summary(results: Sequence[QuestionResult], *, split: str, path: str) -> dict[str, Any]:
    turns = [result.turn for result in results]
    correct = sum(1 for result in results if result.passed)
    figures = _turn_figures(turns)
    summary = {
        "split": split,
        "file": path,
        "questions": len(results),
        "correct": correct,
        "accuracy": _rate(correct, len(results)),
        **figures,
        "by_topic": _breakdown(results, lambda r: r.question.topic),
        "by_style": _breakdown(results, lambda r: r.question.style),
    }
    summary["targets"] = {
        "accuracy": ANSWERS_TARGET,
        "fallback_rate": FALLBACK_TARGET,
        "met": bool(
            results and summary["accuracy"] >= ANSWERS_TARGET and figures["fallback_rate"] <= FALLBACK_TARGET
        ),
    }
    return summary


def dialogs_summary(results: Sequence[DialogResult], *, split: str, path: str) -> dict[str, Any]:
    turns = [turn for result in results for turn in result.turns]
    correct = sum(1 for result in results if result.passed)
    turns_correct = sum(1 for turn in turns if turn.passed)
    by_pattern: dict[str, dict[str, int]] = {}
    for result in results:
        row = by_pattern.setdefault(
            result.dialog.pattern, {"dialogs": 0, "fully_correct": 0, "turns": 0, "turns_correct": 0}
        )
        row["dialogs"] += 1
        row["fully_correct"] += int(result.passed)
        row["turns"] += len(result.turns)
        row["turns_correct"] += sum(1 for turn in result.turns if turn.passed)
    summary = {
        "split": split,
        "file": path,
        "dialogs": len(results),
        "fully_correct": correct,
        "dialog_accuracy": _rate(correct, len(results)),
        "turns": len(turns),
        "turns_correct": turns_correct,
        "turn_accuracy": _rate(turns_correct, len(turns)),
        "unplayed_choices": sum(1 for turn in turns if turn.observation is None),
        **_turn_figures(turns),
        "by_pattern": dict(sorted(by_pattern.items())),
    }
    summary["targets"] = {
        "fully_correct": DIALOGS_TARGET,
        "met": bool(results and summary["dialog_accuracy"] >= DIALOGS_TARGET),
    }
    return summary


def _breakdown(
    results: Sequence[QuestionResult], label: Callable[[QuestionResult], str | None]
) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = {}
    for result in results:
        row = rows.setdefault(label(result) or NO_LABEL, {"questions": 0, "correct": 0, "fallbacks": 0})
        row["questions"] += 1
        row["correct"] += int(result.passed)
        row["fallbacks"] += int(result.turn.fallback is not None)
    return dict(sorted(rows.items()))


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# ------------------------------------------------------------------ JSON


def answers_details(results: Sequence[QuestionResult], *, reveal: bool) -> list[dict[str, Any]]:
    """Per question; without ``reveal`` only what carries no held-out text."""
    rows = []
    for result in results:
        question, turn = result.question, result.turn
        row: dict[str, Any] = {
            "number": question.number,
            "topic": question.topic,
            "style": question.style,
            "passed": result.passed,
            "fallback": turn.fallback,
            "latency_ms": None if turn.latency is None else round(turn.latency * 1000, 1),
        }
        if reveal:
            row.update(
                q=question.text,
                customer=question.customer,
                expect=[p.pattern for p in question.check.expect],
                forbid=[p.pattern for p in question.check.forbid],
                **_turn_details(turn),
            )
        rows.append(row)
    return rows


def dialogs_details(results: Sequence[DialogResult], *, reveal: bool) -> list[dict[str, Any]]:
    rows = []
    for result in results:
        dialog = result.dialog
        turns = []
        for turn in result.turns:
            row: dict[str, Any] = {
                "passed": turn.passed,
                "fallback": turn.fallback,
                "latency_ms": None if turn.latency is None else round(turn.latency * 1000, 1),
            }
            if reveal:
                row.update(_turn_details(turn))
            turns.append(row)
        entry: dict[str, Any] = {"number": dialog.number, "pattern": dialog.pattern, "passed": result.passed}
        if reveal:
            entry.update(id=dialog.id, customer=dialog.customer)
        entry["turns"] = turns
        rows.append(entry)
    return rows


def _turn_details(turn: TurnResult) -> dict[str, Any]:
    observation = turn.observation
    return {
        "sent": turn.sent,
        "clicked": turn.clicked,
        "missing": list(turn.grade.missing),
        "forbidden": list(turn.grade.forbidden),
        "problem": turn.problem,
        "intent": None if observation is None else observation.intent,
        "actions": [] if observation is None else [a for a in observation.actions if a != "action_listen"],
        "reply": turn.text,
    }


# ------------------------------------------------------------------ text


def print_answers(
    summary: dict[str, Any], results: Sequence[QuestionResult], *, show_failures: bool, out: TextIO
) -> None:
    n = summary["questions"]
    print(f"\nsupportbot eval answers: {summary['file']} ({summary['split']}, {n} questions)", file=out)
    print(
        f"correct      {summary['correct']}/{n}  {_pct(summary['accuracy'])}   (target on held-out >= {_pct(ANSWERS_TARGET)})",
        file=out,
    )
    _print_turn_figures(summary, n, out)
    _print_target(summary, out)
    for title, key in (("topic", "by_topic"), ("style", "by_style")):
        rows = summary[key]
        if list(rows) == [NO_LABEL]:
            continue
        print(f"{'by ' + title:<21}correct  fallbacks", file=out)
        for label, row in rows.items():
            print(f"  {label:<18} {row['correct']:>3}/{row['questions']:<4} {row['fallbacks']:>5}", file=out)
    if not show_failures:
        if not all(result.passed for result in results):
            print("(held-out: failures are not shown; --show-failures prints them)", file=out)
        return
    for result in results:
        if result.passed:
            continue
        question = result.question
        labels = ", ".join(x for x in (question.topic, question.style, question.customer) if x)
        print(
            f"\nFAIL question {question.number}{f' [{labels}]' if labels else ''}: {question.text}", file=out
        )
        _print_turn_failure(result.turn, out)


def print_dialogs(
    summary: dict[str, Any], results: Sequence[DialogResult], *, show_failures: bool, out: TextIO
) -> None:
    n, turns = summary["dialogs"], summary["turns"]
    print(
        f"\nsupportbot eval dialogs: {summary['file']} ({summary['split']}, {n} dialogs, {turns} turns)",
        file=out,
    )
    print(
        f"fully correct {summary['fully_correct']}/{n}  {_pct(summary['dialog_accuracy'])}   "
        f"(target on held-out >= {_pct(DIALOGS_TARGET)})",
        file=out,
    )
    print(f"turns correct {summary['turns_correct']}/{turns}  {_pct(summary['turn_accuracy'])}", file=out)
    if summary["unplayed_choices"]:
        print(f"no button     {summary['unplayed_choices']} choose: turns found no matching button", file=out)
    _print_turn_figures(summary, turns, out)
    _print_target(summary, out)
    print(f"{'by pattern':<21}dialogs  turns", file=out)
    for label, row in summary["by_pattern"].items():
        print(
            f"  {label:<18} {row['fully_correct']:>3}/{row['dialogs']:<4} {row['turns_correct']:>3}/{row['turns']}",
            file=out,
        )
    if not show_failures:
        if not all(result.passed for result in results):
            print("(held-out: failures are not shown; --show-failures prints them)", file=out)
        return
    for result in results:
        if result.passed:
            continue
        dialog = result.dialog
        who = f", {dialog.customer}" if dialog.customer else ""
        print(f"\nFAIL dialog {dialog.number} {dialog.id} [{dialog.pattern}{who}]", file=out)
        for number, turn in enumerate(result.turns, start=1):
            spec = dialog.turns[number - 1]
            said = spec.user if spec.choose is None else f"(choose {spec.choose.pattern!r})"
            clicked = f" -> clicked {turn.clicked!r}" if turn.clicked else ""
            print(f"  {'ok  ' if turn.passed else 'FAIL'} turn {number}: {said}{clicked}", file=out)
            if not turn.passed:
                _print_turn_failure(turn, out, indent="         ")


def _print_turn_figures(summary: dict[str, Any], turns: int, out: TextIO) -> None:
    kinds = ", ".join(f"{kind} {count}" for kind, count in summary["fallback_kinds"].items())
    print(
        f"fallback     {summary['fallbacks']}/{turns}  {_pct(summary['fallback_rate'])}"
        f"{f'   ({kinds})' if kinds else ''}",
        file=out,
    )
    if summary["errors"]:
        print(f"errors       {summary['errors']} turns got no answer (timeouts or HTTP errors)", file=out)
    latency = summary["latency_ms"]
    if latency["turns"]:
        print(
            f"latency      p50 {latency['p50']:.0f} ms   p95 {latency['p95']:.0f} ms   max {latency['max']:.0f} ms"
            f"   ({latency['turns']} turns)",
            file=out,
        )


def _print_target(summary: dict[str, Any], out: TextIO) -> None:
    if summary["split"] == "heldout":
        print(f"target       {'met' if summary['targets']['met'] else 'missed'}", file=out)


def _print_turn_failure(turn: TurnResult, out: TextIO, indent: str = "  ") -> None:
    if turn.problem:
        print(f"{indent}problem   {turn.problem}", file=out)
    for pattern in turn.grade.missing:
        print(f"{indent}missing   {pattern}", file=out)
    for pattern in turn.grade.forbidden:
        print(f"{indent}forbidden {pattern}", file=out)
    observation = turn.observation
    if observation is None:
        return
    if turn.fallback:
        print(f"{indent}fallback  {turn.fallback}", file=out)
    actions = [a for a in observation.actions if a != "action_listen"]
    if observation.intent or actions:
        print(f"{indent}intent    {observation.intent or '?'} -> {', '.join(actions) or '-'}", file=out)
    text = turn.text
    lines = text[:_REPLY_CHARS].splitlines() or ["(no reply)"]
    if len(text) > _REPLY_CHARS or len(lines) > _REPLY_LINES:
        lines = [
            *lines[:_REPLY_LINES],
            "… (cut here; --json PATH keeps the whole reply, which is what was graded)",
        ]
    print(f"{indent}reply     | " + f"\n{indent}          | ".join(lines), file=out)


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"
