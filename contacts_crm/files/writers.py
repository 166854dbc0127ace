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


# The parts of an address, as Google's CSV names them (its columns "Address 1 - Street"...).
_ADDRESS_PARTS = ("Formatted", "Street", "City", "PO Box", "Region", "Postal Code", "Country",
                  "Extended Address")  # fmt: skip


def table_columns(derived: Sequence[str], addresses: int = 1) -> list[str]:
    """Header of the xlsx/csv export in the office's language (``crm import`` reads
    every language's headers back); ``derived`` are the card-derived columns,
    ``addresses`` how many addresses the busiest contact has (each one its Google
    CSV columns: label, formatted, street, city, PO box, region, postal code, country,
    extended address; those keep Google's English names, which the importer reads by
    their pattern)."""

    def word(name: str) -> str:
        return pgettext("export", name)

    return [
        *map(word, ("Given name", "Family name", "Middle name", "Nickname", "Company",
                    "Department", "Job title", "Job description", *PHONE_COLUMNS.values(),
                    "Other phone", *EMAIL_COLUMNS.values(), "Other email", "Website",
                    "Birthday")),
        *_address_header(max(addresses, 1)), word("Groups"), *map(word, derived), word("Card"),
    ]  # fmt: skip


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
        pgettext("export", "Contacts"), pgettext("export", "Nickname"),
        pgettext("export", "Department"), pgettext("export", "Job description"),
        pgettext("export", "Website"), pgettext("export", "Birthday"),
    ):  # fmt: skip
        pass


def _address_header(n: int) -> list[str]:
    out: list[str] = []
    for i in range(1, n + 1):
        out += [f"Address {i} - Label", *(f"Address {i} - {p}" for p in _ADDRESS_PARTS)]
    return out


def table_row(
    c: Contact, group_names: dict[str, str], derived: list[str], addresses: int = 1
) -> list[str]:
    """One contact as the cells of ``table_columns(derived, addresses)``."""
    phones = _by_type(
        [(p.type, _phone_text(p.value)) for p in c.phones], list(PHONE_COLUMNS), "other"
    )
    emails = _by_type([(e.type, e.value) for e in c.emails], list(EMAIL_COLUMNS), "other")
    websites = "\n".join(
        u.value if u.type == "other" else f"{google_label(u.type)}: {u.value}" for u in c.urls
    )
    return [
        c.given_name, c.family_name, c.middle_name, "\n".join(c.nicknames), c.organization,
        c.department, c.title, c.job_description, *phones, *emails, websites, c.birthday,
        *_address_cells(c, max(addresses, 1)), "; ".join(group_list(c, group_names)),
        *derived, c.notes,
    ]  # fmt: skip


def _address_cells(c: Contact, n: int) -> list[str]:
    """``n`` addresses' cells; more addresses than columns: the rest as "Label: text"
    lines in the last one's Formatted cell (never dropped)."""
    out: list[str] = []
    for i in range(n):
        if i < len(c.addresses):
            a = c.addresses[i]
            out += [google_label(a.type), a.formatted, a.street, a.city, a.po_box, a.region,
                    a.postal_code, a.country, a.extended]  # fmt: skip
        else:
            out += [""] * (1 + len(_ADDRESS_PARTS))
    rest = c.addresses[n:]
    if rest:
        at = len(out) - len(_ADDRESS_PARTS)
        lines = [out[at]] + [f"{google_label(a.type)}: {_address_text(a)}" for a in rest]
        out[at] = "\n".join(x for x in lines if x)
    return out


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
    "homePage": "Home Page", "blog": "Blog", "profile": "Profile", "ftp": "FTP",
    "reservations": "Reservations", "appInstallPage": "App Install Page",
}  # fmt: skip


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


Widths = tuple[int, int, int, int]


def google_widths(contacts: Iterable[Contact]) -> Widths:
    """The most e-mails, phones, addresses and websites one of ``contacts`` has."""
    mails = phones = addresses = urls = 0
    for c in contacts:
        mails, phones = max(mails, len(c.emails)), max(phones, len(c.phones))
        addresses, urls = max(addresses, len(c.addresses)), max(urls, len(c.urls))
    return mails, phones, addresses, urls


