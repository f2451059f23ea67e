"""`supportbot orders migrate | seed | list | show | import | revoke-identities`: the order store, for admins.

Every command works on ``SUPPORTBOT_DB_URL`` (default: the SQLite file under ``var/``). Orders
are printed as order JSON, one object per line, so the output pipes straight into
`supportbot eligibility`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.orders.store import OrderStore


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    orders = groups["orders"]

    migrate = orders.add_parser(
        "migrate",
        help="Create or upgrade the database tables (idempotent).",
        description="Run the Alembic migrations in bot/migrations/ up to the newest revision.",
    )
    migrate.set_defaults(func=_migrate)

    seed = orders.add_parser(
        "seed",
        help="Load the demo customers and orders (dates relative to now).",
        description=(
            "Upsert the demo customers C1001-C1003 and their orders, dated relative to the "
            "current time so the eligibility windows are meaningful whenever it runs."
        ),
    )
    seed.add_argument("--if-empty", action="store_true", help="do nothing when the store already has orders")
    seed.add_argument("--now", metavar="ISO", help="date the demo orders relative to this instant instead")
    seed.set_defaults(func=_seed)

    listing = orders.add_parser(
        "list", help="Print a customer's orders as JSON lines, newest first.", description="Admin view."
    )
    listing.add_argument("--customer", required=True, metavar="ID", help="customer id, e.g. C1001")
    listing.set_defaults(func=_list)

    show = orders.add_parser(
        "show", help="Print one order as JSON.", description="Admin view (any customer)."
    )
    show.add_argument("order_id")
    show.set_defaults(func=_show)

    revoke = orders.add_parser(
        "revoke-identities",
        help="Sign a customer out of the chat widget everywhere (tokens issued until now, every hash).",
        description=(
            "Widget tokens issued until now and every customer_hash of the customer stop being "
            "accepted, without rotating SUPPORTBOT_WIDGET_SECRET; tokens issued afterwards work."
        ),
    )
    revoke.add_argument("customer_id")
    revoke.set_defaults(func=_revoke)

    importing = orders.add_parser(
        "import",
        help="Upsert orders from a JSON-lines file ('-' for stdin).",
        description=(
            "Reads one order JSON object per line. Each line is stored on its own, so a bad line "
            'prints {"line": n, "error": "..."} and the others are still imported; the exit '
            "code is 1 if any line failed. The customers must exist already."
        ),
    )
    importing.add_argument("file", metavar="FILE.jsonl")
    importing.set_defaults(func=_import)


def _store() -> OrderStore:
    from bot.config import get_settings
    from bot.orders.store import OrderStore

    return OrderStore.from_url(get_settings().database_url)


def _migrate(_args: argparse.Namespace) -> int:
    from bot import db
    from bot.config import get_settings

    url = get_settings().database_url
    revision = db.migrate(url)
    print(f"database {db.describe(db.get_engine(url))} is at revision {revision} (head)")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from bot.orders.seed import demo_customers, demo_orders, seed
    from bot.schemas.base import parse_datetime, utc_now

    now = utc_now() if args.now is None else parse_datetime(args.now, "--now")
    created = seed(_store(), now, if_empty=args.if_empty)
    if created is None:
        print("the store already has orders; not seeding (--if-empty)")
        return 0
    customers, orders = created
    print(
        f"seeded {len(demo_orders(now))} demo orders ({orders} new) for {len(demo_customers())} customers "
        f"({customers} new), "
        f"dated relative to {now.isoformat()}"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    store = _store()
    if store.get_customer(args.customer) is None:
        raise UsageError(f"no customer {args.customer!r}")
    for order in store.list_customer_orders(args.customer):
        print(json.dumps(order.to_dict(), ensure_ascii=False))
    return 0


def _show(args: argparse.Namespace) -> int:
    order = _store().get_order(args.order_id)
    if order is None:
        raise UsageError(f"no order {args.order_id!r}")
    print(json.dumps(order.to_dict(), ensure_ascii=False))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from bot.schemas.customers import IdentitiesRevoked

    at = _store().revoke_identities(args.customer_id)  # NotFound (exit 2) for an unknown customer
    print(IdentitiesRevoked(customer_id=args.customer_id, identities_valid_after=at).json())
    return 0


def _import(args: argparse.Namespace) -> int:
    store = _store()
    if args.file == "-":
        return import_lines(store, sys.stdin, sys.stdout)
    try:
        with open(args.file, encoding="utf-8") as lines:
            return import_lines(store, lines, sys.stdout)
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{args.file} is not UTF-8 text") from None


def import_lines(store: OrderStore, lines: TextIO, out: TextIO) -> int:
    """Upsert each order line on its own; one JSON result per non-blank line; 1 if any failed."""
    from bot.schemas.orders import Order

    counts = {"created": 0, "updated": 0, "failed": 0}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result: dict[str, Any]
        try:
            order = Order.from_json(json.loads(line))
            created = store.upsert_order(order)
            result = {
                "line": number,
                "order_id": order.order_id,
                "result": "created" if created else "updated",
            }
        except json.JSONDecodeError as exc:
            result = {"line": number, "error": f"order: not valid JSON ({exc.msg} at column {exc.colno})"}
        except UsageError as exc:
            result = {"line": number, "error": str(exc)}
        counts[result.get("result", "failed")] += 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    print(
        f"imported {counts['created'] + counts['updated']} orders "
        f"({counts['created']} new, {counts['updated']} updated), {counts['failed']} failed",
        file=sys.stderr,
    )
    return 1 if counts["failed"] else 0
