"""The customer (a shop's buyer): admin sync, the store, the seed and WhatsApp identity."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import Field, validator

from bot.schemas.base import (
    EMAIL_MAX_CHARS,
    ID_MAX_CHARS,
    NAME_MAX_CHARS,
    PHONE_MAX_CHARS,
    PHONE_MAX_DIGITS,
    PHONE_MIN_DIGITS,
    Model,
    UtcDateTime,
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # fullmatch

if TYPE_CHECKING:
    CustomerId = str
    Name = str
else:
    from pydantic import constr

    CustomerId = constr(strict=True, strip_whitespace=True, min_length=1, max_length=ID_MAX_CHARS)
    Name = constr(strict=True, strip_whitespace=True, min_length=1, max_length=NAME_MAX_CHARS)


def phone_digits(phone: str) -> str:
    """The digits that identify a phone number: '+', spaces, dashes and 'whatsapp:' don't count.

    A leading international '00' is dropped too, so '0049 151...' and '+49 151...' match.
    """
    text = phone.strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    return digits


def _blank_is_none(value: Any) -> str | None:
    """Optional text from a shop: missing or blank is None, anything but text is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value.strip() or None


class Customer(Model):
    customer_id: CustomerId
    name: Name
    email: str | None = None
    phone: str | None = None

    @validator("email", pre=True)
    def _email(cls, value: Any) -> str | None:
        email = _blank_is_none(value)
        if email is not None and (len(email) > EMAIL_MAX_CHARS or not _EMAIL.fullmatch(email)):
            raise ValueError(f"{email!r} is not an email address")
        return email

    @validator("phone", pre=True)
    def _phone(cls, value: Any) -> str | None:
        phone = _blank_is_none(value)
        digits = len(phone_digits(phone or ""))
        if phone is not None and (
            len(phone) > PHONE_MAX_CHARS or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS
        ):
            raise ValueError(f"{phone!r} is not an international phone number like +4915112345678")
        return phone

    @property
    def phone_digits(self) -> str | None:
        return phone_digits(self.phone) if self.phone else None


class IdentitiesRevoked(Model):
    """The answer to revoking a customer's widget identities (admin API and CLI)."""

    customer_id: str
    identities_valid_after: UtcDateTime = Field(
        ...,
        description="Widget tokens issued until then, and every customer_hash of the customer, are refused.",
    )
