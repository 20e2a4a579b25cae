"""How long a person waits, at most, before the assistant answers something.

A person writes; within REPLY_S they get the answer, or the fault reply (replies/fault_reply.py:
112 and the city's desk) when something on the way hangs. Channels put their whole turn
under `within_reply_deadline`; the calls inside have their own, shorter deadlines so that a
hung dependency fails cleanly and Rasa goes on with the turn:
- the action server: ACTION_CALL_S (Rasa 3.6 waits 5 minutes and reads no setting for it,
  so the constant its remote actions use is set here, guarded by the version it is for);
- the Redis lock store: REDIS_S (bot/endpoints.py);
- the knowledge base: its connect timeout (knowledge/db.py) and the action deadline;
- Telegram: the client's timeouts (bot/channels/telegram_settings.py); the reply itself is
  sent after the turn, outside the deadline.
"""
import asyncio
import logging
from typing import Awaitable, TypeVar

logger = logging.getLogger(__name__)

REPLY_S = 3.5  # then the fault reply is made and sent: within 5 s in all
ACTION_CALL_S = 3.0
REDIS_S = 1.0

Result = TypeVar("Result")


async def within_reply_deadline(turn: Awaitable[Result]) -> Result:
    """The turn, or asyncio.TimeoutError (an Exception, which the channels answer with the
    fault reply) once REPLY_S has passed; the turn is cancelled, releasing its lock."""
    try:
        return await asyncio.wait_for(turn, REPLY_S)
    except asyncio.TimeoutError:
        logger.error("a message was not handled within %.0f s; the fault reply is sent", REPLY_S)
        raise


def action_call_is_bounded_by_constant() -> bool:
    """True when Rasa's remote action call reads its timeout from the module constant this
    module changes (the code it was written against)."""
    from bot import rasa_internals

    return rasa_internals.unchanged("rasa.core.actions.action:RemoteAction.run", purpose="the action server's deadline")


def bound_action_calls() -> None:
    """Make Rasa give up on the action server after ACTION_CALL_S instead of 5 minutes."""
    from rasa.core.actions import action

    if not action_call_is_bounded_by_constant():  # logged: a hung action server may leave a person without an answer
        return
    action.DEFAULT_REQUEST_TIMEOUT = ACTION_CALL_S
