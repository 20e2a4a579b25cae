"""What a staff member may do: a city editor works on their city, a coordinator on all,
and only a coordinator manages staff accounts and reads the audit log."""
from typing import List, Optional

from knowledge.models import StaffUser
from knowledge.staff import COORDINATOR, EDITOR
from knowledge.taxonomy import load_taxonomy


def is_coordinator(user: Optional[StaffUser]) -> bool:
    return user is not None and user.active and user.role == COORDINATOR


def may_edit_city(user: Optional[StaffUser], city_id: Optional[str]) -> bool:
    if is_coordinator(user):
        return True
    return user is not None and user.active and user.role == EDITOR and city_id is not None and user.city_id == city_id


def cities_of(user: Optional[StaffUser]) -> List[str]:
    """The cities whose entries and statistics the user sees."""
    if is_coordinator(user):
        return list(load_taxonomy().cities)
    if user is not None and user.role == EDITOR and user.city_id:
        return [user.city_id]
    return []
