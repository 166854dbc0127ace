"""Output for people (tables) and pipes (plain, tsv, csv, json), and the shared context.

Adopting it in a command that lists or reports something (one decorator, one call)::

    from contacts_crm.cli.output import Ctx, Listing, output_options, pass_ctx, show

    @click.command()
    @output_options()                       # --format table|plain|tsv|csv|json, --output/-o
    @pass_ctx
    def things(ctx: Ctx) -> None:
        rows = ...
        show(ctx, Listing(["Name", "Phone"], [[r.name, r.phone] for r in rows],
                          empty="No thing found."),
             data=[r.to_dict() for r in rows])   # the --json / --format json form

* The format: ``--format`` if given, ``--json`` (the global shortcut) means json; else
  ``table`` when stdout is a terminal and ``plain`` when it is not (a pipe, a file).
* ``table``: columns sized to the terminal (``COLUMNS``); a long cell wraps at spaces
  onto continuation lines and a word is never broken. Written by hand, not with rich:
  13,000 rows take a fraction of a second. ``Decimal`` cells read like amounts on the
  card (``12 500.50``; ``12 500,50`` in ru and tr); numbers are right-aligned.
* ``plain``: what the table shows (the same listings, columns and order, the heading
  lines and titles), but one record per line with its fields separated by a tab, after
  one header row, and never wrapped; line breaks and tabs inside a cell become spaces.
  What ``grep``, ``cut -f`` and ``sort`` want, and what a person reads in ``| less``.
  Build a command's human listing when ``ctx.human`` (table or plain), the machine one
  (raw numbers, every column) for tsv, csv and json.
* ``tsv``: a header line, then one record per line; ``\\t``, ``\\n``, ``\\r`` and ``\\\\``
  inside a cell are escaped (``str.split("\\t")`` then unescape reads it back).
* ``csv``: RFC 4180 with a header (``csv.reader`` reads it); cells that would start a
  formula are neutralised like in exported files.
* ``json``: ``data`` as given (a stable interface), else a list of objects per listing.
* Several listings (a report with sections) are written one after the other,
  separated by one empty line, in every text format.
* ``--output FILE`` writes the text to FILE (``-`` is stdout); without ``--format``
  the file's extension chooses (.csv, .tsv, .json, .xlsx where offered; else plain).
  A missing directory or an unwritable path is a clear error (exit 73).

Commands with extra formats (``xlsx``) pass them: ``@output_options(extra=("xlsx",))``
and read ``ctx.fmt`` (the format in effect) / ``ctx.output`` to handle them before
calling ``show``. ``Listing(nowrap=(i,))`` keeps column ``i`` whole in a table (times,
ids). Also here for every command: ``check_output_path(path)`` (exit 73 before long work),
``open_output(path)`` (``-``/None is stdout), ``confirm(question, yes=..., refused=...)``
(a "no" is exit 3, never 130), ``emit(ctx, data, message)`` for a single result.
"""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.errors import DeclinedError, OutputFileError
from contacts_crm.i18n import _

if TYPE_CHECKING:  # rich loads when a progress bar is drawn, not at start-up
    from rich.console import Console

TEXT_FORMATS = ("table", "plain", "tsv", "csv", "json")


