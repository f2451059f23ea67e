"""Running the ``rasa`` command of this environment as a subprocess, for training and evaluation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import env_defaults
from bot.errors import SupportbotError

# Rasa's output is long; a failure shows only its end, where the error is.
ERROR_TAIL_LINES = 25


def rasa_executable() -> Path:
    """The ``rasa`` script of this environment (next to the running interpreter)."""
    return Path(sys.executable).parent / "rasa"


def require_rasa(rasa: Path) -> Path:
    if not rasa.is_file():
        raise SupportbotError(f"rasa is not installed next to {sys.executable}; run `make install`")
    return rasa


def rasa_env() -> dict[str, str]:
    """The environment of a Rasa subprocess: ``defaults.env`` under the caller's own values.

    Rasa inserts its working directory into ``sys.path``, which is how it finds ``nlu_components/``
    when run from the project root.
    """
    return {**env_defaults(), **os.environ}


def run_rasa(command: list[str], *, cwd: Path, what: str, capture: bool) -> None:
    """Run ``command``; a non-zero exit is a ``SupportbotError`` naming ``what``.

    ``capture`` keeps Rasa's output out of the terminal and puts its last lines in the error;
    otherwise the output streams through and the error points at it.
    """
    try:
        done = subprocess.run(
            command, cwd=cwd, env=rasa_env(), capture_output=capture, text=True, check=False
        )
    except OSError as exc:
        raise SupportbotError(f"{what} could not start: {exc}") from None
    if done.returncode == 0:
        return
    if not capture:
        raise SupportbotError(f"{what} failed (exit {done.returncode}); its output above says why")
    output = (done.stderr or "") + (done.stdout or "")
    tail = "\n".join(output.strip().splitlines()[-ERROR_TAIL_LINES:])
    raise SupportbotError(f"{what} failed (exit {done.returncode}):\n{tail}")
