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

from contacts_crm.contact import name_order, names, phones
from contacts_crm.contact.emails import valid_email
from contacts_crm.contact.model import (
    STARRED,
    SYSTEM_GROUPS,
    Address,
    EmailEntry,
    PhoneEntry,
    UrlEntry,
    birthday_value,
)
from contacts_crm.contact.name_order import NameParts
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
_EMAIL_SPLIT = re.compile(r"\s*(?:\s:::\s|[;,\s])\s*")
_GROUP_SPLIT = re.compile(r"\s*(?:\s:::\s|;|,|\n)\s*")
# Excel numbers written with a decimal comma: "79161234567,0", "7,9161234567E+10".
_DECIMAL_COMMA = re.compile(r"^(\+?\d+),0+$")
_COMMA_EXPONENT = re.compile(r"^(\d),(\d+[eE]\+?\d+)$")
# A name word: letters, inner hyphen or apostrophe, a capital first ("O'Brien", "Анна-Мария").
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*\.?$")
_COMPANY_WORDS = {
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "ltd", "llc", "inc", "gmbh", "co", "corp",
    "plc", "sa", "ag", "as", "a.ş", "a.ş.", "ltd.", "şti", "şti.", "tic", "san", "и", "and", "&",
}  # fmt: skip
_PHONE_LABELS = {
    "mobile": "mobile", "cell": "mobile", "work": "work", "home": "home", "other": "other",
    "main": "main", "work fax": "workFax", "home fax": "homeFax", "other fax": "otherFax",
    "pager": "pager", "work mobile": "workMobile", "work pager": "workPager",
    "google voice": "googleVoice", "workfax": "workFax", "homefax": "homeFax",
    "otherfax": "otherFax", "workmobile": "workMobile", "workpager": "workPager",
    "googlevoice": "googleVoice",
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
        _("{ref} ({header}): which word of {name!r} is the given name is a guess "
          "(given name {given!r}); check it"),
    ):  # fmt: skip
        pass


