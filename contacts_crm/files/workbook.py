"""Read xlsx, xls and ods workbooks with python-calamine into Tables."""

from __future__ import annotations

import io

import python_calamine as pc

from contacts_crm.errors import InputError
from contacts_crm.files.table import Row, Table, cell_text


def read_workbook(data: bytes, name: str, kind: str) -> list[Table]:
    """Every visible worksheet of the workbook, as Tables (row numbers are the sheet's own)."""
    try:
        wb = pc.load_workbook(io.BytesIO(data))
    except pc.PasswordError:
        raise InputError(
            f"{name}: the workbook is password-protected",
            hint="open it in Excel, remove the password, save and retry",
        ) from None
    except (pc.CalamineError, ValueError, OSError) as e:
        raise InputError(
            f"{name}: the {kind} workbook cannot be read ({_short(e)})",
            hint="the file may be damaged or cut short: copy it again or re-save it in Excel",
        ) from None
    tables = []
    names = list(wb.sheet_names)
    visible = {m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")} or set(
        names
    )
    for sheet_name in names:
        if sheet_name not in visible:
            continue
        try:
            values = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except (pc.CalamineError, ValueError) as e:
            raise InputError(
                f"{name}: sheet {sheet_name!r} cannot be read ({_short(e)})",
                hint="the file may be damaged: re-save it in Excel",
            ) from None
        rows = [Row(i + 1, [cell_text(v) for v in cells]) for i, cells in enumerate(values)]
        tables.append(Table(source=name, rows=rows, sheet=sheet_name, kind=kind, sheets=names))
    if not tables:
        raise InputError(f"{name}: the workbook has no visible sheet")
    return tables


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:160]
