"""Turn one mapped spreadsheet row into a clean ImportRecord.

Pure: names are trimmed and freed of control and invisible characters
(Unicode Cc/Cf), phones go to E.164 with the office region (several per cell,
extensions, Excel's float and exponent damage), e-mails are lower-cased and
checked, group cells are split, placeholders ("-", "нет", "n/a") mean no
value. Nothing is dropped silently: what cannot be used goes into the notes
as "Header: value", and every change the importer made is a Notice naming
the cell (its kind groups it in the summary of the run).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from contacts_crm.contact import phones
from contacts_crm.contact.model import STARRED, SYSTEM_GROUPS, Address, EmailEntry, PhoneEntry
from contacts_crm.files.safe_cells import strip_formula_guard
from contacts_crm.files.table import Row
from contacts_crm.i18n import _
from contacts_crm.imports.columns import Mapping
from contacts_crm.imports.said import Said, said

# Unicode Cc (control) and Cf (format: bidi, zero-width, soft hyphen...) characters that
# sneak in from old systems and copy-paste; TAB, LF and CR are handled as white space.
_CF = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
_REMOVED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _CF + "]")
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f" + _CF + "]")
# The People API holds 1,024 characters per field; Notes are bounded by the 128 KB a
# contact may hold: the importer keeps half of that for the card to grow.
FIELD_MAX_CHARS = 1024
NOTES_MAX_BYTES = 65_536
# More digits than any phone number has: a pasted column, not a number.
PHONE_MAX_DIGITS = 30
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$"
)
_EMAIL_SPLIT = re.compile(r"\s*(?:\s:::\s|[;,\s])\s*")
_GROUP_SPLIT = re.compile(r"\s*(?:\s:::\s|;|,|\n)\s*")
# Excel numbers written with a decimal comma: "79161234567,0", "7,9161234567E+10".
_DECIMAL_COMMA = re.compile(r"^(\+?\d+),0+$")
_COMMA_EXPONENT = re.compile(r"^(\d),(\d+[eE]\+?\d+)$")
_PATRONYMIC = re.compile(
    r"(?:вич|вна|ична|инична|оглы|кызы|улы|vich|vna|ichna|ogly|kyzy|oğlu|qızı)$", re.I
)
_PATRONYMIC_WEAK = re.compile(r"(?:ич|ich)$", re.I)  # Ильич, Фомич, Кузьмич (also surnames)
_PATRONYMIC_WORD = {"оглы", "кызы", "улы", "ogly", "kyzy", "oğlu", "qızı", "оглу"}
# A name word: letters, inner hyphen or apostrophe, a capital first ("O'Brien", "Анна-Мария").
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*\.?$")
_COMPANY_WORDS = {
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "ltd", "llc", "inc", "gmbh", "co", "corp",
    "plc", "sa", "ag", "as", "a.ş", "a.ş.", "ltd.", "şti", "şti.", "tic", "san", "и", "and", "&",
}  # fmt: skip
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_PHONE_LABELS = {
    "mobile": "mobile", "cell": "mobile", "work": "work", "home": "home", "other": "other",
    "main": "main", "work fax": "workFax", "home fax": "homeFax", "pager": "pager",
    "мобильный": "mobile", "рабочий": "work", "домашний": "home",
    "cep": "mobile", "iş": "work", "ev": "home",
}  # fmt: skip


def _marked() -> None:  # pragma: no cover - never called: marks the notices for extraction
    for _text in (
        _("{ref} ({header}): Excel error {error} in the cell, the value is left out; fix the "
          "formula in the file and import again"),
        _("{ref} ({header}): removed {n} control or invisible character(s)"),
        _("{ref} ({header}): {value!r} is not a valid e-mail (kept in notes)"),
        _("{ref} ({header}): {n} characters cut to {limit} (the People API's limit for a field)"),
        _("row {row}: the notes have {n} characters ({size} bytes), cut to {cut} ({kb} KB, half "
          "of what the People API holds per contact); the rest stays in the file"),
        _("{ref} ({header}): {n} digits in the cell are not phone numbers; fix the cell and "
          "import again"),
        _("{ref} ({header}): {value!r}: {problem} (kept in notes)"),
    ):  # fmt: skip
        pass


NOTICE_KINDS = {
    "phone-to-notes": "phones moved to the notes",
    "email-refused": "e-mails refused (moved to the notes)",
    "cleaned": "values cleaned",
    "truncated": "values cut to the People API's limits",
    "error-cell": "Excel error cells (value left out)",
}


@dataclass(frozen=True)
class Notice:
    """One thing the importer did to a row: ``kind`` groups it (see NOTICE_KINDS)."""

    kind: str
    text: str  # English (--json, the journal)
    said: Said | None = None  # the same, to show in the current language

    def local(self) -> str:
        """The text in the current language."""
        return self.said.local() if self.said is not None else self.text


@dataclass
class ImportRecord:
    """A spreadsheet row, normalised; ``notes`` already holds the "Header: value" lines."""

    row: int
    given_name: str = ""
    family_name: str = ""
    middle_name: str = ""
    organization: str = ""
    title: str = ""
    phones: list[PhoneEntry] = field(default_factory=list)
    emails: list[EmailEntry] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # group names as typed (system: "starred")
    notes: str = ""
    notices: list[Notice] = field(default_factory=list)
    review: bool = False
    reject: str = ""  # why the row cannot be imported as it is (the rest of the file can)
    reject_said: Said | None = None  # the same, to show in the current language
    phone_texts: list[str] = field(default_factory=list)  # every phone as typed (for the region)

    @property
    def warnings(self) -> list[str]:
        """The notices' texts, in row order."""
        return [n.text for n in self.notices]

    def notice(self, kind: str, message: Said) -> None:
        self.notices.append(Notice(kind, str(message), message))

    @property
    def empty(self) -> bool:
        """True when nothing identifies a client: no name, company, phone or e-mail."""
        return not (
            self.given_name or self.family_name or self.middle_name or self.organization
            or self.phones or self.emails
        )  # fmt: skip

    @property
    def name_key(self) -> str:
        """Normalised name + company, word order ignored ("" without a name)."""
        return name_key(self.given_name, self.middle_name, self.family_name, self.organization)

    def row_hash(self) -> str:
        """A stable digest of the normalised content: the same row hashes the same in any run."""
        body = [
            self.given_name, self.family_name, self.middle_name, self.organization, self.title,
            [(p.value, p.type) for p in self.phones], [(e.value, e.type) for e in self.emails],
            [vars(a) for a in self.addresses], sorted(g.casefold() for g in self.groups),
            self.notes,
        ]  # fmt: skip
        blob = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


