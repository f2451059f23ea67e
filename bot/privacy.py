"""Buyers' e-mail addresses and phone numbers, masked wherever their words leave the conversation
(reports, CSV exports, training data).

The entity extractor finds them the way the assistant does (``bot.entities``: "call me on 0170
1234567" is a phone, "order 1001" is not); a regular-expression net catches what slips through
(an address or an international number in a garbled sentence). Over-masking a long number is the
safe side.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "+44 7700 900123", "+1 (404) 407-5727": a plus and 7 to 15 digits with separators.
_INTERNATIONAL = re.compile(r"\+\s?\d(?:[\s().-]?\d){6,14}")

Replacer = Callable[[str, str], str]


def contact_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, "email" | "phone") of every contact detail in ``text``, in order, not overlapping."""
    from bot.entities import extract_entities

    spans = [(e.start, e.end, e.label) for e in extract_entities(text) if e.label in ("email", "phone")]
    spans += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    spans += [(m.start(), m.end(), "phone") for m in _INTERNATIONAL.finditer(text)]
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans):
        if merged and start < merged[-1][1]:
            previous = merged[-1]
            merged[-1] = (previous[0], max(previous[1], end), previous[2])
        else:
            merged.append((start, end, label))
    return merged


def mask_contacts(text: str, replace: Replacer | None = None) -> str:
    """``text`` with each e-mail address and phone number replaced (by ``[email]`` / ``[phone]``,
    or by what ``replace(label, original)`` returns)."""
    out: list[str] = []
    position = 0
    for start, end, label in contact_spans(text):
        out.append(text[position:start])
        original = text[start:end]
        out.append(replace(label, original) if replace else (EMAIL_MASK if label == "email" else PHONE_MASK))
        position = end
    out.append(text[position:])
    return "".join(out)
