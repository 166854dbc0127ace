"""The cycle collector is paused while an import reads and plans, and always comes back."""

from __future__ import annotations

import gc

import pytest

from contacts_crm.errors import InputError
from contacts_crm.imports import collector
from contacts_crm.imports.run import ImportOptions, import_file


def test_paused_turns_the_collector_off_and_back_on_even_on_an_error():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: the outer block turns it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_paused_leaves_a_collector_that_was_off_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_import_that_stops_on_bad_input_leaves_the_collector_on(local_account, write_xlsx):
    account, _ = local_account
    path = write_xlsx("x.xlsx", {"S": [["ФИО", "Телефон"], ["", ""]]})
    with pytest.raises(InputError):
        import_file(account, path, ImportOptions(region="RU"))
    assert gc.isenabled()
