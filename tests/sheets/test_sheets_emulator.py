"""The Sheets emulator answers real gspread calls the way Google does (the subset we use)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import gspread
import pytest
import requests

from contacts_crm.sheets.client import GOOGLE_PREFIXES, EndpointAdapter
from contacts_crm.sheets_emulator import (
    FORMULA_PLACEHOLDER,
    Formula,
    QuotaSettings,
    SheetsEmulatorServer,
)


def _gspread(server: SheetsEmulatorServer) -> gspread.Client:
    session = requests.Session()
    for prefix in GOOGLE_PREFIXES:
        session.mount(prefix, EndpointAdapter(server.url))
    return gspread.Client(auth=None, session=session)  # type: ignore[arg-type]


def test_gspread_worksheet_lifecycle(sheets_server: SheetsEmulatorServer) -> None:
    gc = _gspread(sheets_server)
    sh = gc.create("Made by gspread")
    assert [ws.title for ws in sh.worksheets()] == ["Sheet1"]
    ws = sh.add_worksheet("Data", rows=3, cols=2)
    ws.update([["a", "b"], ["c", "d"], ["e", "f"]], "A1")
    ws.append_rows([["g", "h"]], value_input_option="RAW")
    assert ws.get_all_values() == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]]
    assert sh.worksheet("Data").row_count == 4  # append grew the grid
    assert ws.col_values(2) == ["b", "d", "f", "h"]
    ws.batch_clear(["A2:B2"])
    assert ws.get_all_values() == [["a", "b"], ["", ""], ["e", "f"], ["g", "h"]]
    ws.resize(rows=2)
    assert ws.get_all_values() == [["a", "b"]]
    ws.clear()
    assert ws.get_all_values() == [[]]
    sh.del_worksheet(ws)
    assert [w.title for w in gc.open("Made by gspread").worksheets()] == ["Sheet1"]
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.del_worksheet(sh.sheet1)  # the last sheet cannot go
    assert err.value.code == 400


def test_user_entered_formulas_are_live_and_raw_ones_literal(
    sheets_server: SheetsEmulatorServer,
) -> None:
    sh = _gspread(sheets_server).open_by_key(
        sheets_server.create_spreadsheet("F", ["S"]).spreadsheet_id
    )
    ws = sh.sheet1
    ws.update([["=1+1", "'=2", "42", "TRUE"]], "A1", value_input_option="USER_ENTERED")
    ws.update([["=1+1", "42"]], "A2", value_input_option="RAW")
    cells = sheets_server.emulator.spreadsheets[sh.id].sheet("S").cells
    assert cells[(0, 0)] == Formula("=1+1")
    assert (cells[(0, 1)], cells[(0, 2)], cells[(0, 3)]) == ("=2", 42, True)
    assert (cells[(1, 0)], cells[(1, 1)]) == ("=1+1", "42")
    assert ws.get_all_values()[0][0] == FORMULA_PLACEHOLDER
    assert ws.get_all_values(value_render_option="FORMULA")[0][0] == "=1+1"


def test_values_batch_update_and_duplicate_tab_name(sheets_server: SheetsEmulatorServer) -> None:
    sh = _gspread(sheets_server).open_by_key(
        sheets_server.create_spreadsheet("B", ["One", "Two"]).spreadsheet_id
    )
    sh.worksheet("Two").batch_update([{"range": "A1", "values": [["x"]]}], raw=True)
    assert sh.worksheet("Two").get_all_values() == [["x"]]
    assert sh.worksheet("One").get_all_values() == [[]]
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.add_worksheet("Two", rows=1, cols=1)
    assert err.value.code == 400 and "already exists" in err.value.error["message"]


def test_writing_beyond_the_grid_is_a_400(sheets_server: SheetsEmulatorServer) -> None:
    sh = _gspread(sheets_server).open_by_key(
        sheets_server.create_spreadsheet("G", ["S"]).spreadsheet_id
    )
    sh.sheet1.resize(rows=2, cols=2)
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.sheet1.update([["a"]] * 3, "A1")
    assert err.value.code == 400 and "exceeds grid limits" in err.value.error["message"]


def test_quota_answers_429_envelope_with_retry_after() -> None:
    with SheetsEmulatorServer(quota=QuotaSettings(read_per_user=2, window_s=5)) as server:
        key = server.create_spreadsheet("Q", ["S"]).spreadsheet_id
        url = f"{server.url}/v4/spreadsheets/{key}"
        assert [requests.get(url).status_code for _ in range(2)] == [200, 200]
        over = requests.get(url)
        assert over.status_code == 429
        assert 1 <= int(over.headers["Retry-After"]) <= 5
        error = over.json()["error"]
        assert error["status"] == "RESOURCE_EXHAUSTED" and error["code"] == 429
        assert error["errors"][0]["reason"] == "rateLimitExceeded"
        other_user = requests.get(url, headers={"Authorization": "Bearer someone-else"})
        assert other_user.status_code == 200  # per-user limit, not per project
        assert server.emulator.calls["spreadsheets.get"] == 4


def test_google_like_preset_uses_published_limits() -> None:
    q = QuotaSettings.google_like(window_s=1.5)
    assert (q.read_per_project, q.write_per_project, q.read_per_user, q.write_per_user) == (
        300,
        300,
        60,
        60,
    )
    assert q.window_s == 1.5 and q.enabled
    assert not QuotaSettings().enabled


def test_unknown_method_and_bad_json_get_envelopes(sheets_server: SheetsEmulatorServer) -> None:
    r = requests.get(f"{sheets_server.url}/v4/nothing/here")
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    key = sheets_server.create_spreadsheet("J", ["S"]).spreadsheet_id
    r = requests.post(f"{sheets_server.url}/v4/spreadsheets/{key}:batchUpdate", data=b"{")
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_module_serves_until_sigterm_and_exits_cleanly() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contacts_crm.sheets_emulator",
            "--port",
            "0",
            "--spreadsheet",
            "Office",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = proc.stdout.readline().strip()
        key = proc.stdout.readline().split("\t")[0]
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(f"{url}/v4/spreadsheets/{key}", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in err


def test_repeat_cell_percent_format_changes_only_the_formatted_rendering():
    from contacts_crm.sheets.client import connect_sheets
    from contacts_crm.sheets_emulator import SheetsEmulatorServer

    with SheetsEmulatorServer() as server:
        book = server.create_spreadsheet("Fmt", ["Tab"])
        client = connect_sheets(endpoint=server.url)
        client.write_tab(book.spreadsheet_id, "Tab", ["Group", "Conversion"],
                         [["A", 0.25], ["B", 1.0]], percent_columns=[1])  # fmt: skip
        emu = server.emulator
        assert emu.tab_values(book.spreadsheet_id, "Tab", "FORMATTED_VALUE") == [
            ["Group", "Conversion"], ["A", "25%"], ["B", "100%"]]  # fmt: skip
        assert emu.tab_values(book.spreadsheet_id, "Tab", "UNFORMATTED_VALUE")[1] == ["A", 0.25]
        emu.reset_counters()
        client.write_tab(book.spreadsheet_id, "Tab", ["Group", "N"], [["A", 3]])
        assert emu.total_calls == 4  # no percentage column: no format request
