"""Fixtures of the emulator contract suite.

The contract tests use ``svc``: the real People API when ``CRM_TEST_ACCOUNT``
names an authorized-user token file, else the emulator over loopback HTTP.
Tests that need emulator knobs take ``emu`` (skipped against a real account).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from contacts_crm.emulator import Emulator, EmulatorServer, build_service

REAL_ACCOUNT = os.environ.get("CRM_TEST_ACCOUNT")


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    """An emulator on a fake clock (skipped when the suite runs on a real account)."""
    if REAL_ACCOUNT:
        pytest.skip("emulator-only test")
    e = Emulator(clock=clock)
    yield e
    e.close()


@pytest.fixture
def emu_server(emu: Emulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture
def svc(request: pytest.FixtureRequest) -> Any:
    """People v1 service: a real account (CRM_TEST_ACCOUNT) or the emulator over loopback."""
    if REAL_ACCOUNT:
        from google.oauth2.credentials import Credentials
        from googleapiclient.discovery import build

        creds = Credentials.from_authorized_user_file(REAL_ACCOUNT)
        return build("people", "v1", credentials=creds, static_discovery=True)
    server = request.getfixturevalue("emu_server")
    return build_service(server.url)
