"""Writers for ``crm export``: xlsx, csv, Google CSV, vCard, JSON backup.

Spreadsheet cells never run as formulas: xlsx cells are typed as text; every
CSV (ours and Google's) follows the one rule of ``safe_cells.csv_cell``: an
apostrophe before a cell starting with = + - @ tab or CR, except a phone
number in a phone column (Google Contacts must read its "+"). The importer
strips the apostrophe again. Files are written 0600 unless the profile's
``export_mode`` says otherwise.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any, TextIO

import vobject

from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.dates import now as clock
from contacts_crm.files.output import DEFAULT_MODE, output_path
from contacts_crm.files.safe_cells import csv_row, phone_columns
from contacts_crm.files.xlsx_text import TextSheet, write_text_xlsx
from contacts_crm.i18n import pgettext

PHONE_COLUMNS = {"mobile": "Mobile phone", "work": "Work phone", "home": "Home phone"}
EMAIL_COLUMNS = {"work": "Email", "home": "Home email"}
BACKUP_FORMAT = "contacts-crm-backup"


def table_columns(derived: Sequence[str]) -> list[str]:
    """Header of the xlsx/csv export in the office's language (``crm import`` reads
    every language's headers back); ``derived`` are the card-derived columns."""
    english = [
        "Given name", "Family name", "Middle name", "Company", "Job title",
        *PHONE_COLUMNS.values(), "Other phone", *EMAIL_COLUMNS.values(), "Other email",
        "Address", "Groups", *derived, "Card",
    ]  # fmt: skip
    return [pgettext("export", name) for name in english]


def _header_words() -> None:  # pragma: no cover - never called: marks the headers for extraction
    for _word in (
        pgettext("export", "Given name"), pgettext("export", "Family name"),
        pgettext("export", "Middle name"), pgettext("export", "Company"),
        pgettext("export", "Job title"), pgettext("export", "Mobile phone"),
        pgettext("export", "Work phone"), pgettext("export", "Home phone"),
        pgettext("export", "Other phone"), pgettext("export", "Email"),
        pgettext("export", "Home email"), pgettext("export", "Other email"),
        pgettext("export", "Address"), pgettext("export", "Groups"),
        pgettext("export", "Status"), pgettext("export", "Last contact"),
        pgettext("export", "Open orders"), pgettext("export", "Card"),
        pgettext("export", "Contacts"),
    ):  # fmt: skip
        pass


def table_row(c: Contact, group_names: dict[str, str], derived: list[str]) -> list[str]:
    """One contact as the cells of ``table_columns``."""
    phones = _by_type(
        [(p.type, _phone_text(p.value)) for p in c.phones], list(PHONE_COLUMNS), "other"
    )
    emails = _by_type([(e.type, e.value) for e in c.emails], list(EMAIL_COLUMNS), "other")
    address = "\n".join(f"{google_label(a.type)}: {_address_text(a)}" for a in c.addresses)
    return [
        c.given_name, c.family_name, c.middle_name, c.organization, c.title,
        *phones, *emails, address, "; ".join(group_list(c, group_names)), *derived, c.notes,
    ]  # fmt: skip


def group_list(c: Contact, group_names: dict[str, str]) -> list[str]:
    """The contact's labels by name (myContacts left out: every contact has it)."""
    out = []
    for rn in c.groups:
        name = group_names.get(rn, rn.rpartition("/")[2])
        if rn != MY_CONTACTS and name:
            out.append(name)
    return out


def write_xlsx(
    rows: Iterable[list[str]], header: list[str], path: Path, mode: int = DEFAULT_MODE
) -> None:
    """Header row in bold, frozen, with filters; every cell text (phones stay "+7…").

    Streamed with XlsxWriter: each row written as it comes (memory holds one row,
    not the table), and every str is written as a string, never as a formula.
    """
    widths = {i: 40.0 if i == len(header) - 1 else 18.0 for i in range(len(header))}  # the card
    sheet = TextSheet(pgettext("export", "Contacts"), header, rows, freeze=(1, 2), widths=widths)
    write_text_xlsx(path, [sheet], mode=mode)


