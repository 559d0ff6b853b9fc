"""Personal data in what a child sends: find it, and mask it before it is stored.

`find_personal_data(text)` looks at outgoing text (form fields, chat JSON)
for what a child should not give a stranger: phone numbers (Moroccan,
Malian, French, international), e-mail addresses, a home address, the
school they attend or when they leave it, passwords and codes, and payment
card numbers.  It is rule-based, fast and cautious: dates, prices and order
numbers are not phone numbers, a card number must pass the Luhn check, a
bare eight-digit Malian number counts only next to a word such as "numéro"
or "whatsapp", a password needs a phrase such as "mon mdp c'est" or
"code dyal insta howa".

`mask_personal_data(text)` hides what was found ("06 ** ** ** 78",
"y***@gmail.com", "[password]"); alert evidence must only ever hold masked
text, so a parent sees that something was shared without the dashboard
becoming a store of the child's secrets.

Arabic-Indic and Persian digits count as digits.  Offsets are those of the
text given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

PHONE, EMAIL, ADDRESS, SCHOOL, PASSWORD, CARD = "phone", "email", "address", "school", "password", "card"
#: When two findings overlap, the kind listed first wins.
KINDS: tuple[str, ...] = (CARD, EMAIL, PHONE, PASSWORD, ADDRESS, SCHOOL)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int


_ASCII_DIGITS = str.maketrans({chr(base + d): str(d) for base in (0x0660, 0x06F0) for d in range(10)})
_SEP = r"[ .\-\u00a0]"
_I = re.IGNORECASE
# Patterns that begin with a word list start with this: the engine then tries
# the list only where a word begins, several times faster on long texts.
_WORD_START = r"(?<!\w)(?=\w)"

# --- phone numbers -------------------------------------------------------------

# Country codes whose national formats we know; others are accepted as E.164.
_KNOWN_CODES = ("212", "223", "33")
_PHONE_PATTERNS = (
    # +212 6.. / 00212 (0)7.. / 212612345678 (wa.me links): Morocco, 9 digits after the code
    re.compile(rf"(?:(?:\+|00){_SEP}?)?212{_SEP}?(?:\(0\){_SEP}?)?[5-8](?:{_SEP}?\d){{8}}"),
    # +223 76 12 34 56: Mali, 8 digits
    re.compile(rf"(?:\+|00){_SEP}?223(?:{_SEP}?\d){{8}}"),
    # +33 6 12 34 56 78 / +33 (0)6 ...: France, 9 digits
    re.compile(rf"(?:\+|00){_SEP}?33{_SEP}?(?:\(0\){_SEP}?)?[1-9](?:{_SEP}?\d){{8}}"),
    # any other international number: 8 to 14 digits after + or 00
    re.compile(rf"(?:\+|00){_SEP}?[1-9](?:{_SEP}?\d){{7,13}}"),
    # 06 12 34 56 78 / 0612345678 / 05.22.. : French and Moroccan national, 10 digits
    re.compile(rf"0[1-9](?:{_SEP}?\d){{8}}"),
)
# Eight-digit Malian numbers look like many other things: only in pairs or as a
# mobile number, and only right after a word that announces a number.
_MALI_LOCAL = re.compile(rf"[2-9]\d(?:{_SEP}\d\d){{3}}|[5-9]\d{{7}}")
_PHONE_CONTEXT = re.compile(
    r"(?<!\w)(?:num(?:[ée]ro)?|n°|t[ée]l(?:[ée]phone)?|phone|portable|mobile|cell|call|appel+e?|whats?app|sms|"
    r"texto|contact|nmra|nemra|nmirou|raqm|r9m|rqm|رقم|نمرة|النمرة|الرقم|تيليفون|الهاتف|واتساب)[^\d\n]{0,16}$",
    _I,
)
_NOT_A_PHONE_CONTEXT = re.compile(
    r"(?:commande|order|r[ée]f(?:[ée]rence)?|facture|invoice|suivi|tracking|colis|parcel|iban|rib|siret|siren|"
    r"ticket|transaction|dossier|client|compte|account|cin|passport|passeport)\b[^.\n]{0,16}$",
    _I,
)
_DATE_INSIDE = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d\d\b|\b(?:19|20)\d\d[./-]\d{1,2}[./-]\d{1,2}\b")


def _phones(text: str) -> Iterable[tuple[int, int]]:
    for pattern in _PHONE_PATTERNS:
        for m in pattern.finditer(text):
            if _standalone(text, m.start(), m.end()) and _plausible_phone(text, m.start(), m.end()):
                yield m.start(), m.end()
    for m in _MALI_LOCAL.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        if _standalone(text, m.start(), m.end()) and _PHONE_CONTEXT.search(before):
            yield m.start(), m.end()


def _standalone(text: str, start: int, end: int) -> bool:
    """Not a piece of a longer number or word ("/" before is fine: wa.me/2126...)."""
    before = text[start - 1] if start else " "
    after = text[end : end + 2].ljust(2)  # padded: "" would be "in" every string below
    return (
        not (before.isalnum() or before in "+_" or (before in " .-," and start > 1 and text[start - 2].isdigit()))
        and not (after[:1].isalnum() or after[:1] in "_@" or (after[:1] in " .,-/" and after[1:2].isdigit()))
    )


def _plausible_phone(text: str, start: int, end: int) -> bool:
    if _DATE_INSIDE.search(text, start, end):
        return False
    return not _NOT_A_PHONE_CONTEXT.search(text[max(0, start - 30) : start])


# --- payment cards -------------------------------------------------------------

_CARD = re.compile(r"(?<![\d.,])[2-6]\d{3}(?:[ \-]?\d){9,15}(?![\d])")


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits) and _card_prefix(digits):
            yield m.start(), m.end()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_prefix(digits: str) -> bool:
    """Visa, Mastercard, Amex, Discover/UnionPay, JCB, Diners: the networks children's cards use."""
    two, four = int(digits[:2]), int(digits[:4])
    return digits[0] == "4" or 51 <= two <= 55 or 2221 <= four <= 2720 or two in (34, 37, 35, 36, 38, 62, 65) or four == 6011


