"""The smaller surprises of issue 25, one test each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import run_crm


def test_export_does_not_overwrite_an_existing_file(tmp_path):
    run_crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")
    target = tmp_path / "clients.xlsx"
    target.write_bytes(b"the office's own workbook")
    result = run_crm("export", str(target))
    assert result.code == 73, result
    assert "already exists" in result.err and "--force" in result.err
    assert target.read_bytes() == b"the office's own workbook"
    forced = run_crm("export", str(target), "--force")
    assert forced.code == 0, forced
    assert openpyxl.load_workbook(target).active.max_row == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_import_of_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "clients.csv"
    os.mkfifo(fifo)
    result = subprocess.run(  # a hang would fail the timeout, not the whole run
        [sys.executable, "-m", "contacts_crm", "import", str(fifo)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 65, result.stderr
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_a_value_over_the_api_limit_is_bad_input_not_a_service_error():
    result = run_crm("add", "x" * 1025, "--phone", "8 916 123-45-67")
    assert result.code == 65, result
    assert "1,025 characters" in result.err and "1,024" in result.err
    assert run_crm("add", "x" * 1024, "--phone", "8 916 123-45-67").code == 0


def test_serve_user_add_without_a_terminal_says_how_to_give_the_pin():
    result = subprocess.run(
        [sys.executable, "-m", "contacts_crm", "serve", "user", "add", "Olga"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "--pin-stdin" in result.stderr
    assert "echoed" not in result.stderr and "Aborted" not in result.stderr


def test_a_placeholder_in_a_notes_column_does_not_reach_the_card(tmp_path):
    source = tmp_path / "clients.csv"
    source.write_text("Имя;Телефон;Примечание\nАнна;89031112233;нет\nОлег;89031112234;VIP\n",
                      encoding="utf-8")  # fmt: skip
    assert run_crm("import", str(source)).code == 0
    found = {c["name"]: c["notes"] for c in json.loads(run_crm("--json", "list").out)}
    assert "нет" not in found["Анна"]
    assert "VIP" in found["Олег"]


def test_the_module_entry_point_exists():
    assert (Path(__file__).resolve().parents[2] / "contacts_crm" / "__main__.py").is_file()


def test_a_re_import_that_wrote_nothing_offers_nothing_to_undo(tmp_path):
    source = tmp_path / "clients.csv"
    source.write_text("Name,Phone\nAnna,89031112233\n", encoding="utf-8")
    first = run_crm("import", str(source))
    assert first.code == 0 and "Import id:" in first.out
    again = run_crm("import", str(source))
    assert again.code == 0, again
    assert "Import id:" not in again.out and "crm import undo" not in again.out
    assert "Nothing was written" in again.out


def _office() -> None:
    assert run_crm("config", "set", "user", "Olga").code == 0
    assert run_crm("add", "Anna Lead", "--phone", "+7 916 123-45-68").code == 0


def test_a_long_comment_is_cut_at_a_word_with_a_notice():
    _office()
    comment = "asks " * 12 + "whether the extraordinarily-long-tile-collection ships by Friday"
    result = run_crm("call", "Anna", comment)
    assert result.code == 0, result
    assert "shortened on the card to 80 characters" in result.out  # never silently
    card = run_crm("card", "Anna").out
    line = next(ln for ln in card.splitlines() if "asks asks" in ln)
    shown = line.split(": ", 1)[1].rstrip("…")
    assert line.endswith("…") and comment.startswith(shown)
    assert comment[len(shown)] == " "  # cut at a word, never inside one
    assert comment in run_crm("journal", "Anna").out  # the whole text stays in the journal
    short = run_crm("call", "Anna", "a short one")
    assert short.code == 0 and "shortened" not in short.out


def test_an_identical_call_logged_twice_is_listed_once_in_the_journal():
    _office()
    for said in ("Call logged for Anna Lead\n", "(already on the card: nothing changed)"):
        result = run_crm("call", "Anna", "hello", "--at", "2026-12-07 10:00")
        assert result.code == 0 and said in result.out, result
    rows = run_crm("journal", "Anna", "--format", "tsv").out.splitlines()[1:]
    assert len(rows) == 1 and rows[0].endswith("hello")
    # the same words on another day are another call: a second row
    assert run_crm("call", "Anna", "hello", "--at", "2026-12-06 11:00").code == 0
    assert len(run_crm("journal", "Anna", "--format", "tsv").out.splitlines()[1:]) == 2


def test_delete_names_a_phone_with_its_extension_as_people_write_it():
    assert run_crm("add", "Pavel", "--phone", "8 495 765-43-21 ext. 12").code == 0
    result = run_crm("delete", "Pavel")  # asks; no terminal answers: nothing deleted
    assert result.code == 3, result
    assert "+7 495 765-43-21 ext. 12" in result.err and ";ext=" not in result.err


def test_json_list_with_an_output_file_writes_the_file(tmp_path):
    _office()
    target = tmp_path / "contacts.json"
    result = run_crm("--json", "list", "-o", str(target))
    assert result.code == 0, result
    assert result.out == ""  # everything went to the file
    assert [c["name"] for c in json.loads(target.read_text("utf-8"))] == ["Anna Lead"]
