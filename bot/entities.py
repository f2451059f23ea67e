"""Rule-based entity extraction: order ids, emails, phone numbers, amounts and dates.

A blank English spaCy pipeline with an EntityRuler finds the spans; a small pass after it
turns each span into a normalised value (digits of an order id, E.164-style phone, ``"12.50 USD"``)
and applies the few rules token patterns cannot express (a number after "call me" is a phone,
not an order). Rules rather than a trained model because these formats are regular, the
training data has few annotated examples, and rules never drift between retrainings.

Contract (docs/architecture.md): ``extract_entities(text) -> list[Entity]`` with labels
``order_id``, ``email``, ``phone``, ``amount``, ``date``; ``start``/``end`` are character offsets
into the text as given, ``value`` is what a caller should use:

- ``order_id``: the digits only (``"#1001"`` -> ``"1001"``); the span covers the digits.
- ``email``: as written.
- ``phone``: ``"+"`` and the digits for international numbers, the digits alone for local ones.
- ``amount``: ``"<number> <ISO 4217 code>"`` (``"$12.50"`` -> ``"12.50 USD"``), or the number alone
  when no currency is recognisable.
- ``date``: as written; resolving "last Monday" needs a reference time the caller owns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is imported lazily: importing bot.entities must stay cheap.
    from spacy.language import Language
    from spacy.tokens import Doc, Span

LABELS = ("order_id", "email", "phone", "amount", "date")

# Longer messages are cut here: nobody types an order id after 10,000 characters, and spaCy's
# cost grows with the text. Offsets stay valid because the cut keeps a prefix.
MAX_TEXT_CHARS = 10_000

_CURRENCY_SYMBOLS = {
    "$": "USD",
    "us$": "USD",
    "usd$": "USD",
    "€": "EUR",
    "£": "GBP",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "r$": "BRL",
    "mx$": "MXN",
    "₹": "INR",
    "₽": "RUB",
    # Most sellers on the marketplace price in yuan; yen prices are shown with "JPY".
    "¥": "CNY",
    "zł": "PLN",
    "₺": "TRY",
}
_CURRENCY_WORDS = {
    **{code.lower(): code for code in ("USD", "EUR", "GBP", "CAD", "AUD", "BRL", "MXN", "RUB", "CNY")},
    # Not "TRY": as a word it is far more often the verb ("try 1052").
    **{code.lower(): code for code in ("JPY", "INR", "PLN", "CHF", "SEK", "NOK", "DKK", "KRW")},
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "rubles": "RUB",
    "roubles": "RUB",
    "reais": "BRL",
    "yuan": "CNY",
    "rmb": "CNY",
    "yen": "JPY",
    "rupees": "INR",
}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?"
_NUMBER_TOKEN = {"TEXT": {"REGEX": rf"^{_NUMBER}$"}}

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
]
_WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "sat",
    "sun",
]
# Abbreviations are listed so EntitySynonymMapper (data/nlu.yml synonyms) can normalise them.
_RELATIVE_DAYS = ["yesterday", "today", "tomorrow", "tonight", "yday", "yest", "ystrday", "tdy", "2day"]
_RELATIVE_DAYS += ["tmrw", "tmr", "2moro"]
_PERIODS = ["day", "days", "week", "weeks", "month", "months", "year", "years", "fortnight"]
_DAY_NUMBER = {"TEXT": {"REGEX": r"^(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?$"}}
_YEAR = {"TEXT": {"REGEX": r"^(?:19|20)\d\d$"}}
_MONTH = {"LOWER": {"IN": _MONTHS}}

_ORDER_WORDS = ["order", "orders", "ord", "purchase"]
_ORDER_MARKERS = ["no", "nr", "number", "num", "id", "#"]
_PHONE_CUES = {"phone", "mobile", "cell", "cellphone", "tel", "telephone", "whatsapp", "call", "text", "sms"}
_PHONE_DIGITS = (7, 15)


@dataclass(frozen=True)
class Entity:
    label: str
    value: str
    start: int
    end: int


def extract_entities(text: str) -> list[Entity]:
    """Entities in ``text``, in order of appearance; never raises on odd input."""
    if not text or not text.strip():
        return []
    # Control characters are blanked one-for-one so offsets still point into ``text``.
    clean = "".join(
        " " if ch not in "\t\n\r" and unicodedata.category(ch) == "Cc" else ch for ch in text[:MAX_TEXT_CHARS]
    )
    doc = entity_pipeline()(clean)
    entities = [entity for span in doc.ents if (entity := _to_entity(doc, span)) is not None]
    if not entities:
        lone = re.fullmatch(r"\s*#?(\d{4})\s*", clean)
        # A lone year-like number is excluded by the bare-number pattern (it is usually a year),
        # but typed alone it is the answer to "what is your order number?".
        if lone:
            entities.append(Entity("order_id", lone.group(1), lone.start(1), lone.end(1)))
    return entities


@lru_cache(maxsize=1)
def entity_pipeline() -> Language:
    """The spaCy pipeline, built once per process (a blank model loads in milliseconds)."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns(_patterns())  # type: ignore[attr-defined]
    return nlp


