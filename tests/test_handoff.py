"""Talking to a person, end to end: a person asks on Telegram (the Bot API stand-in) or the
REST channel, consents, writes the question; the ticket appears in `inclubot handoff list`;
a staff reply (CLI, and the admin in test_handoff_admin.py) reaches the chat through the real
Rasa server; the person writes back into the ticket, ends with /done, or is forgotten."""
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa

from bot import servers
from replies.texts import text
from conftest import PROJECT_ROOT, Chat, fresh_sqlite_url
from fake_telegram_api import FakeTelegramApi
from knowledge.db import get_engine, session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo
from test_telegram import TelegramUser, button_titles, texts

TOKEN = "123456:TEST-fake-token"
SECRET = "handoff-secret_0123456789"
QUESTION = "My landlord says I must leave my flat by Friday, is that allowed?"


@pytest.fixture(scope="module")
def handoff_db(tmp_path_factory) -> str:
    url = fresh_sqlite_url(tmp_path_factory.mktemp("handoff-kb"))
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
    yield url
    get_engine(url).dispose()


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("handoff-logs")


@pytest.fixture(scope="module")
def tracker_url(logs) -> str:
    return f"sqlite:///{logs / 'tracker.db'}"


@pytest.fixture(scope="module")
def handoff_actions(handoff_db, logs):
    port = servers.free_port()
    server = servers.action_server(port, env={"INCLUBOT_DATABASE_URL": handoff_db}, log_path=logs / "actions.log").start()
    try:
        server.wait_until_up()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def telegram_api():
    api = FakeTelegramApi(token=TOKEN).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def assistant(trained_model, handoff_actions, handoff_db, telegram_api, tracker_url, logs):
    """The Rasa server with the Telegram channel (webhook mode, on the stand-in), REST,
    socket.io and the handoff delivery door."""
    port = servers.free_port()
    env = {
        "INCLUBOT_DATABASE_URL": handoff_db,
        "INCLUBOT_TRACKER_STORE_URL": tracker_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_READ_TIMEOUT": "2",
    }
    server = servers.rasa_server(port, f"{handoff_actions}/webhook", model=trained_model, env=env,
                                 log_path=logs / "rasa.log").start()
    try:
        server.wait_until_up()
        telegram_api.wait_for(lambda: telegram_api.webhook.get("url"), timeout=60, what="the webhook to be registered")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def user(assistant, telegram_api):
    def new_user(language_code: str = "en") -> TelegramUser:
        return TelegramUser(telegram_api, assistant, language_code)

    return new_user


@pytest.fixture
def inclubot(handoff_db, tracker_url, assistant):
    """Runs the `inclubot` command as staff would, against the same databases and server."""
    def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
        env = {**os.environ, "INCLUBOT_DATABASE_URL": handoff_db, "INCLUBOT_TRACKER_STORE_URL": tracker_url,
               "INCLUBOT_RASA_URL": assistant}
        return subprocess.run([str(servers.BIN / "inclubot"), *args], input=stdin, capture_output=True,
                              cwd=PROJECT_ROOT, env=env, timeout=120)

    return run


def listed(inclubot, *args: str) -> List[Dict]:
    result = inclubot("handoff", "list", "--format", "json", *args)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def ticket_rows(db_url: str, conversation_id: str) -> List[Dict]:
    with get_engine(db_url).connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, status, question FROM handoff_tickets WHERE conversation_id = :c"), {"c": conversation_id})
        return [dict(row._mapping) for row in rows]


def open_ticket_on_telegram(person: TelegramUser, question: str = QUESTION) -> int:
    """/start mechelen, a question the bot answers, /human, consent, that question, send."""
    person.send("/start mechelen")
    person.send(question)
    offered = person.send("/human")
    assert text("handoff_consent", "en") in texts(offered)
    asked = person.press(text("button_handoff_consent", "en"))
    assert text("button_handoff_use_last", "en") in button_titles(asked[-1])
    shown = person.press(text("button_handoff_use_last", "en"))
    assert question in texts(shown)
    sent = person.press(text("button_handoff_send", "en"))
    assert text("button_handoff_done", "en") in button_titles(sent[-1])
    return int(texts(sent).split("number ")[1].split(".")[0])


