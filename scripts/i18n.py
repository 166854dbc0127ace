#!/usr/bin/env python3
"""Message catalogs (gettext, Babel): extract the marked messages, update ru/tr, compile.

.venv/bin/python scripts/i18n.py            # extract + update the .po files + compile .mo
.venv/bin/python scripts/i18n.py --check    # exit 1 when a .mo is older than its .po,
                                            # or a marked message is missing from a catalog

The catalogs live in contacts_crm/locale/<lang>/LC_MESSAGES/contacts_crm.{po,mo}; both are
committed (and shipped as package data), so installing needs no build step. Translate by
editing the .po files, then run this script again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "contacts_crm" / "locale"
POT = LOCALE / "contacts_crm.pot"
LANGUAGES = ("ru", "tr")
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def run(*args: str) -> None:
    subprocess.run([*PYBABEL, *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip


def extract(target: Path = POT) -> None:
    """The marked messages (Babel) and every command's help texts, into ``target``."""
    run("extract", "--no-location", "--omit-header", "--sort-output", "-k", "_", "-k",
        "ngettext:1,2", "-k", "pgettext:1c,2", "-k", "_current.pgettext:1c,2", "-o", str(target),
        "contacts_crm")  # fmt: skip
    add_help_texts(target)


def add_help_texts(target: Path) -> None:
    """Add the ``--help`` texts of every command, as click shows them (cli/help_text.py)."""
    import click
    from babel.messages.pofile import read_po, write_po

    sys.path.insert(0, str(ROOT))
    from contacts_crm.cli import cli
    from contacts_crm.cli.help_text import help_texts

    ctx = click.Context(cli, info_name="crm")
    for name in cli.list_commands(ctx):  # imports every command module
        cli.get_command(ctx, name)
    with target.open("rb") as fh:
        catalog = read_po(fh)
    for text in help_texts(cli):
        if text not in catalog:
            catalog.add(text)
    with target.open("wb") as fh:
        write_po(fh, catalog, omit_header=True, sort_output=True, no_location=True)


def _key(m: object) -> tuple[str | None, str]:
    mid = m.id  # type: ignore[attr-defined]
    return (m.context, mid if isinstance(mid, str) else mid[0])  # type: ignore[attr-defined]


def _text(string: object) -> object:
    return tuple(string) if isinstance(string, list | tuple) else string


def missing(pot: Path) -> list[str]:
    """Marked messages without a translation, and .mo files that differ from their .po."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    with pot.open("rb") as fh:
        wanted = {_key(m) for m in read_po(fh) if m.id}
    problems = []
    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "contacts_crm.po"
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        done = {_key(m): _text(m.string) for m in cat if m.id and m.string}
        problems += [f"{lang}: not translated: {k[1]!r}" for k in sorted(wanted - set(done),
                     key=str)]  # fmt: skip
        mo = po.with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{lang}: {mo.name} is missing: run scripts/i18n.py")
            continue
        with mo.open("rb") as fh:
            compiled = {_key(m): _text(m.string) for m in read_mo(fh) if m.id}
        if compiled != done:
            problems.append(f"{lang}: {mo.name} differs from {po.name}: run scripts/i18n.py")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            pot = Path(tmp) / "check.pot"
            extract(pot)
            problems = missing(pot)
        print("\n".join(problems) or "catalogs complete")
        return 1 if problems else 0
    extract()
    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "contacts_crm.po"
        if po.exists():
            run("update", "--no-fuzzy-matching", "--omit-header", "-D", "contacts_crm",
                "-i", str(POT), "-d", str(LOCALE), "-l", lang)  # fmt: skip
        else:
            run("init", "-D", "contacts_crm", "-i", str(POT), "-d", str(LOCALE), "-l", lang)
    run("compile", "-D", "contacts_crm", "-d", str(LOCALE), "--use-fuzzy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
