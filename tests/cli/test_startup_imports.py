"""The call-screen commands answer from the local copy without loading the API stack.

`crm card`, `crm find`, `crm call` (with a fresh local copy: one write, which
does load it) and `crm --help` are run in a fresh interpreter; what they
imported is read from ``sys.modules`` afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("googleapiclient", "httplib2", "openpyxl", "gspread", "tenacity", "contacts_crm.emulator")
# What reading a card does not need: the writes' machinery (card grammar, decisions,
# operations), the office's card templates, and phonenumbers unless a number must be
# parsed (a name, or a number already in E.164, needs none).
NOT_FOR_READING = (
    "phonenumbers",
    "contacts_crm.card.grammar",
    "contacts_crm.card.decide",
    "contacts_crm.card.operations",
    "contacts_crm.usecases.cards",
    "contacts_crm.office",
    "tomli_w",
)

PROBE = """
import json, sys
from contacts_crm.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _run(*args: str, watch: tuple[str, ...] = HEAVY) -> dict[str, object]:
    """Run ``crm *args`` in a fresh interpreter: its exit code and which of ``watch`` it loaded."""
    env = {**os.environ, "COLUMNS": "100"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120
    )
    seen = json.loads(result.stderr.strip().splitlines()[-1])
    loaded = sorted({w for m in seen["modules"] for w in watch if m == w or m.startswith(w + ".")})
    return {"code": seen["code"], "heavy": loaded}


def test_card_find_and_help_do_not_load_the_api_stack() -> None:
    assert _run("group", "create", "Wholesale")["code"] in (0, None)
    added = _run("add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--group", "Wholesale")
    assert added["code"] in (0, None)
    # a write needs the API stack: the probe sees it (the check can fail)
    assert "googleapiclient" in added["heavy"]
    for args in (("card", "9161234567"), ("find", "Petrov"), ("--help",), ("card", "--help")):
        seen = _run(*args)
        assert seen["code"] in (0, None), args
        assert seen["heavy"] == [], (args, seen["heavy"])


def test_reading_a_card_loads_only_what_reading_needs() -> None:
    assert _run("config", "set", "user", "Olga")["code"] in (0, None)  # a config file to read
    assert _run("add", "Ivan Petrov", "--phone", "8 916 123-45-67")["code"] in (0, None)
    # the probe sees these modules when they are needed (the check can fail):
    # a number typed in a national format is parsed; the dialer view reads the templates
    typed = _run("card", "8 916 123-45-67", watch=NOT_FOR_READING)
    assert typed["code"] in (0, None)
    assert "phonenumbers" in typed["heavy"]
    dialer = _run("card", "Petrov", "--dialer", watch=NOT_FOR_READING)
    assert dialer["code"] in (0, None)
    assert {"contacts_crm.card.grammar", "contacts_crm.office"} <= set(dialer["heavy"])
    for args in (("card", "Petrov"), ("card", "+79161234567"), ("journal", "Petrov")):
        seen = _run(*args, watch=NOT_FOR_READING)
        assert seen["code"] in (0, None), args
        assert seen["heavy"] == [], (args, seen["heavy"])


def test_a_read_after_a_journalled_write_loads_nothing_for_the_office_memory() -> None:
    """The journal is copied to the account at the end of every command (issue 21):
    a read finds nothing unsent in the journal BEFORE building the Drive service."""
    assert _run("config", "set", "user", "Olga")["code"] in (0, None)
    assert _run("add", "Ivan Petrov", "--phone", "8 916 123-45-67")["code"] in (0, None)
    logged = _run("call", "Petrov", "asks about delivery", "--in")
    assert logged["code"] in (0, None)
    assert "contacts_crm.emulator" in logged["heavy"]  # it wrote, and uploaded its event
    for args in (("card", "Petrov"), ("find", "Petrov"), ("journal", "Petrov")):
        seen = _run(*args)
        assert seen["code"] in (0, None), args
        assert seen["heavy"] == [], (args, seen["heavy"])
