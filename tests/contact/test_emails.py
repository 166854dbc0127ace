"""E-mail addresses are checked by email-validator, in import, add and edit alike."""

from __future__ import annotations

import pytest
from cli_helpers import run_crm

from contacts_crm.contact.emails import valid_email
from contacts_crm.imports.normalize import split_emails


@pytest.mark.parametrize(
    "bad", ["ivan@@mail", "ivan@mail", "a..b@x.com", "@x.ru", "ivan@", "i v@x.ru"]
)
def test_not_addresses(bad):
    assert valid_email(bad) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Ivan@Mail.RU", "ivan@mail.ru"), (" anna@sidorova.example ", "anna@sidorova.example"),
     ("user@münchen.de", "user@münchen.de")],
)  # fmt: skip
def test_addresses(typed, stored):
    assert valid_email(typed) == stored


def test_import_keeps_a_bad_address_in_the_notes():
    assert split_emails("ivan@@mail; anna@x.ru") == (["anna@x.ru"], ["ivan@@mail"])


def test_add_and_edit_refuse_a_bad_address():
    code, _, err = run_crm("add", "Ivan Petrov", "--phone", "89161234567", "--email", "ivan@@mail")
    assert code == 65 and "ivan@@mail" in err
    assert run_crm("add", "Ivan Petrov", "--phone", "89161234567")[0] == 0
    code, _, err = run_crm("edit", "89161234567", "--add-email", "ivan@mail")
    assert code == 65 and "ivan@mail" in err
