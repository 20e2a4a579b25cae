"""The entry form: every field of an entry, a name and description in every language of
the taxonomy (the missing ones marked), opening hours day by day.

The form only collects text; knowledge/document.py decides what is valid, with the same
rules and messages as for an imported file.
"""
from datetime import date
from typing import Any, Dict, List, Optional, Tuple

from flask_admin.form import BaseForm, rules
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional as Optional_

from knowledge import typed_values
from knowledge.models import Entry
from knowledge.opening_hours import DAYS
from knowledge.taxonomy import load_taxonomy

DAY_NAMES = dict(zip(DAYS, (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))))
TEXT_FIELDS = ("address", "phone", "email", "website", "source")
MISSING_HINT = _l("missing: the bot shows this entry in English or the city's language instead")
# Where a validation problem about a key is shown on the form.
# What the browser checks before sending (the server checks again, with a message): spans
# like 09:00-12:00 separated by commas, or "closed".
HOURS_PATTERN = r"\s*(([Cc]losed)|[0-2]\d:[0-5]\d-[0-2]\d:[0-5]\d(\s*[,;]\s*[0-2]\d:[0-5]\d-[0-2]\d:[0-5]\d)*)?\s*"
FIELD_OF_PROBLEM = {None: "name_en", "name": "name_en", "description": "description_en", "opening_hours": "hours_mon"}


def category_label(category: str) -> str:
    return category.replace("_", " ").capitalize()


def build_form_class() -> type:
    taxonomy = load_taxonomy()
    fields: Dict[str, Any] = {
        "id": StringField(_l("Id"), description=_l("Lowercase letters, digits and '-', e.g. schaerbeek-cpas-food-bank. It cannot be changed later.")),
        "city": SelectField(_l("City"), choices=[(c, city.name) for c, city in taxonomy.cities.items()], validate_choice=False),
        "category": SelectField(_l("Category"), choices=[(c, category_label(c)) for c in taxonomy.categories], validate_choice=False),
        "active": BooleanField(_l("Active: the bot shows it (untick to archive)"), default=True),
        "priority": StringField(_l("Priority"), default="0", description=_l("A whole number; higher is shown first.")),
        "crisis_line": BooleanField(
            _l("Crisis line"), default=False,
            description=_l("A suicide-prevention or crisis line with a phone number: the bot lists it when someone writes about suicide."),
        ),
    }
    for code, language in taxonomy.languages.items():
        # dir=auto: Arabic and Persian texts are written right to left.
        fields[f"name_{code}"] = StringField(_l("Name"), render_kw={"dir": "auto", "lang": code})
        fields[f"description_{code}"] = TextAreaField(_l("Description"), render_kw={"dir": "auto", "lang": code, "rows": 5})
    fields.update(
        address=TextAreaField(_l("Address"), render_kw={"rows": 2}),
        latitude=StringField(_l("Latitude"), description=_l("e.g. 50.8676 (the map pin)")),
        longitude=StringField(_l("Longitude"), description=_l("e.g. 4.3773")),
        phone=StringField(_l("Phone"), description=_l("e.g. +32 2 123 45 67"), render_kw={"type": "tel"}),
        email=StringField(_l("E-mail")),
        website=StringField(_l("Website"), description=_l("Starting with https://")),
    )
    for day in DAYS:
        fields[f"hours_{day}"] = StringField(DAY_NAMES[day], description=_l("e.g. 09:00-12:00, 13:00-16:00; empty or 'closed' when closed") if day == "mon" else "", render_kw={"pattern": HOURS_PATTERN, "title": _l("e.g. 09:00-12:00, 13:00-16:00; empty or 'closed' when closed")})
    fields.update(
        languages_spoken=StringField(_l("Languages spoken there"), description=_l("Language codes, e.g. fr, nl, ar")),
        source=TextAreaField(_l("Source"), description=_l("Where this information comes from"), render_kw={"rows": 2}),
        verified_on=DateField(_l("Last verified on"), validators=[Optional_()]),
        verified_today=BooleanField(_l("Mark verified today")),
    )
    return type("EntryForm", (BaseForm,), fields)


def form_rules() -> List[Any]:
    taxonomy = load_taxonomy()
    layout = [rules.FieldSet(("id", "city", "category", "active", "priority", "crisis_line"), "Service")]
    for code, language in taxonomy.languages.items():
        layout.append(rules.FieldSet((f"name_{code}", f"description_{code}"), f"{language} ({code})"))
    layout.append(rules.FieldSet(("address", "latitude", "longitude", "phone", "email", "website"), "Contact and place"))
    layout.append(rules.FieldSet(tuple(f"hours_{day}" for day in DAYS), "Opening hours (all empty: not known)"))
    layout.append(rules.FieldSet(("languages_spoken", "source", "verified_on", "verified_today"), "Languages, source, verification"))
    return layout


