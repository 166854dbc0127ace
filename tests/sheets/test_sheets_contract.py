"""Behaviours of Google Sheets that contacts-crm relies on, run through the real gspread.

Always against the loopback emulator; also against Google when CRM_TEST_SHEETS
and CRM_TEST_ACCOUNT are set (see conftest.py).
"""

from __future__ import annotations

import pytest

from contacts_crm.errors import NotFoundError

from .conftest import Backend

TRICKY = [
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+7 916 123-45-67",
    "-5",
    "@SUM(A1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "\tTabbed",
    "'quoted",
    "00123",
    "2026-11-20",
    "TRUE",
]


def test_write_tab_twice_leaves_one_fresh_tab_and_others_untouched(backend: Backend) -> None:
    client, ref = backend.client, backend.spreadsheet_url
    summary, other = f"{backend.prefix}Summary", f"{backend.prefix}Notes"
    client.write_tab(ref, other, ["keep", "this"], [["a", "b"], ["c", "d"]])
    other_before = client.read_tab(ref, other)

    first = client.write_tab(ref, summary, ["group", "clients"], [["wholesale", 3]] * 7)
    second = client.write_tab(ref, summary, ["group", "clients"], [["retail", 2], ["leads", 5]])

    assert (first.created, second.created) == (True, False)
    tabs = client.open(ref).tabs
    assert tabs.count(summary) == 1
    assert client.read_tab(ref, summary) == [["group", "clients"], ["retail", "2"], ["leads", "5"]]
    assert client.read_tab(ref, other) == other_before == [["keep", "this"], ["a", "b"], ["c", "d"]]


def test_narrower_rewrite_leaves_no_stale_columns(backend: Backend) -> None:
    client, ref, tab = backend.client, backend.spreadsheet_id, f"{backend.prefix}Wide"
    client.write_tab(ref, tab, ["a", "b", "c"], [["1", "2", "3"]] * 3)
    client.write_tab(ref, tab, ["a"], [["x"], [None]])
    assert client.read_tab(ref, tab) == [["a"], ["x"]]


def test_data_never_becomes_a_formula_and_round_trips(backend: Backend) -> None:
    client, ref, tab = backend.client, backend.spreadsheet_id, f"{backend.prefix}Safe"
    client.write_tab(ref, tab, ["value", "=header"], [[v, v] for v in TRICKY])
    back = client.read_tab(ref, tab)
    assert back[0] == ["value", "=header"]
    # a live formula would come back computed (Google) or as a placeholder (emulator)
    assert [row[0] for row in back[1:]] == TRICKY
    assert [row[1] for row in back[1:]] == TRICKY


def test_append_rows_idempotent_twice_appends_nothing_the_second_time(backend: Backend) -> None:
    client, ref, tab = backend.client, backend.spreadsheet_url, f"{backend.prefix}Journal"
    header = ["event_id", "when", "what"]
    events = [[f"ev-{i}", "2026-11-20", f"call {i}"] for i in range(5)]

    assert client.append_rows_idempotent(ref, tab, header, events[:3], "event_id") == 3
    assert client.append_rows_idempotent(ref, tab, header, events, "event_id") == 2
    assert client.append_rows_idempotent(ref, tab, header, events, "event_id") == 0

    assert client.read_tab(ref, tab) == [header, *events]


def test_append_skips_duplicate_keys_within_one_batch(backend: Backend) -> None:
    client, ref, tab = backend.client, backend.spreadsheet_id, f"{backend.prefix}Dup"
    rows = [["e1", "first"], ["e1", "again"], ["=e2", "formula-looking key"]]
    assert client.append_rows_idempotent(ref, tab, ["id", "what"], rows, "id") == 2
    assert client.append_rows_idempotent(ref, tab, ["id", "what"], rows, "id") == 0
    assert client.read_tab(ref, tab)[1:] == [["e1", "first"], ["=e2", "formula-looking key"]]


def test_open_by_url_key_and_name(backend: Backend) -> None:
    by_url = backend.client.open(backend.spreadsheet_url)
    by_key = backend.client.open(backend.spreadsheet_id)
    by_name = backend.client.open(backend.title)
    assert by_url.id == by_key.id == by_name.id == backend.spreadsheet_id
    assert by_url.title == backend.title
    assert by_url.url.endswith(backend.spreadsheet_id)


@pytest.mark.parametrize(
    "ref",
    [
        "https://docs.google.com/spreadsheets/d/1NoSuchSpreadsheetKeyxxxxxxxxxxxxxxxxxxxxxx/edit",
        "1NoSuchSpreadsheetKeyxxxxxxxxxxxxxxxxxxxxxx",
        "No such spreadsheet 3b800ad6e2934e7a",  # fixed: xdist workers must collect the same ids
    ],
)
def test_missing_spreadsheet_is_not_found_with_a_hint(backend: Backend, ref: str) -> None:
    with pytest.raises(NotFoundError) as err:
        backend.client.write_tab(ref, "Summary", ["a"], [])
    assert err.value.hint and "share" in err.value.hint


def test_read_missing_tab_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFoundError):
        backend.client.read_tab(backend.spreadsheet_id, f"{backend.prefix}nope")


def test_read_first_tab_by_default(backend: Backend) -> None:
    first = backend.client.open(backend.spreadsheet_id).tabs[0]
    assert backend.client.read_tab(backend.spreadsheet_id) == backend.client.read_tab(
        backend.spreadsheet_id, first
    )


def _assert_envelope(body: dict, code: int, status: str) -> None:
    error = body["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]


def test_error_envelope_shape(backend: Backend) -> None:
    base = "https://sheets.googleapis.com/v4/spreadsheets"
    missing = backend.raw.get(f"{base}/1NoSuchSpreadsheetKeyxxxxxxxxxxxxxxxxxxxxxx")
    assert missing.status_code == 404
    _assert_envelope(missing.json(), 404, "NOT_FOUND")

    bad = backend.raw.get(f"{base}/{backend.spreadsheet_id}/values/%27no%20such%20tab%27!A1")
    assert bad.status_code == 400
    _assert_envelope(bad.json(), 400, "INVALID_ARGUMENT")
    assert "Unable to parse range" in bad.json()["error"]["message"]
