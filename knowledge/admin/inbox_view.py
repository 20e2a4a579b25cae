"""The staff inbox: tickets of people who asked to talk to a person (knowledge/tickets.py).

Staff see the tickets of their cities only (a coordinator: all); a ticket of another city is
403, here as in every view. On a ticket's page: the person's language (they may answer in
any language they choose), the question, the conversation before it (scrubbed), the
exchange, a reply box, "assign to me" and "close with a reason". Every action is in the
audit log; the reply is delivered to the person's chat by the assistant
(bot/handoff_delivery.py), and the page says whether it arrived.
"""
import uuid

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose

from bot.handoff_request import request_delivery
from knowledge import tickets
from knowledge.admin.access import StaffOnly
from knowledge.admin.database import db_session
from knowledge.admin.insights_view import chosen_cities, city_choice
from knowledge.admin.permissions import cities_of
from knowledge.canned_replies import canned_replies
from knowledge.models import AuditLog
from knowledge.taxonomy import load_taxonomy
from replies.texts import language_name

AGES = {"": None, "2": 2, "7": 7, "30": 30}  # "older than N days"


class InboxView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        status = request.args.get("status", tickets.OPEN)
        status = status if status in tickets.STAFF_STATUSES else None  # "all"
        language = request.args.get("language") or None
        language = language if language in load_taxonomy().languages else None
        age = request.args.get("age", "")
        session = db_session()
        cities = chosen_cities(self.staff)
        found = tickets.visible_tickets(session, cities, status, language, AGES.get(age)) if cities else []
        return self.render(
            "staff_admin/inbox.html", tickets=found, status=status or "all", language=language or "",
            age=age if age in AGES else "", languages=load_taxonomy().languages, language_name=language_name,
            **city_choice(self.staff),
        )

    def _ticket(self, ticket_id: int):
        try:
            return tickets.for_staff(db_session(), ticket_id, cities_of(self.staff))
        except PermissionError:
            abort(403)
        except tickets.TicketError:
            abort(404)

    @expose("/<int:ticket_id>/")
    def ticket(self, ticket_id: int):
        ticket = self._ticket(ticket_id)
        return self.render(
            "staff_admin/ticket.html", ticket=ticket, language_name=language_name,
            city_name=load_taxonomy().cities[ticket.city_id].name if ticket.city_id in load_taxonomy().cities else ticket.city_id,
            reply_key=uuid.uuid4().hex, canned=canned_replies(ticket.city_id),
        )

    def _audit(self, ticket, action: str, **changes) -> None:
        db_session().add(AuditLog(actor=self.staff.username, action=action, city_id=ticket.city_id,
                                  changes={"ticket": ticket.id, **changes}))

    @expose("/<int:ticket_id>/reply", methods=["POST"])
    def reply(self, ticket_id: int):
        ticket = self._ticket(ticket_id)
        session = db_session()
        try:
            message, new = tickets.reply(session, ticket, self.staff.username, request.form.get("text", ""),
                                         reply_key=(request.form.get("reply_key") or "")[:64] or None)
        except tickets.TicketError as problem:
            session.rollback()
            flash(f"Not sent: {problem}.", "error")
            return redirect(url_for(".ticket", ticket_id=ticket_id))
        if not new:  # the same form sent again (a double click, a reload): one reply
            flash("This reply was sent already.", "info")
            return redirect(url_for(".ticket", ticket_id=ticket_id))
        self._audit(ticket, "handoff-reply", message=message.id)
        session.commit()
        flash(f"Reply {request_delivery(ticket_id)}.", "success")
        return redirect(url_for(".ticket", ticket_id=ticket_id))

    @expose("/<int:ticket_id>/assign", methods=["POST"])
    def assign(self, ticket_id: int):
        ticket = self._ticket(ticket_id)
        tickets.assign(db_session(), ticket, self.staff.username)
        self._audit(ticket, "handoff-assign", assigned_to=self.staff.username)
        db_session().commit()
        flash("The ticket is assigned to you.", "success")
        return redirect(url_for(".ticket", ticket_id=ticket_id))

    @expose("/<int:ticket_id>/close", methods=["POST"])
    def close(self, ticket_id: int):
        ticket = self._ticket(ticket_id)
        try:
            tickets.close(db_session(), ticket, request.form.get("reason", ""))
        except tickets.TicketError as problem:
            flash(f"{problem}.", "error")
            return redirect(url_for(".ticket", ticket_id=ticket_id))
        self._audit(ticket, "handoff-close", reason=ticket.close_reason)
        db_session().commit()
        flash("The ticket is closed.", "success")
        return redirect(url_for(".index"))
