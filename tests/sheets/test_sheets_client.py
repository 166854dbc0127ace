"""io/sheets.py behaviours that need the emulator's counters, quotas and fault injection."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts_crm.errors import AuthError, InputError, RateLimitedError, UnavailableError
from contacts_crm.sheets.client import RetryPolicy, connect_sheets, neutralise, unneutralise
from contacts_crm.sheets_emulator import Formula, QuotaSettings, SheetsEmulatorServer

from .conftest import FAST_RETRY


def _rows(n: int) -> list[list[object]]:
    return [[f"client {i}", "wholesale", i * 100, "+7 916 000-00-00"] for i in range(n)]


def test_write_tab_api_calls_do_not_grow_with_rows(sheets_server: SheetsEmulatorServer) -> None:
    book = sheets_server.create_spreadsheet("Office", ["Sheet1"])
    client = connect_sheets(endpoint=sheets_server.url)
    emulator = sheets_server.emulator
    counts = {}
    for n in (10, 5000, 10):
        emulator.reset_counters()
        result = client.write_tab(
            book.spreadsheet_id, "Summary", ["name", "group", "sum", "phone"], _rows(n)
        )
        counts[n] = dict(emulator.calls)
        assert result.api_calls == emulator.total_calls
    assert counts[10] == counts[5000]
    assert counts[10]["spreadsheets.values.update"] == 1
    assert sum(counts[10].values()) == 4
    assert len(emulator.tab_values(book.spreadsheet_id, "Summary")) == 11


def test_written_cells_are_stored_as_literals_not_formulas(
    sheets_server: SheetsEmulatorServer,
) -> None:
    book = sheets_server.create_spreadsheet("Office", ["Sheet1"])
    client = connect_sheets(endpoint=sheets_server.url)
    client.write_tab(
        book.spreadsheet_id, "Tab", ["a"], [['=HYPERLINK("x","y")'], ["+7 916"], ["@x"]]
    )
    cells = sheets_server.emulator.spreadsheets[book.spreadsheet_id].sheet("Tab").cells
    assert not [v for v in cells.values() if isinstance(v, Formula)]
    assert cells[(1, 0)] == '\'=HYPERLINK("x","y")' and cells[(2, 0)] == "+7 916"


def test_quota_429_is_retried_after_retry_after_and_succeeds() -> None:
    quota = QuotaSettings(write_per_user=2, window_s=1.0)
    with SheetsEmulatorServer(quota=quota) as server:
        book = server.create_spreadsheet("Office", ["Sheet1"])
        client = connect_sheets(endpoint=server.url, retry=FAST_RETRY)
        started = time.monotonic()
        for n in range(3):  # each write_tab makes two writes: the second one hits the quota
            client.write_tab(book.spreadsheet_id, "Summary", ["n"], [[n]])
        assert server.emulator.quota.rejected >= 1
        assert time.monotonic() - started >= 0.9  # waited for Retry-After
        assert client.read_tab(book.spreadsheet_id, "Summary") == [["n"], ["2"]]


def test_quota_without_retries_left_is_rate_limited() -> None:
    with SheetsEmulatorServer(quota=QuotaSettings(read_per_project=1, window_s=30)) as server:
        book = server.create_spreadsheet("Office", ["Sheet1"])
        client = connect_sheets(endpoint=server.url, retry=RetryPolicy(attempts=1))
        with pytest.raises(RateLimitedError) as err:
            client.read_tab(book.spreadsheet_id)
        assert err.value.status == 429


def test_server_errors_are_retried_then_reported(sheets_server: SheetsEmulatorServer) -> None:
    book = sheets_server.create_spreadsheet("Office", ["Sheet1"])
    client = connect_sheets(endpoint=sheets_server.url, retry=FAST_RETRY)
    sheets_server.emulator.fail_next(503, times=2)
    assert client.read_tab(book.spreadsheet_id) == []
    sheets_server.emulator.fail_next(500, times=FAST_RETRY.attempts)
    with pytest.raises(UnavailableError) as err:
        client.read_tab(book.spreadsheet_id)
    assert not isinstance(err.value, RateLimitedError) and err.value.status == 500


def test_refused_credentials_are_an_auth_error() -> None:
    with SheetsEmulatorServer() as server:
        server.emulator.required_token = "secret"
        book = server.create_spreadsheet("Office", ["Sheet1"])
        with pytest.raises(AuthError):
            connect_sheets(endpoint=server.url).open(book.spreadsheet_id)


def test_unreachable_endpoint_is_unavailable() -> None:
    with SheetsEmulatorServer() as server:
        url = server.url
    client = connect_sheets(endpoint=url, retry=RetryPolicy(attempts=2, base_s=0.01))
    with pytest.raises(UnavailableError):
        client.open("anything")


def test_no_credentials_and_no_endpoint_is_an_auth_error() -> None:
    with pytest.raises(AuthError):
        connect_sheets()


def test_append_refuses_rows_without_a_key(sheets_server: SheetsEmulatorServer) -> None:
    book = sheets_server.create_spreadsheet("Office", ["Sheet1"])
    client = connect_sheets(endpoint=sheets_server.url)
    with pytest.raises(InputError) as err:
        client.append_rows_idempotent(book.spreadsheet_id, "J", ["id"], [["a"], [""]], "id")
    assert err.value.problems[0].row == 2


def test_append_finds_the_key_column_by_the_tabs_own_header(
    sheets_server: SheetsEmulatorServer,
) -> None:
    book = sheets_server.create_spreadsheet("Office", {"J": [["what", "id"], ["old", "e1"]]})
    client = connect_sheets(endpoint=sheets_server.url)
    added = client.append_rows_idempotent(
        book.spreadsheet_id, "J", ["id", "what"], [["e1", "dup"], ["e2", "new"]], "id"
    )
    assert added == 1


def test_endpoint_adapter_keeps_path_and_query(sheets_server: SheetsEmulatorServer) -> None:
    book = sheets_server.create_spreadsheet("Q&A / 2026: Office #1", ["Sheet1"])
    client = connect_sheets(endpoint=sheets_server.url + "/")
    assert client.open("Q&A / 2026: Office #1").id == book.spreadsheet_id
    assert sheets_server.emulator.calls["drive.files.list"] == 1


@given(st.text(max_size=30))
def test_neutralise_round_trips_and_defuses(text: str) -> None:
    safe = neutralise(text)
    assert unneutralise(safe) == text or text.startswith("'")
    if safe.startswith(("=", "@", "\t", "\r")):
        pytest.fail(f"{safe!r} could start a formula")


@pytest.mark.parametrize("phone", ["+7 916 123-45-67", "+1 (555) 010-9999", "-12.5", "+44"])
def test_phone_numbers_and_signed_numbers_are_kept_as_typed(phone: str) -> None:
    assert neutralise(phone) == phone
