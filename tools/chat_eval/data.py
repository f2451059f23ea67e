"""The evaluation files: buyer questions and multi-turn dialogs, each with the facts to check.

Format (docs/benchmarks.md, "Answers and dialogs, end to end"):

```yaml
questions:                       # eval/answers_{dev,heldout}.yaml
  - q: "how long does a refund to my credit card take"
    expect: ['3\\s*[-–to]+\\s*15 business days']   # every pattern must match the reply
    forbid: ['sign in']                            # optional: no pattern may match
    topic: refund                                  # optional label for the report
    style: terse                                   # optional, one of STYLES
    customer: C1001                                # optional: the buyer is signed in
dialogs:                         # eval/dialogs_{dev,heldout}.yaml
  - id: dispute-then-paypal
    pattern: follow-up           # one of PATTERNS
    customer: null
    turns:
      - user: "When can I open a dispute?"
        expect: ['11th day']
      - choose: 'not arrived'    # click the first button whose title matches
        expect: [...]
      - user: "thanks"
        expect: []               # no fact due: the turn fails only if nothing is said
```

Patterns are Python regexes matched case-insensitively across lines (``re.I | re.S``). Every
mistake is a ``UsageError`` naming the file and the item, so a typo never turns into a silently
wrong figure: unknown keys, a bad regex, a pattern that matches an empty reply (it could never
fail), a question without an ``expect`` pattern, a dialog turn without ``expect:``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UsageError

STYLES = ("terse", "typo", "chatty", "angry", "non-native", "texting", "formal", "long")
PATTERNS = ("follow-up", "topic-switch", "clarification", "fragment", "re-ask", "recovery", "mixed")
FLAGS = re.IGNORECASE | re.DOTALL

_QUESTION_KEYS = ("q", "expect", "forbid", "topic", "style", "customer")
_DIALOG_KEYS = ("id", "pattern", "customer", "turns")
_TURN_KEYS = ("user", "choose", "expect", "forbid")
# A web session id is at most 128 of these (docs/api.md); dialog ids become part of one.
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_CUSTOMER = re.compile(r"[A-Za-z0-9._@+-]{1,128}")


@dataclass(frozen=True)
class Check:
    """What a reply must contain (every ``expect``) and must not contain (no ``forbid``)."""

    expect: tuple[re.Pattern[str], ...]
    forbid: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Question:
    number: int  # 1-based position in its file, how reports name it
    text: str
    check: Check
    topic: str | None = None
    style: str | None = None
    customer: str | None = None


@dataclass(frozen=True)
class DialogTurn:
    """Exactly one of ``user`` (a message) and ``choose`` (a button title pattern) is set."""

    user: str | None
    choose: re.Pattern[str] | None
    check: Check


@dataclass(frozen=True)
class Dialog:
    number: int
    id: str
    pattern: str
    turns: tuple[DialogTurn, ...]
    customer: str | None = None


def load_questions(path: Path, *, reveal: bool = True) -> list[Question]:
    """``reveal=False`` (held-out files): errors name an item by number only, never its text."""
    reader = _Reader(path, reveal)
    return [reader.question(number, item) for number, item in enumerate(reader.items("questions"), start=1)]


def load_dialogs(path: Path, *, reveal: bool = True) -> list[Dialog]:
    reader = _Reader(path, reveal)
    dialogs = [reader.dialog(number, item) for number, item in enumerate(reader.items("dialogs"), start=1)]
    seen: dict[str, int] = {}
    for dialog in dialogs:
        if dialog.id in seen:
            raise UsageError(f"{path}: dialog {dialog.number}: the same id as dialog {seen[dialog.id]}")
        seen[dialog.id] = dialog.number
    return dialogs


def customers_of(items: Sequence[Question | Dialog]) -> set[str]:
    return {item.customer for item in items if item.customer}


class _Reader:
    def __init__(self, path: Path, reveal: bool) -> None:
        self.path = path
        self.reveal = reveal

    def items(self, key: str) -> list[Any]:
        import yaml

        path = self.path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{path} does not exist") from None
        except IsADirectoryError:
            raise UsageError(f"{path} is a directory, not a YAML file") from None
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not UTF-8 text") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise UsageError(f"{path} is not valid YAML{line}: {problem}") from None
        if not isinstance(data, Mapping) or key not in data:
            raise UsageError(f"{path}: expected a mapping with a '{key}:' list at the top")
        items = data[key]
        if not isinstance(items, list) or not items:
            raise UsageError(f"{path}: '{key}:' must be a non-empty list")
        return items

    def question(self, number: int, item: Any) -> Question:
        where = f"{self.path}: question {number}"
        if not isinstance(item, Mapping):
            raise UsageError(f"{where}: expected a mapping with q: and expect:, got {_kind(item)}")
        text = item.get("q")
        if self.reveal and isinstance(text, str) and text.strip():
            where += f" ({_short(text)})"
        _known_keys(where, item, _QUESTION_KEYS)
        if not isinstance(text, str) or not text.strip():
            raise UsageError(f"{where}: q: must be a non-empty string")
        check = self.check(where, item)
        if not check.expect:
            raise UsageError(f"{where}: expect: needs at least one pattern the reply must contain")
        return Question(
            number=number,
            text=text,
            check=check,
            topic=_label(where, item, "topic"),
            style=_choice(where, item, "style", STYLES),
            customer=_customer(where, item),
        )

    def dialog(self, number: int, item: Any) -> Dialog:
        where = f"{self.path}: dialog {number}"
        if not isinstance(item, Mapping):
            raise UsageError(f"{where}: expected a mapping with id:, pattern: and turns:, got {_kind(item)}")
        dialog_id = item.get("id")
        if self.reveal and isinstance(dialog_id, str):
            where += f" ({dialog_id})"
        _known_keys(where, item, _DIALOG_KEYS)
        if not isinstance(dialog_id, str) or not _ID.fullmatch(dialog_id):
            raise UsageError(f"{where}: id: must be 1 to 64 letters, digits, '.', '_' or '-'")
        pattern = _choice(where, item, "pattern", PATTERNS)
        if pattern is None:
            raise UsageError(f"{where}: pattern: is required (one of {', '.join(PATTERNS)})")
        turns = item.get("turns")
        if not isinstance(turns, list) or not turns:
            raise UsageError(f"{where}: turns: must be a non-empty list")
        parsed = tuple(
            self.turn(f"{where}, turn {n}", turn, first=n == 1) for n, turn in enumerate(turns, start=1)
        )
        return Dialog(
            number=number, id=dialog_id, pattern=pattern, turns=parsed, customer=_customer(where, item)
        )

    def turn(self, where: str, item: Any, *, first: bool) -> DialogTurn:
        if not isinstance(item, Mapping):
            raise UsageError(
                f"{where}: expected a mapping with user: (or choose:) and expect:, got {_kind(item)}"
            )
        _known_keys(where, item, _TURN_KEYS)
        user, choose = item.get("user"), item.get("choose")
        if (user is None) == (choose is None):
            raise UsageError(
                f"{where}: needs exactly one of user: (a message) or choose: (a button title pattern)"
            )
        if user is not None and (not isinstance(user, str) or not user.strip()):
            raise UsageError(f"{where}: user: must be a non-empty string")
        chooser = None
        if choose is not None:
            if first:
                raise UsageError(
                    f"{where}: a dialog cannot start with choose: (there is no button to click yet)"
                )
            chooser = self.pattern(where, "choose", choose)
        if "expect" not in item:
            raise UsageError(f"{where}: expect: is required ([] when no fact is due, e.g. after a greeting)")
        return DialogTurn(user=user, choose=chooser, check=self.check(where, item))

    def check(self, where: str, item: Mapping[str, Any]) -> Check:
        return Check(expect=self.patterns(where, item, "expect"), forbid=self.patterns(where, item, "forbid"))

    def patterns(self, where: str, item: Mapping[str, Any], key: str) -> tuple[re.Pattern[str], ...]:
        value = item.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise UsageError(f"{where}: {key}: must be a list of regular expressions, got {_kind(value)}")
        return tuple(self.pattern(where, f"{key}[{n}]", pattern) for n, pattern in enumerate(value))

    def pattern(self, where: str, name: str, value: Any) -> re.Pattern[str]:
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where}: {name} must be a non-empty regular expression, got {_kind(value)}")
        shown = f" {value!r}" if self.reveal else ""
        try:
            compiled = re.compile(value, FLAGS)
        except re.error as exc:
            raise UsageError(f"{where}: {name}{shown} is not a valid regular expression: {exc}") from None
        if compiled.search(""):
            raise UsageError(f"{where}: {name}{shown} matches an empty reply, so it would match anything")
        return compiled


def _label(where: str, item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where}: {key}: must be a non-empty string")
    return value.strip()


def _choice(where: str, item: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    value = _label(where, item, key)
    if value is not None and value not in allowed:
        raise UsageError(f"{where}: {key}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _customer(where: str, item: Mapping[str, Any]) -> str | None:
    value = item.get("customer")
    if value is None:
        return None
    if not isinstance(value, str) or not _CUSTOMER.fullmatch(value):
        raise UsageError(f"{where}: customer: must be null or a customer id such as C1001")
    return value


def _known_keys(where: str, item: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [str(key) for key in item if key not in allowed]
    if unknown:
        raise UsageError(f"{where}: unknown key {', '.join(unknown)} (allowed: {', '.join(allowed)})")


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
