"""AtomicRedisLockStore on a real Redis: unique tickets under concurrency, served in order."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import pytest


@pytest.fixture
def stores(redis_url: str) -> list[Any]:
    from rasa_server.lock_store import AtomicRedisLockStore

    # Two stores stand for two Rasa replicas: separate connections to the same Redis.
    return [AtomicRedisLockStore(url=redis_url), AtomicRedisLockStore(url=redis_url)]


def test_replicas_issuing_tickets_at_once_never_share_a_number(stores: list[Any]) -> None:
    conversation = f"c-{uuid.uuid4().hex}"
    tickets: list[int] = []
    barrier = threading.Barrier(8)

    def issue(store: Any) -> None:
        barrier.wait()
        for _ in range(10):
            tickets.append(store.issue_ticket(conversation, 30))

    threads = [threading.Thread(target=issue, args=(stores[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(80))
    assert [ticket.number for ticket in stores[0].get_lock(conversation).tickets] == list(range(80))


def test_messages_of_one_conversation_on_two_replicas_are_handled_one_at_a_time_in_order(
    stores: list[Any],
) -> None:
    conversation = f"c-{uuid.uuid4().hex}"
    log: list[str] = []

    async def turn(store: Any, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.01):
            log.append(f"start {name}")
            await asyncio.sleep(0.05)
            log.append(f"end {name}")

    async def main() -> None:
        await asyncio.gather(*(turn(stores[n % 2], str(n), n * 0.005) for n in range(6)))

    asyncio.run(main())
    assert log == [f"{edge} {n}" for n in range(6) for edge in ("start", "end")]
    assert stores[0].get_lock(conversation) is None  # the last one out deletes the lock


def test_a_dead_replicas_ticket_expires_and_the_next_message_goes_ahead(stores: list[Any]) -> None:
    conversation = f"c-{uuid.uuid4().hex}"
    stores[0].issue_ticket(conversation, 0.2)  # held by a replica that then died

    async def main() -> None:
        async with stores[1].lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.05):
            pass

    asyncio.run(asyncio.wait_for(main(), timeout=5))


def test_redis_gone_is_a_lock_error() -> None:
    from rasa.core.lock_store import LockError

    from rasa_server.lock_store import AtomicRedisLockStore

    store = AtomicRedisLockStore(url="redis://127.0.0.1:1/0")
    with pytest.raises(LockError, match="Redis lock store is not available"):
        store.issue_ticket("c", 30)
