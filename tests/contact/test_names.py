"""Name folding: one key for a name written in Cyrillic or Latin letters, any case."""

from __future__ import annotations

import pytest

from contacts_crm.contact.names import fold, name_key


@pytest.mark.parametrize(
    "a, b",
    [
        ("Петров", "Petrov"),
        ("PETROV", "petrov"),
        ("Yılmaz", "YILMAZ"),
        ("Yılmaz", "Yilmaz"),
        ("İSTANBUL", "istanbul"),
        ("Сергей", "Sergei"),
        ("Sergey", "Sergej"),
        ("Наталья", "Natalia"),
        ("Юрий", "Yuri"),
        ("Iurii", "Yuriy"),
        ("Хабаров", "Khabarov"),
        ("Александр", "Alexandr"),
        ("Çelik Şahin", "celik sahin"),
        ("Öztürk", "OZTURK"),
        ("Ёлкин", "Елкин"),
    ],
)
def test_spellings_of_one_name_fold_alike(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize("a, b", [("Petrov", "Petrova"), ("Ivanov", "Ivanenko"), ("Ali", "Ala")])
def test_different_names_stay_different(a, b):
    assert fold(a) != fold(b)


def test_name_key_ignores_word_order_and_punctuation():
    assert name_key("Petrov, Ivan") == name_key("Иван Петров") == name_key("IVAN  PETROV")
    assert name_key("Ivan Petrov") != name_key("Ivan Petrova")


def test_empty_and_symbols_fold_to_nothing():
    assert fold("") == "" and fold(" - · ") == "" and name_key("()") == ""
