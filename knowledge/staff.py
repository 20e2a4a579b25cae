"""Staff accounts: city editors (one city's entries) and coordinators (everything).

Used by the admin and by `inclubot staff`; every change is audited. There is no default
account: the first coordinator is created on the command line. A coordinator can delete an
account (staff have privacy rights too): the audit log then names it by a pseudonym,
"deleted account #<id>", so the history stays readable without the person's username.
"""
import re
from typing import List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from knowledge import passwords
from knowledge.changes import write_audit
from knowledge.models import AuditLog, City, StaffUser
from knowledge.taxonomy import load_taxonomy

EDITOR = "editor"
COORDINATOR = "coordinator"
ROLES = (EDITOR, COORDINATOR)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,119}$")

Problem = Tuple[str, str]  # (field, message)


class StaffError(ValueError):
    def __init__(self, problems: List[Problem]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def find(session: Session, username: str) -> Optional[StaffUser]:
    return session.execute(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    ).scalar_one_or_none()


def authenticate(session: Session, username: str, password: str) -> Optional[StaffUser]:
    """The active account with this username and password, else None (in the same time)."""
    user = find(session, username)
    if user is None or not user.active:
        passwords.burn_time(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):  # parameters were raised since
        user.password_hash = passwords.hash_password(password)
    return user


def end_sessions(user: StaffUser) -> None:
    """Every session of this account, on every browser, ends (even a copied cookie)."""
    user.session_generation = (user.session_generation or 0) + 1


def create_account(
    session: Session, username: str, password: str, role: str, city_id: Optional[str], actor: str,
) -> StaffUser:
    username = normalise_username(username)
    problems = _role_problems(session, role, city_id)
    if not USERNAME.match(username):
        problems.append(("username", "the username must be 3 to 120 lowercase letters, digits or . _ @ - (e.g. an e-mail address)"))
    elif find(session, username) is not None:
        problems.append(("username", f"there is already an account named {username}"))
    problem = passwords.password_problem(password or "", username)
    if problem:
        problems.append(("password", problem))
    if problems:
        raise StaffError(problems)
    user = StaffUser(
        username=username, password_hash=passwords.hash_password(password),
        role=role, city_id=city_id if role == EDITOR else None, active=True,
    )
    session.add(user)
    session.flush()
    write_audit(session, actor, "staff-create", None,
                {"staff": username, "role": role, "city": user.city_id}, city_id=user.city_id)
    return user


def update_account(
    session: Session, user: StaffUser, role: str, city_id: Optional[str], active: bool,
    new_password: Optional[str], actor: str,
) -> List[str]:
    """Change an account; returns the changed fields. The last coordinator cannot be removed."""
    problems = _role_problems(session, role, city_id)
    city_id = city_id if role == EDITOR else None
    losing_coordinator = user.role == COORDINATOR and user.active and (role != COORDINATOR or not active)
    if losing_coordinator and _active_coordinators(session) <= 1:
        problems.append(("role", "this is the last active coordinator: create another coordinator first"))
    if new_password:
        problem = passwords.password_problem(new_password, user.username)
        if problem:
            problems.append(("password", problem))
    if problems:
        raise StaffError(problems)
    changes = {}
    for name, value in (("role", role), ("city_id", city_id), ("active", active)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changes[name] = value
    if new_password:
        user.password_hash = passwords.hash_password(new_password)
        changes["password"] = "changed"
    if new_password or "active" in changes:
        end_sessions(user)
    if changes:
        write_audit(session, actor, "staff-update", None, {"staff": user.username, **changes}, city_id=user.city_id)
    return sorted(changes)


def set_password(session: Session, user: StaffUser, new_password: str, actor: str) -> None:
    problem = passwords.password_problem(new_password or "", user.username)
    if problem:
        raise StaffError([("password", problem)])
    user.password_hash = passwords.hash_password(new_password)
    end_sessions(user)
    write_audit(session, actor, "staff-update", None, {"staff": user.username, "password": "changed"}, city_id=user.city_id)


def pseudonym(user: StaffUser) -> str:
    return f"deleted account #{user.id}"


def delete_account(session: Session, user: StaffUser, actor: str) -> str:
    """Deletes the account; its username leaves the audit log for its pseudonym (as the
    one who acted, and as the account changed). Returns the pseudonym. The last active
    coordinator cannot be deleted."""
    if user.role == COORDINATOR and user.active and _active_coordinators(session) <= 1:
        raise StaffError([("role", "this is the last active coordinator: create another coordinator first")])
    name = pseudonym(user)
    session.execute(update(AuditLog).where(AuditLog.actor == user.username).values(actor=name))
    for row in session.execute(select(AuditLog).where(AuditLog.action.like("staff-%"))).scalars():
        if isinstance(row.changes, dict) and row.changes.get("staff") == user.username:
            row.changes = {**row.changes, "staff": name}
    session.delete(user)
    write_audit(session, actor, "staff-delete", None, {"staff": name, "role": user.role}, city_id=user.city_id)
    return name


def _role_problems(session: Session, role: str, city_id: Optional[str]) -> List[Problem]:
    if role not in ROLES:
        return [("role", f"the role must be one of: {', '.join(ROLES)}")]
    if role == EDITOR:
        if city_id not in load_taxonomy().cities:
            return [("city_id", "a city editor needs a city")]
        if session.get(City, city_id) is None:
            return [("city_id", f"the city {city_id} has no knowledge base yet (import its city file first)")]
    return []


def _active_coordinators(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(StaffUser).where(StaffUser.role == COORDINATOR, StaffUser.active.is_(True))
    ).scalar_one()
