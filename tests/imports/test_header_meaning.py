"""Header matching by meaning: each family of header variants, and what must not match."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from contacts_crm.imports.columns import explain_header
from contacts_crm.imports.normalize import _REMOVED, clean_name, clean_text


@pytest.mark.parametrize(
    ("header", "field", "slot"),
    [
        # Russian: abbreviations with dots, either order, numbers
        ("Моб. телефон", "phone.mobile", 0), ("Сот. телефон", "phone.mobile", 0),
        ("Раб. телефон", "phone.work", 0), ("Дом. телефон", "phone.home", 0),
        ("Телефон моб.", "phone.mobile", 0), ("Мобильный тел.", "phone.mobile", 0),
        ("Телефон 2", "phone", 2), ("Тел. (доп.)", "phone.other", 0), ("Факс", "phone.workFax", 0),
        ("Номер телефона", "phone", 0), ("Эл. почта 2", "email", 2),
        # English
        ("Phone 2", "phone", 2), ("Mobile Number", "phone.mobile", 0),
        ("Cell #", "phone.mobile", 0),
        ("Phone (mobile)", "phone.mobile", 0), ("E-mail 2", "email", 2), ("Email 3", "email", 3),
        ("Work e-mail", "email.work", 0), ("Tel. no.", "phone", 0), ("Fax", "phone.workFax", 0),
        # Turkish
        ("Telefon 2", "phone", 2), ("Cep Tel.", "phone.mobile", 0),
        ("İş Telefonu 2", "phone.work", 2),
        ("Ev Telefonu", "phone.home", 0), ("GSM", "phone.mobile", 0), ("E-posta 2", "email", 2),
        # Outlook's phone set
        ("Assistant's Phone", "phone.assistant", 0), ("Business Fax", "phone.workFax", 0),
        ("Callback", "phone.callback", 0), ("Car Phone", "phone.car", 0),
        ("Home Fax", "phone.homeFax", 0), ("ISDN", "phone.isdn", 0),
        ("Other Fax", "phone.otherFax", 0), ("Pager", "phone.pager", 0),
        ("Primary Phone", "phone.main", 0), ("Radio Phone", "phone.radio", 0),
        ("TTY/TDD Phone", "phone.TTY/TDD", 0), ("Telex", "phone.telex", 0),
    ],
)  # fmt: skip
def test_header_variants(header, field, slot):
    assert explain_header(header)[:2] == (field, slot)


@pytest.mark.parametrize(
    "header",
    ["Телефон менеджера", "Номер договора", "Мобильный оператор", "Phone status", "Telefon 123",
     "Менеджер", "Тип телефона"],
)  # fmt: skip
def test_other_words_are_not_a_clients_phone(header):
    assert explain_header(header)[0] is None


def test_every_unicode_control_and_format_character_is_removed():
    missing = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cc", "Cf")
        and chr(cp) not in "\t\n\r"
        and not _REMOVED.match(chr(cp))
    ]
    assert missing == []
    assert clean_name("Иван\tПетров\x0bмл.\x1b\u200f") == "Иван Петров мл."
    assert clean_text("строка 1\x0bстрока 2\x00") == "строка 1\nстрока 2"
