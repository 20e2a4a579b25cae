"""Emergency first: a cry for help in any language is recognised and answered with 112."""
import pytest
import requests

from bot.api_token import with_token
from replies.texts import text

CRIES = ["спасите!", "рятуйте!", "imdat!", "σώστε με!", "نجاتم بدید", "glābiet!", "au secours",
         "socorro", "someone is bleeding a lot", "الحقوني", "aiuto!", "help!"]
ORDINARY = ["I need help with my papers", "aide pour le CPAS", "помогите с документами",
            "hulp bij het zoeken naar werk", "ayuda con el alquiler"]


@pytest.mark.parametrize("message", CRIES)
def test_a_cry_for_help_is_an_emergency(rasa_server, message):
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": message}, timeout=30).json()
    assert parsed["intent"]["name"] == "emergency"


@pytest.mark.parametrize("message", ORDINARY)
def test_an_ordinary_request_for_help_is_not_an_emergency(rasa_server, message):
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": message}, timeout=30).json()
    assert parsed["intent"]["name"] != "emergency"


def test_a_cry_for_help_gets_112_in_the_user_language(chat):
    user = chat({"city": "mechelen"})
    user.say("мені потрібен лікар")
    assert text("emergency", "uk") in user.say("рятуйте!")
