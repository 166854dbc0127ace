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
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vobject

from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.files.output import DEFAULT_MODE, write_output
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
    rows: list[list[str]], header: list[str], path: Path, mode: int = DEFAULT_MODE
) -> None:
    """Header row in bold, frozen, with filters; every cell text (phones stay "+7…").

    Streamed with XlsxWriter: time and memory grow linearly with the contacts,
    and every str is written as a string, never as a formula.
    """
    widths = {i: 40.0 if name == "Card" else 18.0 for i, name in enumerate(header)}
    sheet = TextSheet("Contacts", header, rows, freeze=(1, 2), widths=widths)
    write_text_xlsx(path, [sheet], mode=mode)


def write_csv(
    rows: list[list[str]], header: list[str], path: Path, mode: int = DEFAULT_MODE
) -> None:
    """UTF-8 with BOM (Excel reads it right), comma-separated, formula starts guarded
    by the one CSV rule (``safe_cells.csv_cell``; phones in phone columns kept)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row(header))
    phones = phone_columns(header)
    for row in rows:
        writer.writerow(csv_row(row, phones))
    write_output(path, b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"), mode)


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


def google_rows(contacts: list[Contact], group_names: dict[str, str]) -> tuple[list, list]:
    """Header and rows in Google's current export format (people-api.md §7.2).

    Labels are Google's own ("Work Fax", not "Workfax"); every address keeps its
    label and parts; nickname, birthday, department and websites (of contacts read
    from the account) go to Google's columns for them.
    """
    n_mail = max((len(c.emails) for c in contacts), default=0) or 1
    n_phone = max((len(c.phones) for c in contacts), default=0) or 1
    n_addr = max((len(c.addresses) for c in contacts), default=0) or 1
    extras = [_extras(c) for c in contacts]
    n_url = max((len(x["urls"]) for x in extras), default=0)
    header = ["First Name", "Middle Name", "Last Name", "Nickname", "Organization Name",
              "Organization Title", "Organization Department", "Birthday", "Notes",
              "Labels"]  # fmt: skip
    for i in range(1, n_mail + 1):
        header += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, n_phone + 1):
        header += [f"Phone {i} - Label", f"Phone {i} - Value"]
    for i in range(1, n_addr + 1):
        header += [f"Address {i} - Label", *(f"Address {i} - {p}" for p in _ADDRESS_PARTS)]
    for i in range(1, n_url + 1):
        header += [f"Website {i} - Label", f"Website {i} - Value"]
    rows = []
    for c, x in zip(contacts, extras, strict=True):
        labels = " ::: ".join(["* myContacts", *group_list(c, group_names)])
        row = [c.given_name, c.middle_name, c.family_name, " ::: ".join(x["nicknames"]),
               c.organization, c.title, x["department"], x["birthday"], c.notes,
               labels]  # fmt: skip
        row += _pairs([(google_label(e.type), e.value) for e in c.emails], n_mail)
        row += _pairs([(google_label(p.type), _phone_text(p.value)) for p in c.phones], n_phone)
        for i in range(n_addr):
            if i < len(c.addresses):
                a = c.addresses[i]
                row += [google_label(a.type), a.formatted, a.street, a.city, a.region,
                        a.postal_code, a.country]  # fmt: skip
            else:
                row += [""] * (1 + len(_ADDRESS_PARTS))
        row += _pairs([(google_label(t), v) for t, v in x["urls"]], n_url)
        rows.append(row)
    return header, rows


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
    contacts: list[Contact], group_names: dict[str, str], path: Path, mode: int = DEFAULT_MODE
) -> None:
    """vCard 3.0, one card per contact: N, FN, NICKNAME, ORG (with department), TITLE, ROLE,
    TEL, EMAIL, ADR (+ LABEL), URL, BDAY, CATEGORIES, NOTE. A custom type is written as an
    item label (X-ABLabel, as iCloud does)."""
    out = []
    for c in contacts:
        card = vobject.vCard()
        items = iter(range(1, 10_000))

        def typed(name: str, kinds: list[str] | None, label: str, *extra: str) -> Any:
            return _typed_line(card, items, name, kinds, label, extra)  # noqa: B023

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
        out.append(card.serialize())
    write_output(path, "".join(out).encode("utf-8"), mode)


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
    persons: list[dict[str, Any]], groups: list[dict[str, Any]], path: Path,
    mode: int = DEFAULT_MODE,
) -> None:  # fmt: skip
    """The JSON full backup: every Person as the API gave it, and every group."""
    doc = {
        "format": BACKUP_FORMAT,
        "version": 1,
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "groups": groups,
        "persons": persons,
    }
    write_output(path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"), mode)


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
