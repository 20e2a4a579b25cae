"""POST /api/feedback {"city", "category", "language", "helpful": true|false} -> 204: a
thumbs up or down on an answer in the widget, counted (knowledge/feedback.py). Nothing
about the person is sent or kept; the ids must be the taxonomy's."""
from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from knowledge.admin.client_address import client_address
from knowledge.db import session_scope
from knowledge.feedback import record_feedback
from web.rate_limit import MinuteLimit

VOTES_PER_MINUTE = 20

feedback = Blueprint("feedback", __name__, url_prefix="/api")
limit = MinuteLimit(VOTES_PER_MINUTE)


@feedback.after_request
def allow_any_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    return response


def refuse(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@feedback.route("/feedback", methods=["OPTIONS"])
def preflight():
    return Response(status=204)


@feedback.post("/feedback")
def vote():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("helpful"), bool):
        return refuse(400, 'send {"city", "category", "language", "helpful": true or false}')
    if not limit.allow(client_address()):
        return refuse(429, "too many votes; please wait a minute")
    try:
        with session_scope() as session:
            counted = record_feedback(session, body.get("city"), body.get("category"), body.get("language"), body["helpful"])
    except SQLAlchemyError:
        return refuse(503, "the vote could not be counted now; please try again later")
    if not counted:
        return refuse(400, "unknown city, category or language")
    return Response(status=204)
