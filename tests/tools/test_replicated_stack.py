"""The replicated layout for real: `make run`'s script with two Rasa replicas on PostgreSQL and Redis.

One stack is started (``scripts/run.sh`` under supervisord, on free ports and a run directory of
its own) and then:
- messages of one conversation sent at the same moment to *both* replicas are all answered, one
  at a time and in the order they came (the Redis lock store), none lost;
- chat through the gateway keeps answering while a Rasa replica is killed with SIGKILL (the
  gateway moves its conversations to the other replica);
- a killed gateway process and a killed action server are restarted by supervisord and the
  stack is ready again on its own;
- every replica runs with the one Rasa API token of the run (its API refuses calls without it).

It needs the trained model, PostgreSQL and Redis (``.ci/run`` provides them) and takes a minute
or two, mostly Rasa loading its model twice.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

HOME = Path(__file__).resolve().parents[2]
MODEL = HOME / "models" / "rasa" / "supportbot.tar.gz"
# Rasa loads its model in 30-60 s on an idle 2-core machine, several minutes on a busy one.
READY_TIMEOUT = 900.0
RECOVERY_TIMEOUT = 300.0

pytestmark = [pytest.mark.slow, pytest.mark.replicated]


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, start: int) -> int:
    """The first of ``count`` consecutive free ports at or after ``start``."""
    port = start
    while not all(_free(port + n) for n in range(count)):
        port += count
    return port


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    gateway: str
    rasa: list[str]
    run_dir: Path
    log: Path
    db_url: str
    rasa_token: str

    def tracker(self, replica: str, session: str) -> dict[str, Any]:
        response = httpx.get(
            f"{replica}/conversations/{session}/tracker", params={"token": self.rasa_token}, timeout=30
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def supervisorctl(self, *args: str) -> str:
        done = subprocess.run(
            [
                str(HOME / ".venv" / "bin" / "supervisorctl"),
                "-c",
                str(self.run_dir / "supervisord.conf"),
                *args,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    def pid(self, name: str) -> int:
        return int(self.supervisorctl("pid", name))

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-60:])


def wait_ready(stack: Stack, timeout: float, *, replicas: int | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            pytest.fail(f"the stack exited ({stack.process.returncode}):\n{stack.tail()}")
        try:
            response = httpx.get(f"{stack.gateway}/healthz/ready", timeout=5)
            body = response.json()
            up = sum(1 for state in body.get("rasa_replicas", {}).values() if state == "ok")
            if response.status_code == 200 and (replicas is None or up >= replicas):
                return body
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(2)
    pytest.fail(f"not ready after {timeout:.0f} s: {body}\n{stack.tail()}")


@pytest.fixture(scope="module")
def stack(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.is_file():
        pytest.fail("the replicated-stack test needs the trained model: run `make train` first")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from bot import db

    schema = f"stack_{uuid.uuid4().hex[:10]}"
    admin = db.get_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db_url = (
        make_url(pg_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    work = tmp_path_factory.mktemp("stack")
    rasa_port = free_ports(2, 5205)
    action_port = free_ports(1, 5255)
    gateway_port = free_ports(1, 8205)
    rasa_token = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "SUPPORTBOT_ENV": "development",
        "SUPPORTBOT_DB_URL": db_url,
        "SUPPORTBOT_REDIS_URL": redis_url,
        "SUPPORTBOT_RASA_REPLICAS": "2",
        "SUPPORTBOT_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "SUPPORTBOT_ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}",
        "SUPPORTBOT_PORT": str(gateway_port),
        "SUPPORTBOT_RATE_LIMIT": "off",
        "SUPPORTBOT_RUN_DIR": str(work / "run"),
        # Shared by every replica (and the gateway), as run.sh would generate it.
        "SUPPORTBOT_RASA_TOKEN": rasa_token,
        "SUPPORTBOT_ACTIONS_SECRET": secrets.token_urlsafe(24),
    }
    log = work / "stack.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(HOME / "scripts" / "run.sh")],
            cwd=HOME,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(
        process,
        f"http://127.0.0.1:{gateway_port}",
        [f"http://127.0.0.1:{rasa_port + n}" for n in range(2)],
        work / "run",
        log,
        db_url,
        rasa_token,
    )
    try:
        wait_ready(stack, READY_TIMEOUT, replicas=2)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # run.sh exec'd supervisord: it stops every program
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        db.dispose_engine(db_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_one_conversation_on_both_replicas_at_once_is_answered_in_order(stack: Stack) -> None:
    from bot.rasa_client import RasaClient

    conversation = f"both-{uuid.uuid4().hex[:8]}"
    questions = [
        "Hi there",
        "How long does delivery take?",
        "How do I return an item?",
        "Which payment methods can I use?",
        "How do I use a coupon?",
        "Thanks, that helps",
    ]

    async def send_all() -> list[Any]:
        clients = [RasaClient(url, timeout=60) for url in stack.rasa]
        try:
            # Every message goes to the replica the other one would not pick, alternating, all
            # at (almost) the same moment: only the shared lock keeps them apart.
            async def one(n: int) -> Any:
                await asyncio.sleep(n * 0.01)
                return await clients[n % 2].handle_turn(
                    conversation, questions[n], {"customer_id": None, "channel": "web"}, turn_id=f"m{n}"
                )

            return await asyncio.gather(*(one(n) for n in range(len(questions))))
        finally:
            for client in clients:
                await client.aclose()

    answers = asyncio.run(send_all())
    assert all(answer.messages for answer in answers), [answer.messages for answer in answers]
    assert {answer.replica for answer in answers} == set(stack.rasa)

    events = stack.tracker(stack.rasa[0], conversation)["events"]
    users = [event for event in events if event["event"] == "user"]
    assert sorted(event["message_id"] for event in users) == [f"m{n}" for n in range(len(questions))]
    # One at a time: every user event is followed by its own answer before the next one came in.
    kinds = [event["event"] for event in events if event["event"] in ("user", "bot")]
    assert kinds[0] == "user"
    for before, after in itertools.pairwise(kinds):
        assert not (before == "user" and after == "user"), kinds
    assert kinds[-1] == "bot"


def test_every_replica_needs_the_runs_api_token(stack: Stack) -> None:
    def status(replica: str, **params: str) -> int:
        return httpx.get(f"{replica}/status", params=params, timeout=30).status_code

    for replica in stack.rasa:
        assert status(replica) == 401
        assert status(replica, token="not-the-token") == 401
        assert status(replica, token=stack.rasa_token) == 200


def chat(stack: Stack, session: str, message: str) -> httpx.Response:
    return httpx.post(
        f"{stack.gateway}/v1/chat", json={"session_id": session, "message": message}, timeout=30
    )


def test_killing_a_replica_a_gateway_or_the_action_server_loses_no_turn(stack: Stack) -> None:
    sessions = [f"kill-{n}-{uuid.uuid4().hex[:6]}" for n in range(6)]
    for session in sessions:
        assert chat(stack, session, "Hi there").status_code == 200

    os.kill(stack.pid("rasa:rasa-" + stack.rasa[0].rsplit(":", 1)[1]), signal.SIGKILL)
    answered = [chat(stack, session, "How long does delivery take?") for session in sessions]
    assert [r.status_code for r in answered] == [200] * len(sessions), [r.text for r in answered]
    assert all(r.json()["messages"] for r in answered)
    assert wait_ready(stack, 30)["rasa_replicas"][stack.rasa[1]] == "ok"

    # How fast is a benchmark's business (docs/benchmarks.md); here only that it comes back on its
    # own, with room for a busy machine (loading a model takes seconds idle, minutes under load).
    os.kill(stack.pid("gateway:gateway-0"), signal.SIGKILL)
    started = time.monotonic()
    wait_ready(stack, RECOVERY_TIMEOUT)
    gateway_back = time.monotonic() - started

    os.kill(stack.pid("actions:actions-0"), signal.SIGKILL)
    started = time.monotonic()
    wait_ready(stack, RECOVERY_TIMEOUT)
    actions_back = time.monotonic() - started
    after = [chat(stack, session, "How do I return an item?") for session in sessions]
    assert [r.status_code for r in after] == [200] * len(sessions)
    assert all(r.json()["messages"] for r in after)
    print(f"ready again: gateway {gateway_back:.1f} s, action server {actions_back:.1f} s")

    # Every turn that was answered is in the conversation log and in Rasa's tracker store.
    from bot.conversations import ConversationLog
    from bot.db import get_engine

    log = ConversationLog(get_engine(stack.db_url))
    for session in sessions:
        customer_messages = [m.text for m in log.messages(session) if m.role == "customer"]
        assert customer_messages == ["Hi there", "How long does delivery take?", "How do I return an item?"]
        tracker = stack.tracker(stack.rasa[1], session)
        assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == customer_messages
