"""The office's language in reports and messages: ru and tr catalogs (gettext), shipped .mo."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from contacts_crm import i18n
from contacts_crm.cli.main import main

WORDS = {
    "ru": {"conversion": "Конверсия", "group": "Группа", "call_back": "Перезвонить",
           "logged": "Звонок записан", "reason": "Причина", "never": "ни разу не связывались",
           "summary_sheet": "Сводка", "contradiction": "противоречат друг другу",
           "outcome": "Итог: интересуется", "wrote": "Записано"},
    "tr": {"conversion": "Dönüşüm", "group": "Grup", "call_back": "Geri ara",
           "logged": "Arama kaydedildi", "reason": "Neden", "never": "hiç görüşülmedi",
           "summary_sheet": "Özet", "contradiction": "birbiriyle çelişiyor",
           "outcome": "Sonuç: ilgili", "wrote": "Yazıldı"},
}  # fmt: skip


@pytest.fixture(autouse=True)
def back_to_english():
    yield
    i18n.use("en")


@pytest.fixture
def crm(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


@pytest.mark.parametrize("lang", ["ru", "tr"])
def test_reports_and_messages_speak_the_office_language(crm, tmp_path, lang):
    words = WORDS[lang]
    assert crm("config", "set", "language", lang)[0] == 0
    assert crm("config", "set", "user", "Olga")[0] == 0
    assert crm("group", "create", "Leads")[0] == 0
    assert crm("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")[0] == 0
    assert crm("add", "Anna Lead", "--phone", "+7 916 123-45-68", "--group", "Leads")[0] == 0

    code, out, err = crm("call", "Petrov", "wants a quote", "--outcome", "interested")
    assert code == 0, err
    assert out.startswith(f"{words['logged']}: Ivan Petrov")
    # the group the tool creates is named in the office's language
    assert f"+ {'группа' if lang == 'ru' else 'grup'} {words['call_back']}" in out
    code, out, _ = crm("--json", "group", "list")
    assert words["call_back"] in [g["name"] for g in json.loads(out)]

    code, _, err = crm("call", "Petrov", "x", "--in", "--out")
    assert code == 2 and words["contradiction"] in err

    code, out, _ = crm("summary", "--format", "csv")
    header = next(csv.reader(io.StringIO(out)))
    assert header[0] == words["group"] and words["conversion"] in header
    code, out, _ = crm("summary", "--format", "table")
    assert words["group"] in out.splitlines()[3]

    code, out, _ = crm("callbacks", "--format", "tsv")
    header, *rows = [line.split("\t") for line in out.splitlines()]
    assert words["reason"] in header
    assert any(words["never"] in r for r in rows)  # Anna Lead, never contacted

    code, out, _ = crm("activity", "--format", "csv")
    assert words["outcome"] in next(csv.reader(io.StringIO(out)))

    path = tmp_path / "summary.xlsx"
    code, out, err = crm("summary", "--format", "xlsx", "-o", str(path))
    assert code == 0, err
    assert out.startswith(words["wrote"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == words["summary_sheet"]
    ws = wb[words["summary_sheet"]]
    headers = [c.value for c in ws[1]]
    assert headers[0] == words["group"] and words["conversion"] in headers
    conv = ws.cell(ws.max_row, headers.index(words["conversion"]) + 1)
    assert isinstance(conv.value, int | float) and conv.number_format == "0%"  # a number, as a %


def test_english_stays_english_and_catalogs_are_complete(crm):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for lang in ("ru", "tr"):  # compiled catalogs are shipped in the package
        assert (
            root / "contacts_crm" / "locale" / lang / "LC_MESSAGES" / "contacts_crm.mo"
        ).is_file()
    result = subprocess.run([sys.executable, str(root / "scripts" / "i18n.py"), "--check"],
                            capture_output=True, text=True, timeout=120, cwd=root)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    _code, out, _ = crm("summary", "--format", "csv")
    assert next(csv.reader(io.StringIO(out)))[:5] == [
        "Group", "Clients", "Leads", "Converted", "Conversion"]  # fmt: skip
