"""Fixtures for the Sheets tests: the loopback emulator and, when configured, a real account.

Set CRM_TEST_SHEETS (a spreadsheet URL the account may edit) and CRM_TEST_ACCOUNT
(an authorized-user token file) to run the contract tests against Google too.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from contacts_crm.sheets.client import (
    GOOGLE_PREFIXES,
    SHEETS_SCOPES,
    EndpointAdapter,
    RetryPolicy,
    SheetsClient,
    connect_sheets,
)
from contacts_crm.sheets_emulator import SheetsEmulatorServer

FAST_RETRY = RetryPolicy(attempts=4, base_s=0.05, max_wait_s=2.0)


@dataclass
class Backend:
    """A Sheets service under test: a client, a spreadsheet, and a raw HTTP session."""

    name: str
    client: SheetsClient
    spreadsheet_url: str
    spreadsheet_id: str
    title: str
    raw: requests.Session  # reaches https://sheets.googleapis.com/... on this backend
    prefix: str  # unique tab-name prefix, so runs on a shared real sheet do not collide


@pytest.fixture
def sheets_server() -> Iterator[SheetsEmulatorServer]:
    """A fresh emulator on 127.0.0.1 (free port), stopped after the test."""
    with SheetsEmulatorServer() as server:
        yield server


def _emulator_backend(server: SheetsEmulatorServer) -> Backend:
    book = server.create_spreadsheet("Office CRM", ["Sheet1"])
    raw = requests.Session()
    for prefix in GOOGLE_PREFIXES:
        raw.mount(prefix, EndpointAdapter(server.url))
    return Backend(
        "emulator",
        connect_sheets(endpoint=server.url, retry=FAST_RETRY),
        f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit#gid=0",
        book.spreadsheet_id,
        book.title,
        raw,
        "t",
    )


def _real_backend() -> Backend:
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.credentials import Credentials

    creds = Credentials.from_authorized_user_file(
        os.environ["CRM_TEST_ACCOUNT"], scopes=list(SHEETS_SCOPES)
    )
    client = connect_sheets(creds)
    info = client.open(os.environ["CRM_TEST_SHEETS"])
    return Backend(
        "google",
        client,
        info.url,
        info.id,
        info.title,
        AuthorizedSession(creds),
        f"crm-test-{uuid.uuid4().hex[:8]}",
    )


_BACKENDS = ["emulator"]
if os.environ.get("CRM_TEST_SHEETS") and os.environ.get("CRM_TEST_ACCOUNT"):
    _BACKENDS.append("google")


@pytest.fixture(params=_BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each contract test runs on the emulator, and on Google when configured."""
    if request.param == "emulator":
        with SheetsEmulatorServer() as server:
            yield _emulator_backend(server)
        return
    be = _real_backend()
    yield be
    for tab in be.client.open(be.spreadsheet_id).tabs:
        if tab.startswith(be.prefix):
            be.client.delete_tab(be.spreadsheet_id, tab)
