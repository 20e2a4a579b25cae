"""Removal of personal data from free text before it is stored or counted.

Replaces e-mail addresses, IBANs, phone numbers, ID/passport-like numbers and street
addresses with a number by placeholders such as [phone]. It errs on the side of removing:
a question for staff loses little when a number in it is hidden.
"""
import re

# Every repetition is bounded: unbounded ones make a long message (100,000 characters)
# take minutes, because each start position would scan to the end of the text.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}", re.UNICODE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# 7+ digits, possibly with +, spaces, dots, dashes or brackets between them.
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ()./-]{5,}\d(?![\w])")
# Letters and digits mixed, 6+ long: passport, ID card, residence-permit numbers.
_ID_NUMBER = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}\b", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\b\d{6,}\b")
_STREET_WORDS = (
    r"street|st\.|road|rd\.|avenue|ave\.|lane|square|"
    r"rue|avenue|boulevard|bd|chauss[ée]e|place|chemin|all[ée]e|quai|impasse|"
    r"straat|laan|steenweg|plein|lei|dreef|kaai|markt|vest|"
    r"via|viale|piazza|corso|vicolo|largo|"
    r"calle|avenida|plaza|paseo|camino|ronda|traves[ií]a|"
    r"iela|prospekts|bulv[aā]ris|"
    r"odos|οδός|οδος|λεωφόρος|λεωφορος|πλατεία|"
    r"sokak|sokağı|cadde|caddesi|mahalle|"
    r"улица|ул\.|вулиця|вул\.|проспект|площадь|площа|"
    r"شارع|خیابان|کوچه"
)
_COMPOUND_STREET = r"\w{1,40}(?:straat|laan|steenweg|plein|dreef|kaai|weg|straße|strasse|gasse)"
_STREET_ADDRESS = re.compile(
    rf"(?:(?<!\w){_COMPOUND_STREET}\s+\d{{1,4}}[a-z]?\b)|"
    rf"(?:(?:\b[\w'-]{{1,40}}\s+)?\b(?:{_STREET_WORDS})\b[^\n,;]{{0,40}}?\d{{1,4}}[a-z]?\b)|(?:\b\d{{1,4}}[a-z]?,?\s+(?:[\w'-]{{1,40}}\s+){{0,3}}?(?:{_STREET_WORDS})\b)",
    re.IGNORECASE | re.UNICODE,
)

_RULES = (
    (_EMAIL, "[email]"),
    (_IBAN, "[iban]"),
    (_STREET_ADDRESS, "[address]"),
    (_PHONE, "[phone]"),
    (_ID_NUMBER, "[id]"),
    (_LONG_NUMBER, "[number]"),
)


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders."""
    if not text:
        return text
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text
