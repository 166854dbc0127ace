"""Output for humans (tables) and scripts (``--json``), and the shared context."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from contacts_crm.contact.model import MY_CONTACTS, Contact

if TYPE_CHECKING:  # rich loads when something is drawn, not at start-up
    from rich.console import Console


@dataclass
class Ctx:
    """What every command gets: the chosen profile, output mode, the account."""

    profile: str | None = None
    json: bool = False
    _account: Any = field(default=None, repr=False)

    @property
    def account(self) -> Any:
        if self._account is None:
            from contacts_crm.account.connected import Account

            self._account = Account.open(self.profile)
        return self._account

    def close(self) -> None:
        if self._account is not None:
            self._account.close()
            self._account = None


pass_ctx = click.make_pass_decorator(Ctx)


class FilePath(click.Path):
    """A file argument: never empty, never a directory; given to commands as a Path."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("the file name is empty", param, ctx)
        return super().convert(value, param, ctx)


FILE = FilePath()


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def emit(ctx: Ctx, data: Any, human: Callable[[], None] | str | None = None) -> None:
    """Print ``data`` as JSON with --json, else the human form."""
    if ctx.json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif callable(human):
        human()
    elif human is not None:
        click.echo(human)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold", no_wrap=c == "Id", min_width=min(len(c), 10) or 1)
    for r in rows:
        t.add_row(*("" if v is None else str(v) for v in r))
    console().print(t)


def contact_dict(contact: Contact, group_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The stable JSON form of a contact (field names are part of the interface)."""
    names = group_names or {}
    return {
        "resourceName": contact.resource_name,
        "name": contact.display_name,
        "givenName": contact.given_name,
        "familyName": contact.family_name,
        "phones": [p.value for p in contact.phones],
        "emails": [e.value for e in contact.emails],
        "organization": contact.organization,
        "title": contact.title,
        "groups": [names.get(g, g) for g in contact.groups if g != MY_CONTACTS],
        "notes": contact.notes,
    }


def group_names(account: Any) -> dict[str, str]:
    return {
        g["resourceName"]: (g.get("formattedName") or g.get("name", ""))
        for g in account.cache.groups()
    }


@contextmanager
def progress(ctx: Ctx, label: str) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr for long work; silent with --json or off a terminal.

    Yields ``update(**kwargs)``: rich's ``advance=``, ``completed=``, ``total=``.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=console(stderr=True), transient=True,
        disable=ctx.json or not sys.stderr.isatty(),
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)
        yield lambda **kwargs: bar.update(task, **kwargs)
