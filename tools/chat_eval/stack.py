"""The assistant without the gateway: an action server and a Rasa server started for one run.

``LocalStack`` is a context manager. On entry it makes a throwaway directory with a SQLite
database (migrated, seeded with the demo orders dated relative to now), writes an endpoints file
pointing Rasa at the action server and at that database for its tracker store (as in
production, where both share ``SUPPORTBOT_DB_URL``), and starts both servers on free loopback
ports the way ``Procfile`` does, one compute thread each (scripts/run.sh explains why), with a
Rasa API token and an identity secret made for this run (``rasa_token``, ``actions_secret``). It
returns once the action server's ``/health`` answers and Rasa's ``/status`` names the loaded
model. On exit, also after Ctrl-C or an error, it stops both process groups and deletes the
directory. The children get SIGTERM if this process dies without cleaning up (Linux).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from bot.errors import SupportbotError

_POLL_SECONDS = 0.5
_STOP_SECONDS = 15.0
_LOG_TAIL_LINES = 30
_CHILD_ENV = {
    "USE_TF": "0",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONUNBUFFERED": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
}


@dataclass(frozen=True)
class StackConfig:
    home: Path  # the project: actions/, credentials.yml
    model: Path  # a trained Rasa model (.tar.gz)
    rasa: Path  # the rasa executable
    start_timeout: float = 300.0  # Rasa loads its model in 30-60 s on an idle machine, minutes on a busy one
    request_timeout: float = 5.0


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; a race with another process is unlikely)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM when the harness dies (PR_SET_PDEATHSIG, Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError):  # no glibc: the explicit stop still applies
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class _Process:
    def __init__(self, name: str, command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._log_file: IO[bytes] = log.open("wb")
        try:
            self.popen = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopped as a whole, spared the terminal's Ctrl-C
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            self._log_file.close()
            raise SupportbotError(f"cannot start the {name} ({command[0]}): {exc.strerror}") from None

    def exited(self) -> int | None:
        return self.popen.poll()

    def tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-_LOG_TAIL_LINES:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(timeout=_STOP_SECONDS)
        self._log_file.close()

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.popen.pid, sig)


class LocalStack:
    """``with LocalStack(config) as stack:`` then talk to ``stack.rasa_url``."""

    def __init__(self, config: StackConfig, *, now: datetime | None = None) -> None:
        self.config = config
        self.now = now or datetime.now(timezone.utc)
        self.rasa_url = ""
        self.action_server_url = ""
        self.database_url = ""
        # What scripts/run.sh generates per run: the harness signs turns and reads trackers with them.
        self.rasa_token = secrets.token_urlsafe(32)
        self.actions_secret = secrets.token_urlsafe(32)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._processes: list[_Process] = []

    def __enter__(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def check_alive(self) -> None:
        """Raises, with the end of its log, when a server has exited during the run."""
        for process in self._processes:
            code = process.exited()
            if code is not None:
                raise SupportbotError(
                    f"the {process.name} exited (code {code}) during the run:\n{process.tail()}"
                )

    def _start(self) -> None:
        config = self.config
        if not config.model.is_file():
            raise SupportbotError(f"no Rasa model at {config.model}; run `make train`")
        self._tmp = tempfile.TemporaryDirectory(prefix="supportbot-eval-")
        work = Path(self._tmp.name)
        self.database_url = f"sqlite:///{work / 'eval.db'}"
        self._prepare_database()
        action_port, rasa_port = free_port(), free_port()
        self.action_server_url = f"http://127.0.0.1:{action_port}"
        self.rasa_url = f"http://127.0.0.1:{rasa_port}"
        endpoints = work / "endpoints.yml"
        endpoints.write_text(
            "action_endpoint:\n"
            f'  url: "{self.action_server_url}/webhook"\n'
            "tracker_store:\n"
            "  type: SQL\n"
            f'  url: "{self.database_url}"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            **_CHILD_ENV,
            "SUPPORTBOT_DB_URL": self.database_url,
            "SUPPORTBOT_ACTIONS_SECRET": self.actions_secret,
            "SUPPORTBOT_RASA_TOKEN": self.rasa_token,
        }
        self._processes.append(
            _Process(
                "action server",
                [str(config.rasa), "run", "actions", "--port", str(action_port), "--actions", "actions"],
                cwd=config.home,
                env={**env, "SANIC_HOST": "127.0.0.1"},
                log=work / "actions.log",
            )
        )
        self._processes.append(
            _Process(
                "Rasa server",
                [
                    sys.executable,
                    "-m",
                    "tools.rasa_server",
                    "--enable-api",
                    "--model",
                    str(config.model),
                    "-i",
                    "127.0.0.1",
                    "-p",
                    str(rasa_port),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(config.home / "credentials.yml"),
                ],
                cwd=config.home,
                env={**env, "SUPPORTBOT_TRACKER_DB_URL": self.database_url},
                log=work / "rasa.log",
            )
        )
        self._wait_until_ready()

    def _prepare_database(self) -> None:
        from bot import db
        from bot.orders.seed import seed
        from bot.orders.store import OrderStore

        db.migrate(self.database_url)
        seed(OrderStore.from_url(self.database_url), self.now)
        # The servers open the file themselves; this process keeps no connection to it.
        db.dispose_engine(self.database_url)

    def _wait_until_ready(self) -> None:
        import httpx

        checks = [
            (self._processes[0], f"{self.action_server_url}/health", lambda data: True),
            (self._processes[1], f"{self.rasa_url}/status?token={self.rasa_token}", _names_a_model),
        ]
        deadline = time.monotonic() + self.config.start_timeout
        with httpx.Client(timeout=self.config.request_timeout) as client:
            for process, url, ready in checks:
                while True:
                    code = process.exited()
                    if code is not None:
                        raise SupportbotError(
                            f"the {process.name} exited (code {code}) while starting:\n{process.tail()}"
                        )
                    if _answers(client, url, ready):
                        break
                    if time.monotonic() > deadline:
                        raise SupportbotError(
                            f"the {process.name} was not ready after {self.config.start_timeout:.0f} s "
                            f"(--start-timeout); the end of its log:\n{process.tail()}"
                        )
                    time.sleep(_POLL_SECONDS)

    def _stop(self) -> None:
        # Rasa first: it is the one calling the action server.
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _answers(client: Any, url: str, ready: Any) -> bool:
    import httpx

    try:
        response = client.get(url)
        return response.status_code == 200 and bool(ready(response.json()))
    except (httpx.HTTPError, ValueError):
        return False


def _names_a_model(status: Any) -> bool:
    from bot.rasa_client import model_loaded

    return isinstance(status, dict) and model_loaded(status)