def write_csv(
    rows: Iterable[list[str]], header: list[str], path: Path, mode: int = DEFAULT_MODE
) -> None:
    """UTF-8 with BOM (Excel reads it right), comma-separated, formula starts guarded
    by the one CSV rule (``safe_cells.csv_cell``; phones in phone columns kept).
    Each row is written as it comes (memory holds one row, not the table)."""
    with _text_output(path, mode, encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(csv_row(header))
        phones = phone_columns(header)
        for row in rows:
            writer.writerow(csv_row(row, phones))


# Google's own labels for the People API's types (what Google Contacts writes and reads back).
GOOGLE_LABELS = {
    "mobile": "Mobile", "work": "Work", "home": "Home", "main": "Main", "other": "Other",
    "homeFax": "Home Fax", "workFax": "Work Fax", "otherFax": "Other Fax", "pager": "Pager",
    "workMobile": "Work Mobile", "workPager": "Work Pager", "googleVoice": "Google Voice",
}  # fmt: skip
_ADDRESS_PARTS = ("Formatted", "Street", "City", "Region", "Postal Code", "Country")


def google_label(kind: str) -> str:
    """A type as Google Contacts labels it ("workFax" -> "Work Fax"); a custom label as it is."""
    return GOOGLE_LABELS.get(kind, kind)


@contextmanager
def _text_output(path: Path, mode: int, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file written in place of ``path`` atomically (``output_path``), synced."""
    with output_path(path, mode) as tmp, open(tmp, "w", encoding=encoding, newline="") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def google_widths(contacts: Iterable[Contact]) -> tuple[int, int, int]:
    """The most e-mails, phones and addresses one of ``contacts`` has."""
    mails = phones = addresses = 0
    for c in contacts:
        mails, phones = max(mails, len(c.emails)), max(phones, len(c.phones))
        addresses = max(addresses, len(c.addresses))
    return mails, phones, addresses


def google_rows(
    contacts: Iterable[Contact], group_names: dict[str, str], widths: tuple[int, int, int]
) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows in Google's current export format (people-api.md §7.2); ``widths``
    (``google_widths``) says how many e-mail, phone and address columns it has.

    Labels are Google's own ("Work Fax", not "Workfax"); every address keeps its
    label and parts; nickname, birthday and department (of contacts read from
    the account) go to Google's columns for them.
    """
    n_mail, n_phone, n_addr = (w or 1 for w in widths)
    header = ["First Name", "Middle Name", "Last Name", "Nickname", "Organization Name",
              "Organization Title", "Organization Department", "Birthday", "Notes",
              "Labels"]  # fmt: skip
    for i in range(1, n_mail + 1):
        header += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, n_phone + 1):
        header += [f"Phone {i} - Label", f"Phone {i} - Value"]
    for i in range(1, n_addr + 1):
        header += [f"Address {i} - Label", *(f"Address {i} - {p}" for p in _ADDRESS_PARTS)]

    def rows() -> Iterator[list[str]]:
        for c in contacts:
            x = _extras(c)
            labels = " ::: ".join(["* myContacts", *group_list(c, group_names)])
            row = [c.given_name, c.middle_name, c.family_name, " ::: ".join(x["nicknames"]),
                   c.organization, c.title, x["department"], x["birthday"], c.notes,
                   labels]  # fmt: skip
            row += _pairs([(google_label(e.type), e.value) for e in c.emails], n_mail)
            row += _pairs([(google_label(p.type), _phone_text(p.value)) for p in c.phones],
                          n_phone)  # fmt: skip
            for i in range(n_addr):
                if i < len(c.addresses):
                    a = c.addresses[i]
                    row += [google_label(a.type), a.formatted, a.street, a.city, a.region,
                            a.postal_code, a.country]  # fmt: skip
                else:
                    row += [""] * (1 + len(_ADDRESS_PARTS))
            yield row

    return header, rows()


def _extras(c: Contact) -> dict[str, Any]:
    """What a contact read from the account holds beyond the modelled fields."""
    raw = c.raw or {}
    org = (raw.get("organizations") or [{}])[0]
    urls = raw.get("urls", [])
    birthday = ""
    for b in raw.get("birthdays", []):
        d = b.get("date") or {}
        if d.get("month") and d.get("day"):
            year = f"{d['year']:04d}" if d.get("year") else "-"
            birthday = f"{year}-{d['month']:02d}-{d['day']:02d}"
            break
        if b.get("text"):
            birthday = b["text"]
            break
    return {
        "nicknames": [n["value"] for n in raw.get("nicknames", []) if n.get("value")],
        "urls": [(u.get("type") or "other", u["value"]) for u in urls if u.get("value")],
        "department": org.get("department", ""),
        "role": org.get("jobDescription", ""),
        "birthday": birthday,
    }


# vCard TYPEs for the People API's phone types (read back by imports/vcard_record.phone_type).
_VCARD_PHONE = {
    "mobile": ["CELL"], "work": ["WORK"], "home": ["HOME"], "main": ["MAIN"],
    "other": ["VOICE"], "homeFax": ["HOME", "FAX"], "workFax": ["WORK", "FAX"],
    "otherFax": ["FAX"], "pager": ["PAGER"], "workMobile": ["WORK", "CELL"],
    "workPager": ["WORK", "PAGER"],
}  # fmt: skip
_VCARD_KIND = {"work": ["WORK"], "home": ["HOME"], "other": ["OTHER"]}


def write_vcard(
    contacts: Iterable[Contact], group_names: dict[str, str], path: Path,
    mode: int = DEFAULT_MODE,
) -> None:  # fmt: skip
    """vCard 3.0, one card per contact, each written as it comes."""
    with _text_output(path, mode) as fh:
        for c in contacts:
            fh.write(_vcard(c, group_names))


def _vcard(c: Contact, group_names: dict[str, str]) -> str:
    """One contact as a vCard 3.0 card: N, FN, NICKNAME, ORG (with department), TITLE, ROLE,
    TEL, EMAIL, ADR (+ LABEL), URL, BDAY, CATEGORIES, NOTE. A custom type is written as an
    item label (X-ABLabel, as iCloud does)."""
    card = vobject.vCard()
    items = iter(range(1, 10_000))

    def typed(name: str, kinds: list[str] | None, label: str, *extra: str) -> Any:
        return _typed_line(card, items, name, kinds, label, extra)

    x = _extras(c)
    card.add("n").value = vobject.vcard.Name(
        family=c.family_name, given=c.given_name, additional=c.middle_name
    )
    card.add("fn").value = c.display_name or "?"
    for nickname in x["nicknames"]:
        card.add("nickname").value = nickname
    if c.organization or x["department"]:
        card.add("org").value = [c.organization, *([x["department"]] if x["department"]
                                                  else [])]  # fmt: skip
    if c.title:
        card.add("title").value = c.title
    if x["role"]:
        card.add("role").value = x["role"]
    for p in c.phones:
        typed("tel", _VCARD_PHONE.get(p.type), p.type).value = _phone_text(p.value)
    for e in c.emails:
        typed("email", _VCARD_KIND.get(e.type), e.type, "INTERNET").value = e.value
    for a in c.addresses:
        adr = typed("adr", _VCARD_KIND.get(a.type), a.type)
        adr.value = vobject.vcard.Address(street=a.street, city=a.city, region=a.region,
                                          code=a.postal_code, country=a.country)  # fmt: skip
        if a.formatted:
            typed("label", _VCARD_KIND.get(a.type), a.type).value = a.formatted
    for kind, url in x["urls"]:
        typed("url", _VCARD_KIND.get(kind), kind).value = url
    if x["birthday"]:
        card.add("bday").value = x["birthday"]
    groups = group_list(c, group_names)
    if groups:
        card.add("categories").value = groups
    if c.notes:
        card.add("note").value = c.notes
    return str(card.serialize())


def _typed_line(
    card: Any, items: Any, name: str, kinds: list[str] | None, label: str, extra: tuple[str, ...]
) -> Any:
    """A new line of ``card`` with its TYPEs; a custom label goes in an item group's X-ABLabel."""
    if kinds is None:
        group = f"item{next(items)}"
        line = card.add(name, group=group)
        card.add("x-ablabel", group=group).value = label
    else:
        line = card.add(name)
    if kinds or extra:
        line.params["TYPE"] = [*extra, *(kinds or [])]
    return line


def write_backup(
    persons: Iterable[dict[str, Any]], groups: list[dict[str, Any]], path: Path,
    mode: int = DEFAULT_MODE,
) -> None:  # fmt: skip
    """The JSON full backup: every Person as the API gave it, and every group; laid out
    as ``json.dumps(doc, indent=1)`` lays it out, each Person written as it comes."""
    head = {
        "format": BACKUP_FORMAT,
        "version": 1,
        "exported": clock().astimezone(UTC).isoformat(timespec="seconds"),
        "groups": groups,
    }
    with _text_output(path, mode) as fh:
        text = json.dumps(head, ensure_ascii=False, indent=1)
        fh.write(text[: -len("\n}")] + ',\n "persons": [')
        first = True
        for person in persons:
            one = json.dumps(person, ensure_ascii=False, indent=1).replace("\n", "\n  ")
            fh.write(("\n  " if first else ",\n  ") + one)
            first = False
        fh.write("]\n}" if first else "\n ]\n}")


def _phone_text(value: str) -> str:
    number, _, ext = value.partition(";ext=")
    return f"{number} ext. {ext}" if ext else number


def _address_text(a: Any) -> str:
    if a.formatted:
        return a.formatted
    parts = (a.street, a.city, a.region, a.postal_code, a.country)
    return ", ".join(p for p in parts if p)


def _by_type(items: list[tuple[str, str]], kinds: list[str], rest: str) -> list[str]:
    """One cell per kind; the last ("other") holds the other types, each line labelled
    "Work Fax: +7495..." with Google's label (a custom label as it is)."""
    cells: dict[str, list[str]] = {k: [] for k in [*kinds, rest]}
    for kind, value in items:
        if kind in kinds or kind == rest:
            cells[kind].append(value)
        else:
            cells[rest].append(f"{google_label(kind)}: {value}")
    return ["\n".join(cells[k]) for k in [*kinds, rest]]


def _pairs(items: list[tuple[str, str]], n: int) -> list[str]:
    out: list[str] = []
    for i in range(n):
        out += list(items[i]) if i < len(items) else ["", ""]
    return out
