"""Fixtures shared by the whole test suite.

- ``isolated_home`` (autouse): CRM_HOME in a tmp dir, NO_PROXY for loopback.
- ``emulator``: a fresh in-memory People API emulator.
- ``emulator_server``: that emulator served on 127.0.0.1 (random port); stopped at teardown.
- ``people_service``: a real googleapiclient People v1 service talking to ``emulator_server``.

Emulators given no fault seed use one seed per test run: ``$CRM_EMULATOR_SEED``
or a random one, shown in the header so a failing run can be replayed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from contacts_crm.account.connected import Account
from contacts_crm.emulator import Emulator, EmulatorServer, build_service
from contacts_crm.emulator.settings import SEED_ENV


def pytest_configure(config: pytest.Config) -> None:
    """One fault seed for the run (inherited by xdist workers and child processes)."""
    os.environ.setdefault(SEED_ENV, str(secrets.randbits(32)))


def pytest_report_header(config: pytest.Config) -> str:
    seed = os.environ.get(SEED_ENV)
    return f"emulator fault seed: {seed} (replay with {SEED_ENV}={seed})"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep every test away from the user's real config, data and proxies."""
    home = tmp_path_factory.mktemp("crm_home")
    monkeypatch.setenv("CRM_HOME", str(home))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return home


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh, empty, in-memory emulator with default (unlimited, instant) settings."""
    emu = Emulator()
    yield emu
    emu.close()


@pytest.fixture
def emulator_server(emulator: Emulator) -> Iterator[EmulatorServer]:
    """``emulator`` served over loopback HTTP; ``.url`` is its base URL."""
    with EmulatorServer(emulator) as server:
        yield server


@pytest.fixture
def people_service(emulator_server: EmulatorServer) -> Any:
    """A googleapiclient People v1 Resource talking to ``emulator_server``."""
    return build_service(emulator_server.url)


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