def wait_for_text(api: FakeTelegramApi, chat_id: int, wanted: str) -> Dict:
    return api.wait_for(lambda: next((m for m in api.messages(chat_id) if wanted in m["text"]), None),
                        timeout=60, what=f"{wanted!r} in chat {chat_id}")


def test_telegram_person_asks_consents_and_staff_answer_through_the_cli(user, inclubot, handoff_db, telegram_api):
    person = user()
    person.send("/start mechelen")
    offered = person.send("/human")
    consent = texts(offered)
    # what happens, when they answer, what is kept and for how long, and how to delete it
    assert "team of Mechelen" in consent and "within 2 working days" in consent
    assert "deleted 90 days after" in consent and "/forget" in consent
    assert button_titles(offered[-1]) == [text("button_handoff_consent", "en"), text("button_handoff_decline", "en")]
    assert ticket_rows(handoff_db, f"tg:{person.chat_id}")[0]["status"] == "draft"
    assert all(t["status"] != "draft" for t in listed(inclubot))  # staff never see a draft

    asked = person.press(text("button_handoff_consent", "en"))
    assert texts(asked) == text("handoff_ask_question", "en")
    shown = person.send(QUESTION)
    assert texts(shown) == text("handoff_confirm", "en", question=QUESTION)
    sent = person.press(text("button_handoff_send", "en"))
    assert "Your question has the number" in texts(sent)

    [ticket] = [t for t in listed(inclubot, "--city", "mechelen") if t["question"] == QUESTION]
    assert (ticket["city"], ticket["language"], ticket["channel"], ticket["status"]) == ("mechelen", "en", "telegram", "open")
    assert ticket["created_at"]
    assert ticket in listed(inclubot, "--status", "open") and ticket not in listed(inclubot, "--status", "closed")

    answer = "Hello, your landlord cannot make you leave without a court decision. Come to the desk on Monday."
    replied = inclubot("handoff", "reply", str(ticket["id"]), "--text-stdin", stdin=answer.encode())
    assert replied.returncode == 0, replied.stderr.decode()
    assert "delivered to the person's chat" in replied.stdout.decode()
    delivered = wait_for_text(telegram_api, person.chat_id, answer)
    assert delivered["text"] == text("handoff_reply", "en", ticket=ticket["id"], reply=answer)
    assert [t for t in listed(inclubot) if t["id"] == ticket["id"]][0]["status"] == "waiting"

    added = person.send("Thank you! Can I bring my lease contract?")
    assert texts(added).startswith(text("handoff_added", "en", ticket=ticket["id"]))
    [after] = [t for t in listed(inclubot) if t["id"] == ticket["id"]]
    assert after["status"] == "open"
    assert [m["text"] for m in after["messages"]] == [answer, "Thank you! Can I bring my lease contract?"]
    assert after["messages"][0]["delivered_at"] and after["messages"][1]["author"] == "person"

    ended = person.send("/done")
    assert texts(ended) == text("handoff_done", "en")
    assert [t for t in listed(inclubot) if t["id"] == ticket["id"]][0]["status"] == "closed"
    bot_again = person.send("I need a doctor")
    assert text("services_intro", "en", category=text("category_health", "en"), city="Mechelen") in texts(bot_again)


