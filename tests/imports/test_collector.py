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


def test_what_the_block_leaves_alive_is_frozen_out_of_later_collections():
    gc.unfreeze()
    try:
        with collector.paused():
            kept = [{"row": i} for i in range(1000)]
        assert gc.get_freeze_count() >= len(kept)  # the next collections do not walk them
    finally:
        gc.unfreeze()


def test_an_import_builds_no_reference_cycle_that_freezing_would_keep(local_account, write_xlsx):
    """Frozen objects are freed by reference counting; a cycle among them would stay
    until ``gc.unfreeze``: an import and its plan must build none."""
    account, _ = local_account
    rows = [["ФИО", "Телефон", "E-mail", "Компания", "Группа", "Примечание"]] + [
        [f"Петров Иван {i}", f"8 916 {i:03d}-45-67", f"c{i}@example.ru", "ООО Ромашка", "Опт",
         "note"]
        for i in range(30)
    ]  # fmt: skip
    path = write_xlsx("clients.xlsx", {"Клиенты": rows})
    gc.unfreeze()  # what earlier blocks froze (other tests' garbage too) collected first
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        import_file(account, path, ImportOptions(region="RU"), dry_run=True)
        import_file(account, path, ImportOptions(region="RU"))
        gc.unfreeze()
        gc.collect()
        ours = [type(o).__qualname__ for o in gc.garbage
                if type(o).__module__.startswith("contacts_crm")]  # fmt: skip
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.unfreeze()
        gc.collect()
    assert ours == []
