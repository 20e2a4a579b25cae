"""Thumbs up / down on answers: POST /api/feedback on the real web app, counted per city,
category and language on a real database (SQLite, and PostgreSQL when configured), shown
to staff beside the question statistics, each editor seeing their own city only."""
import re

import requests
from sqlalchemy import inspect

from knowledge.db import get_engine
from replies.texts import text
from test_admin import CITY, admin_db, site  # noqa: F401 - the admin test's servers and staff, reused


def vote(site, **body) -> requests.Response:
    return requests.post(f"{site.base_url}/api/feedback", json=body, timeout=30)


def feedback_rows(page: str):
    table = page.split('id="answer-feedback"')[1].split("</table>")[0]
    return {cells[0]: (cells[1], cells[2]) for cells in
            (re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)) if cells}


def test_votes_are_counted_and_shown_to_staff_per_category_and_city(site):
    for helpful in (True, True, True, False):
        assert vote(site, city=CITY["A"], category="health", language="ar", helpful=helpful).status_code == 204
    for _ in range(2):
        assert vote(site, city=CITY["B"], category="health", language="nl", helpful=False).status_code == 204
    coordinator = site.people["coordinator"].get("questions/?by=category&weeks=4").text
    assert feedback_rows(coordinator)[text("category_health", "en")] == ("3", "3")  # the name staff read elsewhere
    per_city = feedback_rows(site.people["coordinator"].get("questions/?by=city&weeks=4").text)
    assert per_city["Schaerbeek"] == ("3", "1") and per_city["Mechelen"] == ("0", "2")
    mine = feedback_rows(site.people["editor_a"].get("questions/?by=language&weeks=4").text)
    assert mine == {"العربية (ar)": ("3", "1")}, "an editor sees their own city's votes only"


def test_nothing_about_the_person_is_kept(site, admin_db):
    columns = {column["name"] for column in inspect(get_engine(admin_db)).get_columns("answer_feedback")}
    assert columns == {"id", "on", "city_id", "category", "language", "helpful"}


def test_bad_votes_are_refused_with_a_clear_message(site):
    for body in ({"city": "atlantis", "category": "health", "language": "en", "helpful": True},
                 {"city": CITY["A"], "category": "pizza", "language": "en", "helpful": True},
                 {"city": CITY["A"], "category": "health", "language": "xx", "helpful": True},
                 {"city": CITY["A"], "category": "health", "language": "en", "helpful": "yes"},
                 {"city": CITY["A"], "category": "health", "language": "en", "helpful": True, "comment": "<script>"}):
        response = vote(site, **body)
        if "comment" in body:
            assert response.status_code == 204  # extra fields are ignored, never stored
        else:
            assert response.status_code == 400 and response.json()["error"]
    garbage = requests.post(f"{site.base_url}/api/feedback", data=b"\xff\x00", headers={"Content-Type": "application/json"}, timeout=30)
    assert garbage.status_code == 400 and "helpful" in garbage.json()["error"]