def name_key(given: str, middle: str, family: str, organization: str) -> str:
    """Name + company for duplicate detection: word order and case ignored, ё read as е."""
    words = sorted(" ".join((given, middle, family)).casefold().split())
    if not words:
        return ""
    return " ".join(words).replace("ё", "е") + "|" + " ".join(organization.casefold().split())


def clean_text(text: str) -> str:
    """NFC, no control or invisible characters, VT / FF read as line breaks, trimmed."""
    return _clean(text)[0]


def _clean(text: str) -> tuple[str, int]:
    """``clean_text`` and how many characters it removed (white space changes not counted)."""
    t = unicodedata.normalize("NFC", str(text))
    removed = len(_REMOVED.findall(t)) if _REMOVED.search(t) else 0
    t = t.replace("\x0b", "\n").replace("\x0c", "\n")
    if removed:
        t = _INVISIBLE.sub("", t)
    return t.replace("\r\n", "\n").replace("\r", "\n").strip(), removed


def clean_name(text: str) -> str:
    """A name part on one line with single spaces (TAB, LF, VT read as a space)."""
    return " ".join(clean_text(text).split())


def looks_like_personal_name(text: str) -> bool:
    """One to three capitalised name words, none of them a company form ("ООО", "Ltd")."""
    words = text.split()
    return 0 < len(words) <= 3 and all(
        _NAME_WORD.match(w) and w[0].isupper() and w.casefold() not in _COMPANY_WORDS for w in words
    )


def split_full_name(text: str) -> tuple[str, str, str]:
    """(given, family, middle) from a full-name cell.

    "Petrov, Ivan" (both sides personal names) and Cyrillic "Петров Иван
    [Сергеевич]" put the family name first, as does a patronymic (-вич, -вна,
    -ична, -ич, -оглы, -кызы) in third place; "Иван Ильич Петров" has it in
    second. Otherwise the last word is the family name ("Mehmet Ali Yılmaz").
    A cell that is not a personal name ("Рога и копыта, ООО") is kept whole.
    """
    name = clean_name(text)
    if not name:
        return "", "", ""
    if "," in name:
        family, _, given = (p.strip() for p in name.partition(","))
        if looks_like_personal_name(family) and looks_like_personal_name(given):
            return given, family, ""
        return name, "", ""
    words = name.split()
    if len(words) == 1:
        return words[0], "", ""
    if len(words) == 4 and words[3].casefold() in _PATRONYMIC_WORD:  # Мамедов Али Гусейн оглы
        return words[1], words[0], f"{words[2]} {words[3]}"
    if len(words) == 3:
        for pattern in (_PATRONYMIC, _PATRONYMIC_WEAK):
            if pattern.search(words[2]):
                return words[1], words[0], words[2]
            if pattern.search(words[1]):
                return words[0], words[2], words[1]
    if _CYRILLIC.search(name) and len(words) == 2:
        return words[1], words[0], ""
    return " ".join(words[:-1]), words[-1], ""