NOTICE_KINDS = {
    "phone-to-notes": "phones moved to the notes",
    "email-refused": "e-mails refused (moved to the notes)",
    "cleaned": "values cleaned",
    "truncated": "values cut to the People API's limits",
    "error-cell": "Excel error cells (value left out)",
    "name-order": "names whose word order is a guess",
    "vcard-notes": "vCard values kept in the notes",
    "vcard-skipped": "vCard photos, sounds and keys skipped",
    "vcard-damaged": "damaged vCard lines and cards",
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
    department: str = ""
    job_description: str = ""
    phones: list[PhoneEntry] = field(default_factory=list)
    emails: list[EmailEntry] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    nicknames: list[str] = field(default_factory=list)
    urls: list[UrlEntry] = field(default_factory=list)
    birthday: str = ""  # "1985-11-30" or "--11-30"
    groups: list[str] = field(default_factory=list)  # group names as typed (system: "starred")
    notes: str = ""
    notices: list[Notice] = field(default_factory=list)
    review: bool = False
    reject: str = ""  # why the row cannot be imported as it is (the rest of the file can)
    reject_said: Said | None = None  # the same, to show in the current language
    phone_texts: list[str] = field(default_factory=list)  # every phone as typed (for the region)
    origin: str = ""  # the file and row it came from, when several files are imported at once

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
        body: list[object] = [
            self.given_name, self.family_name, self.middle_name, self.organization, self.title,
            [(p.value, p.type) for p in self.phones], [(e.value, e.type) for e in self.emails],
            [_hashed(a) for a in self.addresses], sorted(g.casefold() for g in self.groups),
            self.notes,
        ]  # fmt: skip
        more = {  # fields added later: only when set, so older rows hash as they did
            "department": self.department, "job_description": self.job_description,
            "nicknames": self.nicknames, "urls": [(u.value, u.type) for u in self.urls],
            "birthday": self.birthday,
        }  # fmt: skip
        if any(more.values()):
            body.append({k: v for k, v in more.items() if v})
        blob = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


def _hashed(a: Address) -> dict[str, str]:
    """An address for the row hash: the parts it always had, the later ones when set."""
    out = vars(a).copy()
    for later in ("po_box", "extended"):
        if not out[later]:
            del out[later]
    return out


def name_key(given: str, middle: str, family: str, organization: str) -> str:
    """Name + company for duplicate detection, folded as ``crm duplicates`` folds names:
    word order, case, ё/е and Latin/Cyrillic spellings ignored ("Petrov Ivan" = "Иван Петров")."""
    key = names.name_key(" ".join((given, middle, family)))
    if not key:
        return ""
    return key + "|" + names.fold(organization)


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
    """(given, family, middle) from a full-name cell (see ``split_full_name_parts``)."""
    parts = split_full_name_parts(text)
    return parts.given, parts.family, parts.middle


def split_full_name_parts(text: str) -> NameParts:
    """The name parts of a full-name cell, and whether their order is known.

    "Petrov, Ivan" (both sides personal names) puts the family name first. A
    patronymic (-вич, -вна, -ична, -ич, -оглы, -кызы) in third place means
    "Петров Иван Сергеевич", in second "Иван Ильич Петров". Two words are told
    apart by what they are (contact/name_order.py: given-name lists, patronymics,
    surname endings), whichever order they were typed in. Otherwise the last
    word is the family name ("Mehmet Ali Yılmaz"). A cell that is not a
    personal name ("Рога и копыта, ООО") is kept whole.
    """
    name = clean_name(text)
    if not name:
        return NameParts("", "")
    if "," in name:
        family, _, given = (p.strip() for p in name.partition(","))
        if looks_like_personal_name(family) and looks_like_personal_name(given):
            return NameParts(given, family)
        return NameParts(name, "")
    return name_order.split_words(name)


def split_emails(cell: str, skip: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(valid lower-cased e-mails, invalid parts) in one cell; ``skip``: placeholders."""
    good: list[str] = []
    bad: list[str] = []
    for part in _EMAIL_SPLIT.split(clean_text(cell)):
        part = part.strip().strip("<>").removeprefix("mailto:")
        if not part or part.casefold() in skip:
            continue
        value = valid_email(part)
        if value is None:
            bad.append(part)
        else:
            good.append(value)
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
        if c.field in _LABEL_FIELDS
    }
    parts: dict[int, dict[str, str]] = {}
    typed: list[Address] = []
    skip = mapping.placeholders
    for col in mapping.columns:
        f = col.field
        if f == "ignore" or f in _LABEL_FIELDS:
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
        if (f is None or f in _PLACEHOLDER_FIELDS or f.startswith(("phone", "email"))) and (
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
        elif f in ("given_name", "family_name", "middle_name", "organization", "title",
                   "department", "job_description"):  # fmt: skip
            setattr(rec, f, _bounded(rec, ref, col.header, clean_name(value)))
        elif f == "nickname":
            for nick in _LIST_SPLIT.split(value):
                nick = _bounded(rec, ref, col.header, clean_name(nick))
                if nick and nick not in rec.nicknames:
                    rec.nicknames.append(nick)
        elif f == "birthday":
            rec.birthday = birthday_value(value)
            if not rec.birthday:
                extra.append(f"{col.header}: {value}")
        elif f == "url":
            kind = url_type(labels.get(("url.label", col.slot), ""))
            for line in _LIST_SPLIT.split(value):
                label, text = labelled_url(line)
                add_url(rec, _bounded(rec, ref, col.header, text), url_type(label) if label
                        else kind)  # fmt: skip
        elif f == "custom":
            if labels.get(("custom.label", col.slot), "").casefold() == "job description":
                rec.job_description = _bounded(rec, ref, col.header, clean_name(value))
            else:
                label = labels.get(("custom.label", col.slot)) or col.header
                extra.append(f"{label}: {value}")
        elif f.startswith("phone"):
            kind = f.partition(".")[2] or labels.get(("phone.label", col.slot)) or "mobile"
            _add_phones(rec, ref, col.header, value, kind, region, extra, skip)
        elif f.startswith("email"):
            kind = f.partition(".")[2] or labels.get(("email.label", col.slot)) or "work"
            good, bad = [], []
            for line in value.splitlines():
                label, line = labelled(line, custom=kind == "other", email=True)
                found, refused = split_emails(line, skip)
                good += [(e, label or kind) for e in found]
                bad += refused
            for e, k in good:
                if e not in (x.value for x in rec.emails):
                    rec.emails.append(EmailEntry(e, _email_kind(k)))
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
        elif f == "address" and _typed_lines(value):  # the tool's export: "Work: ..." lines
            for label, text in _typed_lines(value):
                typed.append(Address(formatted=text, type=label))
        else:  # address parts, by slot
            key = _ADDRESS_KEYS.get(f, f)
            parts.setdefault(col.slot, {})[key] = " ".join(value.split())
    if full and not (rec.given_name or rec.family_name or rec.middle_name):
        ref = f"{_letter(mapping, 'full_name')}{row.number}"
        split = split_full_name_parts(_bounded(rec, ref, _header(mapping, "full_name"), full))
        rec.given_name, rec.family_name, rec.middle_name = split.given, split.family, split.middle
        if not split.sure:
            name_guessed(rec, ref, _header(mapping, "full_name"), full, split)
    elif full:
        mine = " ".join(p for p in (rec.given_name, rec.middle_name, rec.family_name) if p)
        if sorted(clean_name(full).casefold().split()) != sorted(mine.casefold().split()):
            extra.append(f"{_header(mapping, 'full_name')}: {clean_name(full)}")
    rec.addresses = [
        Address(type=labels.get(("address.label", slot)) or "work", **p)
        for slot, p in sorted(parts.items())
    ] + [a for a in typed if a not in rec.addresses]
    rec.notes = _bounded_notes(rec, "\n".join(n for n in (*notes, *extra) if n))
    return rec


def name_guessed(rec: ImportRecord, ref: object, header: str, text: str, parts: NameParts) -> None:
    """Say that the words of a name did not tell which is the given name."""
    rec.notice("name-order", said(
        "{ref} ({header}): which word of {name!r} is the given name is a guess "
        "(given name {given!r}); check it", ref=ref, header=header,
        name=clean_name(text), given=parts.given))  # fmt: skip


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
        label, part = labelled(part, custom=kind == "other")
        rec.phone_texts.append(part)
        p = phones.normalize(part, region)
        if p.ok:
            if p.value not in (x.value for x in rec.phones):
                rec.phones.append(PhoneEntry(p.value, phone_label(label) if label else kind))
        else:
            extra.append(f"{header}: {part}")
            rec.review = rec.review or p.needs_review
            why = _phone_said(p.problem or "")
            rec.notice("phone-to-notes", said(
                "{ref} ({header}): {value!r}: {problem} (kept in notes)",
                ref=ref, header=header, value=part, problem=why))  # fmt: skip


def _phone_said(problem: str) -> Said:
    """A phone's problem as a template and its values (worded in the reader's language)."""
    for pattern, template in phones.PROBLEM_TEMPLATES:
        m = pattern.match(problem)
        if m:
            return said(template, **m.groupdict())
    return said(problem)


_LABEL_FIELDS = ("phone.label", "email.label", "address.label", "url.label", "custom.label")
_PLACEHOLDER_FIELDS = ("notes", "note_line", "birthday", "nickname", "url", "custom")
_ADDRESS_KEYS = {"address": "formatted", "extended_address": "extended"}
_LIST_SPLIT = re.compile(r"\s+:::\s+|\n")
# Google's website labels (its CSV and the People API's url types).
_URL_TYPES = {
    "home page": "homePage", "homepage": "homePage", "home": "home", "work": "work",
    "blog": "blog", "profile": "profile", "ftp": "ftp", "reservations": "reservations",
    "app install page": "appInstallPage", "other": "other", "": "other",
}  # fmt: skip
_URL_LABELLED = re.compile(r"^\s*([^\W\d][^:\n]{0,38}?)\s*:\s+(\S+)\s*$")


def url_type(label: str) -> str:
    """A website's type for a label ("* Home Page" -> "homePage"); a custom label as it is."""
    text = clean_name(label).lstrip("* ").strip()
    return _URL_TYPES.get(text.casefold(), text)


def labelled_url(text: str) -> tuple[str, str]:
    """(label, address) of "Work: https://..." (the tool's Website cell); ("", text) else."""
    m = _URL_LABELLED.match(text)
    return (m.group(1), m.group(2)) if m else ("", text.strip())


def add_url(rec: ImportRecord, value: str, kind: str) -> None:
    """Add a website (once: compared case-insensitively)."""
    if value and value.casefold() not in (u.value.casefold() for u in rec.urls):
        rec.urls.append(UrlEntry(value, kind or "other"))


# "Work Fax: +74951234567", "Склад: +7...", "Home: Садовая 1, Москва": a label before a value.
_LABELLED = re.compile(r"^\s*([^\W\d][^:\n]{0,38}?)\s*:\s+(\S.*)$")
_ADDRESS_LABELS = {"home": "home", "work": "work", "other": "other"}


def labelled(text: str, *, custom: bool = False, email: bool = False) -> tuple[str, str]:
    """(label, value) of "Work Fax: +7495..." (Google's labels, any case); ``custom``: any
    label (the "Other phone"/"Other email" cells of the tool's own export hold custom ones).
    No label: ("", text)."""
    m = _LABELLED.match(text)
    if not m:
        return "", text
    label, value = m.group(1).strip(), m.group(2).strip()
    known = label.casefold() in _PHONE_LABELS or label.casefold() in _ADDRESS_LABELS
    looks = "@" in value if email else bool(re.match(r"[+\d(]", value))
    if looks and (known or custom):
        return label, value
    return "", text


def _typed_lines(cell: str) -> list[tuple[str, str]]:
    """The lines of an address cell when every one is "Label: address" (the tool's export)."""
    out = []
    for line in (x for x in cell.splitlines() if x.strip()):
        m = _LABELLED.match(line)
        if not m:
            return []
        label = m.group(1).strip()
        out.append((_ADDRESS_LABELS.get(label.casefold(), label), " ".join(m.group(2).split())))
    return out


def _email_kind(kind: str) -> str:
    """An e-mail type from a column or a label: Google's three in lower case, custom as typed."""
    low = kind.casefold()
    return low if low in ("work", "home", "other") else kind or "work"


def _key(value: str) -> str:
    return " ".join(value.casefold().split())


def _letter(mapping: Mapping, f: str) -> str:
    return next((c.letter for c in mapping.columns if c.field == f), "?")


def _header(mapping: Mapping, f: str) -> str:
    return next((c.header for c in mapping.columns if c.field == f), f)
