"""What every schema shares: the base model, UTC timestamps, the limits, and field errors.

One convention for time: aware UTC ``datetime`` inside, ISO 8601 with a ``Z`` on the wire; naive
input is taken as UTC (SQLite hands naive values back). One place per limit: the columns of
``bot.db`` and the request models read the constants below.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, Extra, ValidationError

from bot.errors import InvalidField

# Limits, each written once (database columns, request bodies and validators use these).
ID_MAX_CHARS = 64  # order, customer and ticket-owner ids
NAME_MAX_CHARS = 200
EMAIL_MAX_CHARS = 320  # RFC 5321: 64 local + @ + 255 domain
PHONE_MAX_CHARS = 32
PHONE_MIN_DIGITS = 7  # fewer cannot be a reachable mobile number
PHONE_MAX_DIGITS = 15  # E.164
SESSION_ID_MAX_CHARS = 255  # any channel's session id (database column)
WEB_SESSION_ID_MAX_CHARS = 128  # what a browser may choose
ITEM_TITLE_MAX_CHARS = 200
CURRENCY_CHARS = 3
ASSIST_TEXT_MAX_CHARS = 10_000
ASSIST_MAX_MESSAGES = 200
# Row ids and counters: message ids are INTEGER columns, 32-bit on PostgreSQL; a larger number
# from a client would overflow in the database driver.
ROW_ID_MAX = 2**31 - 1
ITEM_QUANTITY_MAX = 1_000_000
AMOUNT_MAX = Decimal("999999999999999.99")  # quantizing to cents stays exact well below this
# The instants an order, a decision or a query may name. The eligibility engine adds weeks to
# them, which must stay far inside what ``datetime`` holds (years 1 to 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)
AGENT_NAME_MAX_CHARS = 64  # an agent's sign-in name
AGENT_PASSWORD_MIN_CHARS = 12
AGENT_PASSWORD_MAX_CHARS = 200  # argon2 hashes anything; a cap keeps a 1 MB "password" out
ARTICLE_ID_MAX_CHARS = 128
INTENT_MAX_CHARS = 100
ARTICLE_TITLE_MAX_CHARS = 300
ARTICLE_TEXT_MAX_CHARS = 50_000


def check_one_of(field: str, value: object, choices: Sequence[str]) -> None:
    """``InvalidField`` unless ``value`` is one of ``choices`` (the wording of every choice field)."""
    if value not in choices:
        raise InvalidField(field, f"{value!r} is not one of {', '.join(choices)}")


def utc_now() -> datetime:
    """The current instant, aware UTC: the one default clock of the product."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def isoformat_z(value: datetime) -> str:
    """'2026-03-02T10:00:00Z': ISO 8601 in UTC with a Z, how every date leaves the product."""
    return as_utc(value).isoformat().replace("+00:00", "Z")


def parse_datetime(value: Any, field: str) -> datetime:
    """ISO 8601 (or a ``datetime``) -> aware UTC between ``EARLIEST`` and ``LATEST``;
    ``InvalidField`` naming ``field`` otherwise."""
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str) or not value.strip():
        raise InvalidField(field, "must be an ISO 8601 date-time string")
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidField(field, f"{value!r} is not an ISO 8601 date-time") from None
    try:
        instant = as_utc(parsed)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        instant = None
    if instant is None or not EARLIEST <= instant < LATEST:
        raise InvalidField(
            field, f"must be between {EARLIEST.year} and {LATEST.year - 1} (got {isoformat_z_safe(parsed)})"
        )
    return instant


def isoformat_z_safe(value: datetime) -> str:
    """``isoformat_z`` for a date that may not convert to UTC (kept in its own offset then)."""
    try:
        return isoformat_z(value)
    except OverflowError:
        return value.isoformat()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


def loads_json(data: bytes | str) -> Any:
    """JSON from a client, refusing with ``ValueError`` what JSON parsers let through but nothing
    after them can take: NaN and Infinity, numbers beyond a float (``1e400``), integers past
    Python's digit limit, lone UTF-16 surrogates (``"\\ud800"``) and NUL characters (neither can
    be stored, encoded or sent on)."""
    value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    _check_strings(value)
    return value


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("a string holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone UTF-16 surrogate, which is not a character") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


