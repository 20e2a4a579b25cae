"""An answer card (replies/cards.py) as a Telegram message: HTML with the name in bold,
numbers written out (Telegram makes them tappable), and link buttons for website and map.

Every text from the knowledge base is escaped: HTML parse mode must never let an entry's
`<` or `&` break a message or add a link.
"""
from html import escape
from typing import Dict, List, Optional, Tuple

from telegram import InlineKeyboardButton

LINK_SCHEMES = ("https://", "http://")


def _line(value: Optional[str]) -> Optional[str]:
    return escape(value) if value else None


def service_html(card: Dict) -> str:
    lines = [f"<b>{escape(card.get('name') or '')}</b>", _line(card.get("summary"))]
    lines.append(_line(" · ".join(part for part in (card.get("distance"), card.get("open")) if part)))
    for phone in card.get("phones") or []:
        lines.append(f"☎ {escape(phone['number'])}")
    if card.get("email"):
        lines.append(f"✉ {escape(card['email'])}")
    lines.extend(_line(detail) for detail in card.get("details") or [])
    return "\n".join(line for line in lines if line)


def emergency_html(card: Dict, text: str) -> str:
    """Starts with 112, alone in its message: the first thing read and tapped."""
    return f"<b>112</b>\n{escape(text)}"


def numbers_html(card: Dict) -> str:
    lines = [f"<b>{escape(card.get('name') or '')}</b>"]
    lines += [f"{escape(p['number'])} — {escape(p.get('label') or '')}" for p in card.get("phones") or []]
    return "\n".join(lines)


def card_message(card: Dict, text: str) -> Tuple[str, List[InlineKeyboardButton]]:
    """(HTML text, link buttons) for a card; the plain text is what an unknown card shows."""
    kind = card.get("kind")
    if kind == "emergency":
        return emergency_html(card, text), []
    if kind == "numbers":
        return numbers_html(card), []
    if kind != "service":
        return escape(text), []
    labels = card.get("labels") or {}
    links = []
    for key in ("website", "map"):
        url = card.get(key)
        if isinstance(url, str) and url.startswith(LINK_SCHEMES):
            links.append(InlineKeyboardButton(f"{'🌐' if key == 'website' else '📍'} {labels.get(key, key)}", url=url))
    return service_html(card), links
