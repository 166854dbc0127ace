"""Every example in every command's --help runs as written.

Each command's examples run in order, in-process, on a fresh home holding what they talk
about (made in October 2026, the examples run on 2026-11-20): the README's Ivan Petrov
(+7 916 123-45-67) with orders 1 and 2, a deleted contact, the groups VIP and Leads, an
import of docs/examples/clients.xlsx, old.csv, map.toml and three vCards, the profiles
office, lab and new-office. The commands whose examples make these things start from a home without
them (crm and crm add: empty; crm group and group create: no Wholesale group).
The crm part of a line runs (a pipe or a redirect after it is the shell's). An example
exits 0, or it is listed below with why it may not: a placeholder id in an example of the
syntax, or something outside (Google, a server) that is only parsed.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import click
import pytest
from cli_helpers import run_crm
from test_docs import COMMANDS, full_help

from contacts_crm.cli import cli

ROOT = Path(__file__).resolve().parents[2]

# Parsed, not run: they need what a test does not have.
OUTSIDE = {
    "login": "a Google sign-in in a browser",
    "--to-sheet": "a Google Sheet",
    "journal push": "a Google Sheet",
    "journal pull": "a Google Sheet",
    "docs.google.com": "a Google Sheet",
    "--google": "a Google OAuth client file",
    "crm serve --host": "a server that runs until Ctrl+C",
    "crm serve user add": "asks for a PIN on the terminal",
    "crm serve user reset": "asks for a PIN on the terminal",
    "crm serve token add": "prints a new secret",
    "crm digest secret": "asks for the secret on the terminal",
}

# Run; they may end with this exit code, for the reason given.
EXPECTED_EXIT = {
    "crm delete people/c123 people/c456 --yes": (66, "placeholder resource names"),
    'crm edit people/c123 --append-note "Gate code 1234"': (66, "a placeholder resource name"),
    "crm --json show people/c123": (66, "a placeholder resource name"),
    'crm merge "+7 916 123-45-67" people/c456': (66, "a placeholder resource name"),
    "crm merge --undo 3f2a9c0d1e2b4a5c": (66, "a placeholder operation id"),
    "crm undo 3f2a9c0d1e2b4a5c": (66, "a placeholder operation id"),
    "crm doctor --phones --undo 3f2a9c0d1e2b4a5c": (66, "a placeholder operation id"),
    "crm import undo imp-07ecd47175": (66, "a placeholder import id"),
    "crm import undo imp-07ecd47175 --force": (66, "a placeholder import id"),
    'crm delete "+7 916 123-45-67"': (3, "asks; no answer is a no"),
    'crm group delete "Old leads"': (66, "names a group of the reader's"),
    'crm group delete "Old leads" --with-contacts --yes': (66, "names a group of the reader's"),
    "crm serve user remove Olga": (66, "removes the user 'user add' made"),
    "crm digest --send": (78, "no SMTP server or Telegram bot is set up here"),
}


def examples(cmd: click.Command) -> list[str]:
    out = []
    in_examples = False
    for line in full_help(cmd).splitlines():
        if line.strip().startswith(("Example", "Examples")):
            in_examples = True
            continue
        if in_examples and line.strip().startswith("crm "):
            out.append(line.strip())
        elif in_examples and line.strip() and not line.startswith(" "):
            in_examples = False
    return out


def parse(words: list[str], line: str) -> None:
    """Parse ``crm WORDS`` as click would, without running it (a file of the reader's
    that does not exist here is fine)."""
    try:
        ctx = cli.make_context("crm", list(words), resilient_parsing=False)
        sub_args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        group: click.Command = cli
        while isinstance(group, click.Group) and sub_args:
            name, sub, sub_args = group.resolve_command(ctx, sub_args)
            assert sub is not None, line
            ctx = sub.make_context(name or "", sub_args, parent=ctx)
            group, sub_args = sub, [*getattr(ctx, "_protected_args", []), *ctx.args]
    except click.BadParameter as exc:
        assert "does not exist" in exc.format_message(), f"{line}: {exc.format_message()}"


def crm_part(line: str) -> list[str]:
    """The words of the crm command on ``line``, without a pipe, redirect or comment."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words = []
    for token in lexer:
        if token in ("|", ">", ">>", "&&", ";", "<"):
            break
        words.append(token)
    return words[1:]


CASES = [pytest.param(path, cmd, id=path) for path, cmd, _ in COMMANDS if examples(cmd)]


