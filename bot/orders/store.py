"""The order store: customers, their orders and the handoff tickets, over one SQLAlchemy engine.

Every buyer-facing lookup takes the *verified* customer id and filters on it in the query, so
an order id typed by one buyer can never return another buyer's order. ``get_order`` and the
upserts are for admin code only (admin API, seed, CLI).

Each public method is one transaction: a write that fails (invalid order, unknown customer)
leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from bot import db
from bot.conversations import CHANNELS
from bot.errors import SupportbotError, UsageError
from bot.orders.schema import Order, OrderValidationError, format_datetime, order_from_dict, order_to_dict

TICKET_STATUSES = ("open", "assigned", "closed")
_UNRESOLVED = ("open", "assigned")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CUSTOMER_KEYS = ("customer_id", "name", "email", "phone")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: Optional[str] = None
    phone: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "name": self.name, "email": self.email, "phone": self.phone}


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    session_id: str
    channel: str
    customer_id: Optional[str]
    reason: str
    status: str
    transcript: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "session_id": self.session_id,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "reason": self.reason,
            "status": self.status,
            "transcript": [dict(turn) for turn in self.transcript],
            "created_at": format_datetime(self.created_at),
            "updated_at": format_datetime(self.updated_at),
        }


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


def customer_from_dict(data: Any) -> Customer:
    """Validate customer JSON (admin sync) into a ``Customer``; UsageError names the field."""
    if not isinstance(data, Mapping):
        raise UsageError("customer: must be a JSON object")
    unknown = sorted(set(data) - set(_CUSTOMER_KEYS))
    if unknown:
        raise UsageError(f"{unknown[0]}: is not a customer field")
    for name in _CUSTOMER_KEYS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{name}: must be a string")
    return validate_customer(
        Customer(
            customer_id=data.get("customer_id") or "",
            name=data.get("name") or "",
            email=data.get("email"),
            phone=data.get("phone"),
        )
    )


def validate_customer(customer: Customer) -> Customer:
    """The customer with surrounding blanks removed; UsageError naming the first bad field."""
    customer_id = (customer.customer_id or "").strip()
    if not customer_id:
        raise UsageError("customer_id: is required")
    if len(customer_id) > 64:
        raise UsageError("customer_id: must be at most 64 characters")
    name = (customer.name or "").strip()
    if not name:
        raise UsageError("name: is required")
    if len(name) > 200:
        raise UsageError("name: must be at most 200 characters")
    email = (customer.email or "").strip() or None
    if email is not None and (len(email) > 320 or not _EMAIL.match(email)):
        raise UsageError(f"email: {email!r} is not an email address")
    phone = (customer.phone or "").strip() or None
    if phone is not None:
        digits = phone_digits(phone)
        # E.164 allows at most 15 digits; fewer than 7 cannot be a reachable mobile number.
        if len(phone) > 32 or not 7 <= len(digits) <= 15:
            raise UsageError(f"phone: {phone!r} is not an international phone number like +4915112345678")
    return Customer(customer_id=customer_id, name=name, email=email, phone=phone)


def _validated(order: Order) -> tuple[Order, dict[str, Any]]:
    """The order as order JSON from outside would give it, and its stored JSON document."""
    document = order_to_dict(order)
    # A string, not order_to_dict's float, so large amounts survive the round trip exactly.
    document["amount"] = str(order.amount)
    try:
        order = order_from_dict(document)
        document = order_to_dict(order)
        document["amount"] = str(order.amount)
        json.dumps(document)
    except OrderValidationError as error:
        raise UsageError(f"order {order.order_id!r}: {error}") from None
    except (TypeError, ValueError):
        raise UsageError(f"order {order.order_id!r}: items: must contain only JSON values") from None
    return order, document


class OrderStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> OrderStore:
        return cls(db.get_engine(url))

    # Buyer-facing: always scoped to the customer.

    def get_customer_order(self, customer_id: str, order_id: str) -> Optional[Order]:
        """The order if it exists *and* belongs to ``customer_id``; otherwise None (never a hint)."""
        if not customer_id or not order_id:
            return None
        query = select(db.orders.c.document).where(
            db.orders.c.order_id == order_id.strip(), db.orders.c.customer_id == customer_id
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            document = conn.execute(query).scalar_one_or_none()
        return None if document is None else order_from_dict(document)

    def list_customer_orders(self, customer_id: str) -> list[Order]:
        """The customer's orders, newest first."""
        if not customer_id:
            return []
        query = (
            select(db.orders.c.document)
            .where(db.orders.c.customer_id == customer_id)
            .order_by(db.orders.c.created_at.desc(), db.orders.c.order_id.desc())
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            documents = conn.execute(query).scalars().all()
        return [order_from_dict(document) for document in documents]

    # Admin only.

    def get_order(self, order_id: str) -> Optional[Order]:
        query = select(db.orders.c.document).where(db.orders.c.order_id == order_id.strip())
        with db.database_errors(self.engine), self.engine.connect() as conn:
            document = conn.execute(query).scalar_one_or_none()
        return None if document is None else order_from_dict(document)

    def upsert_order(self, order: Order) -> bool:
        """Create or replace the order; True when created. The customer must exist (UsageError)."""
        valid, document = _validated(order)
        return self._write(lambda conn: self._upsert_order(conn, valid, document))

    def upsert_customer(self, customer: Customer) -> bool:
        """Create or replace the customer; True when created."""
        customer = validate_customer(customer)
        return self._write(lambda conn: self._upsert_customer(conn, customer))

    def upsert_many(self, customers: Iterable[Customer], orders: Iterable[Order]) -> tuple[int, int]:
        """Customers, then orders, all in one transaction; (customers created, orders created).

        One bad record writes nothing at all (the seed and admin imports rely on it).
        """
        valid_customers = [validate_customer(customer) for customer in customers]
        valid_orders = [_validated(order) for order in orders]

        def write(conn: Connection) -> tuple[int, int]:
            created_customers = sum(self._upsert_customer(conn, customer) for customer in valid_customers)
            created_orders = sum(self._upsert_order(conn, order, doc) for order, doc in valid_orders)
            return created_customers, created_orders

        return self._write(write)

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        if not customer_id:
            return None
        query = select(db.customers).where(db.customers.c.customer_id == customer_id.strip())
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _customer(row)

    def find_customer_by_phone(self, phone: str) -> Optional[Customer]:
        """The customer whose phone has the same digits; None when none or several match.

        Several customers sharing a number cannot be told apart, and guessing would show one
        buyer another's orders, so an ambiguous number is treated like an unknown one.
        """
        digits = phone_digits(phone or "")
        if not digits:
            return None
        query = select(db.customers).where(db.customers.c.phone_digits == digits).limit(2)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return _customer(rows[0]) if len(rows) == 1 else None

    def count_orders(self) -> int:
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.orders)).scalar_one())

    def list_customers(self) -> list[Customer]:
        query = select(db.customers).order_by(db.customers.c.customer_id)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_customer(row) for row in conn.execute(query)]

    # Handoff tickets.

    def create_ticket(
        self,
        session_id: str,
        channel: str,
        customer_id: Optional[str],
        reason: str,
        transcript: list[dict[str, Any]],
    ) -> Ticket:
        """Open a ticket for the conversation, or return its ticket that is still open or assigned.

        A buyer asking for a person twice must not queue twice.
        """
        if not session_id or not session_id.strip():
            raise UsageError("session_id: is required")
        if channel not in CHANNELS:
            raise UsageError(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}")
        reason = (reason or "").strip()
        if not reason:
            raise UsageError("reason: is required")
        if not isinstance(transcript, list) or not all(isinstance(turn, Mapping) for turn in transcript):
            raise UsageError("transcript: must be a list of objects")
        turns = [dict(turn) for turn in transcript]
        try:
            json.dumps(turns)
        except (TypeError, ValueError):
            raise UsageError("transcript: must contain only JSON values") from None

        def write(conn: Connection) -> Ticket:
            existing = self._open_ticket(conn, session_id)
            if existing is not None:
                return existing
            now = db.utcnow()
            ticket = Ticket(
                ticket_id=f"T-{secrets.token_hex(4).upper()}",
                session_id=session_id,
                channel=channel,
                customer_id=customer_id or None,
                reason=reason,
                status="open",
                transcript=turns,
                created_at=now,
                updated_at=now,
            )
            conn.execute(db.tickets.insert().values(**vars(ticket)))
            return ticket

        return self._write(write)

    def list_tickets(self, status: Optional[str] = None) -> list[Ticket]:
        """Tickets oldest first: the handoff queue serves whoever has waited longest."""
        query = select(db.tickets).order_by(db.tickets.c.created_at, db.tickets.c.ticket_id)
        if status is not None:
            _check_ticket_status(status)
            query = query.where(db.tickets.c.status == status)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_ticket(row) for row in conn.execute(query)]

    def update_ticket(self, ticket_id: str, status: str) -> Ticket:
        _check_ticket_status(status)

        def write(conn: Connection) -> Ticket:
            result = conn.execute(
                db.tickets.update()
                .where(db.tickets.c.ticket_id == ticket_id)
                .values(status=status, updated_at=db.utcnow())
            )
            if not result.rowcount:
                raise UsageError(f"ticket {ticket_id!r} does not exist")
            row = conn.execute(select(db.tickets).where(db.tickets.c.ticket_id == ticket_id)).one()
            return _ticket(row)

        return self._write(write)

    def get_open_ticket(self, session_id: str) -> Optional[Ticket]:
        """The conversation's newest ticket that is not closed (open or assigned)."""
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return self._open_ticket(conn, session_id)

    # Internals: each takes the caller's connection so several can share one transaction.

    def _write(self, work: Callable[[Connection], _T]) -> _T:
        # A concurrent writer may create the same new key between our SELECT and INSERT; the
        # second attempt then sees it and updates instead.
        try:
            with db.database_errors(self.engine), self.engine.begin() as conn:
                return work(conn)
        except IntegrityError:
            pass
        try:
            with db.database_errors(self.engine), self.engine.begin() as conn:
                return work(conn)
        except IntegrityError as error:
            raise SupportbotError(f"database {db.describe(self.engine)}: {error.orig}") from None

    @staticmethod
    def _upsert_customer(conn: Connection, customer: Customer) -> bool:
        now = db.utcnow()
        values = {
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "phone_digits": phone_digits(customer.phone) if customer.phone else None,
            "updated_at": now,
        }
        table = db.customers
        result = conn.execute(
            table.update().where(table.c.customer_id == customer.customer_id).values(**values)
        )
        if result.rowcount:
            return False
        conn.execute(table.insert().values(customer_id=customer.customer_id, created_at=now, **values))
        return True

    @staticmethod
    def _upsert_order(conn: Connection, order: Order, document: dict[str, Any]) -> bool:
        known = conn.execute(
            select(db.customers.c.customer_id).where(db.customers.c.customer_id == order.customer_id)
        ).first()
        if known is None:
            raise UsageError(
                f"order {order.order_id!r}: customer_id {order.customer_id!r} does not exist; "
                "create the customer first"
            )
        values = {
            "customer_id": order.customer_id,
            "status": order.status,
            "created_at": order.created_at,
            "document": document,
            "updated_at": db.utcnow(),
        }
        table = db.orders
        result = conn.execute(table.update().where(table.c.order_id == order.order_id).values(**values))
        if result.rowcount:
            return False
        conn.execute(table.insert().values(order_id=order.order_id, **values))
        return True

    @staticmethod
    def _open_ticket(conn: Connection, session_id: str) -> Optional[Ticket]:
        query = (
            select(db.tickets)
            .where(db.tickets.c.session_id == session_id, db.tickets.c.status.in_(_UNRESOLVED))
            .order_by(db.tickets.c.created_at.desc(), db.tickets.c.ticket_id.desc())
            .limit(1)
        )
        row = conn.execute(query).one_or_none()
        return None if row is None else _ticket(row)


def _check_ticket_status(status: str) -> None:
    if status not in TICKET_STATUSES:
        raise UsageError(f"status: {status!r} is not one of {', '.join(TICKET_STATUSES)}")


def _customer(row: Row) -> Customer:
    return Customer(customer_id=row.customer_id, name=row.name, email=row.email, phone=row.phone)


def _ticket(row: Row) -> Ticket:
    return Ticket(
        ticket_id=row.ticket_id,
        session_id=row.session_id,
        channel=row.channel,
        customer_id=row.customer_id,
        reason=row.reason,
        status=row.status,
        transcript=list(row.transcript or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
