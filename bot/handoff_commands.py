"""`inclubot handoff list|reply|close`: the staff side of talking to a person, for scripts.

The same rules as the admin's inbox (knowledge/tickets.py): a closed ticket takes no reply,
an empty or over-long reply is refused, every action is in the audit log. A reply is
delivered by the running assistant (bot/handoff_delivery.py); the command says whether it
reached the person's chat.
"""
import json
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot import settings

MAX_STDIN_BYTES = 1024 * 1024


def add_parser(commands) -> None:
    handoff = commands.add_parser("handoff", help="tickets of people who asked to talk to a person").add_subparsers(
        dest="handoff_command", required=True)
    lister = handoff.add_parser("list", help="the tickets, newest first")
    lister.add_argument("--city", help="only this city (an id from knowledge/taxonomy.yml)")
    lister.add_argument("--status", choices=("open", "waiting", "closed"))
    lister.add_argument("--format", choices=("text", "json"), default="text")
    replier = handoff.add_parser("reply", help="answer a ticket; the reply goes to the person's chat")
    replier.add_argument("ticket_id")
    replier.add_argument("--text-stdin", action="store_true", required=True, help="read the reply (UTF-8) from standard input")
    closer = handoff.add_parser("close", help="close a ticket")
    closer.add_argument("ticket_id")
    closer.add_argument("--reason", default="", help="why (kept with the ticket)")


def actor() -> str:
    return settings.cli_actor()


def run(args) -> int:
    from knowledge.tickets import TicketError

    try:
        if args.handoff_command == "list":
            return list_tickets(args)
        if args.handoff_command == "reply":
            return reply(args)
        return close(args)
    except TicketError as error:
        print(f"nothing was changed: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"nothing was changed: the database could not be reached ({type(error).__name__})", file=sys.stderr)
        return 1


def list_tickets(args) -> int:
    from knowledge import tickets
    from knowledge.db import session_scope
    from knowledge.taxonomy import load_taxonomy

    if args.city is not None and args.city not in load_taxonomy().cities:
        print(f"unknown city {args.city!r}; cities: {', '.join(load_taxonomy().cities)}", file=sys.stderr)
        return 2
    with session_scope() as session:
        found = [t.as_dict() for t in tickets.visible_tickets(session, [args.city] if args.city else None, args.status)]
    if args.format == "json":
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return 0
    if not found:
        print("no tickets")
    for ticket in found:
        question = " ".join((ticket["question"] or "").split())
        print(f"#{ticket['id']}  {ticket['status']:<7}  {ticket['city']:<24}  {ticket['language']}  {ticket['channel']:<8}  "
              f"{ticket['created_at'][:16]}  {question[:80]}")
    return 0


def read_reply() -> str:
    from knowledge.tickets import TicketError

    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise TicketError("the reply is too long (more than 1 MB on standard input)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TicketError("the reply is not UTF-8 text") from None


def reply(args) -> int:
    from bot.handoff_request import request_delivery
    from knowledge import tickets
    from knowledge.db import session_scope
    from knowledge.models import AuditLog

    text = read_reply()
    with session_scope() as session:
        ticket = tickets.for_staff(session, args.ticket_id)
        message, _ = tickets.reply(session, ticket, actor(), text)
        session.add(AuditLog(actor=actor(), action="handoff-reply", city_id=ticket.city_id,
                             changes={"ticket": ticket.id, "message": message.id}))
        ticket_id = ticket.id
    print(f"ticket {ticket_id}: reply {request_delivery(ticket_id)}")
    return 0


def close(args) -> int:
    from knowledge import tickets
    from knowledge.db import session_scope
    from knowledge.models import AuditLog

    with session_scope() as session:
        ticket = tickets.for_staff(session, args.ticket_id)
        tickets.close(session, ticket, args.reason)
        session.add(AuditLog(actor=actor(), action="handoff-close", city_id=ticket.city_id,
                             changes={"ticket": ticket.id, "reason": ticket.close_reason}))
        ticket_id = ticket.id
    print(f"ticket {ticket_id} closed")
    return 0
