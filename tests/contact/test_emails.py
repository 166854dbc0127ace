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


def test_the_fast_path_agrees_with_email_validator():
    """Plain ASCII addresses skip the library (speed): never one the library refuses."""
    import random
    import string

    import email_validator

    def library(value: str) -> str | None:
        try:
            email_validator.validate_email(
                value, check_deliverability=False, allow_smtputf8=True, test_environment=True
            )
        except email_validator.EmailNotValidError:
            return None
        return value.lower()  # fmt: skip

    rnd = random.Random(7)
    local_chars = string.ascii_letters + string.digits + "._+-"
    domain_chars = string.ascii_lowercase + string.digits + "-."
    tlds = ["ru", "com", "tr", "local", "test", "x", "123", "invalid", "onion", "xn--p1ai"]
    for _ in range(3000):
        local = "".join(rnd.choice(local_chars) for _ in range(rnd.randint(1, 70)))
        domain = "".join(rnd.choice(domain_chars) for _ in range(rnd.randint(1, 12)))
        address = f"{local}@{domain}.{rnd.choice(tlds)}"
        assert valid_email.__wrapped__(address) == library(address), address