@dataclass
class Ctx:
    """What every command gets: the chosen profile, output mode, the account."""

    profile: str | None = None
    json: bool = False
    format: str | None = None  # set by --format (output_options)
    output: str | None = None  # set by --output (output_options)
    config: Any = field(default=None, repr=False)  # the configuration main() read, if any
    finish_interrupted: bool = True  # finish interrupted operations when the account opens
    _account: Any = field(default=None, repr=False)
    wrote: bool = False  # set at close: the command wrote to the account or the journal

    @property
    def account(self) -> Any:
        if self._account is None:
            from contacts_crm.account.connected import Account

            # main() set the language from this profile already (cli/main.py)
            self._account = Account.open(self.profile, config=self.config)
            if self.finish_interrupted:
                finish_interrupted(self._account)
        return self._account

    @property
    def read_account(self) -> Any:
        """The account for a call-screen read (card, find, show, journal): it answers
        from the local copy at once, however old; ``close`` then says how old and
        starts its refresh in the background (cli/stale.py)."""
        account = self.account
        account.answer_from_copy = True
        return account

    def close(self) -> None:
        if self._account is not None:
            account, self._account = self._account, None
            try:
                self.wrote = bool(account.wrote())
                _say_journal_rebuilt(account)
                _push_history(account)
                if account.stale_for is not None:
                    from contacts_crm.cli.stale import say_age_and_refresh

                    say_age_and_refresh(account)
            finally:
                account.close()

    @property
    def fmt(self) -> str:
        """The output format in effect (see the module docstring)."""
        if self.json:
            return "json"
        if self.format:
            return self.format
        if self.output and self.output != "-":  # -o FILE: its extension, else plain
            ext = Path(self.output).suffix.lower().lstrip(".")
            return ext if ext in ("csv", "tsv", "json", "xlsx") else "plain"
        return "table" if _isatty(sys.stdout) else "plain"

    @property
    def wants_json(self) -> bool:
        return self.fmt == "json"

    @property
    def human(self) -> bool:
        """Table or plain: the listing a person reads (the terminal and the pipe alike)."""
        return self.fmt in ("table", "plain")


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


UNDO_COMMANDS = {
    "merge": "crm merge --undo {op}",
    "delete": "crm undo {op}",
    "undelete": "crm undo {op}",
    "group_members": "crm undo {op}",
    "phone_fix": "crm doctor --phones --undo {op}",
    "import_undo": "crm undo {op}",
}


def started(ctx: Ctx, kind: str) -> Any:
    """The ``on_start`` of a durable operation: its id (and how to undo it) on
    stderr before the first write, so a kill leaves the id on screen."""

    def say(op_id: str) -> None:
        undo = UNDO_COMMANDS.get(kind, "crm undo {op}").format(op=op_id)
        click.echo(_("Operation {op} (undo: {undo})").format(op=op_id, undo=undo), err=True)

    return say


def finish_interrupted(account: Any) -> None:
    """Finish what an interrupted command left (account/operations/), saying so.

    Offline, it waits for the next command: the operation stays in the journal."""
    from contacts_crm.account.interrupted import any_open
    from contacts_crm.errors import UnavailableError

    try:
        if not any_open(account.data_dir):  # one look; the operations load only if needed
            return
        from contacts_crm.account import operations as ops

        ops.finish_pending(account, notice=_interrupted)
    except UnavailableError as exc:
        click.echo(_("Interrupted work waits for the connection: {why}").format(
            why=exc.message), err=True)  # fmt: skip


def _interrupted(op: Any) -> None:
    click.echo(
        _("Finishing the {what} interrupted on {when} (operation {op})").format(
            what=kind_word(op.kind), when=op.at[:16].replace("T", " "), op=op.op_id
        ),
        err=True,
    )


def kind_word(kind: str) -> str:
    """An operation's kind in the office's language."""
    words = {"merge": _("merge"), "delete": _("delete"), "undelete": _("undelete"),
             "undo": _("undo"), "group_members": _("group change"),
             "import_undo": _("import undo"), "phone_fix": _("phone fix"),
             "import": _("import"), "restore": _("restore"),
             "card": _("call or order saved offline")}  # fmt: skip
    return words.get(kind, kind)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


