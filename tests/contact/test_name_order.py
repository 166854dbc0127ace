"""Two-word Russian and Turkish names: the words decide which is the given name."""

from __future__ import annotations

import json

import pytest

from contacts_crm.contact.name_order import split_words
from contacts_crm.imports.normalize import split_full_name_parts


@pytest.mark.parametrize(
    ("typed", "given", "family", "middle"),
    [
        ("Елена Павлова", "Елена", "Павлова", ""), ("Павлова Елена", "Елена", "Павлова", ""),
        ("Игорь Петренко", "Игорь", "Петренко", ""), ("Шевчук Оксана", "Оксана", "Шевчук", ""),
        ("Гоша Куценко", "Гоша", "Куценко", ""), ("Pavlova Elena", "Elena", "Pavlova", ""),
        ("Yılmaz Mehmet", "Mehmet", "Yılmaz", ""), ("Kaya Zeynep", "Zeynep", "Kaya", ""),
        ("Mehmet Yılmaz", "Mehmet", "Yılmaz", ""), ("John Smith", "John", "Smith", ""),
        ("Петренко Игорь Сергеевич", "Игорь", "Петренко", "Сергеевич"),
        ("Иван Ильич Петров", "Иван", "Петров", "Ильич"),
        ("Иван Сергеевич", "Иван", "", "Сергеевич"),
        ("Мамедов Али Гусейн оглы", "Али", "Мамедов", "Гусейн оглы"),
    ],
)  # fmt: skip
def test_the_words_decide(typed, given, family, middle):
    parts = split_words(typed)
    assert (parts.given, parts.family, parts.middle, parts.sure) == (given, family, middle, True)
    assert split_full_name_parts(typed) == parts  # the importer reads names the same way


def test_unsure_when_the_words_do_not_tell():
    parts = split_words("Петров Сидоров")
    assert not parts.sure and (parts.given, parts.family) == ("Сидоров", "Петров")


def test_import_reports_a_guessed_order(write_xlsx):
    from contacts_crm.imports.run import read_records

    path = write_xlsx("n.xlsx", {"S": [["ФИО", "Телефон"], ["Елена Павлова", "89161234567"],
                                       ["Петров Сидоров", "89161234568"]]})  # fmt: skip
    elena, guess = read_records(path, region="RU")[1]
    assert (elena.given_name, elena.family_name) == ("Елена", "Павлова") and not elena.notices
    assert [n.kind for n in guess.notices] == ["name-order"]
    assert "'Петров Сидоров'" in guess.notices[0].text


def test_add_and_edit_name_use_the_same_order():
    from cli_helpers import run_crm

    code, out, err = run_crm("--json", "add", "Петренко Игорь Сергеевич", "--phone", "89161234567")
    assert code == 0, err
    added = json.loads(out)
    assert (added["givenName"], added["familyName"]) == ("Игорь", "Петренко")
    assert added["name"] == "Игорь Сергеевич Петренко" and "given name" not in err
    code, _, err = run_crm("edit", "89161234567", "--name", "Петров Сидоров")
    assert code == 0 and "do not tell which is the given name" in err
    shown = json.loads(run_crm("--json", "show", "89161234567")[1])
    assert (shown["givenName"], shown["familyName"]) == ("Сидоров", "Петров")