class _UtcDateTime(datetime):
    """A pydantic field type: ISO 8601 in, aware UTC ``datetime`` out, 'date-time' in OpenAPI."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], datetime]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> datetime:
        if not isinstance(value, (datetime, str)) or (isinstance(value, str) and not value.strip()):
            raise ValueError("must be an ISO 8601 date-time string")
        try:
            return parse_datetime(value, "")
        except InvalidField as error:
            raise ValueError(error.message) from None

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", format="date-time", example="2026-03-02T10:00:00Z")


M = TypeVar("M", bound=BaseModel)


if TYPE_CHECKING:  # type checkers see plain datetimes; pydantic sees the validating class
    UtcDateTime = datetime
else:
    UtcDateTime = _UtcDateTime


class Model(BaseModel):
    """Base of every schema: immutable once built, unknown fields refused, dates as UTC with Z."""

    class Config:
        allow_mutation = False
        extra = Extra.forbid
        json_encoders: ClassVar[dict[type, Callable[[Any], str]]] = {datetime: isoformat_z, Decimal: str}

    def to_dict(self, **options: Any) -> dict[str, Any]:
        """The JSON document (dates as strings): what the CLI prints and the database stores."""
        data: dict[str, Any] = json.loads(self.json(**options))
        return data

    @classmethod
    def from_fields(cls: type[M], values: Mapping[str, Any], **overrides: Any) -> M:
        """The model from the entries of ``values`` that are its fields (a database row has more)."""
        return cls(**{name: values[name] for name in cls.__fields__ if name in values}, **overrides)

    @classmethod
    def from_json(cls: type[M], data: Any) -> M:
        """``data`` (parsed JSON) as this model; ``InvalidField`` naming the first bad field."""
        return parse_as(cls, data, what=cls.__name__.lower())


def field_path(loc: tuple[Any, ...]) -> str:
    """('items', 0, 'title') -> 'items[0].title'."""
    path = ""
    for part in loc:
        if part == "__root__":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


# pydantic's own wording for the commonest problems, said the way the rest of the product says it.
_MESSAGES = {
    "value_error.missing": "is required",
    "value_error.extra": "is not a known field",
    "type_error.none.not_allowed": "must not be null",
    "value_error.any_str.min_length": "must not be empty",
}


def first_error(error: ValidationError) -> InvalidField:
    """The first problem of a pydantic ``ValidationError`` as an ``InvalidField`` naming the field."""
    return field_error(dict(error.errors()[0]))


def field_error(error: Mapping[str, Any], loc_prefix: tuple[Any, ...] = ()) -> InvalidField:
    """One of pydantic's error dicts (``ValidationError.errors()``, FastAPI's request errors) as an
    ``InvalidField``; ``loc_prefix`` is cut off the location (FastAPI's 'body')."""
    loc = tuple(error.get("loc") or ())
    if loc[: len(loc_prefix)] == loc_prefix:
        loc = loc[len(loc_prefix) :]
    where = field_path(loc)
    kind, message = str(error.get("type") or ""), str(error.get("msg") or "is invalid")
    if kind == "value_error.invalidfield":  # raised by our own validators: "field: message"
        inner, _, message = message.partition(": ")
        return InvalidField(_join(where, inner), message)
    message = _MESSAGES.get(kind, message)
    if kind == "value_error.any_str.max_length":
        message = f"must be at most {(error.get('ctx') or {}).get('limit_value')} characters"
    return InvalidField(where or "body", message)


def _join(prefix: str, field: str) -> str:
    if not field:
        return prefix
    if not prefix:
        return field
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


def parse_as(model: type[M], data: Any, *, what: str) -> M:
    """``data`` (JSON) as ``model``; ``InvalidField`` naming the first bad field otherwise.

    ``what`` names the whole thing when ``data`` is not even an object ("order: must be a JSON object").
    """
    if not isinstance(data, dict):
        raise InvalidField(what, "must be a JSON object")
    try:
        return model.parse_obj(data)
    except ValidationError as error:
        raise first_error(error) from None


def revalidated(instance: M) -> M:
    """``instance`` checked again, as if it had come in as JSON: models built with ``construct``
    (or by code that bypassed validation) are refused here with the field named."""
    cls = type(instance)
    try:
        return cls.parse_obj(json.loads(instance.json()))
    except ValidationError as error:
        raise first_error(error) from None
    except (TypeError, ValueError) as error:
        raise InvalidField(cls.__name__.lower(), f"is not valid JSON data ({error})") from None
