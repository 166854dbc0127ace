"""A known office built once per module through the real ``crm`` CLI.

The office lives in a People emulator served on loopback; the profile ``t``
points at it and at a Sheets emulator. Every report test reads this office
(its figures are worked out by hand in test_scenario.py).

Office (today for the reports: 2026-11-20; this month = Nov 1-20):
  W1 Alpha Wholesale  +79161000001  Wholesale  order 1 10 000 open 10-05 (Ivan),
                      delivered 10-20 (Olga); order 2 5 000 open 11-03 (Ivan),
                      delivered 11-10 (Olga)  -> rules: Customer, then Returning
  W2 Beta Wholesale   +79161000002  Wholesale  order 1 20 000 open 11-02 (Olga),
                      confirmed 11-04 (Olga), paid 11-06 (Anna), shipped 11-08 (Ivan);
                      order 2 3 000 open 11-12 (Olga)
  R1 Gamma Retail     +79161000003  Retail     order 1 1 500 open 11-14, confirmed 11-15 (Anna)
  R2 Delta Retail     +79161000004  Retail     order 1 4 000 open 10-10 (Ivan), cancelled
                      11-05 (Ivan); order 2 2 500 open 11-16 (Ivan), paid 11-18 2 600 (Olga)
  R3 Epsilon Retail   +79161000005  Retail     call out 09-01 (Ivan), no outcome
  N1 Zeta New         +79161000006  New        call in 11-17 (Anna) interested -> Call back
  N2 Eta New          +79161000007  New        call out 10-20 (Olga) interested -> Call back
  N3 Theta New        +79161000008  New        call in 11-01 (Ivan) call back on 11-10
                                               -> Call back
  L1 Iota Lead        +79161000009  Leads      call out 10-01 (Anna) interested -> Call back;
                      order 1 800 open 10-15 (Anna) -> leaves Call back; delivered
                      10-25 (Anna) -> Customer
  L2 Kappa Lead       +79161000010  Leads      nothing, never contacted
  L3 Lambda Lead      +79161000011  Leads      call out 11-19 (Olga) not interested
  X1 Mu Nogroup       +79161000012  (none)     missed call 11-09 (Ivan)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_crm

from contacts_crm.cli.main import cli
from contacts_crm.cli.reports import COMMANDS
from contacts_crm.emulator import Emulator, EmulatorServer
from contacts_crm.sheets_emulator import SheetsEmulatorServer

for _command in COMMANDS:  # the lead registers them in cli/main.py; harmless twice
    cli.add_command(_command)

TODAY = "2026-11-20"

CLIENTS = [
    ("Alpha Wholesale", "+7 916 100-00-01", "Wholesale"),
    ("Beta Wholesale", "+7 916 100-00-02", "Wholesale"),
    ("Gamma Retail", "+7 916 100-00-03", "Retail"),
    ("Delta Retail", "+7 916 100-00-04", "Retail"),
    ("Epsilon Retail", "+7 916 100-00-05", "Retail"),
    ("Zeta New", "+7 916 100-00-06", "New"),
    ("Eta New", "+7 916 100-00-07", "New"),
    ("Theta New", "+7 916 100-00-08", "New"),
    ("Iota Lead", "+7 916 100-00-09", "Leads"),
    ("Kappa Lead", "+7 916 100-00-10", "Leads"),
    ("Lambda Lead", "+7 916 100-00-11", "Leads"),
    ("Mu Nogroup", "+7 916 100-00-12", None),
]

W1, W2, R1, R2, R3 = "+79161000001", "+79161000002", "+79161000003", "+79161000004", "+79161000005"
N1, N2, N3, L1, L3, X1 = (
    "+79161000006", "+79161000007", "+79161000008", "+79161000009", "+79161000011",
    "+79161000012",
)  # fmt: skip

# In time order, as the office worked (each line one crm command).
HISTORY: list[list[str]] = [
    ["call", R3, "catalogue sent", "--out", "--by", "Ivan", "--at", "2026-09-01 12:00"],
    ["call", L1, "likes tiles", "--out", "--outcome", "interested", "--by", "Anna",
     "--at", "2026-10-01 12:00"],
    ["order", "open", W1, "tiles", "--amount", "10000", "--by", "Ivan", "--at", "2026-10-05 12:00"],
    ["order", "open", R2, "chairs", "--amount", "4000", "--by", "Ivan", "--at", "2026-10-10 12:00"],
    ["order", "open", L1, "tile sample", "--amount", "800", "--by", "Anna",
     "--at", "2026-10-15 12:00"],
    ["order", "close", W1, "1", "--by", "Olga", "--at", "2026-10-20 12:00"],
    ["call", N2, "quote sent", "--out", "--outcome", "interested", "--by", "Olga",
     "--at", "2026-10-20 13:00"],
    ["order", "close", L1, "1", "--by", "Anna", "--at", "2026-10-25 12:00"],
    ["call", N3, "call me later", "--in", "--outcome", "callback", "--callback-on", "2026-11-10",
     "--by", "Ivan", "--at", "2026-11-01 12:00"],
    ["order", "open", W2, "pipes", "--amount", "20000", "--by", "Olga", "--at", "2026-11-02 12:00"],
    ["order", "open", W1, "more tiles", "--amount", "5000", "--by", "Ivan",
     "--at", "2026-11-03 12:00"],
    ["order", "step", W2, "1", "confirmed", "--by", "Olga", "--at", "2026-11-04 12:00"],
    ["order", "close", R2, "1", "--cancelled", "--by", "Ivan", "--at", "2026-11-05 12:00"],
    ["order", "step", W2, "1", "paid", "--by", "Anna", "--at", "2026-11-06 12:00"],
    ["order", "step", W2, "1", "shipped", "--by", "Ivan", "--at", "2026-11-08 12:00"],
    ["call", X1, "--missed", "--by", "Ivan", "--at", "2026-11-09 12:00"],
    ["order", "close", W1, "2", "--by", "Olga", "--at", "2026-11-10 12:00"],
    ["order", "open", W2, "valves", "--amount", "3000", "--by", "Olga", "--at", "2026-11-12 12:00"],
    ["order", "open", R1, "lamp", "--amount", "1500", "--by", "Anna", "--at", "2026-11-14 12:00"],
    ["order", "step", R1, "1", "confirmed", "--by", "Anna", "--at", "2026-11-15 12:00"],
    ["order", "open", R2, "table", "--amount", "2500", "--by", "Ivan", "--at", "2026-11-16 12:00"],
    ["call", N1, "wants the price list", "--in", "--outcome", "interested", "--by", "Anna",
     "--at", "2026-11-17 12:00"],
    ["order", "step", R2, "2", "paid", "--amount", "2600", "--by", "Olga",
     "--at", "2026-11-18 12:00"],
    ["call", L3, "not now", "--out", "--outcome", "not_interested", "--by", "Olga",
     "--at", "2026-11-19 12:00"],
]  # fmt: skip


@dataclass
class Office:
    home: Path
    sheets: SheetsEmulatorServer
    today: str = TODAY  # "today" for every report of this office

    def run(self, *args: str) -> Any:
        """``crm ARGS`` in-process; the output parsed as JSON when --json is given."""
        result = run_crm(*args)
        assert result.code == 0, result.out + result.err
        return json.loads(result.out) if "--json" in args else result.out

    def json(self, *args: str) -> Any:
        return self.run("--json", *args, "--as-of", TODAY)


def _build(home: Path, people_url: str, sheets_url: str) -> None:
    def crm(*args: str) -> None:
        result = run_crm(*args)
        assert result.code == 0, (args, result.out + result.err)

    crm("profile", "add", "t", "--endpoint", people_url, "--default", "--user", "Ivan")
    crm("config", "set", "sheets_endpoint", sheets_url)
    for name in ("Wholesale", "Retail", "New", "Leads"):
        crm("group", "create", name)
    for name, phone, group in CLIENTS:
        crm("add", name, "--phone", phone, *(["--group", group] if group else []))
    for args in HISTORY:
        crm(*args)


@pytest.fixture(scope="module")
def office_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = tmp_path_factory.mktemp("office")
    emulator = Emulator()
    with EmulatorServer(emulator) as people, SheetsEmulatorServer() as sheets:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CRM_HOME", str(home))
            mp.setenv("NO_PROXY", "127.0.0.1,localhost")
            _build(home, people.url, sheets.url)
        yield home, sheets
    emulator.close()


@pytest.fixture
def office(office_home: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> Office:
    """The module's office, with CRM_HOME pointing at it for this test."""
    home, sheets = office_home
    monkeypatch.setenv("CRM_HOME", str(home))
    return Office(home, sheets)
