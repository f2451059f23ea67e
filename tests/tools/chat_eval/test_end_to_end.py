"""`supportbot eval answers` against the real trained model: it starts an action server and Rasa
once (30-60 s), asks three questions, grades them and stops both servers.

Skipped when models/rasa/supportbot.tar.gz is missing (`make test` trains it first, so CI runs it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from bot import cli
from bot.config import get_settings
from tools.train import model_file

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "data" / "e2e_answers.yaml"


def test_three_questions_through_the_whole_assistant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not model_file(get_settings()).is_file():
        pytest.skip(f"no trained Rasa model at {model_file(get_settings())} (make train)")
    out_json = tmp_path / "results.json"

    code = cli.main(["eval", "answers", "--file", str(FIXTURE), "--json", str(out_json)])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(out_json.read_text(encoding="utf-8"))
    assert document["mode"] == "rasa"
    [run] = document["runs"]
    summary, results = run["summary"], run["results"]
    assert summary["questions"] == 3
    assert summary["errors"] == 0
    dispute, cancel, gibberish = results
    # A help question answered from the help center, with its source.
    assert dispute["passed"], dispute
    # The signed-in buyer's own order: the metadata carried the customer id to the actions.
    assert cancel["passed"], cancel
    assert cancel["intent"] == "cancel_order", cancel
    # Gibberish: the assistant said it did not understand, and the harness counted a fallback.
    assert gibberish["passed"], gibberish
    assert gibberish["fallback"] is not None, gibberish
    assert summary["fallbacks"] == 1
    assert summary["correct"] == 3
    assert summary["latency_ms"]["turns"] == 3
    assert summary["latency_ms"]["p95"] > 0
    assert "correct      3/3  100.0%" in captured.out
    # The servers were stopped: nothing answers on Rasa's port any more.
    rasa_url = re.search(r"Rasa at (http://127\.0\.0\.1:\d+)", captured.err)
    assert rasa_url is not None, captured.err
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{rasa_url.group(1)}/status", timeout=5)
