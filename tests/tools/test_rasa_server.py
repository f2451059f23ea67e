"""tools.rasa_server: Rasa's API token from the environment, never on the visible command line."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from tools.rasa_server import TOKEN_VARIABLE, main, rasa_argv


def test_the_token_is_appended_as_rasas_auth_token() -> None:
    assert rasa_argv(["--enable-api", "-p", "5005"], "t0k") == [
        "rasa",
        "run",
        "--enable-api",
        "-p",
        "5005",
        "--auth-token",
        "t0k",
    ]


def test_it_refuses_to_start_rasa_without_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    assert main(["--enable-api"]) == 2
    assert TOKEN_VARIABLE in capsys.readouterr().err


def test_the_procfile_starts_rasa_through_it_with_no_token_on_the_command_line() -> None:
    procfile = (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8")
    [rasa_line] = [line for line in procfile.splitlines() if line.startswith("rasa:")]
    assert "tools.rasa_server" in rasa_line
    assert "--enable-api" in rasa_line
    assert "--auth-token" not in rasa_line
    assert "SUPPORTBOT_RASA_TOKEN" not in rasa_line
