"""Exchange with translators in XLIFF 2.0 (what CAT tools read): one city's texts that are
missing or outdated in one language, out; the translated file, in.

Each unit is an entry, with a segment for its name and one for its description, and a note
holding the fingerprint of the source text as exported. Reading back is all or nothing: a
unit whose source text changed since the export is refused (its translation would be of
the old text), and every problem is reported with its line.
"""
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from xml.parsers import expat

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.changes import save_translation
from knowledge.document import KbDocumentError, decode_text
from knowledge.models import MISSING, OUTDATED, Entry
from knowledge.taxonomy import load_taxonomy

NS = "urn:oasis:names:tc:xliff:document:2.0"
FINGERPRINT_NOTE = "inclubot-source-fingerprint"
SEGMENTS = ("name", "description")


# --- export ---------------------------------------------------------------------------------

def texts_to_translate(session: Session, city_id: str, target: str, source: str) -> List[Entry]:
    """Active entries of the city whose `target` text is missing, or outdated against `source`."""
    statement = select(Entry).where(Entry.city_id == city_id, Entry.active.is_(True)).order_by(Entry.id)
    wanted = []
    for entry in session.execute(statement).scalars():
        texts = entry.texts_by_language()
        state = entry.translation_state(target)
        if source in texts and (state == MISSING or (state == OUTDATED and texts[target].translated_from == source)):
            wanted.append(entry)
    return wanted


def export_xliff(session: Session, city_id: str, target: str, source: str = "en") -> Tuple[str, int]:
    """The XLIFF document, and how many units it has."""
    root = ET.Element("xliff", {"xmlns": NS, "version": "2.0", "srcLang": source, "trgLang": target})
    file = ET.SubElement(root, "file", {"id": city_id})
    entries = texts_to_translate(session, city_id, target, source)
    for entry in entries:
        texts = entry.texts_by_language()
        original, current = texts[source], texts.get(target)
        unit = ET.SubElement(file, "unit", {"id": entry.id})
        notes = ET.SubElement(unit, "notes")
        ET.SubElement(notes, "note", {"category": FINGERPRINT_NOTE}).text = original.fingerprint()
        for kind in SEGMENTS:
            if kind == "description" and not original.description:
                continue
            segment = ET.SubElement(unit, "segment", {"id": kind})
            ET.SubElement(segment, "source").text = getattr(original, kind)
            if current is not None:  # outdated: the old translation, for the translator to update
                ET.SubElement(segment, "target").text = getattr(current, kind)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n", len(entries)


# --- import ---------------------------------------------------------------------------------

@dataclass
class Node:
    tag: str
    attributes: Dict[str, str]
    line: int
    children: List["Node"]
    text: str = ""

    def find(self, tag: str) -> List["Node"]:
        return [child for child in self.children if child.tag == tag]


@dataclass
class Translation:
    entry: Entry
    name: str
    description: str


def read_xliff(session: Session, data: bytes, filename: str) -> Tuple[str, str, List[Translation]]:
    """(source language, target language, translations) of a file as exported and
    translated; KbDocumentError listing every problem, with its line."""
    root = _parse(decode_text(data, filename, "XLIFF"), filename)
    errors: List[str] = []

    def error(line: int, message: str) -> None:
        errors.append(f"{filename}:{line}: {message}")

    languages = load_taxonomy().languages
    source, target = root.attributes.get("srcLang"), root.attributes.get("trgLang")
    if root.tag != f"{NS} xliff" or root.attributes.get("version") != "2.0":
        raise KbDocumentError([f"{filename}:{root.line}: not an XLIFF 2.0 document"])
    if source not in languages or target not in languages or source == target:
        raise KbDocumentError([f"{filename}:{root.line}: srcLang and trgLang must be two of: {', '.join(languages)}"])
    translations = []
    for file in root.find(f"{NS} file"):
        city_id = file.attributes.get("id")
        if city_id not in load_taxonomy().cities:
            error(file.line, f"file id {city_id!r} is not a city id")
            continue
        for unit in file.find(f"{NS} unit"):
            found = _read_unit(session, unit, city_id, source, target, error)
            if found is not None:
                translations.append(found)
    if not translations and not errors:
        error(root.line, "the file has no translated unit")
    if errors:
        raise KbDocumentError(errors)
    return source, target, translations


