"""Helpers for import/export tests: real files written into tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from contacts_crm.account import Account
from contacts_crm.emulator import Emulator, build_service


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """write_xlsx(name, {sheet: rows}) -> path of a real workbook made with openpyxl."""

    def write(name: str, sheets: dict[str, list[list[Any]]]) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        path = tmp_path / name
        wb.save(path)
        return path

    return write


@pytest.fixture
def write_bytes(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def local_account(tmp_path: Path) -> Iterator[tuple[Account, Emulator]]:
    """An Account over an in-process emulator (fast; same client code path)."""
    emu = Emulator()
    account = Account.from_service(build_service(emu), tmp_path / "data")
    yield account, emu
    account.close()
    emu.close()
