"""Report outputs: Google Sheet tabs, journal push, xlsx with a chart, CSV, errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import run_crm

from contacts_crm.dates import parse_day
from contacts_crm.reports.settings import period
from contacts_crm.reports.tables import View
from contacts_crm.reports.xlsx import write_summary_xlsx


def test_to_sheet_twice_leaves_one_fresh_tab_and_other_tabs_untouched(office) -> None:
    emu = office.sheets.emulator
    book = office.sheets.create_spreadsheet(
        "Office", {"Notes": [["keep", "me"]], "Summary": [["stale"] * 20] * 40}
    )
    ref = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    for _ in range(2):
        data = office.json("summary", "--to-sheet", ref)
    assert data["sheet"][0]["tab"] == "Summary" and data["sheet"][0]["rows"] == 9
    values = emu.tab_values(book.spreadsheet_id, "Summary")
    assert len(values) == 1 + 9  # header + 8 groups + the total; the 40 stale rows are gone
    assert values[0][:3] == ["Group", "Clients", "Leads"]
    assert [r[0] for r in values[1:]] == [
        "Call back",
        "Customer",
        "Leads",
        "New",
        "Retail",
        "Returning",
        "Wholesale",
        "(no group)",
        "(all)",
    ]
    numbers = emu.tab_values(book.spreadsheet_id, "Summary", "UNFORMATTED_VALUE")[-1]
    assert numbers[1] == 12 and numbers[6] == 27100  # numbers stay numbers
    assert numbers[4] == 0.167  # conversion: a number (1 / 6, rounded)...
    shown = emu.tab_values(book.spreadsheet_id, "Summary", "FORMATTED_VALUE")
    assert shown[0][4] == "Conversion" and shown[-1][4] == "17%"  # ...shown as a percentage
    assert emu.tab_values(book.spreadsheet_id, "Notes") == [["keep", "me"]]

    office.json("callbacks", "--to-sheet", ref)
    office.json("callbacks", "--to-sheet", ref)
    office.json("activity", "--to-sheet", ref)
    tabs = [s.title for s in emu.spreadsheets[book.spreadsheet_id].sheets]
    assert tabs == ["Notes", "Summary", "Callbacks", "Activity"]
    callbacks = emu.tab_values(book.spreadsheet_id, "Callbacks")
    assert [r[0] for r in callbacks[1:]] == [
        "Epsilon Retail",
        "Iota Lead",
        "Eta New",
        "Theta New",
        "Kappa Lead",
    ]
    assert callbacks[1][1] == "+79161000005"  # E.164 kept as text
    assert len(emu.tab_values(book.spreadsheet_id, "Summary")) == 10


def test_journal_push_twice_appends_nothing_the_second_time(office) -> None:
    from contacts_crm.account.connected import Account
    from contacts_crm.sheets.client import connect_sheets
    from contacts_crm.usecases.journal_sharing import push_journal

    book = office.sheets.create_spreadsheet("Shared", ["Sheet1"])
    client = connect_sheets(endpoint=office.sheets.url)
    with Account.open() as account:
        total = account.journal.count()
        first = push_journal(account, book.spreadsheet_id, sheets_client=client)
        second = push_journal(account, book.spreadsheet_id, sheets_client=client)
    assert first == total > 24 and second == 0
    rows = office.sheets.emulator.tab_values(book.spreadsheet_id, "Journal")
    assert len(rows) == 1 + total
    assert rows[0][0] == "Key"
    assert len({r[0] for r in rows[1:]}) == total  # one row per op_id:seq


def test_summary_xlsx_has_one_sheet_per_view_and_a_bar_chart(office, tmp_path: Path) -> None:
    path = tmp_path / "november.xlsx"
    office.run("summary", "--format", "xlsx", "--output", str(path), "--as-of", office.today)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Open orders", "Employees", "Callbacks"]
    ws = wb["Summary"]
    charts = ws._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart"
    assert [ws.cell(r, 1).value for r in range(2, 11)][-1] == "(all)"
    assert ws.cell(10, 2).value == 12  # a number, not text
    assert [c.value for c in wb["Employees"][2]] == ["Anna", 1, 3, 0, 0, 0]
    assert wb["Callbacks"].max_row == 6  # the header and 5 clients


def test_xlsx_never_holds_a_formula_from_data(tmp_path: Path) -> None:
    evil = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    view = View("summary", ["Group", "Open orders", "Completed", "Cancelled"],
                [[e, 1, 2, 3] for e in evil])  # fmt: skip
    path = write_summary_xlsx([view], tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["Summary"]
    for row, text in enumerate(evil, 2):
        cell = ws.cell(row, 1)
        assert cell.data_type == "s" and cell.quotePrefix  # stored as text, shown as text
        # a bare CR comes back as written (lxml escapes it) or as LF (the stdlib writer)
        assert cell.value in (text, text.replace("\r", "\n"))
        assert ws.cell(row, 2).value == 1


def test_csv_output_is_neutralised_and_complete(office, tmp_path: Path) -> None:
    out = office.run("callbacks", "--format", "csv", "--as-of", office.today)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:4] == ["Name", "Phone", "Groups", "Reason"]
    assert [r[0] for r in rows[1:]] == [
        "Epsilon Retail",
        "Iota Lead",
        "Eta New",
        "Theta New",
        "Kappa Lead",
    ]
    # the one CSV rule: a phone in a phone column stays as it is; text is guarded
    assert rows[1][1] == "+79161000005"
    assert not [c for r in rows[1:] for i, c in enumerate(r)
                if i != 1 and c[:1] in ("=", "+", "-", "@", "\t", "\r")]  # fmt: skip


def test_human_tables_print(office) -> None:
    out = office.run("summary", "--as-of", office.today, "--format", "table")
    assert "Period 2026-11-01 – 2026-11-20" in out and "Wholesale" in out
    assert "Olga" in office.run("summary", "--by-employee", "--as-of", office.today)
    assert "Theta New" in office.run("callbacks", "--as-of", office.today)
    assert "Anna" in office.run("activity", "--events", "--as-of", office.today)


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["summary", "--since", "2026/11/01"], 2, "YYYY-MM-DD or DD.MM.YYYY"),
        (["summary", "--since", "31.02.2026"], 2, "no such day as '31.02.2026'"),
        (["summary", "--since", "2026-11-10", "--until", "2026-11-01"], 2, "after it ends"),
        (["summary", "--group", "Nobody"], 66, "no group 'Nobody'"),
        (["callbacks", "--days", "-1"], 2, "--days"),
    ],
)
def test_bad_options_are_clear_errors(office, args, code, text) -> None:
    result = run_crm(*args)
    assert result.code == code
    assert text in result.err


def test_to_sheet_without_sheets_endpoint_says_what_to_set(tmp_path: Path) -> None:
    assert run_crm("profile", "add", "bare", "--endpoint", "http://127.0.0.1:9").code == 0
    result = run_crm("--profile", "local", "callbacks", "--to-sheet", "Office")
    assert result.code == 78
    assert "crm config set sheets_endpoint URL" in result.err


def test_dates_and_period() -> None:
    from datetime import date

    assert parse_day("2026-11-05") == parse_day("05.11.2026") == date(2026, 11, 5)
    assert period(None, None, date(2026, 11, 20)) == (date(2026, 11, 1), date(2026, 11, 20))
    assert period(None, date(2026, 10, 31), date(2026, 11, 20)) == (
        date(2026, 10, 1), date(2026, 10, 31))  # fmt: skip
