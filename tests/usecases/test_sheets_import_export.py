"""`crm export --to-sheet` and `crm import SHEET_URL` through real gspread and the CLI."""

from __future__ import annotations

import json
import os

import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.sheets_emulator import SheetsEmulatorServer


@pytest.fixture
def sheets():
    with SheetsEmulatorServer() as server:
        yield server


@pytest.fixture
def office(emulator_server, sheets):
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office",
        kind="endpoint",
        user="Olga",
        endpoint=emulator_server.url,
        sheets_endpoint=sheets.url,
    )
    conf.default_profile = "office"
    cfg.save(conf)
    assert crm("group", "create", "VIP")[0] == 0
    assert (
        crm(
            "add",
            "Ivan Petrov",
            "--phone",
            "8 916 123-45-67",
            "--group",
            "VIP",
            "--org",
            '=HYPERLINK("http://x")',
        )[0]
        == 0
    )
    assert crm("add", "Anna Sidorova", "--phone", "+7 903 111 22 33")[0] == 0


def test_export_to_sheet_refreshes_one_tab_and_leaves_the_others(office, sheets):
    book = sheets.create_spreadsheet("Office", {"Notes": [["keep", "me"]]})
    url = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    for _ in range(2):
        code, out = crm("--json", "export", "--to-sheet", url)
        assert code == 0, out
    assert json.loads(out)["contacts"] == 2
    rows = sheets.emulator.tab_values(book.spreadsheet_id, "Contacts")
    assert len(rows) == 3  # header + 2 contacts, not duplicated by the second run
    assert sheets.emulator.tab_values(book.spreadsheet_id, "Notes") == [["keep", "me"]]
    flat = [str(v) for row in rows for v in row]
    assert "+79161234567" in " ".join(flat)
    assert not any(type(v).__name__ == "Formula" for row in rows for v in row)
    code, out = crm("--json", "export", "--to-sheet", url, "--group", "VIP")
    assert json.loads(out)["contacts"] == 1
    assert len(sheets.emulator.tab_values(book.spreadsheet_id, "Contacts")) == 2


def test_import_from_a_sheet_url(office, sheets):
    book = sheets.create_spreadsheet(
        "Old office file",
        {
            "Clients": [
                ["Client list 2025"],
                [],
                ["Name", "Phone", "Email"],
                ["Oleg Orlov", "8 (495) 123-45-67", "OLEG@EXAMPLE.COM"],
                ["Ivan Petrov", "+7 916 123 45 67", ""],
            ]
        },
    )
    url = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    code, out = crm("--json", "import", url, "--dry-run")
    assert code == 0, out
    plan = json.loads(out)
    assert (plan["create"], plan["skip"]) == (1, 1)
    code, out = crm("--json", "import", url)
    assert code == 0 and json.loads(out)["created"] == 1
    code, out = crm("--json", "find", "84951234567")
    found = json.loads(out)
    assert found[0]["name"] == "Oleg Orlov" and found[0]["emails"] == ["oleg@example.com"]
    code, out = crm("--json", "import", url)  # a second run writes nothing
    assert json.loads(out)["created"] == 0


def test_sheet_without_a_sheets_endpoint_is_a_config_error(emulator_server):
    conf = cfg.load()
    conf.profiles["bare"] = cfg.Profile(name="bare", kind="endpoint", endpoint=emulator_server.url)
    cfg.save(conf)
    code, out = crm(
        "--profile",
        "bare",
        "--json",
        "export",
        "--to-sheet",
        "https://docs.google.com/spreadsheets/d/x/edit",
    )
    assert code == 78 and "sheets_endpoint" in json.loads(out)["hint"]


def test_journal_push_through_the_cli_is_idempotent(office, sheets):
    book = sheets.create_spreadsheet("Office", {"Summary": [["x"]]})
    url = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    assert crm("call", "Petrov", "asks about delivery", "--in")[0] == 0
    assert crm("order", "open", "Petrov", "tiles", "--amount", "100")[0] == 0
    code, out = crm("--json", "journal", "push", url)
    assert code == 0, out
    first = json.loads(out)["appended"]
    assert first >= 2
    rows = sheets.emulator.tab_values(book.spreadsheet_id, "Journal")
    assert len(rows) == first + 1  # the header and one row per event
    code, out = crm("--json", "journal", "push", url)
    assert json.loads(out)["appended"] == 0
    assert sheets.emulator.tab_values(book.spreadsheet_id, "Summary") == [["x"]]


def test_two_pcs_share_one_history_through_the_journal_tab(
    office, sheets, emulator_server, tmp_path, monkeypatch
):
    """PC1 and PC2 each log work, push, pull: both journals then hold everything.

    The Sheet alone carries the history here (the office memory turned off), as
    the readable copy it stays: tests/cli/test_replica.py has the default."""
    monkeypatch.setenv("CRM_JOURNAL_IN_ACCOUNT", "0")
    book = sheets.create_spreadsheet("Office", ["Summary"])
    url = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    pc1_home = os.environ["CRM_HOME"]
    assert crm("call", "Petrov", "PC1 call", "--in", "--by", "Olga")[0] == 0
    assert crm("journal", "push", url)[0] == 0

    monkeypatch.setenv("CRM_HOME", str(tmp_path / "pc2"))  # another PC, same account
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office",
        kind="endpoint",
        user="Ivan",
        endpoint=emulator_server.url,
        sheets_endpoint=sheets.url,
    )
    conf.default_profile = "office"
    cfg.save(conf)
    assert crm("order", "open", "Petrov", "tiles", "--amount", "500")[0] == 0
    assert json.loads(crm("--json", "journal", "pull", url)[1])["recorded"] >= 1
    assert crm("journal", "push", url)[0] == 0
    pc2 = json.loads(crm("--json", "journal", "Petrov")[1])["events"]
    assert {e["kind"] for e in pc2} >= {"call", "order_open"}

    monkeypatch.setenv("CRM_HOME", pc1_home)
    assert json.loads(crm("--json", "journal", "pull", url)[1])["recorded"] >= 1
    assert json.loads(crm("--json", "journal", "pull", url)[1])["recorded"] == 0
    pc1 = json.loads(crm("--json", "journal", "Petrov")[1])["events"]
    assert [(e["kind"], e["who"]) for e in pc1 if e["kind"] in ("call", "order_open")] == [
        ("call", "Olga"),
        ("order_open", "Ivan"),
    ]
    assert all(e["state"] == "applied" for e in pc1)
    activity = json.loads(crm("--json", "activity")[1])
    assert {row["who"] for row in activity["employees"]} >= {"Olga", "Ivan"}
