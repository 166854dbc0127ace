"""Turn one mapped spreadsheet row into a clean ImportRecord.

Pure: names are trimmed and freed of control and bidi characters, phones go
to E.164 with the office region (several per cell, extensions, Excel's float
and exponent damage), e-mails are lower-cased and checked, group cells are
split. Nothing is dropped: what cannot be used goes into the notes as
"Header: value" and the row carries a warning.
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
from contacts_crm.imports.columns import Mapping

# Bidi controls and zero-width characters that sneak in from copy-paste.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$"
)
_EMAIL_SPLIT = re.compile(r"\s*(?:\s:::\s|[;,\s])\s*")
_GROUP_SPLIT = re.compile(r"\s*(?:\s:::\s|;|,|\n)\s*")
# Excel numbers written with a decimal comma: "79161234567,0", "7,9161234567E+10".
_DECIMAL_COMMA = re.compile(r"^(\+?\d+),0+$")
_COMMA_EXPONENT = re.compile(r"^(\d),(\d+[eE]\+?\d+)$")
_PATRONYMIC = re.compile(r"(?:вич|вна|ична|инична|оглы|кызы|vich|vna|ogly|kyzy)$", re.I)
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_PHONE_LABELS = {
    "mobile": "mobile", "cell": "mobile", "work": "work", "home": "home", "other": "other",
    "main": "main", "work fax": "workFax", "home fax": "homeFax", "pager": "pager",
    "мобильный": "mobile", "рабочий": "work", "домашний": "home",
    "cep": "mobile", "iş": "work", "ev": "home",
}  # fmt: skip


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
    warnings: list[str] = field(default_factory=list)
    review: bool = False

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
    """NFC, no invisible characters, vertical tab / form feed read as line breaks, trimmed."""
    t = unicodedata.normalize("NFC", str(text))
    t = _INVISIBLE.sub("", t).replace("\x0b", "\n").replace("\x0c", "\n").replace("\r\n", "\n")
    return t.replace("\r", "\n").strip()


def clean_name(text: str) -> str:
    """A name part on one line with single spaces."""
    return " ".join(clean_text(text).split())


def split_full_name(text: str) -> tuple[str, str, str]:
    """(given, family, middle) from a full-name cell.

    "Petrov, Ivan" and Cyrillic "Петров Иван [Сергеевич]" put the family name
    first; otherwise the last word is the family name ("Mehmet Ali Yılmaz").
    """
    name = clean_name(text)
    if not name:
        return "", "", ""
    if "," in name:
        family, _, given = (p.strip() for p in name.partition(","))
        return given, family, ""
    words = name.split()
    if len(words) == 1:
        return words[0], "", ""
    if len(words) == 3 and _PATRONYMIC.search(words[2]):
        return words[1], words[0], words[2]
    if _CYRILLIC.search(name) and len(words) == 2:
        return words[1], words[0], ""
    return " ".join(words[:-1]), words[-1], ""


def split_emails(cell: str) -> tuple[list[str], list[str]]:
    """(valid lower-cased e-mails, invalid parts) in one cell."""
    good: list[str] = []
    bad: list[str] = []
    for part in _EMAIL_SPLIT.split(clean_text(cell)):
        part = part.strip().strip("<>").removeprefix("mailto:")
        if not part:
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
    for col in mapping.columns:
        raw = strip_formula_guard(row.get(col.index)) if csv else row.get(col.index)
        value = clean_text(raw)
        if not value or col.field == "ignore" or col.field in ("phone.label", "email.label"):
            continue
        f = col.field
        if f is None or f == "note_line":
            extra.append(f"{col.header}: {value}")
        elif f == "full_name":
            full = value
        elif f in ("given_name", "family_name", "middle_name", "organization", "title"):
            setattr(rec, f, clean_name(value))
        elif f.startswith("phone"):
            kind = f.partition(".")[2] or labels.get(("phone.label", col.slot)) or "mobile"
            _add_phones(rec, col.header, value, kind, region, extra)
        elif f.startswith("email"):
            kind = f.partition(".")[2] or labels.get(("email.label", col.slot)) or "work"
            good, bad = split_emails(value)
            for e in good:
                if e not in (x.value for x in rec.emails):
                    rec.emails.append(EmailEntry(e, kind.lower() if kind else "work"))
            for b in bad:
                extra.append(f"{col.header}: {b}")
                rec.warnings.append(f"{col.header}: {b!r} is not a valid e-mail (kept in notes)")
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
        rec.given_name, rec.family_name, rec.middle_name = split_full_name(full)
    elif full:
        mine = " ".join(p for p in (rec.given_name, rec.middle_name, rec.family_name) if p)
        if sorted(clean_name(full).casefold().split()) != sorted(mine.casefold().split()):
            extra.append(f"{_header(mapping, 'full_name')}: {clean_name(full)}")
    rec.addresses = [Address(type="work", **p) for _, p in sorted(parts.items())]
    rec.notes = "\n".join(n for n in (*notes, *extra) if n)
    return rec


def _add_phones(
    rec: ImportRecord, header: str, value: str, kind: str, region: str, extra: list[str]
) -> None:
    value = _COMMA_EXPONENT.sub(r"\1.\2", _DECIMAL_COMMA.sub(r"\1", value.strip()))
    for part in phones.split_cell(value):
        p = phones.normalize(part, region)
        if p.ok:
            if p.value not in (x.value for x in rec.phones):
                rec.phones.append(PhoneEntry(p.value, kind))
        else:
            extra.append(f"{header}: {part}")
            rec.review = rec.review or p.needs_review
            rec.warnings.append(f"{header}: {part!r}: {p.problem} (kept in notes)")


def _header(mapping: Mapping, f: str) -> str:
    return next((c.header for c in mapping.columns if c.field == f), f)
