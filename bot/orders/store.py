"""The order store: customers, their orders and the handoff tickets, over one SQLAlchemy engine.

Every buyer-facing lookup takes the *verified* customer id and filters on it in the query, so
an order id typed by one buyer can never return another buyer's order. ``get_order`` and the
upserts are for admin code only (admin API, seed, CLI).

Each public method is one transaction: a write that fails (invalid order, unknown customer)
leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from bot import db
from bot.errors import InvalidField, NotFound, SupportbotError, UsageError
from bot.schemas.base import check_one_of, revalidated, utc_now
from bot.schemas.conversations import CHANNELS, TICKET_STATUSES, Channel, Ticket, TicketStatus
from bot.schemas.customers import Customer, phone_digits
from bot.schemas.orders import Order

_UNRESOLVED = ("open", "assigned")
_T = TypeVar("_T")


def _valid_customer(customer: Customer) -> Customer:
    """The customer as JSON from outside would give it: code may have built it without validation."""
    return revalidated(customer)


def _validated(order: Order) -> tuple[Order, dict[str, Any]]:
    """The order as order JSON from outside would give it, and its stored JSON document."""
    try:
        valid = revalidated(order)
    except InvalidField as error:
        raise UsageError(f"order {order.order_id!r}: {error}") from None
    return valid, valid.to_dict()


class OrderStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> OrderStore:
        return cls(db.get_engine(url))

    # Buyer-facing: always scoped to the customer.

    def get_customer_order(self, customer_id: str, order_id: str) -> Order | None:
        """The order if it exists *and* belongs to ``customer_id``; otherwise None (never a hint)."""
        if not customer_id or not order_id:
            return None
        query = select(db.orders.c.document).where(
            db.orders.c.order_id == order_id.strip(), db.orders.c.customer_id == customer_id
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            document = conn.execute(query).scalar_one_or_none()
        return None if document is None else Order.parse_obj(document)

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
        return [Order.parse_obj(document) for document in documents]

    # Admin only.

    def get_order(self, order_id: str) -> Order | None:
        query = select(db.orders.c.document).where(db.orders.c.order_id == order_id.strip())
        with db.database_errors(self.engine), self.engine.connect() as conn:
            document = conn.execute(query).scalar_one_or_none()
        return None if document is None else Order.parse_obj(document)

    def upsert_order(self, order: Order) -> bool:
        """Create or replace the order; True when created. The customer must exist (UsageError)."""
        valid, document = _validated(order)
        return self._write(lambda conn: self._upsert_order(conn, valid, document))

    def upsert_customer(self, customer: Customer) -> bool:
        """Create or replace the customer; True when created."""
        valid = _valid_customer(customer)
        return self._write(lambda conn: self._upsert_customer(conn, valid))

    def upsert_many(self, customers: Iterable[Customer], orders: Iterable[Order]) -> tuple[int, int]:
        """Customers, then orders, all in one transaction; (customers created, orders created).

        One bad record writes nothing at all (the seed and admin imports rely on it).
        """
        valid_customers = [_valid_customer(customer) for customer in customers]
        valid_orders = [_validated(order) for order in orders]

        def write(conn: Connection) -> tuple[int, int]:
            created_customers = sum(self._upsert_customer(conn, customer) for customer in valid_customers)
            created_orders = sum(self._upsert_order(conn, order, doc) for order, doc in valid_orders)
            return created_customers, created_orders

        return self._write(write)

    def get_customer(self, customer_id: str) -> Customer | None:
        if not customer_id:
            return None
        query = select(db.customers).where(db.customers.c.customer_id == customer_id.strip())
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _customer(row)

    def find_customer_by_phone(self, phone: str) -> Customer | None:
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

    def identities_valid_after(self, customer_id: str) -> datetime | None:
        """When the customer's widget identities were last revoked; None if never (or no such customer)."""
        query = select(db.customers.c.identities_valid_after).where(db.customers.c.customer_id == customer_id)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            value = conn.execute(query).scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    def revoke_identities(self, customer_id: str, at: datetime | None = None) -> datetime:
        """Every widget token issued until ``at`` (default now) and every customer_hash of the
        customer stop being accepted; ``NotFound`` for an unknown customer."""
        when = at or utc_now()

        def write(conn: Connection) -> datetime:
            table = db.customers
            result = conn.execute(
                table.update()
                .where(table.c.customer_id == customer_id)
                .values(identities_valid_after=when, updated_at=utc_now())
            )
            if not result.rowcount:
                raise NotFound(f"There is no customer {customer_id}.")
            return when

        return self._write(write)

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
        channel: Channel,
        customer_id: str | None,
        reason: str,
        transcript: list[dict[str, Any]],
    ) -> Ticket:
        """Open a ticket for the conversation, or return its ticket that is still open or assigned.

        A buyer asking for a person twice must not queue twice.
        """
        if not session_id or not session_id.strip():
            raise UsageError("session_id: is required")
        check_one_of("channel", channel, CHANNELS)
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
            now = utc_now()
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
            conn.execute(db.tickets.insert().values(**ticket.dict()))
            return ticket

        return self._write(write)

    def list_tickets(self, status: TicketStatus | None = None) -> list[Ticket]:
        """Tickets oldest first: the handoff queue serves whoever has waited longest."""
        query = select(db.tickets).order_by(db.tickets.c.created_at, db.tickets.c.ticket_id)
        if status is not None:
            check_one_of("status", status, TICKET_STATUSES)
            query = query.where(db.tickets.c.status == status)
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [_ticket(row) for row in conn.execute(query)]

    def update_ticket(self, ticket_id: str, status: TicketStatus) -> Ticket:
        check_one_of("status", status, TICKET_STATUSES)

        def write(conn: Connection) -> Ticket:
            result = conn.execute(
                db.tickets.update()
                .where(db.tickets.c.ticket_id == ticket_id)
                .values(status=status, updated_at=utc_now())
            )
            if not result.rowcount:
                raise UsageError(f"ticket {ticket_id!r} does not exist")
            row = conn.execute(select(db.tickets).where(db.tickets.c.ticket_id == ticket_id)).one()
            return _ticket(row)

        return self._write(write)

    def get_open_ticket(self, session_id: str) -> Ticket | None:
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
        now = utc_now()
        values = {
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "phone_digits": customer.phone_digits,
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
            "updated_at": utc_now(),
        }
        table = db.orders
        result = conn.execute(table.update().where(table.c.order_id == order.order_id).values(**values))
        if result.rowcount:
            return False
        conn.execute(table.insert().values(order_id=order.order_id, **values))
        return True

    @staticmethod
    def _open_ticket(conn: Connection, session_id: str) -> Ticket | None:
        query = (
            select(db.tickets)
            .where(db.tickets.c.session_id == session_id, db.tickets.c.status.in_(_UNRESOLVED))
            .order_by(db.tickets.c.created_at.desc(), db.tickets.c.ticket_id.desc())
            .limit(1)
        )
        row = conn.execute(query).one_or_none()
        return None if row is None else _ticket(row)


def _customer(row: Row) -> Customer:
    return Customer.from_fields(row._mapping)


def _ticket(row: Row) -> Ticket:
    return Ticket.from_fields(row._mapping)
