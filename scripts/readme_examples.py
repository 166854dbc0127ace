#!/usr/bin/env python3
"""Run the README's console examples on a fresh home and compare what they print.

.venv/bin/python scripts/readme_examples.py            # run them; exit 1 on a difference
.venv/bin/python scripts/readme_examples.py --write    # write what they print into README.md

Every ```console block of README.md is run, in order, for a new user (HOME is an empty
folder, no CRM_HOME: the local account), from a folder holding the example files of
docs/examples/ (clients.xlsx…).
Each ``$ command`` (``\\`` continues it; `` # words`` after two spaces is a comment) runs
in bash with ``crm`` on the PATH; its output (stdout and stderr, as a terminal shows them:
stdout is a terminal 80 columns wide, escapes removed) must be the lines shown under it.

What makes the output the same on every run, and keeps it honest:
- ``CRM_NOW`` fixes the clock: the n-th command of the k-th block runs at 2026-11-20
  07:00 plus 40k + n minutes (TZ=UTC), so dates, times and the operation ids that follow
  from them are the same (adding an example changes only the later ones of its block);
- ``CRM_EMULATOR_SEED=1`` makes the local account give the same resource names;
- ``EDITOR=true`` (``crm edit`` with no option saves the template unchanged); stdin is
  empty (a question is answered "no").
A block right after a ``<!-- example: not run: WHY -->`` line (a Google account, a server
that runs until Ctrl+C, setting up a checkout) is not run: its ``crm`` commands are only
parsed, so their options must exist.
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLES = ROOT / "docs" / "examples"
START = datetime(2026, 11, 20, 7, 0)  # block k's n-th command runs at START + 40k + n minutes
WIDTH = 80
NOT_RUN = re.compile(r"<!--\s*example:\s*not run:\s*(.+?)\s*-->")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass
class Example:
    command: str  # as typed, comment included
    shown: list[str]  # the output lines under it
    line: int  # 0-based line of README.md where the command starts
    end: int  # the line after its shown output
    indent: str

    @property
    def shell(self) -> str:
        return strip_comment(self.command)


@dataclass
class Block:
    start: int  # the ```console line
    examples: list[Example] = field(default_factory=list)
    not_run: str | None = None


def strip_comment(command: str) -> str:
    """The command without a trailing ``  # comment`` (two spaces before the #)."""
    out = []
    for part in command.split("\n"):
        m = re.search(r"\s{2,}#\s", part)
        out.append(part[: m.start()].rstrip() if m and not _in_quotes(part[: m.start()]) else part)
    return "\n".join(out).replace("\\\n", " ")


def _in_quotes(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("'") % 2 == 1


def blocks(lines: list[str]) -> list[Block]:
    """Every ```console block with its commands and their shown output."""
    found = []
    i = 0
    while i < len(lines):
        fence = lines[i].strip()
        if fence != "```console":
            i += 1
            continue
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        block = Block(i)
        back = i - 1
        while back >= 0 and not lines[back].strip():
            back -= 1
        m = NOT_RUN.search(lines[back]) if back >= 0 else None
        block.not_run = m.group(1) if m else None
        i += 1
        current: Example | None = None
        while i < len(lines) and lines[i].strip() != "```":
            text = lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i].lstrip()
            if text.startswith("$ "):
                command, start = text[2:], i
                while command.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command += "\n" + lines[i].strip()
                current = Example(command, [], start, i + 1, indent)
                block.examples.append(current)
            elif current is not None:
                current.shown.append(text)
                current.end = i + 1
            i += 1
        found.append(block)
        i += 1
    return found


def run(example: Example, minutes: int, env: dict[str, str], cwd: Path) -> list[str]:
    """What ``example`` prints on a terminal, as lines."""
    at = START + timedelta(minutes=minutes)
    env = {**env, "CRM_NOW": at.strftime("%Y-%m-%d %H:%M")}
    master, slave = pty.openpty()
    os.set_blocking(master, True)
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, WIDTH, 0, 0))
        proc = subprocess.Popen(
            ["bash", "-c", example.shell], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=slave, stderr=slave, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=120)
    finally:
        os.close(master)
    text = ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def parse_only(example: Example) -> str | None:
    """For a block that is not run: each ``crm`` command's options parse (None: they do)."""
    sys.path.insert(0, str(ROOT))
    import click

    from contacts_crm.cli import cli

    for part in re.split(r"\s*(?:&&|\||;)\s*", example.shell):
        words = shlex.split(part)
        if not words or words[0] != "crm":
            continue
        try:
            _parse(cli, words[1:])
        except click.BadParameter as exc:
            if "does not exist" not in exc.format_message():  # a file of the reader's
                return f"{part}: {exc.format_message()}"
        except click.ClickException as exc:
            return f"{part}: {exc.format_message()}"
    return None


def _parse(group: object, args: list[str]) -> None:
    import click

    cmd: click.Command = group  # type: ignore[assignment]
    ctx = cmd.make_context("crm", list(args), resilient_parsing=False)
    while isinstance(cmd, click.Group):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            return
        name, sub, rest = cmd.resolve_command(ctx, rest)
        if sub is None:
            return
        ctx = sub.make_context(name or "", rest, parent=ctx)
        cmd = sub


def environment(home: Path) -> dict[str, str]:
    """A fresh home: HOME is an empty folder (config and data land in ~/.config and
    ~/.local/share, as for a new user), nothing of the caller's crm or XDG settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "XDG_"))}
    bindir = str(Path(sys.executable).parent)
    env.update(
        HOME=str(home), CRM_EMULATOR_SEED="1", TZ="UTC", COLUMNS=str(WIDTH),
        LINES="24", LANG="C.UTF-8", LC_ALL="C.UTF-8", EDITOR="true", VISUAL="true",
        PATH=bindir + os.pathsep + env.get("PATH", ""),
        TERM="dumb",  # no progress bars: they are gone from the screen when a command ends
    )  # fmt: skip
    env.pop("NO_COLOR", None)
    return env


def check(write: bool = False, readme: Path = README) -> list[str]:
    """Run every example; the differences (empty: the README says what happens)."""
    lines = readme.read_text(encoding="utf-8").split("\n")
    problems: list[str] = []
    replacements: list[tuple[Example, list[str]]] = []
    with tempfile.TemporaryDirectory(prefix="crm-readme-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir(mode=0o700)
        shutil.copytree(EXAMPLES, work)
        env = environment(home)
        for k, block in enumerate(blocks(lines)):
            for n, example in enumerate(block.examples, 1):
                if block.not_run:
                    why = parse_only(example)
                    if why:
                        problems.append(f"README.md:{example.line + 1}: {why}")
                    continue
                got = run(example, 40 * k + n, env, work)
                if got != example.shown:
                    replacements.append((example, got))
                    problems.append(
                        f"README.md:{example.line + 1}: $ {example.command}\n"
                        + "\n".join(f"  shown: {s}" for s in example.shown)
                        + "\n" + "\n".join(f"  print: {s}" for s in got)
                    )  # fmt: skip
    if write and replacements:
        for example, got in sorted(replacements, key=lambda r: -r[0].line):
            first = example.line + example.command.count("\n") + 1
            lines[first : example.end] = [example.indent + g if g else "" for g in got]
        readme.write_text("\n".join(lines), encoding="utf-8")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the outputs into README.md")
    args = parser.parse_args()
    problems = check(write=args.write)
    if problems and not args.write:
        print("\n\n".join(problems))
        print(f"\n{len(problems)} example(s) differ: fix them, or run with --write and review")
        return 1
    print("README examples: " + ("rewritten" if problems else "every output as shown"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
