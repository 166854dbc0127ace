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

PHONE_COLUMNS = {"mobile": "Mobile phone", "work": "Work phone", "home": "Home phone"}
EMAIL_COLUMNS = {"work": "Email", "home": "Home email"}
BACKUP_FORMAT = "contacts-crm-backup"


def table_columns(derived: Sequence[str]) -> list[str]:
    """Header of the xlsx/csv export; ``derived`` are the card-derived columns."""
    return [
        "Given name", "Family name", "Middle name", "Company", "Job title",
        *PHONE_COLUMNS.values(), "Other phone", *EMAIL_COLUMNS.values(), "Other email",
        "Address", "Groups", *derived, "Card",
    ]  # fmt: skip


def table_row(c: Contact, group_names: dict[str, str], derived: list[str]) -> list[str]:
    """One contact as the cells of ``table_columns``."""
    phones = _by_type(
        [(p.type, _phone_text(p.value)) for p in c.phones], list(PHONE_COLUMNS), "other"
    )
    emails = _by_type([(e.type, e.value) for e in c.emails], list(EMAIL_COLUMNS), "other")
    address = "\n".join(_address_text(a) for a in c.addresses)
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
    widths = {i: 40.0 if name == "Card" else 18.0 for i, name in enumerate(header)}
    sheet = TextSheet("Contacts", header, rows, freeze=(1, 2), widths=widths)
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
    (``google_widths``) says how many e-mail, phone and address columns it has."""
    n_mail, n_phone, n_addr = (w or 1 for w in widths)
    header = ["First Name", "Middle Name", "Last Name", "Organization Name",
              "Organization Title", "Notes", "Labels"]  # fmt: skip
    for i in range(1, n_mail + 1):
        header += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, n_phone + 1):
        header += [f"Phone {i} - Label", f"Phone {i} - Value"]
    for i in range(1, n_addr + 1):
        header += [f"Address {i} - Label", f"Address {i} - Formatted"]

    def rows() -> Iterator[list[str]]:
        for c in contacts:
            labels = " ::: ".join(["* myContacts", *group_list(c, group_names)])
            row = [c.given_name, c.middle_name, c.family_name, c.organization, c.title,
                   c.notes, labels]  # fmt: skip
            row += _pairs([(e.type.capitalize(), e.value) for e in c.emails], n_mail)
            row += _pairs([(p.type.capitalize(), _phone_text(p.value)) for p in c.phones],
                          n_phone)  # fmt: skip
            row += _pairs([(a.type.capitalize(), _address_text(a)) for a in c.addresses],
                          n_addr)  # fmt: skip
            yield row

    return header, rows()


def write_vcard(
    contacts: Iterable[Contact], group_names: dict[str, str], path: Path,
    mode: int = DEFAULT_MODE,
) -> None:  # fmt: skip
    """vCard 3.0, one card per contact, each written as it comes."""
    with _text_output(path, mode) as fh:
        for c in contacts:
            fh.write(_vcard(c, group_names))


def _vcard(c: Contact, group_names: dict[str, str]) -> str:
    """One contact as a vCard 3.0 card."""
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=c.family_name, given=c.given_name, additional=c.middle_name
    )
    card.add("fn").value = c.display_name or "?"
    if c.organization:
        card.add("org").value = [c.organization]
    if c.title:
        card.add("title").value = c.title
    for p in c.phones:
        tel = card.add("tel")
        tel.value = _phone_text(p.value)
        tel.type_param = {"mobile": "CELL"}.get(p.type, p.type.upper() or "VOICE")
    for e in c.emails:
        mail = card.add("email")
        mail.value = e.value
        mail.type_param = e.type.upper() or "INTERNET"
    groups = group_list(c, group_names)
    if groups:
        card.add("categories").value = groups
    if c.notes:
        card.add("note").value = c.notes
    return str(card.serialize())


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
    cells: dict[str, list[str]] = {k: [] for k in [*kinds, rest]}
    for kind, value in items:
        cells[kind if kind in kinds else rest].append(value)
    return ["\n".join(cells[k]) for k in [*kinds, rest]]


def _pairs(items: list[tuple[str, str]], n: int) -> list[str]:
    out: list[str] = []
    for i in range(n):
        out += list(items[i]) if i < len(items) else ["", ""]
    return out
