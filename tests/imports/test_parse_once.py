"""No phone number is parsed twice in an import: phonenumbers work is memoised by raw
text and region, and the cache indexes the E.164 the plan already has without parsing.

A counting wrapper around ``phonenumbers.parse`` (the third-party library, not our API
boundary) sees every parse of a whole import over loopback HTTP: reading, normalising,
the sync, the plan, the batches and the cache's phone index of every written contact.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import openpyxl
import phonenumbers
import pytest

from contacts_crm.account.connected import Account
from contacts_crm.contact import phones
from contacts_crm.imports.run import ImportOptions, import_file, read_records

N = 300


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ФИО", "Телефон", "Группа"])
    for i in range(N):
        spelling = (f"8 (916) 100-{i:04d}"[:17], 79162000000 + i, f"+7 916 300 {i:04d}")[i % 3]
        ws.append([f"Клиент{i} Тестовый", spelling, "Опт"])
    ws.append(["Клиент0 Тестовый", "8 (916) 100-0000", "Опт"])  # a copy: same text again
    wb.save(path)
    return path


@pytest.fixture
def parses(monkeypatch):
    """Every (text, region) the tool calls phonenumbers.parse with, from a cold memo (the
    in-process emulator's own parses, Google's side of the wire, are not counted)."""
    seen: Counter[tuple[str, str | None]] = Counter()
    real = phonenumbers.parse

    def counting(number, region=None, *args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if not caller.startswith("contacts_crm.emulator"):  # Google's side (canonicalForm)
            seen[(number, region)] += 1
        return real(number, region, *args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting)
    phones.normalize.cache_clear()
    phones._lookup_keys.cache_clear()
    return seen


@pytest.fixture
def account(people_service, tmp_path) -> Account:
    acc = Account.from_service(people_service, tmp_path / "data")
    yield acc
    acc.close()


def test_an_import_and_its_re_import_parse_each_number_once(account, parses, tmp_path):
    path = _workbook(tmp_path / "c.xlsx")
    read_records(path, region="RU")
    reading = sum(parses.values())  # normalising the file's numbers alone
    assert reading >= N  # the wrapper sees the parses

    def cold() -> None:  # as in a new process
        parses.clear()
        phones.normalize.cache_clear()
        phones._lookup_keys.cache_clear()

    cold()
    out = import_file(account, path, ImportOptions(region="RU"))
    assert out.summary()["created"] == N
    assert max(parses.values()) == 1, [k for k, n in parses.items() if n > 1][:5]
    # the sync, the plan, the batches and the cache's index of N new contacts add none
    assert sum(parses.values()) == reading

    cold()  # a re-import: the sync brings the N contacts back, the plan matches them
    again = import_file(account, path, ImportOptions(region="RU"))
    assert again.plan.counts()["skip"] == N + 1
    assert max(parses.values()) == 1 and sum(parses.values()) == reading


def test_the_cache_indexes_e164_numbers_without_parsing(tmp_path, parses):
    from contacts_crm.account.cache import Cache

    cache = Cache(tmp_path / "c.sqlite", region="RU")
    cache.upsert(
        {"resourceName": f"people/c{i}", "phoneNumbers": [{"value": f"+7916400{i:04d}"}]}
        for i in range(200)
    )
    assert not parses
    assert [c.resource_name for c in cache.find_by_phone("+79164000007")] == ["people/c7"]
    assert not parses  # the query is E.164 too
    cache.close()
