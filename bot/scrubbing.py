"""Removal of personal data from free text before it is stored or counted.

Replaces e-mail addresses (also written out: "maria at gmail dot com"), IBANs, phone
numbers, ID/passport-like numbers, street addresses with a number, @handles, and the name
after "my name is …" in the 12 languages by placeholders such as [phone]. It errs on the
side of removing: a question for staff loses little when a number in it is hidden.
A name written without such an introduction cannot be told from other words and stays.
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

# "maria at gmail dot com", "maria (at) gmail (dot) com", "maria[at]gmail.com", in the
# languages' words for "at" and "dot".
_AT_WORDS = r"at|arroba|chez|apenstaartje|chiocciola|собака|собачка|pie|اَت|ات"
_DOT_WORDS = r"dot|punto|point|punt|точка|крапка|punkts|nokta|τελεία|نقطه|نقطة"
_TOP_LEVEL_DOMAINS = (
    r"com|org|net|info|edu|gov|eu|be|fr|nl|it|es|gr|lv|tr|ru|ua|ir|de|uk|ch|at|lu|pt|pl|ro|ma|dz|tn|sy|iq|af|ly|eg|io|me"
)
# A written-out dot, or a plain one between two words ("gmail.com", never "work. It").
_SPELLED_DOT = rf"(?:\s{{0,3}}[(\[{{<]?\s{{0,2}}(?:{_DOT_WORDS})\s{{0,2}}[)\]}}>]?\s{{0,3}}|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]{{1,64}}\s{{0,3}}[(\[{{<]?\s{{0,2}}(?:{_AT_WORDS})\s{{0,2}}[)\]}}>]?\s{{0,3}}"
    rf"[\w-]{{1,63}}(?:{_SPELLED_DOT}[\w-]{{1,63}}){{0,3}}{_SPELLED_DOT}(?:{_TOP_LEVEL_DOMAINS})(?![\w])",
    re.IGNORECASE | re.UNICODE,
)
# Telegram, Instagram, X usernames: "@ahmed_yusuf" (after e-mail addresses are gone).
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,40}\w")

_RULES = (
    (_EMAIL, "[email]"),
    (_SPELLED_EMAIL, "[email]"),
    (_HANDLE, "[handle]"),
    (_IBAN, "[iban]"),
    (_STREET_ADDRESS, "[address]"),
    (_PHONE, "[phone]"),
    (_ID_NUMBER, "[id]"),
    (_LONG_NUMBER, "[number]"),
)
# Rules that cannot match a text without a digit, or without an "@": most stored strings
# have neither, and the tracker store scrubs every string of every event on each message.
_NEEDS_DIGIT = frozenset({_IBAN, _STREET_ADDRESS, _PHONE, _ID_NUMBER, _LONG_NUMBER})
_NEEDS_AT = frozenset({_EMAIL, _HANDLE})
_DIGIT = re.compile(r"\d")


# "My name is …" as people introduce themselves, in the 12 languages.
_NAME_INTRODUCTIONS = (
    r"my name is|my name's|i am called|i'm called|"  # en
    r"je m'appelle|je m’appelle|mon nom est|mon prénom est|"  # fr
    r"mijn naam is|ik heet|"  # nl
    r"اسمي|انا اسمي|"  # ar
    r"мене звати|мене звуть|моє ім'я|моє ім’я|"  # uk
    r"меня зовут|моё имя|мое имя|моя фамилия|"  # ru
    r"me llamo|mi nombre es|"  # es
    r"mi chiamo|il mio nome è|"  # it
    r"με λένε|λέγομαι|ονομάζομαι|το όνομά μου είναι|"  # el
    r"mani sauc|mans vārds ir|"  # lv
    r"اسم من|نام من|اسمم|"  # fa
    r"benim adım|benim ismim|ismim|adım"  # tr
)
_NAME_WORD = r"[^\W\d_][\w'’-]{0,40}"
_INTRODUCED_NAME = re.compile(
    rf"(?<!\w)(?P<intro>{_NAME_INTRODUCTIONS})(?P<gap>[ \t:,-]{{1,4}})(?P<words>{_NAME_WORD}(?:[ \t]{{1,3}}{_NAME_WORD}){{0,2}})",
    re.IGNORECASE | re.UNICODE,
)
# Words after the first that end a name in scripts without capitals ("… است", "and").
_AFTER_NAME = frozenset({"است", "هست", "هستم", "و", "وانا", "انا", "من"})


def _hide_name(match: re.Match) -> str:
    """The first word after the introduction is the name; the next ones too while they look
    like names: capitalised, or in a script without capitals (Arabic, Persian)."""
    words = match.group("words").split()
    taken = 1
    for word in words[1:]:
        uncased = not word[0].isupper() and not word[0].islower()
        if not (word[0].isupper() or (uncased and word not in _AFTER_NAME)):
            break
        taken += 1
    rest = " ".join(words[taken:])
    return f"{match.group('intro')}{match.group('gap')}[name]" + (f" {rest}" if rest else "")


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders."""
    if not text:
        return text
    skipped = (set() if _DIGIT.search(text) else _NEEDS_DIGIT) | (set() if "@" in text else _NEEDS_AT)
    for pattern, placeholder in _RULES:
        if pattern not in skipped:
            text = pattern.sub(placeholder, text)
    return _INTRODUCED_NAME.sub(_hide_name, text)
