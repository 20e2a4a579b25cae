"""The staff side asks the running assistant to deliver a ticket's replies (the admin and
`inclubot handoff reply`; the delivery itself: bot/handoff_delivery.py in the Rasa server).

INCLUBOT_RASA_URL: where the Rasa server is reached from here (default
http://127.0.0.1:<INCLUBOT_RASA_PORT, 5005>).
"""
import requests

from bot.settings import rasa_url


def request_delivery(ticket_id: int) -> str:
    """Asks the Rasa server to deliver a ticket's replies; what happened, in words for staff."""
    try:
        answer = requests.post(f"{rasa_url()}/webhooks/handoff/deliver", json={"ticket": ticket_id}, timeout=60)
        result = answer.json() if answer.ok else None
    except (requests.RequestException, ValueError):
        result = None
    if not result:
        return "saved; the assistant could not be reached, so it will reach the person with the bot's next answer to them"
    if result.get("pending"):
        return ("saved; not delivered yet (the person's chat cannot be reached now): "
                "it will reach them when their chat is open again or with the bot's next answer")
    return "delivered to the person's chat"
