"""`supportbot eval answers | dialogs`: bad input exits 2 before anything starts; a run through a real
gateway reports figures, prints dev failures and keeps held-out texts out of the output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import cli

ANSWERS = """
questions:
  - {q: "when will I get my refund", expect: ['3-20 business days'], topic: refund, style: terse}
  - {q: "can I cancel order 1002", expect: ['can be cancelled'], forbid: ['sign in'], customer: C1001, topic: cancel}
  - {q: "can I cancel order 1002 please", expect: ['can be cancelled'], topic: cancel, style: formal}
  - {q: "how do I use my coupon", expect: ['discount code'], topic: coupons}
"""

DIALOGS = """
dialogs:
  - id: refund-then-coupon
    pattern: topic-switch
    turns:
      - user: "when will I get my refund"
        expect: ['business days']
      - user: "and coupons?"
        expect: ['not sure']
      - choose: 'use a coupon'
        expect: ['I didn.t understand']
  - id: signed-in-cancel
    pattern: follow-up
    customer: C1001
    turns:
      - user: "cancel order 1002"
        expect: ['can be cancelled']
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["eval", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("kind", ["answers", "dialogs"])
def test_a_missing_file_exits_2_naming_it(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, kind, "--file", str(tmp_path / "nope.yaml"))

    assert code == 2
    assert f"{tmp_path / 'nope.yaml'} does not exist" in err


def test_a_malformed_item_exits_2_naming_file_and_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, "answers.yaml", "questions:\n  - {q: ok, expect: [x]}\n  - {q: broken, expect: ['(']}\n"
    )

    code, out, err = run(capsys, "answers", "--file", str(path))

    assert code == 2
    assert out == ""
    assert f"{path}: question 2 ('broken'): expect[0] '(' is not a valid regular expression" in err


def test_a_missing_split_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("SUPPORTBOT_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        code, _, err = run(capsys, "dialogs", "--split", "heldout")
    finally:
        get_settings.cache_clear()

    assert code == 2
    assert f"{tmp_path / 'eval/dialogs_heldout.yaml'} does not exist" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--split", "dev", "--file", "x.yaml"], "give --split or --file, not both"),
        (["--file", "{answers}", "--timeout", "0"], "--timeout and --start-timeout must be positive"),
        (
            ["--file", "{answers}", "--json", "/no/such/dir/out.json"],
            "--json: the directory /no/such/dir does not exist",
        ),
        (["--file", "{answers}", "--rasa-url", "http://127.0.0.1:1"], "--rasa-url goes with --url"),
        (["--file", "{answers}", "--model", "/no/model.tar.gz"], "--model: /no/model.tar.gz is not a file"),
        (
            ["--file", "{answers}", "--url", "http://127.0.0.1:1", "--model", "m.tar.gz"],
            "with --url the gateway's own",
        ),
    ],
)
def test_bad_options_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write(tmp_path, "answers.yaml", ANSWERS)

    code, _, err = run(capsys, "answers", *[arg.replace("{answers}", str(answers)) for arg in argv])

    assert code == 2
    assert message in err


def test_an_unknown_split_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["eval", "answers", "--split", "test"])

    assert exit_.value.code == 2
    assert "invalid choice: 'test'" in capsys.readouterr().err


def test_an_unknown_customer_exits_2_before_anything_starts(tmp_path: Path, capsys: Any) -> None:
    path = write(tmp_path, "answers.yaml", "questions:\n  - {q: where is 9, expect: [x], customer: C9999}\n")

    code, _, err = run(capsys, "answers", "--file", str(path))

    assert code == 2
    assert f"{path}: question 1: customer is not one of the demo customers (C1001, C1002, C1003)" in err
    assert "starting" not in err


