"""The language walk: a Russian or a Turkish office reads its own language everywhere.

Every command's everyday mistakes and outputs are run in ru and in tr, and each
answer (stdout and stderr) is searched for English: a word of the English
messages (the catalog's msgids) left in the text once what is not a sentence is
taken out (the values the office typed and the tool echoes in quotes, command
lines and option names such as 'crm config set language', ids, paths and
metavars such as QUERY). The finder is checked on English answers too, so the
walk can fail.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import run_crm

from contacts_crm import i18n
from contacts_crm.imports.columns import FIELDS

LOCALE = Path(__file__).resolve().parents[2] / "contacts_crm" / "locale"

# Words of the English messages that every language writes as they are (a product,
# a format) or that are not English ("telefon", "soyad": Turkish headers in English examples;
# "var": Turkish for "there is", and "env var" in English; "web": "web sitesi" in Turkish).
NOT_ENGLISH = {"google", "csv", "json", "xlsx", "vcard", "toml", "oauth", "pin", "sqlite",
               "e164", "utc", "http", "https", "url", "crm", "people", "vcf", "tsv", "android",
               "telefon", "soyad", "var", "web"}  # fmt: skip


@cache
def english_words() -> frozenset[str]:
    """Every word (3+ letters) of the English messages."""
    from babel.messages.pofile import read_po

    with (LOCALE / "contacts_crm.pot").open("rb") as fh:
        catalog = read_po(fh)
    words: set[str] = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        for text in ids:
            # placeholders and command lines are not words a person reads
            text = re.sub(r"\{[^}]*\}|crm(\s+[a-z_-]+)*|--?[a-z][\w-]*", " ", text or "")
            words.update(w.casefold() for w in re.findall(r"[A-Za-z]{3,}", text))
    return frozenset(words - NOT_ENGLISH)


_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|«[^»\n]*»")
_COMMAND = re.compile(r"\bcrm((\s+|=)(--?[\w-]+|[a-z_]+|[A-Z_]{2,}|[a-z]{2}\b))*")
_NOT_TEXT = re.compile(
    r"--?[A-Za-z][\w-]*"  # options
    r"|\b[A-Z][A-Z_]+\b"  # metavars and formats (QUERY, CSV, HH)
    r"|\S*[/\\.@]\S*[\w]"  # ids (people/c123), paths, files, e-mails
    r"|\b[0-9a-f]{16}\b"  # operation ids
)


def english_in(text: str, typed: set[str]) -> list[str]:
    """The English words in ``text`` (see the module), ``typed`` values left out."""
    text = _QUOTED.sub(" ", text)
    text = _COMMAND.sub(" ", text)
    text = _NOT_TEXT.sub(" ", text)
    words = re.findall(r"(?<![\w-])[A-Za-z]{3,}(?![\w-])", text)
    return [w for w in words if w.casefold() in english_words() and w.casefold() not in typed]


# The walk: (args, expected exit code) — everyday mistakes first, then the outputs.
WALK: list[tuple[tuple[str, ...], int]] = [
    (("frobnicate",), 2),
    (("list", "--frob"), 2),
    (("add",), 2),
    (("list", "--format", "xml"), 2),
    (("call", "Anna", "x", "--in", "--out"), 2),
    (("call", "Anna", "x", "--at", "31.02.2026"), 2),
    (("call", "Anna", "x", "--at", "2099-01-01"), 2),
    (("call", "Anna", "x", "--at", "someday"), 2),
    (("call", "Anna", "x", "--outcome", "maybe"), 2),
    (("activity", "--since", "2026-03-01", "--until", "2026-02-01"), 2),
    (("activity", "--since", "31.02.2026"), 2),
    (("-p", "nope", "list"), 66),
    (("profile", "use", "nope"), 66),
    (("config", "set", "language", "russian"), 78),
    (("config", "set", "lang", "ru"), 2),
    (("config", "set", "card_max_lines", "many"), 2),
    (("order", "step", "Anna", "1", "оплачено"), 2),
    (("order", "step", "Anna", "7", "paid"), 66),
    (("order", "step", "Ivan", "1", "paid"), 2),  # two contacts match
    (("show", "Nobody"), 66),
    (("card", "Nobody"), 66),
    (("journal", "Nobody"), 66),
    (("call", "Anna"), 0),  # a call with no comment is fine
    (("order", "close", "Anna", "1"), 0),
    (("order", "step", "Anna", "1", "paid"), 2),  # already delivered
    (("edit", "Anna", "--frob"), 2),
    (("group", "add", "Nope", "Anna"), 66),
    (("import", "/nonexistent/clients.csv"), 66),
    (("undo", "0123456789abcdef"), 66),
    (("doctor", "--fix"), 2),
    (("call", "Anna", "x", "--callback-on", "yesterday"), 2),
    (("call", "Anna", "x", "--outcome", "callback"), 2),
    (("order", "open", "Anna", "x", "--amount", "abc"), 2),
    (("edit", "Anna", "--add-email", "not-an-email"), 65),
    (("add", "Pavel", "--phone", "123"), 65),
    (("add", "Pavel", "--email", "bad@"), 65),
    (("list", "--group", "Nope"), 66),
    (("summary", "--group", "Nope"), 66),
    (("callbacks", "--days", "-1"), 2),
    (("merge", "Anna", "Nobody"), 66),
    (("undelete", "Nobody"), 66),
    (("group", "delete", "Nope"), 66),
    (("group", "create", ""), 2),
    (("profile", "add", "bad name!"), 78),
    (("config", "set", "region", "XX"), 78),
    (("export", "{tmp}/taken.xlsx"), 73),
    (("export", "{tmp}/clients.doc"), 2),
    (("import", "{tmp}/bad.csv"), 65),
    (("import", "{tmp}/clients.csv", "--dry-run"), 0),
    (("import", "{tmp}/clients.csv", "--show-mapping"), 0),
    # outputs
    (("show", "Anna"), 0),
    (("card", "Anna"), 0),
    (("journal", "Anna"), 0),
    (("edit", "Anna", "--add-phone", "+7 916 000-00-01", "--org", "Tiles Ltd"), 0),
    (("journal", "Anna"), 0),
    (("callbacks",), 0),
    (("callbacks", "--format", "tsv"), 0),
    (("summary",), 0),
    (("summary", "--format", "tsv"), 0),
    (("activity",), 0),
    (("duplicates",), 0),
    (("doctor",), 0),
    (("doctor", "--phones"), 0),
    (("list",), 0),
    (("find", "Petrov"), 0),
    (("group", "list"), 0),
    (("import", "list"), 0),
    (("status",), 0),
    (("delete", "+7 495 123-45-67", "--yes"), 0),
]


def _prepare(lang: str) -> None:
    for args in (
        ("config", "set", "language", lang),
        ("config", "set", "user", "Olga"),
        ("group", "create", "Leads"),
        ("add", "Anna Lead", "--phone", "+7 916 123-45-68", "--group", "Leads"),
        ("add", "Ivan Petrov", "--phone", "+7 916 123-45-67", "--email", "ivan@example.com"),
        ("add", "Ivan Petrov", "--phone", "+7 495 123-45-67"),
        ("call", "Anna", "wants a quote", "--outcome", "interested"),
        ("order", "open", "Anna", "tiles", "--amount", "12500.5"),
    ):
        result = run_crm(*args)
        assert result.code == 0, (args, result)


@pytest.fixture(autouse=True)
def back_to_english():
    yield
    i18n.use("en")


@pytest.mark.parametrize("lang", ["ru", "tr"])
def test_every_everyday_mistake_and_output_is_in_the_office_language(lang, tmp_path):
    _prepare(lang)
    (tmp_path / "taken.xlsx").write_bytes(b"the office's own workbook")
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "clients.csv").write_text(
        "Имя;Телефон;Email;Группа\nОлег;8 903 111-22-33;oleg@example.com;Опт\n"
        "Мария;12;maria@;Опт\n", encoding="utf-8")  # fmt: skip
    typed = {"anna", "lead", "ivan", "petrov", "olga", "leads", "tiles", "ltd", "nobody", "nope",
             "wants", "quote", "someday", "maybe", "frobnicate", "frob", "xml", "russian",
             "lang", "many", "paid", "local", "pavel", "bad", "name", "abc", "email",
             "doc", "taken", "callback"}  # fmt: skip
    typed |= {f.split(".")[0] for f in FIELDS}  # --show-mapping's targets: a mapping file's ids
    found, codes = {}, []
    for args, code in WALK:
        args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
        result = run_crm(*args)
        if result.code != code:
            codes.append((args, result))
        english = english_in(result.out + "\n" + result.err, typed)
        if english:
            found[" ".join(args)] = (english, result.out + result.err)
    assert not found, "\n\n".join(f"crm {k}: {v[0]}\n{v[1]}" for k, v in found.items())
    assert not codes, codes


@pytest.mark.parametrize("lang", ["ru", "tr"])
def test_the_export_speaks_the_office_language(tmp_path, lang):
    _prepare(lang)
    path = tmp_path / "clients.xlsx"
    assert run_crm("export", str(path)).code == 0
    wb = openpyxl.load_workbook(path)
    texts = [*wb.sheetnames, *(str(c.value) for ws in wb for c in ws[1] if c.value)]
    # Google's "Address 1 - Street" columns keep their names: the importer reads them by pattern
    texts = [t for t in texts if not re.match(r"^Address \d+ - ", t)]
    assert not english_in(" ".join(texts), set()), texts
    assert "Address 1 - Street" in [c.value for c in wb.worksheets[0][1]]
    # and the importer reads every header of it back
    found = json.loads(run_crm("--json", "import", str(path), "--show-mapping").out)
    assert [c["header"] for c in found["columns"] if not c["field"]] == []


def test_the_finder_finds_english():
    """The walk can fail: the same answers in English are found out."""
    _prepare("en")
    missed = []
    for args, _code in WALK[:20]:
        result = run_crm(*args)
        if not english_in(result.out + result.err, {"anna", "lead", "ivan", "petrov"}):
            missed.append(args)
    assert not missed, missed
    assert english_in("Ошибка: Missing argument 'NAME'.", set()) == ["Missing", "argument"]
    assert english_in("Телефон +7 916 123-45-68 [mobile]", set()) == ["mobile"]
    assert not english_in("Подсказка: выполните 'crm sync' или crm config set language ru", set())


@pytest.mark.parametrize(("lang", "amount"), [("en", "111 500.50"), ("ru", "111 500,50"),
                                              ("tr", "111 500,50")])  # fmt: skip
def test_an_amount_reads_the_same_on_the_card_and_in_the_reports(lang, amount):
    _prepare(lang)
    assert run_crm("order", "open", "Ivan", "tiles", "--amount", "111500.5").code == 2  # two
    opened = run_crm("order", "open", "+7 495 123-45-67", "tiles", "--amount", "111500.5")
    assert opened.code == 0 and amount in opened.out, opened
    for report in (("summary",), ("summary", "--format", "table")):
        out = run_crm(*report).out.replace("\u00a0", " ")
        assert amount in out, (report, out)
    tsv = run_crm("summary", "--format", "tsv").out
    assert "111500.5" in tsv  # the machine form: a plain number


def test_the_locale_data_and_the_card_templates_agree_on_the_decimal_mark():
    from contacts_crm.office.templates import load_labels

    labels = load_labels("en")
    for code, language in labels.languages.items():
        assert i18n.decimal_symbol(code) == language.decimal, code
