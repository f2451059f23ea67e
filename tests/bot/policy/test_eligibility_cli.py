"""`supportbot eligibility`: order JSON lines in, one decision or error object per line out."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from bot import cli

NOW = "2026-04-20T12:00:00Z"

SHIPPED = {
    "order_id": "A-1",
    "customer_id": "c-1",
    "status": "shipped",
    "created_at": "2026-03-01T09:00:00Z",
    "paid_at": "2026-03-01T09:05:00Z",
    "payment_method": "paypal",
    "shipped_at": "2026-03-03T10:00:00Z",
    "delivery_deadline": "2026-04-10T00:00:00Z",
    "logistics": "normal",
}
AWAITING = {
    "order_id": "A-2",
    "customer_id": "c-1",
    "status": "awaiting_shipment",
    "created_at": "2026-04-18T09:00:00",
    "paid_at": "2026-04-18T09:05:00",
}


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lines: list[str], *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))
    code = cli.main(["eligibility", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_one_decision_per_order_line(monkeypatch, capsys) -> None:
    code, out, err = run(monkeypatch, capsys, [json.dumps(SHIPPED), json.dumps(AWAITING)], "--now", NOW)
    assert code == 0
    assert err == ""
    assert [item["order_id"] for item in out] == ["A-1", "A-2"]
    shipped, awaiting = out
    assert set(shipped) == {"order_id", "cancel", "dispute", "refund", "return"}
    # the deadline (10 April) has passed, so the normal-transit dispute is open until 25 April
    assert shipped["dispute"]["allowed"] is True
    assert shipped["dispute"]["opens_at"] == "2026-04-10T00:00:00Z"
    assert shipped["dispute"]["closes_at"] == "2026-04-25T00:00:00Z"
    assert shipped["dispute"]["paypal_until"] == "2026-08-28T09:05:00Z"
    assert awaiting["cancel"] == {
        "allowed": True,
        "mode": "immediate",
        "reason": awaiting["cancel"]["reason"],
        "article_id": awaiting["cancel"]["article_id"],
        "immediate_until": "2026-04-25T09:05:00Z",
        "deadline": None,
    }


def test_now_changes_the_verdict(monkeypatch, capsys) -> None:
    line = json.dumps(SHIPPED)
    _, before, _ = run(monkeypatch, capsys, [line], "--now", "2026-04-09T23:59:59Z")
    _, at, _ = run(monkeypatch, capsys, [line], "--now", "2026-04-10T00:00:00")  # naive: UTC
    assert before[0]["dispute"]["allowed"] is False
    assert at[0]["dispute"]["allowed"] is True


def test_malformed_lines_get_error_objects_and_the_others_are_still_evaluated(monkeypatch, capsys) -> None:
    shipped_without_date = {key: value for key, value in SHIPPED.items() if key != "shipped_at"}
    lines = [
        json.dumps(SHIPPED),  # 1
        "{not json",  # 2
        "",  # 3: blank, ignored but still counted
        json.dumps({**SHIPPED, "status": "lost"}),  # 4
        json.dumps(shipped_without_date),  # 5
        json.dumps({**AWAITING, "paid_at": "2026-05-01T00:00:00Z"}),  # 6: after --now
        "[1, 2]",  # 7
        json.dumps(AWAITING),  # 8
    ]
    code, out, err = run(monkeypatch, capsys, lines, "--now", NOW)
    assert code == 1
    assert "Traceback" not in err
    assert [item.get("order_id", item.get("line")) for item in out] == ["A-1", 2, 4, 5, 6, 7, "A-2"]
    errors = {item["line"]: item["error"] for item in out if "line" in item}
    assert all(set(item) == {"line", "error"} for item in out if "line" in item)
    assert errors[2].startswith("order: not valid JSON")
    assert errors[4].startswith("status: 'lost' is not one of")
    assert errors[5] == "shipped_at: is required for a shipped order"
    assert errors[6].startswith("paid_at: 2026-05-01T00:00:00Z is after now")
    assert errors[7] == "order: must be a JSON object"


def test_blank_input_prints_nothing_and_succeeds(monkeypatch, capsys) -> None:
    code, out, _ = run(monkeypatch, capsys, ["", "   "], "--now", NOW)
    assert (code, out) == (0, [])


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", ""])
def test_bad_now_exits_2_with_a_message(monkeypatch, capsys, bad: str) -> None:
    code, out, err = run(monkeypatch, capsys, [json.dumps(SHIPPED)], "--now", bad)
    assert code == 2
    assert out == []
    assert "--now" in err
    assert "Traceback" not in err


def test_without_now_the_current_time_is_used(monkeypatch, capsys) -> None:
    old = {
        **SHIPPED,
        "created_at": "2020-01-01T00:00:00Z",
        "paid_at": "2020-01-01T00:00:00Z",
        "shipped_at": "2020-01-02T00:00:00Z",
        "delivery_deadline": "2020-02-01T00:00:00Z",
    }
    code, out, _ = run(monkeypatch, capsys, [json.dumps(old)])
    assert code == 0
    assert out[0]["dispute"]["allowed"] is False
