"""Output that fits people and pipes: one record per line when piped, tsv/csv/json that the
standard library reads, tables that never break a word, clear errors for bad output paths.

Every command runs in-process through the real entry point; stdout is captured (not a
terminal), as in ``crm ... | grep``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from contacts_crm.cli.main import main
from contacts_crm.cli.output import Listing, render_table

LONG_COMMENT = (
    "wants the full price list for ceramic tiles and the wholesale conditions for "
    "orders above two hundred square metres, delivery to the warehouse in Podolsk"
)
CLIENTS = [
    ("Konstantin Konstantinopolsky-Vasnetsov", "+7 916 100-00-01", "Wholesale customers"),
    ("Anna Maria Rodriguez-Hernandez", "+7 916 100-00-02", "Leads"),
    ("Oleg Petrov", "+7 916 100-00-03", "Returning customers"),
]


@pytest.fixture
def crm(capsys, monkeypatch):
    """(exit code, stdout, stderr) of ``crm ARGS``, at 80 columns, stdout not a terminal."""
    monkeypatch.setenv("COLUMNS", "80")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


@pytest.fixture
def office(crm):
    """Three clients with long names in groups, calls with long comments, an order."""
    assert crm("config", "set", "user", "Olga Ivanovna")[0] == 0
    for _name, _, group in CLIENTS:
        assert crm("group", "create", group)[0] == 0
    for name, phone, group in CLIENTS:
        code, _, err = crm("add", name, "--phone", phone, "--group", group)
        assert code == 0, err
    steps = [
        ["call", "Konstantinopolsky", LONG_COMMENT, "--in", "--outcome", "interested",
         "--at", "-20d"],
        ["call", "Konstantinopolsky", "no answer", "--missed"],
        ["order", "open", "Petrov", "forty boxes of glazed tiles", "--amount", "46000.50",
         "--at", "yesterday"],
        ["order", "step", "Petrov", "1", "paid", "--amount", "46000.50"],
        ["call", "Petrov", "asks to call back about the delivery", "--in",
         "--callback-on", "today"],
    ]  # fmt: skip
    for args in steps:
        code, _, err = crm(*args)
        assert code == 0, (args, err)
    source = Path(os.environ["CRM_HOME"]) / "old clients, autumn list.csv"
    source.write_text("Name,Phone,Comment\nSergey Sergeevich Long-Surname,89031112233,"
                      "a very long comment about the client\n", encoding="utf-8")  # fmt: skip
    code, _, err = crm("import", str(source))
    assert code == 0, err
    for args in (  # a deleted contact, a likely duplicate, a user and a token of the page
        ["add", "Gone Client", "--phone", "+7 916 100-00-09"],
        ["delete", "+7 916 100-00-09", "--yes"],
        ["add", "Oleg Petrov", "--phone", "+7 916 100-00-04"],
        ["serve", "token", "add", "pbx"],
    ):
        code, _, err = crm(*args)
        assert code == 0, (args, err)
    code, _, err = crm("serve", "user", "add", "Olga", "--pin-stdin", stdin="4321\n")
    assert code == 0, err
    return crm


# (command, how to count its records from --json)
LISTINGS = [
    (["find", "o"], lambda d: len(d)),
    (["list"], lambda d: len(d)),
    (["journal", "--deleted"], lambda d: len(d)),
    (["duplicates"], lambda d: sum(len(g["contacts"]) for g in d)),
    (["serve", "user", "list"], lambda d: len(d)),
    (["serve", "token", "list"], lambda d: len(d)),
    (["group", "list"], lambda d: len(d)),
    (["profile", "list"], lambda d: len(d)),
    (["import", "list"], lambda d: len(d)),
    (["journal", "Konstantinopolsky"], lambda d: len(d["events"])),
    (["summary"], lambda d: len(d["groups"]) + 1),  # and the total
    (["summary", "--by-employee"], lambda d: len(d["employees"])),
    (["callbacks"], lambda d: len(d["callbacks"])),
    (["activity"], lambda d: len(d["employees"]) + 1),
    (["activity", "--events"], lambda d: len(d["employees"]) + 1 + len(d["events"])),
]


def sections(text: str) -> list[list[str]]:
    return [s.splitlines() for s in text.split("\n\n") if s.strip()]


def plain_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header, records) of each listing of plain output (heading and title lines skipped)."""
    out = []
    for lines in sections(text):
        rows = [line.split("\t") for line in lines]
        first = next((i for i, r in enumerate(rows) if len(r) > 1), None)
        if first is not None:
            out.append((rows[first], rows[first + 1 :]))
    return out


