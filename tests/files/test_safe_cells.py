"""The one formula guard for every CSV the tool writes (README: "Formulas in CSV files")."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.files.safe_cells import csv_cell, is_phone_text, phone_columns
from contacts_crm.files.writers import write_csv
from contacts_crm.imports.run import read_records
from contacts_crm.usecases.export import export

ATTACKS = ["+cmd|' /C calc'!A0", "-2+3", '=HYPERLINK("http://x")', "@SUM(1)", "\tx", "\rx"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("text", ATTACKS)
def test_every_formula_start_is_guarded_outside_phone_columns(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell(text, phone_column=True) == "'" + text  # not a phone: guarded there too


@pytest.mark.parametrize(
    "phone", ["+7 916 123-45-67", "+79161234567", "+1 (212) 555-0100", "+74951112233 ext. 12",
              "+79161234567\n+905321234567"],
)  # fmt: skip
def test_a_phone_in_a_phone_column_is_kept_for_google(phone):
    assert is_phone_text(phone)
    assert csv_cell(phone, phone_column=True) == phone
    assert csv_cell(phone) == "'" + phone  # the same text in a name or note column is guarded


@pytest.mark.parametrize(
    "text", ["+1-2", "-7 916 123-45-67", "+7 916 123 45 67 x", "+7(916)SUM(1)", "+12345+6789",
             "+7 916 123-45-67\n=1+1", "+ 916 123 45 67"],
)  # fmt: skip
def test_phone_like_formulas_are_not_phones(text):
    assert not is_phone_text(text)
    assert csv_cell(text, phone_column=True) == "'" + text


def test_phone_columns_are_found_by_their_header():
    header = ["First Name", "Notes", "Phone 1 - Label", "Phone 1 - Value", "Mobile phone",
              "Телефон", "Telefon", "Company"]  # fmt: skip
    assert phone_columns(header) == {2, 3, 4, 5, 6}


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def _attack_contacts() -> list[Contact]:
    return [
        Contact(
            given_name=ATTACKS[0],
            organization=ATTACKS[1],
            notes=ATTACKS[0],
            phones=[PhoneEntry("+79161234567", "mobile")],
        ),
        Contact(
            given_name=ATTACKS[1],
            family_name="@x",
            organization=ATTACKS[0],
            notes=ATTACKS[1],
            phones=[PhoneEntry("+905321234567", "work")],
        ),
    ]


@pytest.mark.parametrize("fmt", ["csv", "google-csv"])
def test_names_companies_and_notes_are_neutralised_phones_kept(tmp_path, fmt):
    path = tmp_path / "out.csv"
    export(_attack_contacts(), path, fmt)
    rows = _cells(path)
    phones = phone_columns(rows[0])
    live = [(rows[0][i], c) for r in rows[1:] for i, c in enumerate(r)
            if c.startswith(FORMULA_STARTS) and not (i in phones and is_phone_text(c))]  # fmt: skip
    assert live == []
    text = path.read_bytes().decode("utf-8-sig")
    assert "'+cmd|' /C calc'!A0" in text and "'-2+3" in text
    kept = [c for r in rows[1:] for i, c in enumerate(r) if i in phones and c.startswith("+")]
    assert sorted(kept) == ["+79161234567", "+905321234567"]


def test_a_formatted_phone_stays_importable_by_google(tmp_path):
    path = tmp_path / "g.csv"
    header = ["First Name", "Notes", "Phone 1 - Label", "Phone 1 - Value"]
    write_csv([["-2+3", "+7 916 123-45-67", "Mobile", "+7 916 123-45-67"]], header, path)
    assert _cells(path)[1] == ["'-2+3", "'+7 916 123-45-67", "Mobile", "+7 916 123-45-67"]


@pytest.mark.parametrize("fmt", ["csv", "google-csv"])
def test_our_import_strips_the_guard_again(tmp_path, fmt):
    path = tmp_path / "out.csv"
    originals = _attack_contacts()
    export(originals, path, fmt)
    _, records = read_records(path, region="RU")
    got = records
    assert [c.given_name for c in got] == [c.given_name for c in originals]
    assert [c.organization for c in got] == [c.organization for c in originals]
    assert [c.phones[0].value for c in got] == ["+79161234567", "+905321234567"]
    assert all(o.notes in c.notes for o, c in zip(originals, got, strict=True))


def test_an_apostrophe_the_user_typed_survives_the_round_trip(tmp_path):
    path = tmp_path / "out.csv"
    export([Contact(given_name="'=already quoted", organization="'-x")], path, "csv")
    assert "''=already quoted" in path.read_bytes().decode("utf-8-sig")
    _, [record] = read_records(path, region="RU")
    assert record.given_name == "'=already quoted"
    assert record.organization == "'-x"