def google_rows(
    contacts: Iterable[Contact], group_names: dict[str, str], widths: Widths
) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows in Google's current export format (people-api.md §7.2); ``widths``
    (``google_widths``) says how many e-mail, phone, address and website columns it has.

    Labels are Google's own ("Work Fax", not "Workfax"); every address keeps its
    label and parts; nicknames, birthday, department and websites go to Google's
    columns for them (Website n - Label / Value, as Google's own export writes them).
    """
    n_mail, n_phone, n_addr, n_url = (w or 1 for w in widths)
    header = ["First Name", "Middle Name", "Last Name", "Nickname", "Organization Name",
              "Organization Title", "Organization Department", "Birthday", "Notes",
              "Labels"]  # fmt: skip
    for i in range(1, n_mail + 1):
        header += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, n_phone + 1):
        header += [f"Phone {i} - Label", f"Phone {i} - Value"]
    header += _address_header(n_addr)
    for i in range(1, n_url + 1):
        header += [f"Website {i} - Label", f"Website {i} - Value"]
    header += ["Custom Field 1 - Label", "Custom Field 1 - Value"]

    def rows() -> Iterator[list[str]]:
        for c in contacts:
            labels = " ::: ".join(["* myContacts", *group_list(c, group_names)])
            row = [c.given_name, c.middle_name, c.family_name, " ::: ".join(c.nicknames),
                   c.organization, c.title, c.department, c.birthday, c.notes,
                   labels]  # fmt: skip
            row += _pairs([(google_label(e.type), e.value) for e in c.emails], n_mail)
            row += _pairs([(google_label(p.type), _phone_text(p.value)) for p in c.phones],
                          n_phone)  # fmt: skip
            row += _address_cells(c, n_addr)
            row += _pairs([(google_label(u.type), u.value) for u in c.urls], n_url)
            row += ["Job Description", c.job_description] if c.job_description else ["", ""]
            yield row

    return header, rows()


# vCard TYPEs for the People API's phone types (read back by imports/vcard_record.phone_type).
_VCARD_PHONE = {
    "mobile": ["CELL"], "work": ["WORK"], "home": ["HOME"], "main": ["MAIN"],
    "other": ["VOICE"], "homeFax": ["HOME", "FAX"], "workFax": ["WORK", "FAX"],
    "otherFax": ["FAX"], "pager": ["PAGER"], "workMobile": ["WORK", "CELL"],
    "workPager": ["WORK", "PAGER"],
}  # fmt: skip
_VCARD_KIND = {"work": ["WORK"], "home": ["HOME"], "other": ["OTHER"]}
_VCARD_URL = {"work": ["WORK"], "home": ["HOME"], "other": []}


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

    card.add("n").value = vobject.vcard.Name(
        family=c.family_name, given=c.given_name, additional=c.middle_name
    )
    card.add("fn").value = c.display_name or "?"
    for nickname in c.nicknames:
        card.add("nickname").value = nickname
    if c.organization or c.department:
        card.add("org").value = [c.organization, *([c.department] if c.department else [])]
    if c.title:
        card.add("title").value = c.title
    if c.job_description:
        card.add("role").value = c.job_description
    for p in c.phones:
        typed("tel", _VCARD_PHONE.get(p.type), p.type).value = _phone_text(p.value)
    for e in c.emails:
        typed("email", _VCARD_KIND.get(e.type), e.type, "INTERNET").value = e.value
    for a in c.addresses:
        adr = typed("adr", _VCARD_KIND.get(a.type), a.type)
        adr.value = vobject.vcard.Address(
            box=a.po_box, extended=a.extended, street=a.street, city=a.city, region=a.region,
            code=a.postal_code, country=a.country,
        )  # fmt: skip
        if a.formatted:
            typed("label", _VCARD_KIND.get(a.type), a.type).value = a.formatted
    for u in c.urls:
        typed("url", _VCARD_URL.get(u.type), u.type).value = u.value
    if c.birthday:
        card.add("bday").value = c.birthday
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