def table_headers(text: str) -> list[list[str]]:
    """The column names of each table on a terminal wide enough for every cell."""
    headers = []
    for lines in sections(text):
        rule = next((i for i, line in enumerate(lines) if line.startswith("─")), None)
        if rule:
            headers.append(re.split(r"\s{2,}", lines[rule - 1].strip()))
    return headers


@pytest.mark.parametrize(("args", "count"), LISTINGS, ids=[" ".join(a) for a, _ in LISTINGS])
def test_piped_output_is_a_header_and_one_record_per_line(office, args, count, monkeypatch):
    code, out, err = office(*args)
    assert code == 0, err
    code, data, _ = office("--json", *args)
    assert count(json.loads(data)) > 0
    assert "─" not in out  # no table rule
    tables = plain_tables(out)
    assert tables, out
    for header, records in tables:
        assert records
        assert all(len(r) == len(header) for r in records), (header, records)  # never wrapped
    # the terminal shows the same listings with the same columns, in the same order
    monkeypatch.setenv("COLUMNS", "2000")
    code, table, _ = office(*args, "--format", "table")
    assert table_headers(table) == [h for h, _ in tables]
    if args[0] in ("summary", "activity"):
        assert out.startswith("Period ")  # the period is said in a pipe too


def test_journal_in_a_pipe_greps_a_long_comment_whole(office):
    code, out, _ = office("journal", "Konstantinopolsky")
    assert code == 0
    assert out.splitlines()[1].split("\t") == ["When", "Who", "What", "Text"]  # after the title
    found = [line for line in out.splitlines() if "price list" in line]
    assert len(found) == 1
    assert LONG_COMMENT in found[0]  # the whole comment on the matching line
    when, who, what, text = found[0].split("\t")
    assert who == "Olga Ivanovna" and what == "call"
    assert not text.startswith(when[:10])  # the date is said once, in the first field


def test_find_in_a_pipe_works_with_cut(office):
    code, out, _ = office("find", "Konstantinopolsky")
    assert code == 0
    header, record = out.rstrip("\n").split("\n")
    assert header.split("\t") == ["Name", "Phones", "Company", "Groups", "Id"]
    name, phones, _company, groups, rn = record.split("\t")
    assert name == CLIENTS[0][0] and phones == "+7 916 100-00-01"
    assert groups.startswith("Wholesale customers") and rn.startswith("people/")


@pytest.mark.parametrize(("args", "count"), LISTINGS, ids=[" ".join(a) for a, _ in LISTINGS])
def test_tsv_csv_and_json_parse_with_the_standard_library(office, args, count):
    records = count(json.loads(office("--json", *args)[1]))
    code, out, _ = office(*args, "--format", "json")
    assert code == 0 and count(json.loads(out)) == records
    code, out, _ = office(*args, "--format", "csv")
    assert code == 0
    sections = [s for s in out.split("\n\n") if s.strip()]
    rows = [r for s in sections for r in list(csv.reader(io.StringIO(s)))[1:]]
    assert len(rows) == records
    code, out, _ = office(*args, "--format", "tsv")
    assert code == 0
    sections = [s for s in out.split("\n\n") if s.strip()]
    tables = [[line.split("\t") for line in s.splitlines()] for s in sections]
    assert sum(len(t) - 1 for t in tables) == records
    for table in tables:
        assert len({len(r) for r in table}) == 1  # every row as wide as its header


def test_tsv_escapes_tabs_and_line_breaks_in_cells():
    from contacts_crm.cli.output import render_tsv

    text = render_tsv(Listing(["A", "B"], [["one\ttwo", "line\nbreak \\ slash"]]))
    _header, row = text.rstrip("\n").split("\n")
    assert row.split("\t") == ["one\\ttwo", "line\\nbreak \\\\ slash"]


def test_csv_output_file_and_dash_for_stdout(office, tmp_path):
    path = tmp_path / "find.csv"
    code, out, err = office("find", "o", "--format", "csv", "-o", str(path))
    assert code == 0 and out == "" and f"Wrote {path}" in err
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Name", "Phones", "Company", "Groups", "Id"] and len(rows) == 6
    code, out, _ = office("find", "o", "--format", "csv", "-o", "-")
    assert code == 0 and next(iter(csv.reader(io.StringIO(out))))[0] == "Name"


