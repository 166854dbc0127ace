#!/usr/bin/env python3
"""Generate docs/cli.md, the ``crm`` command reference, from the commands' --help.

.venv/bin/python scripts/gen_cli_docs.py          # (re)write docs/cli.md
.venv/bin/python scripts/gen_cli_docs.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterator
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"
WIDTH = 88

HEADER = """\
# `crm` command reference

Generated from the commands' `--help` by `scripts/gen_cli_docs.py`; do not
edit by hand. Regenerate with `.venv/bin/python scripts/gen_cli_docs.py`.
"""


def walk(
    command: click.Command, path: list[str], parent: click.Context | None = None
) -> Iterator[tuple[list[str], click.Command, click.Context]]:
    """Every command and subcommand, depth first, in name order."""
    ctx = click.Context(
        command, info_name=path[-1], parent=parent, terminal_width=WIDTH, max_content_width=WIDTH
    )
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is None:
                continue
            if sub.hidden:  # the group's default action (crm import FILE, crm journal QUERY)
                sub_ctx = click.Context(sub, info_name=path[-1], parent=parent,
                                        terminal_width=WIDTH, max_content_width=WIDTH)  # fmt: skip
                yield [*path, name], sub, sub_ctx
            else:
                yield from walk(sub, [*path, name], ctx)


def title(path: list[str], command: click.Command) -> str:
    """``crm import run`` (hidden: the group's default action) reads ``crm import FILE``."""
    if command.hidden:
        args = " ".join(p.human_readable_name for p in command.params
                        if isinstance(p, click.Argument))  # fmt: skip
        return " ".join([*path[:-1], args])
    return " ".join(path)


def render() -> str:
    from contacts_crm.cli import cli

    parts = [HEADER]
    commands = list(walk(cli, ["crm"]))
    parts.append("## Commands\n")
    parts.extend(f"- [`{title(path, cmd)}`](#{'-'.join(path)})" for path, cmd, _ in commands)
    parts.append("")
    for path, command, ctx in commands:
        parts.append(f'<a id="{"-".join(path)}"></a>\n')
        parts.append(f"## `{title(path, command)}`\n")
        parts.append("```text")
        parts.append(command.get_help(ctx).rstrip())
        parts.append("```\n")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(), text.splitlines(), "docs/cli.md", "generated", lineterm=""
        )
        sys.stdout.write("\n".join(list(diff)[:60]) + "\n")
        print(
            "docs/cli.md is out of date: run .venv/bin/python scripts/gen_cli_docs.py",
            file=sys.stderr,
        )
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