# --- e-mail ----------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9][A-Za-z0-9.-]{0,252}\.[A-Za-z]{2,24}(?![\w-])")
_MAIL_PROVIDERS = ("gmail", "hotmail", "yahoo", "outlook", "live", "icloud", "proton", "menara", "laposte", "orange", "free", "sfr")
_SPELLED_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}\s*(?:\(at\)|\[at\]|\{at\}|\bat\b|arobase|arobaz)\s*"
    rf"(?:{'|'.join(_MAIL_PROVIDERS)})(?:mail)?\s*"
    r"(?:\.|\(dot\)|\[dot\]|\bdot\b|\bpoint\b)\s*(?:com|fr|ma|ml|net|org|me)\b",
    _I,
)


def _emails(text: str) -> Iterable[tuple[int, int]]:
    # Both patterns try up to 64 characters at every letter: run them only when they can match.
    lowered = text.lower()
    patterns = ([_EMAIL] if "@" in text else []) + ([_SPELLED_EMAIL] if any(p in lowered for p in _MAIL_PROVIDERS) else [])
    for pattern in patterns:
        for m in pattern.finditer(text):
            yield m.start(), m.end()


# --- passwords -------------------------------------------------------------------

_PASSWORD = re.compile(
    _WORD_START + r"(?P<trigger>password|passcode|passwd|pwd|mot\s+de\s+pass[e]?|mdp|code\s+secret|code\s+pin|pin(?:\s+code)?|"
    r"l?code|lpassword|lmdp|كلمة\s+(?:السر|المرور|السرية|سر)|الرمز\s+السري|الباسورد|الباسوورد|الكود|الكود\s+السري)"
    r"(?:\s+(?:dyal|dial|dyali|diali|dyalk|d|de|du|of|for|to|on|ديال|ديالي|ديالك)(?:\s*(?:mon|ma|my|l|ton)?\s*[\w'’.-]{1,20}?)?)?"
    r"\s*(?:[:=]|\b(?:is|was|est|c'?\s?est|c|howa|huwa|hwa|hia|hiya)\b|هو|هي|هوا|هيا)\s*"
    r"(?P<secret>[^\s\"'<>,;]{3,64})",
    _I,
)
_WEAK_TRIGGERS = re.compile(r"l?code|pin(?:\s+code)?|الكود", _I)
_NOT_A_SECRET = frozenset(
    "trop pas tres très too not very wrong faux incorrect oublié oublie forgot forgotten long court short "
    "changé change changed secret correct bon mauvais simple facile easy hard strong weak fort faible "
    "required requis obligatoire invalide invalid expired expiré le la les un une the a an my mon ma ton "
    "your votre ton ta nécessaire necessary khata ghalat ghlat mzyan nsito nsit خطأ غلط نسيت".split()
)


def _passwords(text: str) -> Iterable[tuple[int, int]]:
    for m in _PASSWORD.finditer(text):
        secret = m.group("secret").rstrip(".!?")
        weak = _WEAK_TRIGGERS.fullmatch(m.group("trigger"))
        if len(secret) < 4 or secret.lower() in _NOT_A_SECRET or (weak and not any(c.isdigit() for c in secret)):
            continue
        yield m.start("secret"), m.start("secret") + len(secret)


# --- home address ------------------------------------------------------------------