def test_tables_on_a_terminal_never_break_a_word(office):
    names = {w for name, _, group in CLIENTS for w in f"{name} {group}".split()}
    for args in (["find", "o"], ["journal", "Konstantinopolsky"], ["summary"], ["callbacks"],
                 ["activity", "--events"], ["group", "list"]):  # fmt: skip
        code, out, err = office(*args, "--format", "table")
        assert code == 0, err
        words = {w.strip("(),") for w in out.split()}
        if args[0] in ("summary", "callbacks"):  # the terminal shows other columns there
            shown = {w for w in names if any(w in line for line in out.splitlines())}
            assert shown and shown <= words, args
            continue
        code, data, _ = office(*args, "--format", "plain")
        for line in data.splitlines():
            for cell in line.split("\t"):
                for word in cell.split():
                    if "T" in word and word[:4].isdigit():  # ISO time: the table shortens it
                        continue
                    assert word.strip("(),") in words, (args, word)  # whole, never cut


def test_terminal_table_fits_the_width_and_wraps_at_spaces():
    rows = [["Konstantin Konstantinopolsky", LONG_COMMENT, 12], ["Anna", "short", 3]]
    text = render_table(Listing(["Name", "Comment", "N"], rows), width=60, style=False)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert set(LONG_COMMENT.split()) <= set(text.split())
    assert "Konstantinopolsky" in text.split()


def test_amounts_read_like_the_card(office):
    _code, out, _ = office("summary", "--format", "table")
    assert "46 000.50" in out and "46000.50" not in out


def test_big_table_renders_fast_enough_to_be_used():
    # a functional guard only (the figure and its goal are in scripts/bench_reports.py)
    rows = [[f"Client {i}", "+7 916 100-00-00", "stay in touch", i, "2026-01-01", "detail " * 5]
            for i in range(13000)]  # fmt: skip
    text = render_table(Listing(["Name", "Phone", "Reason", "Overdue", "Last", "Why"], rows),
                        width=80, style=False)  # fmt: skip
    assert text.count("\n") >= 13002


# ---- output paths ----------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["summary", "--format", "csv", "-o", "{missing}/x.csv"],
        ["summary", "--format", "xlsx", "-o", "{missing}/x.xlsx"],
        ["export", "{missing}/a.xlsx"],
        ["find", "o", "--format", "tsv", "-o", "{missing}/f.tsv"],
        ["import", "{csv}", "--dry-run", "--report", "{missing}/r.xlsx"],
        ["summary", "--format", "csv", "-o", "{folder}"],
    ],
)
def test_a_bad_output_path_is_a_clear_error_with_exit_73(crm, tmp_path, args):
    source = tmp_path / "one.csv"
    source.write_text("Name,Phone\nIvan,89161234567\n", encoding="utf-8")
    filled = [a.format(missing=tmp_path / "nowhere", csv=source, folder=tmp_path) for a in args]
    code, _out, err = crm(*filled)
    assert code == 73, err
    assert "Traceback" not in err and "internal error" not in err
    assert err.startswith("Error: ") and "Hint: " in err
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_exit_73(crm, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = crm("find", "x", "--format", "csv", "-o", str(locked / "f.csv"))
    assert code == 73 and "permission denied" in err


def test_export_dash_writes_text_formats_to_stdout(office, tmp_path):
    code, out, err = office("export", "-", "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert any("Petrov" in r for r in rows) and not Path("-").exists()
    code, out, _ = office("export", "-", "--format", "json")
    assert code == 0 and json.loads(out)
    code, out, err = office("export", "-")
    assert code == 2 and "stdout" in err


def test_the_output_file_extension_chooses_the_format(office, tmp_path):
    import openpyxl

    code, _, err = office("find", "o", "-o", str(tmp_path / "f.csv"))
    assert code == 0, err
    assert next(csv.reader(io.StringIO((tmp_path / "f.csv").read_text("utf-8-sig"))))[0] == "Name"
    code, _, err = office("summary", "-o", str(tmp_path / "s.xlsx"))
    assert code == 0, err
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames[0] == "Summary"
    code, _, err = office("find", "o", "-o", str(tmp_path / "f.txt"))
    assert code == 0 and "\x1b[" not in (tmp_path / "f.txt").read_text()  # plain, no escapes
    code, _, err = office("find", "o", "-o", str(tmp_path / "f.xlsx"))
    assert code == 2 and "not available" in err
