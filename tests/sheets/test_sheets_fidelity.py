"""The Sheets emulator answers as Google's recorded answers do (gspread's cassettes:
real Sheets v4 traffic), over the same HTTP gspread sends (issue 21 item 5)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from contacts_crm.sheets_emulator import SheetsEmulatorServer


def _call(server: SheetsEmulatorServer, method: str, key: str, path: str, body: Any = None,
          **params: str) -> dict[str, Any]:  # fmt: skip
    r = requests.request(method, f"{server.url}/v4/spreadsheets/{key}{path}", params=params,
                         json=body)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def v(rng: str, verb: str = "") -> str:
    """The values path as gspread sends it: the range encoded, the verb after ':'."""
    return "/values/" + quote(rng, safe="") + (f":{verb}" if verb else "")


def _book(server: SheetsEmulatorServer, *tabs: str) -> str:
    return server.create_spreadsheet("Office", list(tabs or ["Sheet1"])).spreadsheet_id


def test_ranges_come_back_unquoted_unless_the_title_needs_quotes(
    sheets_server: SheetsEmulatorServer,
) -> None:
    key = _book(sheets_server, "Sheet1", "My tab", "D3")
    cleared = _call(sheets_server, "POST", key, v("'Sheet1'", "clear"))
    assert cleared["clearedRange"] == "Sheet1!A1:Z1000"  # as Google answers
    got = _call(sheets_server, "GET", key, v("'Sheet1'!A2:2"))
    assert got["range"] == "Sheet1!A2:Z2"
    one = _call(sheets_server, "PUT", key, v("'Sheet1'!B1"), {"values": [["x"]]},
                valueInputOption="RAW")  # fmt: skip
    assert one["updatedRange"] == "Sheet1!B1"  # one cell: no ":B1"
    spaced = _call(sheets_server, "GET", key, v("'My tab'!A1:B2"))
    assert spaced["range"] == "'My tab'!A1:B2"
    cell_like = _call(sheets_server, "GET", key, v("'D3'!A1:D4"))
    assert cell_like["range"] == "'D3'!A1:D4"


def test_append_to_an_empty_sheet_has_no_table_range(sheets_server: SheetsEmulatorServer) -> None:
    key = _book(sheets_server)
    row = {"values": [["one", "", "three"]]}
    first = _call(sheets_server, "POST", key, v("'Sheet1'", "append"), row,
                  valueInputOption="RAW", includeValuesInResponse="False")  # fmt: skip
    assert "tableRange" not in first
    assert first["updates"]["updatedRange"] == "Sheet1!A1:C1"
    assert first["updates"]["updatedCells"] == 3  # "" is a value: counted
    again = _call(sheets_server, "POST", key, v("'Sheet1'!A1", "append"), row,
                  valueInputOption="RAW")  # fmt: skip
    assert again["tableRange"] == "Sheet1!A1"  # B1 is empty: the table is A1
    assert again["updates"]["updatedRange"] == "Sheet1!A2:C2"


def test_null_cells_are_left_alone_and_not_counted(sheets_server: SheetsEmulatorServer) -> None:
    key = _book(sheets_server)
    body = {"values": [[None, "cell row 1, col 2"], ["cell row 2 col 1", None]]}
    done = _call(sheets_server, "PUT", key, v("'Sheet1'!A1:B2"), body,
                 valueInputOption="RAW")  # fmt: skip
    assert done["updatedRange"] == "Sheet1!A1:B2"
    assert (done["updatedRows"], done["updatedColumns"], done["updatedCells"]) == (2, 2, 2)
    sparse = [["top_left", None, None, None]] + [[None] * 4] * 4 + [[None, None, None, "end"]]
    done = _call(sheets_server, "PUT", key, v("'Sheet1'!A1:D6"), {"values": sparse},
                 valueInputOption="RAW")  # fmt: skip
    assert done["updatedRange"] == "Sheet1!A1:D6"
    assert (done["updatedRows"], done["updatedColumns"], done["updatedCells"]) == (2, 2, 2)
    got = _call(sheets_server, "GET", key, v("Sheet1!A1:B2"))
    assert got["values"] == [["top_left", "cell row 1, col 2"], ["cell row 2 col 1"]]


def test_append_goes_after_the_first_table_not_after_the_last_row(
    sheets_server: SheetsEmulatorServer,
) -> None:
    key = _book(sheets_server, "Journal")
    table = {"values": [["id", "text"], ["1", "a"], ["2", "b"]]}
    _call(sheets_server, "PUT", key, v("Journal!A1"), table, valueInputOption="RAW")
    _call(sheets_server, "PUT", key, v("Journal!A10"), {"values": [["a note below"]]},
          valueInputOption="RAW")  # fmt: skip
    done = _call(sheets_server, "POST", key, v("'Journal'!A1", "append"),
                 {"values": [["3", "c"]]}, valueInputOption="RAW")  # fmt: skip
    assert done["tableRange"] == "Journal!A1:B3"
    assert done["updates"]["updatedRange"] == "Journal!A4:B4"
    got = _call(sheets_server, "GET", key, v("Journal!A1:B10"))
    assert got["values"][3] == ["3", "c"] and got["values"][9] == ["a note below"]


def test_fields_gives_a_partial_response(sheets_server: SheetsEmulatorServer) -> None:
    key = _book(sheets_server, "Sheet1", "Two")
    whole = _call(sheets_server, "GET", key, "")
    assert "properties" in whole and "spreadsheetUrl" in whole
    part = _call(sheets_server, "GET", key, "", fields="sheets(properties(sheetId,title))")
    assert part == {"sheets": [{"properties": {"sheetId": s["properties"]["sheetId"],
                                               "title": s["properties"]["title"]}}
                               for s in whole["sheets"]]}  # fmt: skip
    slash = _call(sheets_server, "GET", key, "", fields="spreadsheetId,properties/title")
    assert slash == {"spreadsheetId": key, "properties": {"title": "Office"}}
    r = requests.get(f"{sheets_server.url}/v4/spreadsheets/{key}", params={"fields": "a(b"})
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
