"""`supportbot orders migrate | seed | list | show | import` against a temporary SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli, db
from bot.config import get_settings
from bot.orders.seed import demo_orders
from bot.orders.store import OrderStore


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # The CLI reads the process settings, so this is the one place tests set the environment.
    url = f"sqlite:///{tmp_path / 'var' / 'cli.db'}"
    monkeypatch.setenv("SUPPORTBOT_DB_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    db.dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["orders", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_seed_before_migrate_says_what_to_run(db_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "seed")
    assert code == 1
    assert "supportbot orders migrate" in err
    assert "Traceback" not in err


def test_migrate_seed_list_show(db_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate")[0] == 0
    code, out, _ = run(capsys, "migrate")
    assert code == 0
    assert db.head_revision() in out

    code, out, _ = run(capsys, "seed", "--if-empty", "--now", "2024-06-01T12:00:00Z")
    assert code == 0
    assert "18 new" in out
    code, out, _ = run(capsys, "seed", "--if-empty")
    assert code == 0
    assert "not seeding" in out

    code, out, _ = run(capsys, "list", "--customer", "C1001")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert {o["customer_id"] for o in listed} == {"C1001"}
    assert "1001" in [o["order_id"] for o in listed]
    assert [o["created_at"] for o in listed] == sorted((o["created_at"] for o in listed), reverse=True)

    code, out, _ = run(capsys, "show", "1009")
    shown = json.loads(out)
    assert code == 0
    assert shown["customer_id"] == "C1002"
    assert shown["dispute"]["status"] == "open"


def test_seed_now_must_be_a_date(db_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "migrate")
    code, _, err = run(capsys, "seed", "--now", "yesterday")
    assert code == 2
    assert "--now" in err


def test_unknown_order_and_customer_exit_2(db_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "migrate")
    code, _, err = run(capsys, "show", "404")
    assert code == 2
    assert "404" in err
    code, _, err = run(capsys, "list", "--customer", "C404")
    assert code == 2
    assert "C404" in err


def test_import_reports_each_line_and_keeps_going(
    db_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "migrate")
    run(capsys, "seed")
    good = json.loads(run(capsys, "show", "1002")[1])
    changed = {**good, "status": "cancelled"}
    new = {**good, "order_id": "5001"}
    lines = [
        json.dumps(changed),
        "",
        "{not json",
        json.dumps({**good, "order_id": "5002", "customer_id": "C404"}),
        json.dumps({**good, "order_id": "5003", "status": "lost"}),
        json.dumps(new),
    ]
    source = tmp_path / "orders.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, out, err = run(capsys, "import", str(source))
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert results[0] == {"line": 1, "order_id": "1002", "result": "updated"}
    assert results[1]["line"] == 3
    assert "JSON" in results[1]["error"]
    assert results[2]["line"] == 4
    assert "C404" in results[2]["error"]
    assert results[3]["line"] == 5
    assert "status" in results[3]["error"]
    assert results[4] == {"line": 6, "order_id": "5001", "result": "created"}
    assert "2 orders (1 new, 1 updated), 3 failed" in err

    store = OrderStore.from_url(db_file)
    assert store.get_order("1002").status == "cancelled"
    assert store.get_order("5002") is None
    assert store.count_orders() == len(demo_orders(store.get_order("1001").created_at)) + 1


def test_import_of_a_missing_file_exits_2(
    db_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "migrate")
    code, _, err = run(capsys, "import", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert "nope.jsonl" in err
