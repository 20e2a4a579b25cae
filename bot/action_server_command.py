"""`python -m bot.action_server_command …`: rasa_sdk's action server, without TensorFlow.

The actions find city names with spaCy (bot/name_matching.py), and spaCy's thinc imports
TensorFlow whenever it is installed, which it is for training. In the action server that
was 2.4 s of every start (a restart by the supervisor too) and 460 MB of memory for nothing
it uses: importing the actions took 3.3 s and 584 MB, without TensorFlow 0.9 s and 126 MB.
So here, as in the Rasa server (bot/without_tensorflow.py), `import tensorflow` fails as if
it were not installed, and thinc runs without it.
"""
from bot.without_tensorflow import refuse_tensorflow_imports


def main() -> None:
    refuse_tensorflow_imports()
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
