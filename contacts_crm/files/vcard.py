"""Read vCard 3.0 / 4.0 files (vobject) into a Table with canonical column names."""

from __future__ import annotations

import vobject

from contacts_crm.errors import InputError
from contacts_crm.files.table import Row, Table
from contacts_crm.i18n import _

# Columns named by import field ids (see templates/import/columns.toml).
VCARD_COLUMNS = (
    "full_name", "family_name", "given_name", "middle_name", "organization", "title",
    "phone.mobile", "phone.work", "phone.home", "phone.other",
    "email.work", "email.home", "email.other", "address", "groups", "notes",
)  # fmt: skip
_PHONE_TYPES = {"cell": "mobile", "work": "work", "home": "home"}
_EMAIL_TYPES = {"work": "work", "home": "home", "internet": "work"}


def read_vcard(data: bytes, name: str) -> Table:
    """One row per vCard; row numbers count cards from 2 (row 1 is the header)."""
    text = data.decode("utf-8-sig", "replace")
    rows = [Row(1, list(VCARD_COLUMNS))]
    try:
        for i, card in enumerate(vobject.readComponents(text, ignoreUnreadable=True), start=2):
            rows.append(Row(i, _card_cells(card)))
    except Exception as e:  # vobject raises many unrelated types on bad input
        raise InputError(
            _("{name}: card {n}: the vCard cannot be parsed ({why})").format(
                name=name, n=len(rows), why=str(e)[:120]
            ),
            hint=_("export the contacts again as vCard"),
        ) from None
    return Table(source=name, rows=rows, kind="vcard", encoding="utf-8")


def _card_cells(card: vobject.base.Component) -> list[str]:
    col: dict[str, list[str]] = {c: [] for c in VCARD_COLUMNS}
    for line in card.getChildren():
        key = line.name.lower()
        value = line.value
        types = {t.lower() for t in line.params.get("TYPE", []) for t in t.split(",")}
        if key == "fn":
            col["full_name"].append(str(value))
        elif key == "n":
            col["family_name"].append(_join(value.family))
            col["given_name"].append(_join(value.given))
            col["middle_name"].append(_join(value.additional))
        elif key == "org":
            col["organization"].append(_join(value))
        elif key == "title":
            col["title"].append(str(value))
        elif key == "tel":
            kind = next((_PHONE_TYPES[t] for t in types if t in _PHONE_TYPES), "other")
            col[f"phone.{kind}"].append(str(value))
        elif key == "email":
            kind = next((_EMAIL_TYPES[t] for t in types if t in _EMAIL_TYPES), "other")
            col[f"email.{kind}"].append(str(value))
        elif key == "adr":
            parts = [value.street, value.city, value.region, value.code, value.country]
            col["address"].append(", ".join(_join(p) for p in parts if _join(p)))
        elif key == "categories":
            col["groups"].append("\n".join(value if isinstance(value, list) else [value]))
        elif key == "note":
            col["notes"].append(str(value))
    if col["family_name"] or col["given_name"]:
        col["full_name"] = []
    return ["\n".join(v for v in col[c] if v) for c in VCARD_COLUMNS]


def _join(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v)
    return str(value or "")
