"""`inclubot staff ...`: the staff accounts that must exist before anyone can log in.

The first coordinator is created here (there is no default account or password); the
coordinator then creates the city editors in the admin.
"""
import getpass
import sys

from bot import settings


def run(args) -> int:
    from knowledge.db import session_scope
    from knowledge import staff

    password = _read_password(args.password_stdin)
    if password is None:
        return 2
    actor = settings.cli_actor()
    try:
        with session_scope() as session:
            if args.staff_command == "create-coordinator":
                user = staff.create_account(session, args.username, password, staff.COORDINATOR, None, actor)
                print(f"coordinator account {user.username} created; log in at /admin/")
            else:
                user = staff.find(session, args.username)
                if user is None:
                    print(f"no account named {staff.normalise_username(args.username)}", file=sys.stderr)
                    return 1
                staff.set_password(session, user, password, actor)
                print(f"password of {user.username} changed")
    except staff.StaffError as error:
        print(f"nothing changed: {error}", file=sys.stderr)
        return 1
    return 0


def _read_password(from_stdin: bool):
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print("type the password in a terminal, or pass it on standard input with --password-stdin", file=sys.stderr)
        return None
    password = getpass.getpass("new password: ")
    if getpass.getpass("the same password again: ") != password:
        print("the two passwords differ; nothing changed", file=sys.stderr)
        return None
    return password