def _patterns() -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []

    def add(label: str, pattern: list[dict[str, Any]], pattern_id: str | None = None) -> None:
        entry: dict[str, Any] = {"label": label, "pattern": pattern}
        if pattern_id:
            entry["id"] = pattern_id
        patterns.append(entry)

    # Order ids. Prefixed forms accept any 4-20 digits; a bare number must not look like a year.
    any_digits = {"TEXT": {"REGEX": r"^\d{4,20}$"}}
    add(
        "order_id",
        [
            {"LOWER": {"IN": _ORDER_WORDS}},
            {"LOWER": {"IN": _ORDER_MARKERS}, "OP": "?"},
            {"ORTH": {"IN": [".", ":", "#"]}, "OP": "?"},
            {"ORTH": "#", "OP": "?"},
            any_digits,
        ],
    )
    add("order_id", [{"LOWER": {"IN": ["no", "nr", "#"]}}, {"ORTH": ".", "OP": "?"}, any_digits])
    add("order_id", [{"LOWER": {"IN": _ORDER_WORDS}, "OP": "?"}, {"TEXT": {"REGEX": r"(?i)^#\d{4,20}$"}}])
    add("order_id", [{"TEXT": {"REGEX": r"(?i)^(?:order|ord|no\.?|nr\.?)#?\d{4,20}$"}}])
    add("order_id", [{"TEXT": {"REGEX": r"^(?!(?:19|20)\d\d$)\d{4,20}$"}}], pattern_id="bare")

    add("email", [{"LIKE_EMAIL": True}])

    # Phones: E.164 written as one token, or "+cc" then digit groups; local numbers need
    # separators, since an unseparated digit string is an order id unless a cue says otherwise.
    add("phone", [{"TEXT": {"REGEX": r"^\+\d{7,15}$"}}])
    group: dict[str, Any] = {"TEXT": {"REGEX": r"^\d{1,8}$"}}
    sep: dict[str, Any] = {"ORTH": {"IN": ["-", "."]}, "OP": "?"}
    opt_paren: list[dict[str, Any]] = [{"ORTH": "(", "OP": "?"}, group, {"ORTH": ")", "OP": "?"}]
    for extra_groups in range(1, 5):
        add("phone", [{"TEXT": {"REGEX": r"^\+\d{1,4}$"}}, *opt_paren] + [sep, group] * extra_groups)
    # Local: 3+ groups ending in 3-5 digits ("415-555-0134", "0412 345 678"), so an ISO date
    # ("2026-03-01") never reads as a phone; or the UK "07700 900123" shape.
    local_group: dict[str, Any] = {"TEXT": {"REGEX": r"^\d{2,5}$"}}
    last_group: dict[str, Any] = {"TEXT": {"REGEX": r"^\d{3,5}$"}}
    for middle in range(1, 4):
        add(
            "phone",
            [{"ORTH": "(", "OP": "?"}, local_group, {"ORTH": ")", "OP": "?"}]
            + [sep, local_group] * middle
            + [sep, last_group],
        )
    add("phone", [{"TEXT": {"REGEX": r"^0\d{3,4}$"}}, {"TEXT": {"REGEX": r"^\d{6,7}$"}}])
    pair: dict[str, Any] = {"TEXT": {"REGEX": r"^\d\d$"}}
    add("phone", [{"TEXT": {"REGEX": r"^0\d$"}}, pair, pair, pair, pair])

    # Amounts: a currency symbol or code before or after a number.
    symbols = sorted(_CURRENCY_SYMBOLS)
    words = sorted(_CURRENCY_WORDS)
    add("amount", [{"LOWER": {"IN": symbols}}, _NUMBER_TOKEN])
    add("amount", [_NUMBER_TOKEN, {"LOWER": {"IN": symbols + words}}])
    add("amount", [{"LOWER": {"IN": words}}, _NUMBER_TOKEN])
    codes = "|".join(re.escape(word) for word in words if len(word) == 3)
    add("amount", [{"LOWER": {"REGEX": rf"^{_NUMBER}(?:{codes})$"}}])

    # Dates.
    add("date", [{"TEXT": {"REGEX": r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"}}])
    add("date", [{"TEXT": {"REGEX": r"^\d{1,2}[/.]\d{1,2}[/.](?:\d{2}|\d{4})$"}}])
    add("date", [_YEAR, {"ORTH": {"IN": ["-", "/"]}}, _DAY_NUMBER, {"ORTH": {"IN": ["-", "/"]}}, _DAY_NUMBER])
    year_tail: list[dict[str, Any]] = [{"ORTH": ",", "OP": "?"}, {**_YEAR, "OP": "?"}]
    add("date", [_DAY_NUMBER, {"LOWER": "of", "OP": "?"}, _MONTH, *year_tail])
    add("date", [_MONTH, {"LOWER": "the", "OP": "?"}, _DAY_NUMBER, *year_tail])
    add("date", [_MONTH, _YEAR])
    add("date", [{"LOWER": {"IN": _RELATIVE_DAYS}}])
    add(
        "date",
        [
            {"LOWER": "the"},
            {"LOWER": "day"},
            {"LOWER": {"IN": ["before", "after"]}},
            {"LOWER": {"IN": _RELATIVE_DAYS}},
        ],
    )
    add(
        "date",
        [
            {"LOWER": {"IN": ["last", "this", "next", "past"]}},
            {"LOWER": {"IN": _WEEKDAYS + _PERIODS + ["night", "weekend"]}},
        ],
    )
    add("date", [{"LOWER": {"IN": ["on"]}}, {"LOWER": {"IN": _WEEKDAYS}}])
    add("date", [{"TEXT": {"REGEX": r"^\d{1,3}$"}}, {"LOWER": {"IN": _PERIODS}}, {"LOWER": "ago"}])
    add(
        "date",
        [
            {"LOWER": {"IN": ["a", "one", "two", "three", "few", "couple"]}},
            {"LOWER": {"IN": _PERIODS}},
            {"LOWER": "ago"},
        ],
    )
    add(
        "date",
        [
            {"LOWER": "a"},
            {"LOWER": {"IN": ["few", "couple"]}},
            {"LOWER": "of", "OP": "?"},
            {"LOWER": {"IN": _PERIODS}},
            {"LOWER": "ago"},
        ],
    )
    return patterns


def _to_entity(doc: Doc, span: Span) -> Entity | None:
    label = span.label_
    start, end = span.start_char, span.end_char
    text = doc.text[start:end]
    if label == "order_id":
        digits = list(re.finditer(r"\d{4,20}", text))[-1]
        value = digits.group(0)
        if span.ent_id_ == "bare" and _after_phone_cue(doc, span) and _digit_count_ok(value):
            return Entity("phone", value, start, end)
        return Entity("order_id", value, start + digits.start(), start + digits.end())
    if label == "phone":
        digits_only = re.sub(r"\D", "", text)
        if not _digit_count_ok(digits_only):
            return None
        return Entity("phone", ("+" if text.startswith("+") else "") + digits_only, start, end)
    if label == "amount":
        return Entity("amount", _amount_value(text), start, end)
    if label == "date":
        # "on Monday": the preposition helps matching but is not part of the date.
        if text.lower().startswith("on "):
            start += 3
            text = text[3:]
        return Entity("date", text, start, end)
    return Entity(label, text, start, end)


def _after_phone_cue(doc: Doc, span: Span) -> bool:
    before = [token.lower_ for token in doc[max(0, span.start - 4) : span.start]]
    return any(word in _PHONE_CUES for word in before) and not any(word in _ORDER_WORDS for word in before)


def _digit_count_ok(digits: str) -> bool:
    low, high = _PHONE_DIGITS
    return low <= len(digits) <= high


def _amount_value(text: str) -> str:
    number_match = re.search(_NUMBER, text)
    number = number_match.group(0).replace(",", "") if number_match else text
    rest = (
        (text[: number_match.start()] + " " + text[number_match.end() :]).strip().lower()
        if number_match
        else ""
    )
    code = _CURRENCY_SYMBOLS.get(rest) or _CURRENCY_WORDS.get(rest)
    return f"{number} {code}" if code else number
