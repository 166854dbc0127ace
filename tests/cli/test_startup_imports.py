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

PROBE = f"""
import json, sys
HEAVY = {HEAVY!r}
from contacts_crm.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted({{h for m in sys.modules for h in HEAVY if m == h or m.startswith(h + '.')}})
print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


def _run(*args: str) -> dict[str, object]:
    env = {**os.environ, "COLUMNS": "100"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


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
