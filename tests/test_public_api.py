"""The library's public API: what contacts_crm/__init__.py names, and the README's example."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import contacts_crm

ROOT = Path(__file__).resolve().parents[1]


def readme_library_example() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Using it as a library", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the README's library section has no python example"
    return found.group(1)


def test_import_contacts_crm_is_cheap():
    code = (
        "import sys, contacts_crm\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('googleapiclient', 'gspread', 'openpyxl', 'click', 'rich', 'sqlite3')"
        " or m.startswith('contacts_crm.')]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    assert {*contacts_crm._PUBLIC, "__version__"} == set(contacts_crm.__all__)
    for name in contacts_crm.__all__:
        assert getattr(contacts_crm, name) is not None, name
    assert issubclass(contacts_crm.CrmError, Exception)
    assert set(dir(contacts_crm)) >= set(contacts_crm.__all__)


def test_the_readme_example_uses_only_the_public_api():
    tree = ast.parse(readme_library_example())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.module == "contacts_crm", ast.unparse(node)
            assert {a.name for a in node.names} <= set(contacts_crm.__all__), ast.unparse(node)
        assert not isinstance(node, ast.Import), ast.unparse(node)


def test_the_readme_example_works_on_the_local_account(isolated_home):
    env = {**os.environ, "CRM_HOME": str(isolated_home)}
    run = subprocess.run(
        [sys.executable, "-c", readme_library_example()], capture_output=True, text=True,
        env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    number, *card = run.stdout.splitlines()
    assert number == "1"
    card_text = "\n".join(card)
    assert "asks about delivery" in card_text and "Order 1 · new" in card_text
    # run twice: the number is already on a contact (a CrmError the script handles),
    # and the same call and order on the same day are the same facts: nothing doubles
    again = subprocess.run(
        [sys.executable, "-c", readme_library_example()], capture_output=True, text=True,
        env=env, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    message, number, *card = again.stdout.splitlines()
    assert "cannot add" in message and number == "1"
    assert "\n".join(card).count("asks about delivery") == 1
