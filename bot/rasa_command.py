"""`python -m bot.rasa_command run …`: Rasa's own command line, with the HTTP API token
(bot/api_token.py) added inside the process. The arguments a process was started with are
visible to every local user (`ps`, /proc/PID/cmdline); changing sys.argv here is not.
"""
import sys

from bot.api_token import api_token


def main() -> None:
    if sys.argv[1:2] == ["run"]:  # the server; training keeps TensorFlow
        from bot.without_tensorflow import keep_tensorflow_out

        keep_tensorflow_out()
    from rasa.__main__ import main as rasa_main

    sys.argv = [sys.argv[0], *sys.argv[1:], "--auth-token", api_token()]
    rasa_main()


if __name__ == "__main__":
    main()