def test_the_last_question_is_offered_and_a_phone_number_is_kept_only_when_chosen(user, inclubot, handoff_db):
    person = user()
    ticket_id = open_ticket_on_telegram(person)
    [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert ticket["question"] == QUESTION

    caller = user()
    caller.send("/start mechelen")
    caller.send("/human")
    caller.press(text("button_handoff_consent", "en"))
    with_phone = "Please call me back at +32 470 12 34 56 about my residence card"
    shown = caller.send(with_phone)
    assert "[phone]" in texts(shown) and "+32 470" not in texts(shown)
    assert text("button_handoff_send_as_written", "en") in button_titles(shown[-1])
    caller.press(text("button_handoff_send_as_written", "en"))
    assert ticket_rows(handoff_db, f"tg:{caller.chat_id}")[0]["question"] == with_phone

    hidden = user()
    hidden.send("/start mechelen")
    hidden.send("/human")
    hidden.press(text("button_handoff_consent", "en"))
    hidden.send(with_phone)
    hidden.press(text("button_handoff_send", "en"))
    assert ticket_rows(handoff_db, f"tg:{hidden.chat_id}")[0]["question"] == "Please call me back at [phone] about my residence card"

    # what they add later is kept as the question was: hidden, or as written when they chose so
    for who, expected in ((hidden, "Or on [phone] after 5 pm"), (caller, "Or on +32 470 99 88 77 after 5 pm")):
        who.send("Or on +32 470 99 88 77 after 5 pm")
        [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_rows(handoff_db, f"tg:{who.chat_id}")[0]["id"]]
        assert ticket["messages"][-1]["text"] == expected


def test_no_consent_no_ticket(user, handoff_db):
    person = user()
    person.send("/start mechelen")
    person.send(QUESTION)
    person.send("/human")
    declined = person.press(text("button_handoff_decline", "en"))
    assert texts(declined).startswith(text("handoff_nothing_sent", "en"))
    assert len(declined) >= 2  # and the city's contact, as before
    assert ticket_rows(handoff_db, f"tg:{person.chat_id}") == []

    # consent given, then cancelled before sending: nothing either
    person.send("/human")
    person.press(text("button_handoff_consent", "en"))
    person.send(QUESTION)
    person.press(text("button_handoff_cancel", "en"))
    assert ticket_rows(handoff_db, f"tg:{person.chat_id}") == []


def test_an_emergency_inside_an_open_ticket_gets_112_first(user, inclubot):
    person = user()
    ticket_id = open_ticket_on_telegram(person)
    answer = person.send("someone is bleeding a lot")
    assert answer[0]["text"] == "112\n" + text("emergency", "en")  # 112, first and alone, from the bot (as Telegram shows it)
    assert text("handoff_emergency_added", "en") in texts(answer)
    [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert ticket["messages"][-1]["text"] == "someone is bleeding a lot"


def test_forget_deletes_the_ticket_and_the_conversation(user, inclubot, handoff_db, tracker_url):
    from bot.conversation_db import pseudonym, conversation_key

    person = user()
    ticket_id = open_ticket_on_telegram(person)
    forgotten = person.send("/forget")
    assert texts(forgotten) == text("forget_done", "en")
    assert ticket_rows(handoff_db, f"tg:{person.chat_id}") == []
    assert ticket_id not in [t["id"] for t in listed(inclubot)]
    engine = sa.create_engine(tracker_url)
    with engine.connect() as connection:
        left = connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                  {"s": pseudonym(f"tg:{person.chat_id}", conversation_key())}).scalar_one()
    engine.dispose()
    assert left == 0


def test_privacy_forget_deletes_tickets_too(user, inclubot, handoff_db):
    person = user()
    open_ticket_on_telegram(person)
    result = inclubot("privacy", "forget", f"tg:{person.chat_id}")
    assert result.returncode == 0, result.stderr.decode()
    assert "1 handoff ticket(s)" in result.stdout.decode()
    assert ticket_rows(handoff_db, f"tg:{person.chat_id}") == []


def test_bad_replies_and_ids_are_refused_clearly(user, inclubot, telegram_api):
    person = user()
    ticket_id = open_ticket_on_telegram(person)
    cases = {
        b"": "the reply is empty",
        b"   \n": "the reply is empty",
        ("x" * 50_000).encode(): "the reply is too long",
        b"\xff\xfe\x00binary": "not UTF-8",
    }
    for stdin, message in cases.items():
        result = inclubot("handoff", "reply", str(ticket_id), "--text-stdin", stdin=stdin)
        assert result.returncode == 1 and message in result.stderr.decode(), result.stderr.decode()
    for wrong in ("999999", "abc", "-1", "99999999999999999999"):
        result = inclubot("handoff", "reply", wrong, "--text-stdin", stdin=b"hello")
        assert result.returncode == 1 and ("no ticket" in result.stderr.decode() or "not a ticket number" in result.stderr.decode())
        assert "Traceback" not in result.stderr.decode()
    assert inclubot("handoff", "list", "--city", "atlantis").returncode == 2
    closed = inclubot("handoff", "close", str(ticket_id), "--reason", "answered by phone")
    assert closed.returncode == 0
    again = inclubot("handoff", "reply", str(ticket_id), "--text-stdin", stdin=b"one more thing")
    assert again.returncode == 1 and "closed" in again.stderr.decode()
    assert inclubot("handoff", "close", str(ticket_id)).returncode == 1
    [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert ticket["messages"] == [] and ticket["close_reason"] == "answered by phone"
    assert not [m for m in telegram_api.messages(person.chat_id) if "one more thing" in m["text"]]


def test_a_question_too_long_makes_no_ticket(user, handoff_db):
    person = user()
    person.send("/start mechelen")
    person.send("/human")
    person.press(text("button_handoff_consent", "en"))
    refused = person.send("x" * 50_000)
    assert texts(refused) == text("input_too_long", "en")
    assert [row["status"] for row in ticket_rows(handoff_db, f"tg:{person.chat_id}")] == ["draft"]


def test_concurrent_replies_by_two_staff_are_both_delivered_once(user, inclubot, telegram_api):
    person = user()
    ticket_id = open_ticket_on_telegram(person)
    results = {}

    def reply(name: str) -> None:
        results[name] = inclubot("handoff", "reply", str(ticket_id), "--text-stdin", stdin=f"Answer from {name}".encode())

    threads = [threading.Thread(target=reply, args=(name,)) for name in ("Anna", "Bram")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.returncode == 0 for r in results.values()), [r.stderr for r in results.values()]
    for name in ("Anna", "Bram"):
        wait_for_text(telegram_api, person.chat_id, f"Answer from {name}")
    telegram_api.wait_quiet(person.chat_id, quiet=2)
    for name in ("Anna", "Bram"):
        assert len([m for m in telegram_api.messages(person.chat_id) if f"Answer from {name}" in m["text"]]) == 1
    [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert sorted(m["text"] for m in ticket["messages"]) == ["Answer from Anna", "Answer from Bram"]


def test_a_staff_reply_gets_through_telegram_errors_and_a_blocked_chat_keeps_it(user, inclubot, telegram_api):
    person = user()
    ticket_id = open_ticket_on_telegram(person)
    telegram_api.inject("sendMessage", status=429, retry_after=1, chat_id=person.chat_id)
    telegram_api.inject("sendMessage", status=502, chat_id=person.chat_id)
    answer = "We have your question and will call the school tomorrow."
    replied = inclubot("handoff", "reply", str(ticket_id), "--text-stdin", stdin=answer.encode())
    assert "delivered to the person's chat" in replied.stdout.decode()
    assert len([m for m in telegram_api.messages(person.chat_id) if answer in m["text"]]) == 1

    # the person blocked the bot (403): the reply is kept, not delivered, and comes with the
    # bot's next answer to them
    telegram_api.inject("sendMessage", status=403, chat_id=person.chat_id)
    later = "The school will see you on Thursday."
    replied = inclubot("handoff", "reply", str(ticket_id), "--text-stdin", stdin=later.encode())
    assert "not delivered yet" in replied.stdout.decode()
    [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert ticket["messages"][-1]["text"] == later and ticket["messages"][-1]["delivered_at"] is None
    answered = person.send("Hello again")
    # (a reply within a turn goes out as the bot's messages do, one per paragraph)
    assert texts(answered).split("\n")[:2] == text("handoff_reply", "en", ticket=ticket_id, reply=later).split("\n\n")[:2]
    assert text("handoff_added", "en", ticket=ticket_id) in texts(answered)


def test_rest_person_gets_the_reply_with_the_next_answer(assistant, inclubot):
    person = Chat(assistant, metadata={"city": "jelgava", "language": "en"})
    person.say("hello")
    offered = person.send("/ask_human")
    assert text("handoff_consent", "en") in "\n".join(m.get("text", "") for m in offered)
    person.send('/affirm{"handoff": "consent"}')
    person.say("Where can my daughter learn Latvian after school?")
    sent = person.say('/affirm{"handoff": "send"}')
    ticket_id = int(sent.split("number ")[1].split(".")[0])
    [ticket] = [t for t in listed(inclubot, "--city", "jelgava") if t["id"] == ticket_id]
    assert ticket["channel"] == "rest"
    replied = inclubot("handoff", "reply", str(ticket_id), "--text-stdin", stdin="The library has a course on Tuesdays.".encode())
    assert "not delivered yet" in replied.stdout.decode()
    answer = person.say("And on Saturdays?")
    assert "The library has a course on Tuesdays." in answer
    assert text("handoff_added", "en", ticket=ticket_id) in answer
    assert person.say("/done") == text("handoff_done", "en")  # typed, as the texts say


# --- the staff inbox in the admin ------------------------------------------------------------

@pytest.fixture(scope="module")
def admin(handoff_db, assistant, logs):
    """The web app on the same knowledge base, delivering through the same assistant; a
    coordinator (made on the command line) and editors of Mechelen and of Jelgava."""
    from test_admin import create_account, create_coordinator, logged_in, start_admin

    create_coordinator(handoff_db, "coordinator@city.example")
    server = start_admin(handoff_db, logs, INCLUBOT_RASA_URL=assistant, INCLUBOT_PUBLIC_RASA_URL=assistant)
    try:
        coordinator = logged_in(server.base_url, "coordinator@city.example")
        create_account(coordinator, "mechelen@city.example", "editor", "mechelen")
        create_account(coordinator, "jelgava@city.example", "editor", "jelgava")
        server.coordinator = coordinator
        server.mechelen = logged_in(server.base_url, "mechelen@city.example")
        server.jelgava = logged_in(server.base_url, "jelgava@city.example")
        yield server
    finally:
        server.stop()


def page_token(page: str) -> str:
    import re

    return re.search(r'name="reply_key" value="([^"]+)"', page).group(1)


def audit_actions(db_url: str, ticket_id: int) -> List[str]:
    with session_scope(db_url) as session:
        from knowledge.models import AuditLog

        rows = session.execute(sa.select(AuditLog).where(AuditLog.action.like("handoff-%")).order_by(AuditLog.id)).scalars()
        return [row.action for row in rows if (row.changes or {}).get("ticket") == ticket_id]


def test_admin_inbox_reply_assign_close_scoped_to_the_city(admin, user, handoff_db, telegram_api, inclubot):
    person = user()
    ticket_id = open_ticket_on_telegram(person)
    editor, other = admin.mechelen, admin.jelgava

    def open_count(staff) -> int:
        return int(staff.get("").text.split('id="open-tickets">')[1].split("<")[0])

    assert open_count(editor) == len(listed(inclubot, "--city", "mechelen", "--status", "open")) >= 1
    assert open_count(other) == len(listed(inclubot, "--city", "jelgava", "--status", "open"))
    assert open_count(admin.coordinator) == len(listed(inclubot, "--status", "open"))
    inbox = editor.get("inbox/").text
    assert f'/admin/inbox/{ticket_id}/' in inbox and QUESTION in inbox

    # an editor of another city can neither see nor answer the ticket
    assert f'/admin/inbox/{ticket_id}/' not in other.get("inbox/").text
    assert other.get(f"inbox/{ticket_id}/").status_code == 403
    assert other.post(f"inbox/{ticket_id}/reply", {"text": "not yours"}).status_code == 403
    assert other.post(f"inbox/{ticket_id}/close", {"reason": "not yours"}).status_code == 403
    assert other.get("inbox/?city=mechelen").status_code == 403
    assert editor.get("inbox/999999/").status_code == 404

    page = editor.get(f"inbox/{ticket_id}/").text
    assert "The person writes in <strong>English (en)</strong>" in page and QUESTION in page
    # "create an entry from this": the entry form with the ticket's city (and category) chosen
    import html
    import re

    link = html.unescape(re.search(r'id="create-entry" href="([^"]+)"', page).group(1))
    [ticket] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert "city=mechelen" in link and (ticket["category"] is None or f"category={ticket['category']}" in link)
    entry_form = editor.http.get(admin.base_url + link, timeout=30).text
    assert re.search(r'<option[^>]*selected[^>]*value="mechelen"|<option[^>]*value="mechelen"[^>]*selected', entry_form)
    # without the form's CSRF token nothing is sent
    assert editor.post(f"inbox/{ticket_id}/reply", {"text": "forged"}, csrf=False).status_code == 400
    assert editor.post(f"inbox/{ticket_id}/reply", {"text": "   "}).status_code == 302
    assert "Not sent: the reply is empty" in editor.get(f"inbox/{ticket_id}/").text

    answer = "Bonjour ! Vous pouvez venir au guichet lundi matin avec votre bail."
    form = {"text": answer, "reply_key": page_token(page)}
    sent = editor.post(f"inbox/{ticket_id}/reply", form)
    assert sent.status_code == 302
    assert "delivered to the person" in editor.get(f"inbox/{ticket_id}/").text
    wait_for_text(telegram_api, person.chat_id, answer)
    assert editor.post(f"inbox/{ticket_id}/reply", form).status_code == 302  # the same form sent twice
    telegram_api.wait_quiet(person.chat_id, quiet=2)
    assert len([m for m in telegram_api.messages(person.chat_id) if answer in m["text"]]) == 1
    assert [m["text"] for m in [t for t in listed(inclubot) if t["id"] == ticket_id][0]["messages"]] == [answer]

    # a canned reply of the city, shown in full on the page, sent with one click
    from knowledge.canned_replies import canned_replies

    canned = canned_replies("mechelen")[0]["text"]
    page = editor.get(f"inbox/{ticket_id}/").text
    assert html.escape(canned, quote=False) in page
    canned_key = re.search(r'name="reply_key" value="([0-9a-f]+-1)"', page).group(1)
    assert editor.post(f"inbox/{ticket_id}/reply", {"text": canned, "reply_key": canned_key}).status_code == 302
    wait_for_text(telegram_api, person.chat_id, canned)

    assert editor.post(f"inbox/{ticket_id}/assign", {}).status_code == 302
    assert "Assigned to: mechelen@city.example" in editor.get(f"inbox/{ticket_id}/").text
    assert editor.post(f"inbox/{ticket_id}/close", {"reason": "answered"}).status_code == 302
    [closed] = [t for t in listed(inclubot) if t["id"] == ticket_id]
    assert (closed["status"], closed["close_reason"]) == ("closed", "answered")
    editor.post(f"inbox/{ticket_id}/reply", {"text": "too late", "reply_key": "x1"})
    assert f"Not sent: ticket {ticket_id} is closed" in editor.get(f"inbox/{ticket_id}/").text
    assert f"/admin/inbox/{ticket_id}/" in editor.get("inbox/?status=closed").text
    assert audit_actions(handoff_db, ticket_id) == ["handoff-reply", "handoff-reply", "handoff-assign", "handoff-close"]
    # the person, back with the bot after staff closed it
    assert text("services_intro", "en", category=text("category_health", "en"), city="Mechelen") in texts(person.send("I need a doctor"))


# --- the widget (Chromium) -----------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    from widget_browser import ChromiumSession

    session = ChromiumSession()
    try:
        yield session.browser
    finally:
        session.close()


def widget_session(widget, city: str) -> str:
    return widget.page.evaluate(f"JSON.parse(sessionStorage.getItem('inclubot:{city}')).sessionId")


def test_widget_person_gets_the_staff_reply_in_the_open_page(chromium, admin, inclubot, handoff_db):
    from conftest import ARTIFACTS
    from widget_browser import WidgetPage

    widget = WidgetPage(chromium).open(f"{admin.base_url}/mechelen?lang=en")
    try:
        widget.say("I need a doctor")
        widget.wait_for_text(text("related", "en"))
        widget.say("/ask_human")
        widget.wait_for_text(text("handoff_consent", "en"))
        # the tab's limits are told before anything is sent, with Telegram as the way out
        widget.wait_for_text(text("handoff_widget_caveat", "en"))
        widget.click_reply(text("button_handoff_consent", "en"))
        widget.wait_for_text(text("handoff_ask_question", "en")[:30])
        widget.say("My son's school refused to enrol him, what can I do?")
        widget.wait_for_text("The team will read:")
        widget.click_reply(text("button_handoff_send", "en"))
        widget.wait_for_text("Your question has the number")
        conversation = f"web:{widget_session(widget, 'mechelen')}"
        [row] = ticket_rows(handoff_db, conversation)
        [ticket] = [t for t in listed(inclubot) if t["id"] == row["id"]]
        assert (ticket["channel"], ticket["question"]) == ("widget", "My son's school refused to enrol him, what can I do?")

        answer = "Dear parent, the school must accept him: call the education office, we will help you."
        replied = inclubot("handoff", "reply", str(ticket["id"]), "--text-stdin", stdin=answer.encode())
        assert "delivered to the person's chat" in replied.stdout.decode()
        widget.wait_for_text(answer)
        from playwright.sync_api import expect

        widget.screenshot(ARTIFACTS / "handoff-widget-reply.png")
        expect(widget.page.locator("[data-inclubot] .item.bot", has_text=answer)).to_be_in_viewport()  # scrolled to it

        widget.say("Thank you, which office?")
        widget.wait_for_text(text("handoff_added", "en", ticket=ticket["id"])[:40])
        assert [t for t in listed(inclubot) if t["id"] == ticket["id"]][0]["messages"][-1]["text"] == "Thank you, which office?"

        # the page goes away: the reply waits, and comes when the page is back in that tab
        widget.page.goto("about:blank")
        later = "The education office is on the first floor of the town hall."
        waiting = inclubot("handoff", "reply", str(ticket["id"]), "--text-stdin", stdin=later.encode())
        assert "not delivered yet" in waiting.stdout.decode()
        widget.page.goto(f"{admin.base_url}/mechelen?lang=en")
        widget.wait_until_shown()
        widget.wait_for_text(later)
        assert all(m["delivered_at"] for m in [t for t in listed(inclubot) if t["id"] == ticket["id"]][0]["messages"] if m["author"] != "person")

        # "delete my conversation" (in the menu): the ticket and the conversation go, the tab is cleared
        widget.page.locator("[data-inclubot] .menu-button").click()
        widget.page.locator("[data-inclubot] button.forget").click()
        widget.wait_for_text(text("widget_forgotten", "en"))
        assert ticket_rows(handoff_db, conversation) == []
        assert later not in " ".join(widget.bot_texts())
        widget.screenshot(ARTIFACTS / "handoff-widget-forgotten.png")
        assert not widget.page_errors, widget.page_errors
    finally:
        widget.close()