def test_a_signed_in_buyer_needs_the_widget_secret_with_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from bot.config import get_settings

    monkeypatch.delenv("SUPPORTBOT_WIDGET_SECRET", raising=False)
    get_settings.cache_clear()
    path = write(tmp_path, "answers.yaml", ANSWERS)
    try:
        code, _, err = run(capsys, "answers", "--file", str(path), "--url", "http://127.0.0.1:1")
    finally:
        get_settings.cache_clear()

    assert code == 2
    assert "C1001: signed-in buyers need the gateway's SUPPORTBOT_WIDGET_SECRET" in err


def test_answers_through_a_gateway_print_figures_and_dev_failures(
    gateway: tuple[str, str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, rasa_url, rasa = gateway
    path = write(tmp_path, "answers_dev.yaml", ANSWERS)
    out_json = tmp_path / "out.json"

    code, out, err = run(
        capsys, "answers", "--file", str(path), "--url", url, "--rasa-url", rasa_url, "--json", str(out_json)
    )

    assert code == 0, err
    assert "correct      2/4  50.0%" in out
    assert "fallback     1/4  25.0%   (not_sure 1)" in out
    assert "latency      p50" in out
    # The signed-in question reached Rasa with the verified id, the anonymous one without.
    assert rasa.customers[-4:] == [None, "C1001", None, None]
    assert "FAIL question 3 [cancel, formal]: can I cancel order 1002 please" in out
    assert "missing   can be cancelled" in out
    assert "| Please sign in so I can look at your orders" in out
    assert "FAIL question 4 [coupons]: how do I use my coupon" in out
    assert "fallback  not_sure" in out
    assert "intent    faq -> action_answer_faq" in out
    document = json.loads(out_json.read_text(encoding="utf-8"))
    [run_] = document["runs"]
    assert document["mode"] == "gateway"
    assert run_["summary"]["correct"] == 2
    assert run_["results"][3]["q"] == "how do I use my coupon"
    assert run_["results"][3]["fallback"] == "not_sure"
    assert run_["results"][0]["reply"] == "Usually it takes 3-20 business days."


def test_held_out_results_are_figures_only_unless_show_failures(
    gateway: tuple[str, str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, rasa_url, _ = gateway
    path = write(tmp_path, "answers_heldout.yaml", ANSWERS)
    out_json = tmp_path / "out.json"

    code, out, _ = run(
        capsys, "answers", "--file", str(path), "--url", url, "--rasa-url", rasa_url, "--json", str(out_json)
    )

    assert code == 0
    assert "(heldout, 4 questions)" in out
    assert "correct      2/4" in out
    assert "target       missed" in out
    assert "refund" in out
    assert "cancel" in out
    texts = ["when will I get my refund", "order 1002", "coupon", "3-20", "can be cancelled", "sign in"]
    shown = out + out_json.read_text(encoding="utf-8")
    assert not [text for text in texts if text in shown.replace("coupons", "")]
    assert "--show-failures" in out

    code, out, _ = run(
        capsys, "answers", "--file", str(path), "--url", url, "--rasa-url", rasa_url, "--show-failures"
    )
    assert code == 0
    assert "FAIL question 3 [cancel, formal]: can I cancel order 1002 please" in out


def test_dialogs_through_a_gateway_click_buttons_and_count_dialogs_and_turns(
    gateway: tuple[str, str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, rasa_url, rasa = gateway
    path = write(tmp_path, "dialogs_dev.yaml", DIALOGS)

    code, out, err = run(capsys, "dialogs", "--file", str(path), "--url", url, "--rasa-url", rasa_url)

    assert code == 0, err
    assert "fully correct 2/2  100.0%" in out
    assert "turns correct 4/4  100.0%" in out
    # Turn 2 said "not sure", turn 3 clicked its button (its payload gets the scripted Rasa's fallback).
    assert "fallback     2/4  50.0%   (nlu_fallback 1, not_sure 1)" in out
    assert "  topic-switch         1/1      3/3" in out
    assert rasa.customers[-1] == "C1001"
    assert rasa.trackers  # every turn went through Rasa
