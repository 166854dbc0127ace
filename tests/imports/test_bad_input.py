"""Bad input: a clear InputError naming the file (and row/column), exit 65, nothing written."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from contacts_crm.errors import ExitCode, InputError
from contacts_crm.imports.run import ImportOptions, import_file, read_records


def _xlsx_bytes(rows):
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = _xlsx_bytes([["Name", "Phone"], ["Ivan Petrov", "+79161234567"]])


def _error(path) -> InputError:
    with pytest.raises(InputError) as info:
        read_records(path)
    err = info.value
    assert err.exit_code == ExitCode.DATA == 65
    return err


def _text(err: InputError) -> str:
    return " | ".join([err.message, *(str(p) for p in err.problems)])


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.xlsx", b"", "the file is empty"),
        ("blank.csv", b"  \r\n\r\n", "the file is empty"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "a PNG image"),
        ("report.xlsx", b"%PDF-1.7\n...", "a PDF document"),
        ("cut.xlsx", GOOD[: len(GOOD) // 2], "damaged or incomplete"),
        (
            "secret.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 64
            + "EncryptedPackage".encode("utf-16-le")
            + b"\x00" * 64,
            "password-protected",
        ),
        ("page.xls", b"<html><body><table><tr><td>x</td></tr></table></body></html>", "HTML"),
        ("bin.csv", b"Name,Phone\n\x00\x01\x02\x03garbage", "binary"),
        ("header.csv", b"Name;Phone;E-mail\r\n", "only a header"),
        ("nothing.csv", b"a,b,c\n1,2,3\n", "no header row"),
    ],
)
def test_bad_files_name_the_file(write_bytes, name, data, expected):
    err = _error(write_bytes(name, data))
    assert name in err.message and expected in _text(err)


def test_docx_renamed_to_xlsx(write_bytes):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    err = _error(write_bytes("letter.xlsx", buf.getvalue()))
    assert "not a spreadsheet" in err.message


def test_csv_named_xlsx_is_read_as_csv(write_bytes):
    _, [rec] = read_records(write_bytes("clients.xlsx", b"Name,Phone\nIvan Petrov,89161234567\n"))
    assert rec.phones[0].value == "+79161234567"


def test_no_write_on_bad_input(write_bytes, local_account):
    account, _emu = local_account
    path = write_bytes("tr.csv", b"Name,Phone\nAli,0532 123 45 67\nAyse,0533 123 45 67\n")
    with pytest.raises(InputError):
        import_file(account, path, ImportOptions())  # the profile's default region, RU
    assert account.client.calls == {}  # not even a read: the file is checked first
    assert not (account.data_dir / "imports").exists()
    # a --region the admin gave is obeyed: what does not fit it is kept and reported
    plan = import_file(account, path, ImportOptions(region="RU"), dry_run=True).plan
    assert [r.contact.notes for r in plan.rows if r.contact] == [
        "Phone: 0532 123 45 67",
        "Phone: 0533 123 45 67",
    ]
    assert [n.kind for r in plan.rows for n in r.notices] == ["phone-to-notes"] * 2


def test_unknown_sheet_lists_the_sheets(write_xlsx):
    path = write_xlsx("two.xlsx", {"A": [["Name"], ["x"]], "B": [["Name"], ["y"]]})
    with pytest.raises(InputError, match="no sheet 'C'; the sheets are 'A', 'B'"):
        read_records(path, sheet="C")


def test_bad_mapping_file(write_xlsx, tmp_path):
    path = write_xlsx("m.xlsx", {"S": [["Name"], ["x"]]})
    mf = tmp_path / "m.toml"
    mf.write_text('[columns]\n"Name" = "fullname"\n', "utf-8")
    with pytest.raises(InputError) as info:
        read_records(path, mapping_file=mf)
    assert "unknown field 'fullname'" in str(info.value.problems[0])
