"""Read xlsx, xls and ods workbooks into Tables.

python-calamine reads them fast, but it holds a sheet as a dense rectangle:
one stray cell in Z1048576 makes 27 million cells. For xlsx the sheet XML is
scanned first (a regular expression over the bytes, no parse): a sheet whose
used rectangle is far bigger than its cells is streamed row by row with
openpyxl's parser instead, so memory and time follow the cells that hold
data. The same scan finds Excel error cells (#N/A, #REF! cached by a
formula), which calamine reads as empty: they are kept in ``Row.errors``.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import python_calamine as pc

from contacts_crm.errors import InputError
from contacts_crm.files.table import Row, Table, cell_text
from contacts_crm.i18n import _

# A sheet is streamed when its rectangle holds more than this many cells and
# more than SPARSE_RATIO times the cells written in the file.
SPARSE_MIN_AREA = 2_000_000
SPARSE_RATIO = 20
_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix: <x:row>, <x:c>
# <row r="12"> and <c r="B12">: the only attributes named r, always digits or letters+digits
_ROW_R = re.compile(rb' r="([0-9]+)"')
_CELL_R = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_ERROR_T = re.compile(rb"\st=\"e\"")
_DIMENSION = re.compile(
    rb"<" + _P + rb"dimension\b[^>]*\sref=\"([A-Z]{1,3})?([0-9]+)?:?([A-Z]{1,3})([0-9]+)\""
)
_REF = re.compile(rb"\sr=\"([A-Z]{1,3})(\d+)\"")
_VALUE = re.compile(rb"<" + _P + rb"v>([^<]*)</" + _P + rb"v>")
_SHEET = re.compile(rb"<" + _P + rb"sheet\b([^>]*)/?>")
_REL = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)/?>")
_ATTR = re.compile(rb"([\w:]+)=\"([^\"]*)\"")


def read_workbook(data: bytes, name: str, kind: str) -> list[Table]:
    """Every visible worksheet of the workbook, as Tables (row numbers are the sheet's own)."""
    try:
        wb = pc.load_workbook(io.BytesIO(data))
    except pc.PasswordError:
        raise InputError(
            _("{name}: the workbook is password-protected").format(name=name),
            hint=_("open it in Excel, remove the password, save and retry"),
        ) from None
    except (pc.CalamineError, ValueError, OSError) as e:
        raise InputError(
            _("{name}: the {kind} workbook cannot be read ({why})").format(
                name=name, kind=kind, why=_short(e)
            ),
            hint=_("the file may be damaged or cut short: copy it again or re-save it in Excel"),
        ) from None
    tables = []
    names = list(wb.sheet_names)
    visible = {m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")} or set(
        names
    )
    parts = _sheet_parts(data) if kind == "xlsx" else {}
    for sheet_name in names:
        if sheet_name not in visible:
            continue
        scan = _scan(parts.get(sheet_name))
        try:
            if scan is not None and scan.sparse:
                rows = list(_stream_rows(data, name, sheet_name))
            else:
                values = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
                rows = [Row(i + 1, [cell_text(v) for v in cells]) for i, cells in enumerate(values)]
                if scan is not None and scan.errors:
                    _add_errors(rows, scan.errors)
        except (pc.CalamineError, ValueError, KeyError, OSError) as e:
            raise InputError(
                _("{name}: sheet {sheet!r} cannot be read ({why})").format(
                    name=name, sheet=sheet_name, why=_short(e)
                ),
                hint=_("the file may be damaged: re-save it in Excel"),
            ) from None
        tables.append(Table(source=name, rows=rows, sheet=sheet_name, kind=kind, sheets=names))
    if not tables:
        raise InputError(_("{name}: the workbook has no visible sheet").format(name=name))
    return tables


class _Scan:
    """What the regular-expression scan of one sheet's XML found."""

    def __init__(self, xml: bytes) -> None:
        self.sparse = self._sparse(xml)
        self.errors: dict[tuple[int, int], str] = {}
        for m in _ERROR_T.finditer(xml):
            start = xml.rfind(b"<", 0, m.start())
            end = xml.find(b">", m.end())
            ref = _REF.search(xml, start, end)
            close = xml.find(b"c>", end)
            value = _VALUE.search(xml, end, close if close > 0 else len(xml))
            if ref and value:
                key = (int(ref.group(2)), _column_index(ref.group(1)))
                self.errors[key] = value.group(1).decode("utf-8", "replace")

    @staticmethod
    def _sparse(xml: bytes) -> bool:
        """True when the used rectangle dwarfs the cells (the declared size says when to count)."""
        declared = _DIMENSION.search(xml, 0, 4096)
        if declared:
            height, across = int(declared.group(4)), _column_index(declared.group(3)) + 1
            if height * across <= SPARSE_MIN_AREA:
                return False
        rows = _ROW_R.findall(xml)
        cells = xml.count(b' r="') - len(rows)
        width = max((_column_index(c) + 1 for c in set(_CELL_R.findall(xml))), default=0)
        area = max((int(r) for r in rows), default=0) * width
        return area > SPARSE_MIN_AREA and area > SPARSE_RATIO * max(1, cells)


def _scan(xml: bytes | None) -> _Scan | None:
    return _Scan(xml) if xml is not None else None


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _sheet_parts(data: bytes) -> dict[str, bytes]:
    """Sheet name -> the sheet's XML, read from the xlsx package (empty when unusual)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            book = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels")
            targets = {}
            for m in _REL.finditer(rels):
                attrs = dict(_ATTR.findall(m.group(1)))
                if b"Id" in attrs and b"Target" in attrs:
                    targets[attrs[b"Id"]] = attrs[b"Target"].decode()
            out = {}
            for m in _SHEET.finditer(book):
                attrs = dict(_ATTR.findall(m.group(1)))
                rid = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
                target = targets.get(rid or b"")
                if b"name" not in attrs or not target:
                    continue
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                out[html.unescape(attrs[b"name"].decode())] = zf.read(path)
            return out
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return {}


def _add_errors(rows: list[Row], errors: dict[tuple[int, int], str]) -> None:
    for (number, col), code in errors.items():
        if 0 < number <= len(rows):
            rows[number - 1].errors[col] = code


def _stream_rows(data: bytes, name: str, sheet_name: str) -> Iterator[Row]:
    """The rows the sheet XML holds, streamed (gaps cost nothing); error cells kept."""
    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser read-only mode uses

    wb: Any = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        ws: Any = wb[sheet_name]
        with ws._get_source() as src:
            parser = WorkSheetParser(
                src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats,
            )  # fmt: skip
            for number, cells in parser.parse():
                if not cells:
                    continue
                width = max(c["column"] for c in cells)
                texts = [""] * width
                errors = {}
                for c in cells:
                    if c["data_type"] == "e":
                        errors[c["column"] - 1] = str(c["value"])
                    else:
                        texts[c["column"] - 1] = cell_text(c["value"])
                yield Row(number, texts, errors)
    finally:
        wb.close()


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:160]
