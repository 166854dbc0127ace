"""Every command explains itself, and docs/cli.md matches the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from contacts_crm.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def commands():
    """(path, command, parent group or None) for every command and subcommand."""
    out = []

    def visit(cmd: click.Command, path: list[str], parent: click.Command | None) -> None:
        out.append((" ".join(path), cmd, parent))
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd, info_name=path[-1])
            for name in sorted(cmd.list_commands(ctx)):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    visit(sub, [*path, name], cmd)  # hidden default actions (import FILE) too

    visit(cli, ["crm"], None)
    return out


COMMANDS = commands()


def full_help(cmd: click.Command) -> str:
    return "\n".join(x for x in (cmd.help, cmd.epilog) if x)


# Commands in modules owned by others that still lack an example (strict xfail: when
# one gets its example this test says to drop it from the list).
KNOWN_MISSING_EXAMPLE: dict[str, str] = {}

CASES = [
    pytest.param(
        *c,
        id=c[0],
        marks=[
            pytest.mark.xfail(
                strict=True, reason=f"no example yet in {KNOWN_MISSING_EXAMPLE[c[0]]}"
            )
        ]
        if c[0] in KNOWN_MISSING_EXAMPLE
        else [],
    )
    for c in COMMANDS
]


@pytest.mark.parametrize(("path", "cmd", "parent"), CASES)
def test_command_has_help_and_an_example(path, cmd, parent):
    assert (cmd.help or "").strip(), f"{path} has no help text"
    assert cmd.get_short_help_str(80).strip(), f"{path} has no short help"
    own = full_help(cmd)
    # its own example, in its own --help: a group's list of examples does not count
    assert "Example" in own and "  crm " in own, f"{path}: add an 'Example' to its help"
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{path} {param.opts[0]} has no help"


def test_every_command_appears_in_the_top_help():
    ctx = click.Context(cli, info_name="crm")
    text = cli.get_help(ctx)
    names = cli.list_commands(ctx)
    assert {"card", "find", "import", "summary"} <= set(names)
    for name in names:
        assert name in text


def test_every_command_module_is_registered_with_all_its_commands():
    """The root group imports a command's module only when it runs: each module
    under cli/ with COMMANDS must be in COMMAND_MODULES with exactly those names."""
    import importlib
    import pkgutil

    import contacts_crm.cli as cli_pkg
    from contacts_crm.cli.main import COMMAND_MODULES

    found = {}
    for info in pkgutil.iter_modules(cli_pkg.__path__):
        module = importlib.import_module(f"contacts_crm.cli.{info.name}")
        if hasattr(module, "COMMANDS"):
            found[info.name] = tuple(c.name for c in module.COMMANDS)
    assert found == COMMAND_MODULES


def test_cli_reference_documents_every_option():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, cmd, _ in COMMANDS:
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[0] in text, f"docs/cli.md lacks {path} {param.opts[0]}"
    for option in ("--dry-run", "--on-duplicate", "--show-mapping", "--report", "--mapping"):
        assert option in text  # the import options (crm import FILE) are documented


def test_cli_reference_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, (
        "docs/cli.md is stale; regenerate: .venv/bin/python scripts/gen_cli_docs.py\n"
        + result.stdout[-3000:]
    )


def test_the_walk_sees_every_command():
    """The parametrised checks above cannot pass by seeing no command at all."""
    paths = {c[0] for c in COMMANDS}
    assert {"crm card", "crm import", "crm summary", "crm order open", "crm group list"} <= paths
