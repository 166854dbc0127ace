"""Old .xls (BIFF) and OpenDocument .ods files, read from real files in tests/fixtures.

The fixtures were written once with xlwt and odfpy (not dependencies of the
project): an .xls saved by an old Russian office and an .ods by a Turkish one,
each with a title row above the header.
"""

from __future__ import annotations

from pathlib import Path

from contacts_crm.imports.run import read_records

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def summary(path: Path, region: str) -> tuple[str | None, int, list[tuple]]:
    mapping, records = read_records(path, region=region)
    return mapping.sheet, mapping.header_row, [
        (r.given_name, r.family_name, [p.value for p in r.phones],
         [e.value for e in r.emails], r.organization) for r in records
    ]  # fmt: skip


def test_xls_from_an_old_russian_office() -> None:
    sheet, header_row, rows = summary(FIXTURES / "office_legacy.xls", "RU")
    assert sheet == "Клиенты" and header_row == 3
    assert rows == [
        ("Иван", "Петров", ["+79161234567"], ["ivan@example.ru"], "Плитка"),
        ("Анна", "Сидорова", ["+79031112233"], [], ""),  # 79031112233.0 in the cell
    ]


def test_ods_from_a_turkish_office() -> None:
    sheet, header_row, rows = summary(FIXTURES / "office_tr.ods", "TR")
    assert sheet == "Müşteriler" and header_row == 3
    assert rows == [
        ("Mehmet", "Yılmaz", ["+905321234567"], ["mehmet@example.com"], "Yılmaz İnşaat"),
        ("Ayşe", "Kaya", ["+902125551234"], [], ""),
    ]
