"""Rasa's Redis lock store, made safe for several Rasa processes.

The lock store keeps two Rasa processes from handling messages of one conversation at the
same time: each message takes a ticket and waits until its ticket is served. Rasa 3.6's
RedisLockStore fails in the two situations that several processes bring:
- a process is killed while it holds a ticket: the message waiting behind it has a ticket
  that may lapse in the same second as the dead one, and a lapsed ticket is never served,
  so that message (and every later one of the conversation) waits forever;
- two processes take a ticket at the same moment: taking one is a read-modify-write of one
  Redis key, so both can get the same number and handle the conversation together, or a
  ticket is lost (and waits forever, as above).
Here every change of a lock is a Redis transaction (WATCH/MULTI, retried on conflict), and a
message whose ticket lapsed while it waited takes a new one.

endpoints.yml gets `type: bot.lock_store.RedisTicketLockStore` when INCLUBOT_REDIS_URL is set
(bot/endpoints.py). Ticket lifetime: Rasa's TICKET_LOCK_LIFETIME (seconds; the longest a
message may take, and the longest a killed process's ticket blocks its conversation).
"""
import asyncio
import json
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Callable, Text, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Result = TypeVar("Result")


def holds(lock: TicketLock, ticket: int) -> bool:
    return any(t.number == ticket and not t.has_expired() for t in lock.tickets)


class RedisTicketLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint configuration.
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], Result]) -> Result:
        """Apply `change` to the conversation's lock atomically; a lock without tickets is
        deleted."""
        key = self.key_prefix + conversation_id

        def apply(pipe) -> Result:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(apply, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)  # the last ticket out deletes the lock

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if lock is None or not holds(lock, ticket):
                    # Lapsed while waiting (the one before died, or was slower than the
                    # lifetime): queue again rather than wait for a ticket nobody serves.
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(wait_time_in_seconds)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)
