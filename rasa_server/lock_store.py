"""``AtomicRedisLockStore``: Rasa's Redis ticket lock, safe for several Rasa replicas at once.

Rasa's ``RedisLockStore`` reads a conversation's lock, changes it in Python and writes it back.
Two replicas taking a message of the same conversation within that window both get the same
ticket and handle the two messages at the same time; a replica finishing while another issues a
ticket can delete the newcomer's ticket. Here every change is one Redis transaction
(WATCH/MULTI, retried when another replica changed the lock meanwhile), so tickets stay unique
and each conversation's messages are handled one at a time, in the order they arrived.

Configured in the Rasa endpoints file (``tools/supervise.py`` writes it)::

    lock_store:
      type: rasa_server.lock_store.AtomicRedisLockStore
      url: redis://[:password@]host:port/db       # SUPPORTBOT_REDIS_URL

A ticket outlives a replica that died holding it for ``TICKET_LOCK_LIFETIME`` seconds (Rasa's
setting); the next message of that conversation waits that long at most.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Redis answers in a millisecond on a healthy network; a longer wait means it is gone, and the
# turn should fail quickly (the gateway answers 503) rather than hang.
SOCKET_TIMEOUT_SECONDS = 2.0
KEY_PREFIX = "supportbot:lock:"


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, *, url: str | None = None) -> None:
        url = url or (endpoint_config.url if endpoint_config is not None else None)
        if not url:
            raise LockError("the Redis lock store needs a url (SUPPORTBOT_REDIS_URL)")
        self.red = redis.StrictRedis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS
        )
        self.key_prefix = KEY_PREFIX
        LockStore.__init__(self)

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]
    ) -> T:
        """Apply ``change`` to the stored lock in one transaction; a lock it returns without
        tickets is deleted, None leaves the stored lock as it was."""
        key = self.key_prefix + conversation_id
        try:
            with self.red.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        raw = pipe.get(key)
                        lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                        changed, result = change(lock)
                        pipe.multi()
                        if changed is not None:
                            if changed.tickets:
                                pipe.set(key, changed.dumps())
                            else:
                                pipe.delete(key)
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue
        except redis.RedisError as exc:
            raise LockError(f"the Redis lock store is not available: {exc}") from exc

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._change(conversation_id, issue)

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            # Emptied, it is deleted: a waiter whose own ticket expired then gets a LockError (the
            # gateway answers 503) instead of waiting forever for a lock no one holds, as in Rasa.
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket, and the lock with it when no one else holds a ticket.

        The turn is done (and saved) by now: if Redis went away meanwhile, the ticket is left to
        expire rather than failing a turn that was handled.
        """

        def release(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return lock, None

        try:
            self._change(conversation_id, release)
        except LockError as exc:
            logger.warning("ticket %s of %s left to expire: %s", ticket_number, conversation_id, exc)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        try:
            return super().get_lock(conversation_id)
        except redis.RedisError as exc:
            raise LockError(f"the Redis lock store is not available: {exc}") from exc

    def ping(self) -> Any:
        return self.red.ping()