# ---- the decorator -----------------------------------------------------------
def output_options(
    extra: Sequence[str] = (), *, output: bool = True, formats_help: str = ""
) -> Callable[[Any], Any]:
    """``--format`` (table|plain|tsv|csv|json plus ``extra``) and ``--output``/``-o``.

    The values land on the command's ``Ctx`` (``ctx.format``, ``ctx.output``); the
    command's own parameters do not change.
    """
    choices = [*TEXT_FORMATS, *extra]

    def remember(click_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        obj = click_ctx.find_object(Ctx)
        if obj is not None and value is not None:
            setattr(obj, _param.name or "", value)
        return value

    def deco(fn: Any) -> Any:
        if output:
            fn = click.option(
                "--output", "-o", "output", metavar="FILE", expose_value=False,
                callback=remember, help="Write to FILE instead of the terminal ('-': stdout).",
            )(fn)  # fmt: skip
        return click.option(
            "--format", "format", type=click.Choice(choices), expose_value=False,
            callback=remember,
            help="table (default on a terminal), plain (default in a pipe: the table's "
            "columns, one record per line, tab-separated), tsv, csv or json"
            + (f"; {formats_help}" if formats_help else "") + ".",
        )(fn)  # fmt: skip

    return deco


# ---- listings ----------------------------------------------------------------
@dataclass
class Listing:
    """One table of output: a header of words and rows of cells (any Python value)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    title: str | None = None
    empty: str | None = None  # said (table only) when there is no row
    keys: Sequence[str] | None = None  # json field names (default: from the columns)
    nowrap: Sequence[int] = ()  # columns (by index) a table never wraps: times, ids

    def json_keys(self) -> list[str]:
        if self.keys is not None:
            return list(self.keys)
        return [_key(c) or f"column{i + 1}" for i, c in enumerate(self.columns)]


def transposed(listing: Listing, corner: str = "") -> Listing:
    """Rows become columns: a wide table with few rows reads better this way on a terminal."""
    columns = [corner or str(listing.columns[0]), *(str(r[0]) for r in listing.rows)]
    rows = [[name, *(r[i] if i < len(r) else None for r in listing.rows)]
            for i, name in enumerate(listing.columns) if i]  # fmt: skip
    return Listing(columns, rows, title=listing.title, empty=listing.empty)


def fits(listing: Listing, width: int | None = None) -> bool:
    """Whether the table fits the terminal without wrapping anything."""
    space = width or terminal_width()
    widths = [text_width(str(c)) for c in listing.columns]
    for row in listing.rows:
        for i, v in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], text_width(human_cell(v)))
    return sum(widths) + 2 * (len(widths) - 1) <= space


def short_time(at: str) -> str:
    """'2026-11-18T09:30:00+00:00' -> '2026-11-18 09:30' local (the date alone at midnight)."""
    try:
        local = datetime.fromisoformat(at).astimezone()
    except (TypeError, ValueError):
        return at
    if (local.hour, local.minute) == (0, 0):
        return local.date().isoformat()
    return local.strftime("%Y-%m-%d %H:%M")


def _key(column: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in column).split()
    return "".join(w.lower() if i == 0 else w.capitalize() for i, w in enumerate(words))


def show(
    ctx: Ctx,
    listings: Listing | Sequence[Listing],
    data: Any = None,
    *,
    before: Sequence[str] = (),
) -> None:
    """Write ``listings`` in the format in effect (``before``: table-only heading lines)."""
    items = [listings] if isinstance(listings, Listing) else list(listings)
    fmt = ctx.fmt
    mode = 0o600
    to_file = ctx.output is not None and str(ctx.output) != "-"
    if to_file and ctx._account is not None:  # the profile may share exports (export_mode)
        from contacts_crm.files.output import file_mode

        mode = file_mode(ctx._account.profile.export_mode)
    with open_output(ctx.output, "utf-8-sig" if fmt == "csv" else "utf-8", mode=mode) as out:
        if fmt == "json":
            if data is None:
                data = [_json_rows(x) for x in items]
                data = data[0] if len(data) == 1 else data
            out.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
            out.write("\n")
            return
        if fmt not in ("table", "plain", "tsv", "csv"):
            from contacts_crm.errors import UsageError

            raise UsageError(_("--format {fmt} is not available here").format(fmt=fmt),
                             hint=_("use table, plain, tsv, csv or json"))  # fmt: skip
        styled = isinstance(out, _Stdout) and _isatty(sys.stdout)  # no escapes in files

        def render_styled(item: Listing) -> str:
            return render_table(item, style=styled)

        writer = {"table": render_styled, "plain": render_plain, "tsv": render_tsv,
                  "csv": render_csv}[fmt]  # fmt: skip
        if fmt == "plain" and not any(x.rows for x in items) and items[0].empty:
            click.echo(items[0].empty, err=True)  # a person reading a pipe's end sees why
        human = fmt in ("table", "plain")
        chunks = [f"{line}\n" for line in before] if human else []
        for i, item in enumerate(items):
            if i or (chunks and human):
                chunks.append("\n")
            if fmt == "plain" and item.title and item.rows:  # as the table shows it
                chunks.append(f"{item.title}\n")
            chunks.append(writer(item))
        out.write("".join(chunks))


def _json_rows(listing: Listing) -> list[dict[str, Any]]:
    keys = listing.json_keys()
    return [dict(zip(keys, row, strict=False)) for row in listing.rows]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


NBSP = "\u00a0"  # in a table cell: a space the table never wraps at (amounts "46 000.50")


def phone_cell(ctx: Ctx, number: str) -> str:
    """A phone number as the format wants it: E.164 for tsv, csv and json; national for
    people, never cut in a table (its spaces do not break)."""
    if not ctx.human or not number:
        return number
    from contacts_crm.contact.phones import format_national  # lazy: phonenumbers

    text = format_national(number)
    return text.replace(" ", NBSP) if ctx.fmt == "table" else text


def human_cell(value: Any) -> str:
    """A cell as a person reads it: amounts like the card (``12 500.50``), no None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        from contacts_crm.card.grammar import format_amount
        from contacts_crm.i18n import decimal_symbol

        return format_amount(value, decimal_symbol())  # as the card writes it
    if type(value) is float:  # subclasses (a Percent) say themselves
        return f"{value:g}"
    return str(value)


def _one_line(text: str) -> str:
    if "\n" in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text


def render_plain(listing: Listing) -> str:
    """A header row, then one record per line, tab-separated (nothing when no row)."""
    if not listing.rows:
        return ""
    header = "\t".join(_one_line(str(c)) for c in listing.columns) + "\n"
    return header + "".join(
        "\t".join(_one_line(human_cell(v)) for v in row) + "\n" for row in listing.rows
    )


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def render_tsv(listing: Listing) -> str:
    """A header, then one record per line; tabs, line breaks and backslashes escaped."""
    lines = ["\t".join(str(c).translate(_TSV_ESCAPES) for c in listing.columns)]
    lines += ["\t".join(_raw(v).translate(_TSV_ESCAPES) for v in row) for row in listing.rows]
    return "\n".join(lines) + "\n"


def render_csv(listing: Listing) -> str:
    import csv

    from contacts_crm.files.safe_cells import csv_row, phone_columns  # lazy: fast start-up

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(csv_row(list(listing.columns)))
    phones = phone_columns(listing.columns)  # the one CSV rule (README: formulas in CSV)
    for row in listing.rows:
        writer.writerow(csv_row([v if isinstance(v, str) else _raw(v) for v in row], phones))
    return buf.getvalue()


# ---- the terminal table ------------------------------------------------------
def text_width(text: str) -> int:
    """Terminal cells taken by ``text`` (wide East Asian characters count 2)."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def terminal_width() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    import shutil  # lazy, like csv: a pipe (plain output) needs neither

    return shutil.get_terminal_size((100, 24)).columns


def _longest_word(text: str) -> int:
    if " " not in text:
        return text_width(text)
    return max((text_width(w) for w in text.split(" ")), default=0)


def fit_widths(natural: list[int], minimal: list[int], space: int) -> list[int]:
    """Column widths that fit ``space``, never below a column's longest word."""
    if sum(natural) <= space:
        return natural
    widths = list(minimal)
    spare = space - sum(widths)
    if spare <= 0:
        return widths
    wants = [n - m for n, m in zip(natural, minimal, strict=True)]
    total = sum(wants)
    for i, want in enumerate(wants):
        widths[i] += want * spare // total if total else 0
    left = space - sum(widths)
    for i in sorted(range(len(widths)), key=lambda j: -wants[j]):  # the rounding remainder
        if left <= 0:
            break
        if widths[i] < natural[i]:
            widths[i] += 1
            left -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    if text_width(text) <= width:
        return [text]
    return textwrap.wrap(
        text.replace(NBSP, "\0"), width, break_long_words=False, break_on_hyphens=False
    ) or [""]


def _pad(text: str, width: int, right: bool) -> str:
    gap = width - text_width(text)
    if gap <= 0:
        return text
    return " " * gap + text if right else text + " " * gap


def render_table(listing: Listing, width: int | None = None, style: bool | None = None) -> str:
    """A borderless table that fits ``width`` columns and never breaks a word."""
    if not listing.rows:
        return f"{listing.empty}\n" if listing.empty else ""
    style = _isatty(sys.stdout) if style is None else style
    gap = 2
    header = [str(c) for c in listing.columns]
    cells = [[_one_line(human_cell(v)).replace(" ", NBSP) if isinstance(v, Decimal)
              else _one_line(human_cell(v)) for v in row] for row in listing.rows]  # fmt: skip
    right = [
        all(isinstance(row[i], int | float | Decimal) or row[i] in (None, "")
            for row in listing.rows if i < len(row))
        for i in range(len(header))
    ]  # fmt: skip
    n = len(header)
    whole = {i for i in range(n) if i in listing.nowrap or right[i]}  # numbers: never wrapped
    natural = [text_width(h) for h in header]
    minimal = [_longest_word(h) for h in header]
    for row in cells:
        for i in range(min(n, len(row))):
            w = text_width(row[i])
            if w > natural[i]:
                natural[i] = w
                word = _longest_word(row[i]) if " " in row[i] and i not in whole else w
                if word > minimal[i]:
                    minimal[i] = word
            elif " " in row[i] and w > minimal[i]:
                word = w if i in whole else _longest_word(row[i])
                if word > minimal[i]:
                    minimal[i] = word
    space = (width or terminal_width()) - gap * (n - 1)
    widths = fit_widths(natural, minimal, max(space, n))
    sep = " " * gap
    out: list[str] = []
    if listing.title:
        out.append(click.style(listing.title, bold=True) if style else listing.title)
    for lines in (_block(header, widths, [False] * n),):
        for line in lines:
            out.append(click.style(line, bold=True) if style else line)
    out.append(sep.join("─" * w for w in widths).rstrip())
    for row in cells:
        out.extend(_block(row, widths, right))
    return "\n".join(out) + "\n"


def _block(row: Sequence[str], widths: list[int], right: list[bool]) -> list[str]:
    n = len(widths)
    row = list(row) + [""] * (n - len(row))
    if all(text_width(row[i]) <= widths[i] for i in range(n)):
        line = "  ".join(_pad(row[i], widths[i], right[i]) for i in range(n)).rstrip()
        return [line.replace(NBSP, " ")]
    wrapped = [[part.replace("\0", " ") for part in _wrap(row[i], widths[i])] for i in range(n)]
    height = max(len(w) for w in wrapped)
    return [
        "  ".join(
            _pad(wrapped[i][k] if k < len(wrapped[i]) else "", widths[i], right[i])
            for i in range(n)
        ).rstrip()
        for k in range(height)
    ]


# ---- output paths ------------------------------------------------------------
def check_output_path(path: str | Path, what: str = "output file") -> Path:
    """A path we can write: its folder exists and is writable, it is not a folder, its
    name is not too long (files.output.check_output: exit 73 naming the path)."""
    from contacts_crm.files.output import check_output

    return check_output(os.path.expanduser(os.fspath(path)), what)


@contextmanager
def open_output(
    path: str | Path | None, encoding: str = "utf-8", *, mode: int = 0o600
) -> Iterator[Any]:
    """stdout for None or ``-``; else the file, with clear errors for a bad path."""
    if path is None or str(path) == "-":
        yield _Stdout()
        return
    target = check_output_path(path)
    try:  # private (0600) from the start, like every file the tool writes for the user
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.chmod(target, mode)  # also when the file was there (or the umask narrowed it)
        fh = os.fdopen(fd, "w", encoding=encoding, newline="")
    except OSError as exc:
        raise OutputFileError(
            _("cannot write {path!r}: {why}").format(path=str(path), why=exc.strerror or exc),
            hint=_("choose another path"),
        ) from None
    with fh:
        yield fh
    click.echo(_("Wrote {path}").format(path=target), err=True)


class _Stdout(io.TextIOBase):
    """Writes through click.echo (test runners swap sys.stdout)."""

    def write(self, text: str) -> int:
        click.echo(text, nl=False)
        return len(text)


# ---- messages and contacts ---------------------------------------------------
YES = ("y", "yes", "д", "да", "e", "evet")  # the answers that mean yes, in en, ru, tr


def ask(question: str) -> bool:
    """Ask ``question`` (y/N) on stderr; True for a yes in en/ru/tr (y, да, evet…).

    The answer is read from stdin (``echo y | crm ...`` works); no answer at all
    (end of input) is a no. Ctrl-C stays an interruption (exit 130).
    """
    click.echo(f"{question} [y/N]: ", nl=False, err=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):  # no stdin at all
        answer = ""
    if not answer:
        click.echo("", err=True)
    return answer.strip().casefold() in YES


def confirm(question: str, *, yes: bool, refused: str) -> None:
    """Ask ``question`` unless ``yes``; "no" or no answer -> DeclinedError (exit 3,
    ``ExitCode.DECLINED``)."""
    if yes or ask(question):
        return
    raise DeclinedError(_("{what}: not confirmed").format(what=refused),
                        hint=_("answer y, or add --yes"))  # fmt: skip


def emit(ctx: Ctx, data: Any, human: Callable[[], None] | str | None = None) -> None:
    """Print ``data`` as JSON with --json, else the human form (a message)."""
    if ctx.wants_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
    elif callable(human):
        human()
    elif human is not None:
        click.echo(human)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    """A table on stdout, whatever the format (prefer ``show``, which follows --format)."""
    click.echo(render_table(Listing(columns, rows, title=title)), nl=False)


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
    return dict(account.groups.names())


@contextmanager
def progress(ctx: Ctx, label: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr for long work; silent with --json or off a terminal.

    Yields ``update(**kwargs)``: rich's ``advance=``, ``completed=``, ``total=``.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    err = console(stderr=True)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=True,
        disable=ctx.wants_json or not sys.stderr.isatty() or not err.is_interactive,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=total)
        yield lambda **kwargs: bar.update(task, **kwargs)


def _say_journal_rebuilt(account: Any) -> None:
    """One line when this command found the journal missing or emptied and rebuilt
    it from the account's copy (account/damage.py)."""
    rebuilt = account.journal_rebuilt
    if rebuilt is None:
        return
    if rebuilt.kept is None:
        line = _("The journal (journal.sqlite) was missing: rebuilt it from the account's "
                 "copy ({n} events).").format(n=rebuilt.events)  # fmt: skip
    else:
        line = _("The journal (journal.sqlite) was emptied (kept aside as {kept}): rebuilt "
                 "it from the account's copy ({n} events).").format(kept=rebuilt.kept,
                                                                    n=rebuilt.events)  # fmt: skip
    click.echo(line, err=True)


def _push_history(account: Any) -> None:
    """The end of a command: the journal events it wrote go to the account (one
    upload, none when it wrote nothing); a failure only warns, the events stay in
    the journal and the next command uploads them."""
    from contacts_crm.errors import CrmError, StorageError

    try:
        account.push_history()
    except StorageError:
        return  # the journal file itself failed: the command's own error path says so
    except CrmError as exc:
        click.echo(
            _("Warning: the journal was not copied to the account yet ({reason}); "
              "the next command copies it.").format(reason=exc.message),
            err=True,
        )  # fmt: skip