_STREET = (
    r"(?:rue|avenue|av\.?|bd\.?|boulevard|impasse|all[ée]e|chemin|quai|r[ée]sidence|r[ée]s\.|lotissement|cit[ée]|"
    r"quartier|qrt|hay|7ay|derb|drb|zenqa|zanqa|znqa|zen9a|zan9a|zenka|zanka|immeuble|imm\.|appartement|appt\.?|"
    r"شارع|زنقة|درب|حي|إقامة|اقامة|عمارة|تجزئة|زقاق)"
)
# A street's or a school's name: up to three words, stopping at words that end it ("à Casa", "et toi").
_NAME_WORDS = r"[\w'’-]+(?:[ \u00a0](?!(?:à|a|au|aux|et|and|w|ou|or|in|at|to|with|avec|mais|but|f|fi|ف|في|و)\b)[\w'’-]+){0,2}"
_ADDRESS_PATTERNS = (
    # 12 rue des Lilas / 25, avenue Hassan II / 3 derb Sidi Bouloukat / 2 place de la Mairie
    re.compile(rf"(?<!\w)\d{{1,4}}\s?(?:bis|ter)?,?\s+(?:{_STREET}|place)\s+(?=[^\W\d_]){_NAME_WORDS}", _I),
    # zenqa 14 / derb sidi bouloukat rqm 5 / شارع محمد الخامس رقم 15 / rue des Lilas n°12
    re.compile(rf"{_WORD_START}{_STREET}\s+(?:[\w'’-]+\s+){{0,4}}?(?:n°|no\.?|num[ée]ro|rqm|raqm|r9m|رقم)?\s*\d{{1,4}}(?![\d:hH])", _I),
    # j'habite quartier Maarif / kanskon f hay mohammadi / ساكن ف حي السلام
    re.compile(
        _WORD_START + r"(?:j'?\s?habite|je\s+vis|i\s+live|we\s+live|kanskon|kansken|kanskn|saken|sakna|skna|"
        r"ساكن|ساكنة|كنسكن|كانسكن|أسكن|اسكن|نسكن)\s+"
        r"(?:(?:à|a|au|aux|dans|en|at|on|in|f|fi|fl)\s+|(?:ف|في|فال|ب)\s*)?(?:le\s+|la\s+|l'|the\s+)?"
        rf"{_STREET}\s+{_NAME_WORDS}",
        _I,
    ),
    # 221B Baker Street (English order: number, capitalised name, street word)
    re.compile(r"(?<!\w)\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'-]*\s+){1,3}(?i:street|st\.|road|rd\.|avenue|ave\.|lane|drive|boulevard|way|close|court)(?!\w)"),
)


def _addresses(text: str) -> Iterable[tuple[int, int]]:
    for pattern in _ADDRESS_PATTERNS:
        for m in pattern.finditer(text):
            yield m.start(), m.end()


# --- school and when the child leaves it -------------------------------------------

_SCHOOL_WORD = (
    r"(?:coll[èe]ge|lyc[ée]e|[ée]cole|primaire|madrasa|medrassa|mdrasa|lmdrasa|high\s+school|middle\s+school|"
    r"primary\s+school|school|acad[ée]mie|institut|مدرسة|المدرسة|ثانوية|الثانوية|إعدادية|اعدادية|الإعدادية|"
    r"الاعدادية|ابتدائية|الابتدائية)"
)
_CLASS_WORD = rf"(?:{_SCHOOL_WORD}|cours|class(?:es)?|lessons?|l9raya|lqraya|القراية|الدراسة)"
_TIME = r"\d{1,2}(?:\s*[h:]\s*\d{0,2}|\s*(?:pm|am|heures?)\b)?"
_AT_TIME = rf"(?:à|a|at|vers|around|m3a|mea|ma3a|f|fi|مع|على|ف)\s*{_TIME}"
_SCHOOL_PATTERNS = (
    # je suis en 5e au collège Jean Moulin / kanqra f lycée ibn batouta / كنقرا ف ثانوية ابن بطوطة
    re.compile(
        _WORD_START + r"(?:je\s+suis|j'?\s?suis|chui|je\s+vais|j'?\s?[ée]tudie|i\s+go\s+to|i'?m\s+at|i\s+am\s+at|i\s+study\s+at|"
        r"i\s+attend|kanqra|kan9ra|kanqraw|kanqri|tanqra|ta9ra|كنقرا|كانقرا|كنقري|أدرس|ادرس|نقرا|كنقراو)\s+"
        r"(?:en\s+\S+\s+)?(?:(?:à|a|au|aux|dans|en|at|in|f|fi|fl)\s+|(?:ف|في|فال|ب)\s*)?(?:la\s+|le\s+|l'|the\s+|l)?"
        rf"{_SCHOOL_WORD}\s+(?P<name>{_NAME_WORDS})",
        _I,
    ),
    # I go to Lincoln High School
    re.compile(r"(?i:i\s+go\s+to|i'?m\s+at|i\s+am\s+at|i\s+study\s+at|i\s+attend)\s+(?:[A-Z][\w'-]*\s+){1,3}(?i:high\s+school|middle\s+school|primary\s+school|elementary\s+school|school|academy|college)(?!\w)"),
    # I finish school at 4 / je sors du collège à 16h / kankhrej mn lycée m3a 4
    re.compile(
        _WORD_START + r"(?:finish|finishes|end|ends|get\s+out\s+of|leave|leaves|finis|finit|termine|sors|sort|sortons|quitte|"
        r"kansali|kanseli|kankhrej|kankhroj|katsali|kaysali|كنسالي|كنخرج|كيسالي|تنسالي|نخرج|كتسالي)\s+"
        rf"(?:\S+\s+){{0,3}}?{_CLASS_WORD}\b[^.\n]{{0,20}}?{_AT_TIME}",
        _I,
    ),
    # school ends at 4 / les cours finissent à 16h
    re.compile(rf"{_WORD_START}{_CLASS_WORD}\s+(?:ends|finishes|finit|finissent|se\s+termine|termine|kaysali|katsali|كتسالي|كيسالي)\s+{_AT_TIME}", _I),
)
# What follows "au collège" that is not the school's name.
_NOT_A_NAME = frozenset(
    "et and mais but w o ou or avec with today aujourd'hui demain tomorrow hier yesterday maintenant now ce cette cet "
    "this every chaque tous toutes all le la les the a à de du des in on at en au pour for to mn men من و depuis "
    "since lyoum ghda daba f fi ف في everyday is est c'est it il elle je i tu you".split()
)


