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


# ------------------------------------------------------- the account's stores
# The rooms that may import account/ (above it in the layers): each reaches the
# account only through its stores (account.contacts, account.groups, account.journal,
# the sync), never the People client or the cache under them.
ABOVE_THE_ACCOUNT = ("cli", "web", "usecases", "imports", "reports", "sheets")
UNDER_THE_STORES = re.compile(r"\.(_?client|_?cache)\b(?!_)")


def test_nothing_outside_account_imports_the_people_client_or_the_cache(tmp_path):
    root = copy_of_the_package(tmp_path)
    module = root / "contacts_crm" / "usecases" / "members.py"
    wrong = "\nfrom contacts_crm.account.cache import Cache\n"
    module.write_text(module.read_text("utf-8") + wrong)
    run = lint_imports(root)
    assert run.returncode != 0
    assert "nothing outside account/ imports the" in run.stdout
    assert "contacts_crm.usecases.members -> contacts_crm.account.cache" in run.stdout


def test_nothing_outside_account_reaches_under_the_stores():
    """Attribute access the import contract cannot see: ``account.client.…`` and
    ``account.cache.…`` (kept on Account for the tests) are account/'s own."""
    found = []
    for room in ABOVE_THE_ACCOUNT:
        for path in sorted((PACKAGE / room).rglob("*.py")):
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                code = line.split("#")[0].strip()
                if code.startswith(("from ", "import ")):
                    continue  # module paths (sheets.client): the import contract's part
                if UNDER_THE_STORES.search(code):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_the_attribute_check_sees_a_use_under_the_stores(tmp_path):
    assert UNDER_THE_STORES.search("    person = account.cache.person(rn)")
    assert UNDER_THE_STORES.search("written = account.client.update(body)")
    assert UNDER_THE_STORES.search("acc._cache.get(rn)")
    assert not UNDER_THE_STORES.search("client = sheets_client_for(account)")
    assert not UNDER_THE_STORES.search("account.contacts.get(rn)")


# ------------------------------------------------------------- import circles
def import_circles(package: str = "contacts_crm") -> list[list[str]]:
    """Groups of modules that import each other in a circle (Tarjan's strongly
    connected components of grimp's import graph). Imports inside functions count
    (a lazy import still closes a circle); imports under TYPE_CHECKING do not."""
    import grimp

    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return circles


def test_no_import_circle_but_type_only_ones():
    assert import_circles() == []


def test_the_circle_check_sees_a_lazy_circle(tmp_path, monkeypatch):
    pkg = tmp_path / "circle_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from circle_demo import b\n")
    (pkg / "b.py").write_text("def late():\n    from circle_demo import a  # lazy\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from circle_demo import a\n"
    )
    (pkg / "d.py").write_text("from circle_demo import c\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_circles("circle_demo") == [["circle_demo.a", "circle_demo.b"]]


# ------------------------------------------------- errors worded by the faces
BELOW_THE_FACES = ("usecases", "imports", "reports", "account", "sheets", "files", "office")
AN_OPTION = re.compile(r"(?<![\w-])--[a-z]")


def options_named(source: str) -> list[str]:
    """The translatable messages (``_("…")``) of ``source`` that name a command-line
    option, other than inside a quoted command ('crm journal --deleted')."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "_" and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):  # fmt: skip
            text = re.sub(r"'crm [^']*'", "", node.args[0].value)
            if AN_OPTION.search(text):
                found.append(node.args[0].value)
    return found


def test_no_use_case_words_an_error_with_a_command_line_option():
    """cli/wording.py says which option a field is; the office page has no options."""
    found = []
    for room in BELOW_THE_FACES:
        for path in sorted((PACKAGE / room).rglob("*.py")):
            found += [f"{path.relative_to(ROOT)}: {m}" for m in options_named(path.read_text())]
    assert found == []


def test_the_option_check_sees_an_option_in_a_message():
    assert options_named('raise UsageError(_("--at {at} is in the future"))')
    assert options_named('x = _("add --callback-on DATE")')
    assert not options_named("""x = _("the id is printed by 'crm doctor --phones --fix'")""")
    assert not options_named('x = _("a call-back date is today or later")')