def data_of(entry: Entry) -> Dict[str, Any]:
    """The form's values for an existing entry."""
    data: Dict[str, Any] = {
        "id": entry.id, "city": entry.city_id, "category": entry.category, "active": entry.active,
        "priority": str(entry.priority), "crisis_line": entry.crisis_line, "verified_on": entry.verified_on,
        "languages_spoken": ", ".join(entry.languages_spoken or []),
        "latitude": "" if entry.latitude is None else repr(entry.latitude),
        "longitude": "" if entry.longitude is None else repr(entry.longitude),
    }
    for name in TEXT_FIELDS:
        data[name] = getattr(entry, name) or ""
    for text in entry.texts:
        data[f"name_{text.language}"] = text.name
        data[f"description_{text.language}"] = text.description
    hours = entry.opening_hours
    for day in DAYS:
        data[f"hours_{day}"] = typed_values.day_text(hours.get(day)) if hours else ""
    return data


# The marker on each language's tab of the editor.
MISSING, DRAFT, OUTDATED, REVIEWED, ORIGINAL = "missing", "draft", "outdated", "reviewed", "original"
MARKER_LABELS = {
    MISSING: _l("missing"), DRAFT: _l("draft"), OUTDATED: _l("outdated"), REVIEWED: _l("reviewed"), ORIGINAL: _l("original"),
}
MARKER_STYLES = {MISSING: "danger", DRAFT: "warning", OUTDATED: "warning", REVIEWED: "success", ORIGINAL: "secondary"}


def text_markers(entry: Optional[Entry]) -> Dict[str, str]:
    """Per language: missing, draft (a translation nobody checked), outdated (its source
    changed since), reviewed (a translation staff wrote or checked) or original."""
    texts = entry.texts_by_language() if entry is not None else {}
    markers = {}
    for code in load_taxonomy().languages:
        text = texts.get(code)
        if text is None:
            markers[code] = MISSING
        elif entry.is_outdated(text):
            markers[code] = OUTDATED
        elif text.is_unreviewed_translation():
            markers[code] = DRAFT
        else:
            markers[code] = REVIEWED if text.translated_from else ORIGINAL
    return markers


def source_language(entry: Optional[Entry], asked: Optional[str]) -> Optional[str]:
    """The language shown beside the one edited: the staff member's choice, else English,
    else the entry's first original text."""
    texts = entry.texts_by_language() if entry is not None else {}
    if asked in texts:
        return asked
    if "en" in texts:
        return "en"
    originals = [code for code, text in texts.items() if not text.translated_from]
    return (originals or sorted(texts) or [None])[0]


def mark_missing_translations(form: BaseForm, entry: Entry) -> List[str]:
    """A hint in the empty language fields; returns the languages with no text at all."""
    texts = entry.texts_by_language()
    missing = []
    for code, language in load_taxonomy().languages.items():
        text = texts.get(code)
        if text is None:
            missing.append(f"{language} ({code})")
        for kind, present in (("name", text is not None), ("description", text is not None and bool(text.description))):
            if not present:
                field = form[f"{kind}_{code}"]
                field.render_kw = {**(field.render_kw or {}), "placeholder": MISSING_HINT, "class": "border-warning"}
    return missing


def fields_of(form: BaseForm, entry: Optional[Entry], today: date) -> Dict[str, Any]:
    """The submitted form as the mapping a file's entry is (see knowledge/document.py)."""
    def text(name: str) -> Optional[str]:
        value = (form[name].data or "").strip()
        return value or None

    languages = load_taxonomy().languages
    fields: Dict[str, Any] = {
        "id": entry.id if entry is not None else text("id"),
        "city": entry.city_id if entry is not None else form.city.data,
        "category": form.category.data,
        "name": {code: text(f"name_{code}") for code in languages if text(f"name_{code}")},
        "description": {code: text(f"description_{code}") for code in languages if text(f"description_{code}")},
        "latitude": typed_values.number(form.latitude.data),
        "longitude": typed_values.number(form.longitude.data),
        "opening_hours": typed_values.week_hours({day: form[f"hours_{day}"].data for day in DAYS}),
        "languages_spoken": typed_values.language_list(form.languages_spoken.data),
        "verified_on": today if form.verified_today.data else form.verified_on.data,
        "active": bool(form.active.data),
        "priority": typed_values.integer(form.priority.data),
        "crisis_line": bool(form.crisis_line.data),
    }
    for name in TEXT_FIELDS:
        fields[name] = text(name)
    return fields


def show_problems(form: BaseForm, problems: List[Tuple[Optional[str], str]]) -> None:
    for key, message in problems:
        name = FIELD_OF_PROBLEM.get(key, key)
        field = form[name] if name in form else form["name_en"]
        field.errors = list(field.errors) + [message]