def split_emails(cell: str, skip: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(valid lower-cased e-mails, invalid parts) in one cell; ``skip``: placeholders."""
    good: list[str] = []
    bad: list[str] = []
    for part in _EMAIL_SPLIT.split(clean_text(cell)):
        part = part.strip().strip("<>").removeprefix("mailto:")
        if not part or part.casefold() in skip:
            continue
        value = part.lower()
        (good if _EMAIL.match(value) else bad).append(value if _EMAIL.match(value) else part)
    return good, bad


def split_groups(cell: str) -> list[str]:
    """Group names in a cell; Google's "* myContacts" system marks are dropped, "* starred" kept."""
    out = []
    for part in _GROUP_SPLIT.split(clean_text(cell)):
        name = " ".join(part.split())
        if name.startswith("*"):
            system = SYSTEM_GROUPS.get(name.lstrip("* ").casefold())
            if system == STARRED:
                out.append("starred")
            continue
        if name and name.casefold() not in (g.casefold() for g in out):
            out.append(name)
    return out


def phone_label(text: str) -> str:
    """A phone type from a Google CSV label cell ("* Mobile" -> "mobile")."""
    label = clean_name(text).lstrip("* ").strip()
    return _PHONE_LABELS.get(label.casefold(), label) if label else ""


def normalize_row(row: Row, mapping: Mapping, region: str, *, csv: bool = False) -> ImportRecord:
    """Build the ImportRecord for ``row`` under ``mapping``.

    ``csv``: the row comes from a CSV file, whose formula guard (a leading
    apostrophe before = + - @) is removed; workbook cells are taken as they are.
    """
    rec = ImportRecord(row=row.number)
    full = ""
    notes: list[str] = []
    extra: list[str] = []
    labels = {
        (c.field, c.slot): phone_label(row.get(c.index))
        for c in mapping.columns
        if c.field in ("phone.label", "email.label")
    }
    parts: dict[int, dict[str, str]] = {}
    skip = mapping.placeholders
    for col in mapping.columns:
        f = col.field
        if f == "ignore" or f in ("phone.label", "email.label"):
            continue
        ref = f"{col.letter}{row.number}"
        if col.index in row.errors:
            rec.notice("error-cell", said(
                "{ref} ({header}): Excel error {error} in the cell, the value is left out; fix "
                "the formula in the file and import again",
                ref=ref, header=col.header, error=row.errors[col.index]))  # fmt: skip
            continue
        raw = strip_formula_guard(row.get(col.index)) if csv else row.get(col.index)
        if not raw:
            continue
        value, removed = _clean(raw)
        if not value:
            continue
        if (f is None or f in ("notes", "note_line") or f.startswith(("phone", "email"))) and (
            _key(value) in skip
        ):
            continue  # a placeholder ("-", "нет", "n/a") in a phone, e-mail, notes or unmapped cell
        if removed:
            rec.notice("cleaned", said(
                "{ref} ({header}): removed {n} control or invisible character(s)",
                ref=ref, header=col.header, n=removed))  # fmt: skip
        if f is None or f == "note_line":
            if f is None and mapping.skips(col.header, value):
                continue  # an export default ("Gender: Unspecified") adds nothing
            extra.append(f"{col.header}: {value}")
        elif f == "full_name":
            full = value
        elif f in ("given_name", "family_name", "middle_name", "organization", "title"):
            setattr(rec, f, _bounded(rec, ref, col.header, clean_name(value)))
        elif f.startswith("phone"):
            kind = f.partition(".")[2] or labels.get(("phone.label", col.slot)) or "mobile"
            _add_phones(rec, ref, col.header, value, kind, region, extra, skip)
        elif f.startswith("email"):
            kind = f.partition(".")[2] or labels.get(("email.label", col.slot)) or "work"
            good, bad = split_emails(value, skip)
            for e in good:
                if e not in (x.value for x in rec.emails):
                    rec.emails.append(EmailEntry(e, kind.lower() if kind else "work"))
            for b in bad:
                extra.append(f"{col.header}: {b}")
                rec.notice("email-refused", said(
                    "{ref} ({header}): {value!r} is not a valid e-mail (kept in notes)",
                    ref=ref, header=col.header, value=b))  # fmt: skip
        elif f == "groups":
            for g in split_groups(value):
                if g.casefold() not in (x.casefold() for x in rec.groups):
                    rec.groups.append(g)
        elif f == "notes":
            notes.append(value)
        else:  # address parts, by slot
            key = "formatted" if f == "address" else f
            parts.setdefault(col.slot, {})[key] = " ".join(value.split())
    if full and not (rec.given_name or rec.family_name or rec.middle_name):
        ref = f"{_letter(mapping, 'full_name')}{row.number}"
        names = split_full_name(_bounded(rec, ref, _header(mapping, "full_name"), full))
        rec.given_name, rec.family_name, rec.middle_name = names
    elif full:
        mine = " ".join(p for p in (rec.given_name, rec.middle_name, rec.family_name) if p)
        if sorted(clean_name(full).casefold().split()) != sorted(mine.casefold().split()):
            extra.append(f"{_header(mapping, 'full_name')}: {clean_name(full)}")
    rec.addresses = [Address(type="work", **p) for _slot, p in sorted(parts.items())]
    rec.notes = _bounded_notes(rec, "\n".join(n for n in (*notes, *extra) if n))
    return rec


def _bounded(rec: ImportRecord, ref: str, header: str, value: str) -> str:
    """``value`` cut to the People API's 1,024 characters per field (with a notice)."""
    if len(value) <= FIELD_MAX_CHARS:
        return value
    rec.notice("truncated", said(
        "{ref} ({header}): {n} characters cut to {limit} (the People API's limit for a field)",
        ref=ref, header=header, n=f"{len(value):,}", limit=f"{FIELD_MAX_CHARS:,}"))  # fmt: skip
    return value[:FIELD_MAX_CHARS].rstrip()


def _bounded_notes(rec: ImportRecord, notes: str) -> str:
    size = len(notes.encode("utf-8"))
    if size <= NOTES_MAX_BYTES:
        return notes
    cut = notes.encode("utf-8")[:NOTES_MAX_BYTES].decode("utf-8", "ignore").rstrip()
    rec.notice("truncated", said(
        "row {row}: the notes have {n} characters ({size} bytes), cut to {cut} ({kb} KB, half "
        "of what the People API holds per contact); the rest stays in the file",
        row=rec.row, n=f"{len(notes):,}", size=f"{size:,}", cut=f"{len(cut):,}",
        kb=NOTES_MAX_BYTES // 1024))  # fmt: skip
    return cut


def _add_phones(
    rec: ImportRecord, ref: str, header: str, value: str, kind: str, region: str,
    extra: list[str], skip: frozenset[str],
) -> None:  # fmt: skip
    digits = sum(ch.isdigit() for ch in value)
    if digits > PHONE_MAX_DIGITS and len(phones.split_cell(value)) * PHONE_MAX_DIGITS < digits:
        rec.reject_said = said(
            "{ref} ({header}): {n} digits in the cell are not phone numbers; fix the cell and "
            "import again", ref=ref, header=header, n=f"{digits:,}")  # fmt: skip
        rec.reject = str(rec.reject_said)
        return
    value = _COMMA_EXPONENT.sub(r"\1.\2", _DECIMAL_COMMA.sub(r"\1", value.strip()))
    for part in phones.split_cell(value):
        if _key(part) in skip:
            continue
        rec.phone_texts.append(part)
        p = phones.normalize(part, region)
        if p.ok:
            if p.value not in (x.value for x in rec.phones):
                rec.phones.append(PhoneEntry(p.value, kind))
        else:
            extra.append(f"{header}: {part}")
            rec.review = rec.review or p.needs_review
            rec.notice("phone-to-notes", said(
                "{ref} ({header}): {value!r}: {problem} (kept in notes)",
                ref=ref, header=header, value=part, problem=p.problem))  # fmt: skip


def _key(value: str) -> str:
    return " ".join(value.casefold().split())


def _letter(mapping: Mapping, f: str) -> str:
    return next((c.letter for c in mapping.columns if c.field == f), "?")


def _header(mapping: Mapping, f: str) -> str:
    return next((c.header for c in mapping.columns if c.field == f), f)