def _read_unit(session: Session, unit: Node, city_id: str, source: str, target: str, error) -> Optional[Translation]:
    notes = [note for notes in unit.find(f"{NS} notes") for note in notes.find(f"{NS} note")
             if note.attributes.get("category") == FINGERPRINT_NOTE]
    segments = {segment.attributes.get("id"): segment for segment in unit.find(f"{NS} segment")}
    texts = {}
    for kind in SEGMENTS:
        segment = segments.get(kind)
        targets = segment.find(f"{NS} target") if segment is not None else []
        if targets and targets[0].children:
            error(targets[0].line, f"unit {unit.attributes.get('id', '?')}: {kind}: inline markup in a target is not supported; plain text only")
            return None
        texts[kind] = targets[0].text.strip() if targets else ""

    def line_of(kind: Optional[str]) -> int:
        return segments[kind].line if kind in segments else unit.line

    return checked_translation(
        session, f"unit {unit.attributes.get('id', '?')}", unit.attributes.get("id", "?"), city_id, source,
        notes[0].text.strip() if notes else "", texts, lambda message, kind=None: error(line_of(kind), message),
    )


def checked_translation(session: Session, label: str, entry_id: str, city_id: Optional[str], source: str,
                        fingerprint: str, texts: Dict[str, str], error) -> Optional[Translation]:
    """One entry's translation as a translator sent it back, or None once `error(message, field)`
    has been told why not. The one rule for XLIFF and the translator CSV alike: the entry
    exists (in `city_id`, when given), its source text is still the one exported, and the
    translation has a name, and a description exactly when the source has one."""
    entry = session.get(Entry, entry_id)
    if entry is None or (city_id is not None and entry.city_id != city_id):
        error(f"{label}: no such entry" + (f" in {city_id}" if city_id else ""))
        return None
    original = entry.texts_by_language().get(source)
    if original is None or fingerprint != original.fingerprint():
        error(f"{label}: the {source} text changed since this file was exported (or its fingerprint is "
              f"missing): not applied; export the entry again and translate the new text")
        return None
    for kind in SEGMENTS:
        needed = kind == "name" or bool(original.description)
        if needed and not texts.get(kind):
            error(f"{label}: {kind}: no translation", kind)
            return None
        if not needed and texts.get(kind):
            error(f"{label}: {kind}: the source has no {kind}, so neither can the translation", kind)
            return None
    return Translation(entry=entry, name=texts["name"], description=texts.get("description", ""))


def _parse(text: str, filename: str) -> Node:
    """XML to Nodes with their lines; no DTD, hence no entity expansion."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: List[Node] = [Node("", {}, 0, [])]

    def start(tag, attributes):
        node = Node(tag, attributes, parser.CurrentLineNumber, [])
        stack[-1].children.append(node)
        stack.append(node)

    def refuse_doctype(*_):
        raise KbDocumentError([f"{filename}:{parser.CurrentLineNumber}: a DOCTYPE is not allowed in XLIFF"])

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    parser.CharacterDataHandler = lambda data: setattr(stack[-1], "text", stack[-1].text + data)
    parser.StartDoctypeDeclHandler = refuse_doctype
    try:
        parser.Parse(text, True)
    except expat.ExpatError as problem:
        raise KbDocumentError([f"{filename}:{problem.lineno}: not valid XML: {expat.errors.messages[problem.code]}"]) from None
    return stack[0].children[0]


def import_xliff(session: Session, data: bytes, filename: str, actor: str) -> Tuple[str, List[str]]:
    """Apply a translated file in the caller's transaction: (target language, entry ids changed)."""
    source, target, translations = read_xliff(session, data, filename)
    return target, apply_translations(session, source, target, translations, actor)


def apply_translations(session: Session, source: str, target: str, translations: List[Translation], actor: str) -> List[str]:
    """Saves checked translations in the caller's transaction; the ids of the entries changed."""
    return [
        t.entry.id for t in translations
        if save_translation(session, t.entry, target, t.name, t.description, source, actor)
    ]
