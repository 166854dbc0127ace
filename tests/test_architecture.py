"""The house: the import-linter contracts catch a wrong import, and the docs draw the code."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "contacts_crm"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser


def layers() -> list[set[str]]:
    """setup.cfg's layers contract, top to bottom, as sets of room names ('cli', 'web')."""
    text = contracts()["importlinter:contract:layers"]["layers"]
    return [
        {room.strip().removeprefix("contacts_crm.") for room in line.split("|")}
        for line in text.strip().splitlines()
    ]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "setup.cfg"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def copy_of_the_package(dest: Path) -> Path:
    shutil.copytree(PACKAGE, dest / "contacts_crm", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", dest / "setup.cfg")
    return dest


def test_the_contracts_hold_on_the_package_as_it_is(tmp_path):
    run = lint_imports(copy_of_the_package(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "0 broken" in run.stdout


def test_a_wrong_import_in_the_pure_domain_breaks_the_contracts(tmp_path):
    root = copy_of_the_package(tmp_path)
    grammar = root / "contacts_crm" / "card" / "grammar.py"
    grammar.write_text(grammar.read_text("utf-8") + "\nimport contacts_crm.account.journal\n")
    run = lint_imports(root)
    assert run.returncode != 0
    out = run.stdout
    assert "The house: each layer imports only the layers below it BROKEN" in out
    assert "The domain (card, contact) is pure: no outside system, no I/O library BROKEN" in out
    assert "contacts_crm.card.grammar -> contacts_crm.account.journal" in out


def test_every_room_of_the_package_is_in_the_layers():
    rooms = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    rooms |= {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("__")}
    test_doubles = {"emulator", "sheets_emulator"}
    layered = set().union(*layers())
    assert rooms - test_doubles == layered


def test_docs_architecture_draws_the_layers_of_setup_cfg():
    doc = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    drawn = []
    for row in re.findall(r"^\| \d+ \| (.+?) \|", doc, re.M):
        drawn.append({room.strip(" `/") for room in row.split("\\|")})
    assert drawn == layers()
    for name in contracts().sections():
        if name.startswith("importlinter:contract:"):
            title = contracts()[name]["name"]
            key = title.split(":")[0].split("(")[0].strip()
            assert key.split()[-1].lower() in doc.lower(), title
    assert "docs/architecture.md" in (ROOT / "README.md").read_text("utf-8")
