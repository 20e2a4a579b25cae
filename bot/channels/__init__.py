"""Rasa input channels of IncluBot: REST, the web widget (socket.io) and Telegram."""

from bot import rasa_speedups  # noqa: F401,E402 - loaded with any of our channels
from bot import deadlines  # noqa: E402

deadlines.bound_action_calls()  # in the Rasa process, which loads the channels

from replies import fault_reply  # noqa: E402

# The desks the fault reply names, read now: when the first fault comes, no time is lost.
fault_reply.warm_up()