EMPTY_HOME = {"crm", "crm add"}
NO_WHOLESALE = {"crm group", "crm group create"}
SEED = (
    ["config", "set", "user", "Olga"],
    ["add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--org", "Tiles Ltd",
     "--group", "Wholesale"],
    ["add", "Oleg Petrov", "--phone", "8 903 000-00-01"],
    ["add", "Maria Ivanova", "--phone", "8 903 000-00-02"],
    ["delete", "8 903 000-00-01", "8 903 000-00-02", "--yes"],
    ["add", "", "--org", "Tiles Ltd warehouse", "--phone", "8 495 123-45-67"],
    ["add", "Anna", "--phone", "+90 532 123 45 67", "--email", "ivan@example.com"],
    ["call", "Petrov", "asks for a price list", "--outcome", "interested"],
    ["order", "open", "Petrov", "40 boxes of tiles", "--amount", "12500"],
    ["order", "open", "Petrov", "sample kit"],
    ["group", "create", "VIP"],
    ["group", "create", "Leads"],
    ["import", "clients.xlsx"],
    ["profile", "add", "office"],
    ["profile", "add", "new-office"],
    ["profile", "add", "lab", "--endpoint", "http://127.0.0.1:9"],
    ["serve", "token", "add", "pbx"],
)  # fmt: skip


def make_home(home: Path, seed: tuple[list[str], ...]) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("CRM_HOME", str(home / "crm"))
    mp.setenv("CRM_NOW", "2026-10-20 10:00")
    mp.chdir(home)
    shutil.copy(ROOT / "docs/examples/clients.xlsx", home / "clients.xlsx")
    (home / "old.csv").write_text("Name;Phone\nAyşe Yılmaz;0532 123 45 67\n", encoding="utf-8")
    (home / "map.toml").write_text('[columns]\n"Name" = "full_name"\n', encoding="utf-8")
    for n, name in enumerate(("Olga", "Ivan", "Anna")):  # vCards shared from phones
        (home / f"{name.lower()}.vcf").write_text(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name} Smirnova\r\nN:Smirnova;{name};;;\r\n"
            f"TEL;TYPE=CELL:+7 916 555-00-0{n}\r\nEND:VCARD\r\n",
            encoding="utf-8",
        )
    try:
        for args in seed:
            result = run_crm(*args)
            assert result.code == 0, (args, result)
    finally:
        mp.undo()
    return home


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory) -> Path:
    """A home with what the examples talk about (made once, copied for each command)."""
    return make_home(tmp_path_factory.mktemp("seeded"), SEED)


@pytest.fixture(scope="module")
def no_wholesale_home(tmp_path_factory) -> Path:
    seed = tuple(  # clients.xlsx has a Wholesale client too
        [a for a in args if a not in ("--group", "Wholesale")]
        for args in SEED
        if "import" not in args
    )
    return make_home(tmp_path_factory.mktemp("no_wholesale"), seed)


@pytest.fixture(scope="module")
def empty_home(tmp_path_factory) -> Path:
    return make_home(tmp_path_factory.mktemp("empty"), SEED[:1])


@pytest.mark.slow
@pytest.mark.parametrize(("path", "cmd"), CASES)
def test_help_examples_run(
    path, cmd, seeded_home, empty_home, no_wholesale_home, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    start = empty_home if path in EMPTY_HOME else seeded_home
    shutil.copytree(no_wholesale_home if path in NO_WHOLESALE else start, home)
    monkeypatch.setenv("CRM_HOME", str(home / "crm"))
    monkeypatch.setenv("CRM_NOW", "2026-11-20 10:00")
    monkeypatch.chdir(home)
    for line in examples(cmd):
        outside = next((why for key, why in OUTSIDE.items() if key in line), None)
        words = crm_part(line)
        if outside:
            parse(words, line)
            continue
        result = run_crm(*words)
        expected, why = EXPECTED_EXIT.get(line, (0, ""))
        assert result.code == expected, f"{path}: $ {line}\n{result.out}{result.err}{why}"
        assert "Traceback" not in result.err


def test_every_command_with_examples_is_walked():
    walked = {c.values[0] for c in CASES}
    assert {"crm add", "crm call", "crm order", "crm summary", "crm import"} <= walked
    listed = {line for _, cmd, _ in COMMANDS for line in examples(cmd)}
    stale = set(EXPECTED_EXIT) - listed
    assert not stale, f"no such example any more: {stale}"


def test_crm_part_reads_like_the_shell():
    assert crm_part("crm find Petrov | cut -f2") == ["find", "Petrov"]
    assert crm_part("crm list --format csv > leads.csv") == ["list", "--format", "csv"]
    assert crm_part("crm doctor --relabel        # after: x") == ["doctor", "--relabel"]
    assert crm_part('crm call "a | b" x') == ["call", "a | b", "x"]