def _schools(text: str) -> Iterable[tuple[int, int]]:
    for pattern in _SCHOOL_PATTERNS:
        for m in pattern.finditer(text):
            name = m.groupdict().get("name")
            if name is not None and name.split()[0].lower() in _NOT_A_NAME:
                continue
            yield m.start(), m.end()


# --- finding and masking -------------------------------------------------------------

_DETECTORS: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {
    CARD: _cards,
    EMAIL: _emails,
    PHONE: _phones,
    PASSWORD: _passwords,
    ADDRESS: _addresses,
    SCHOOL: _schools,
}


def find_personal_data(text: str) -> list[Finding]:
    """The personal data in `text`, in order of position, without overlaps."""
    if not isinstance(text, str) or not text:
        return []
    digits_as_ascii = text.translate(_ASCII_DIGITS)  # same length: offsets stay valid
    taken: list[Finding] = []
    for kind in KINDS:
        for start, end in _DETECTORS[kind](digits_as_ascii):
            if all(end <= f.start or start >= f.end for f in taken):
                taken.append(Finding(kind, start, end))
    return sorted(taken, key=lambda f: f.start)


def mask_personal_data(text: str) -> str:
    """`text` with every finding masked ("06 ** ** ** 78", "y***@gmail.com", "[password]")."""
    return mask_findings(text, find_personal_data(text))


def mask_findings(text: str, findings: Iterable[Finding]) -> str:
    """`text` with the given findings masked (for callers that already ran `find_personal_data`)."""
    out, last = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out.append(text[last : f.start])
        out.append(_MASKS[f.kind](text[f.start : f.end]))
        last = f.end
    out.append(text[last:])
    return "".join(out)


def _mask_phone(number: str) -> str:
    ascii_number = number.translate(_ASCII_DIGITS)
    digits = [i for i, c in enumerate(ascii_number) if c.isdigit()]
    shown = set(digits[-2:]) | set(digits[: _head_digits(ascii_number)])
    return "".join(c if not c.isdigit() or i in shown else "*" for i, c in enumerate(ascii_number))


def _head_digits(number: str) -> int:
    """Digits left visible at the front: the country code, or a national number's 2-digit prefix."""
    plain = re.sub(r"\D", "", number)
    lead = number.lstrip()
    if not (lead.startswith(("+", "00")) or (plain.startswith("212") and len(plain) == 12)):
        return 2
    trunk = 2 if lead.startswith("00") else 0
    rest = plain[trunk:]
    return trunk + len(next((c for c in _KNOWN_CODES if rest.startswith(c)), rest[:2]))


def _mask_card(number: str) -> str:
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    shown = set(digits[-4:])
    return "".join(c if not c.isdigit() or i in shown else "*" for i, c in enumerate(number))


def _mask_email(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at:  # a spelled-out address ("yasmine at gmail dot com"): hide it all
        return "[email]"
    return f"{local[:1]}***@{domain}"


_MASKS: dict[str, Callable[[str], str]] = {
    PHONE: _mask_phone,
    CARD: _mask_card,
    EMAIL: _mask_email,
    PASSWORD: lambda _: "[password]",
    ADDRESS: lambda _: "[address]",
    SCHOOL: lambda _: "[school]",
}
