"""The root ``crm`` group and the one place errors become messages and exit codes."""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import click

from contacts_crm import __version__
from contacts_crm.cli.output import Ctx
from contacts_crm.errors import (
    ConfigError,
    CrmError,
    ExitCode,
    InputError,
    StorageError,
    UnavailableError,
    UsageError,
)

EPILOG = """\b
Examples:
  crm add "Ivan Petrov" --phone "8 916 123-45-67" --group Wholesale
  crm find "+7 916 1234567"
  crm --json find Petrov
  crm group list

Output: a table on a terminal; one record per line (tab-separated) in a
pipe; --format tsv|csv|json on every listing and report (--json for short).

Exit codes: 0 ok, 1 internal error (a bug), 2 usage, 3 confirmation
declined (nothing done), 65 bad input data, 66 not found, 69 service
unavailable, 70 unexpected service answer, 73 output file cannot be written,
74 a file could not be read or written (disk full, damaged database), 75
conflict or partial work (safe to re-run), 77 not logged in, 78 bad
configuration, 130 interrupted (Ctrl-C; work done so far is kept).
"""


# Each command module and the commands it defines (its COMMANDS list). A command's
# module is imported only when that command runs (or --help lists them all), so
# `crm card` does not pay for the import, report and export machinery.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "contacts": ("status", "sync", "find", "add"),
    "groups": ("group",),
    "cards": ("card", "call", "order", "journal", "doctor"),
    "imports": ("import", "export", "restore"),
    "reports": ("summary", "callbacks", "activity"),
    "profiles": ("profile", "config", "login"),
    "history": ("undelete",),
    "manage": ("list", "show", "edit", "delete"),
    "merge": ("merge", "duplicates"),
    "serve": ("serve",),
}


class LazyGroup(click.Group):
    """The root group: commands are looked up in COMMAND_MODULES and imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = {n for names in COMMAND_MODULES.values() for n in names}
        return sorted(names | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        for module_name, names in COMMAND_MODULES.items():
            if cmd_name in names:
                module = importlib.import_module(f"contacts_crm.cli.{module_name}")
                for cmd in module.COMMANDS:
                    self.add_command(cmd)
                return super().get_command(ctx, cmd_name)
        return None


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--profile",
    "-p",
    metavar="NAME",
    envvar="CRM_PROFILE",
    help="Account profile to use (default: the configured default, or 'local').",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
@click.version_option(__version__, prog_name="crm")
@click.pass_context
def cli(click_ctx: click.Context, profile: str | None, as_json: bool) -> None:
    """contacts-crm: a small office's CRM inside one shared Google Contacts account.

    With no configuration the commands work on the local account, stored on
    this computer, so the tool can be tried before connecting Google.
    """
    if profile is not None and not profile.strip():
        raise click.BadParameter("a profile name cannot be empty", param_hint="'--profile'")
    ctx = Ctx(profile=profile, json=as_json)
    click_ctx.obj = ctx
    click_ctx.call_on_close(ctx.close)


def report_error(exc: CrmError, as_json: bool) -> int:
    """Print a known error (one line, its details, the hint); return its exit code."""
    if as_json:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False, indent=2))
        return int(exc.exit_code)
    click.secho(f"Error: {exc.message}", fg="red", err=True)
    details: list[str] = []
    if isinstance(exc, InputError):
        details = [str(p) for p in exc.problems]
    elif isinstance(exc, ConfigError):
        details = list(exc.problems)
    details = [d for d in details if d != exc.message]  # said once, not twice
    shown = details[:20]
    for line in shown:
        click.echo(f"  - {line}", err=True)
    if len(details) > len(shown):
        click.echo(f"  … and {len(details) - len(shown)} more", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)
    return int(exc.exit_code)


CRASH_LOG = Path("logs") / "crash.log"  # under the data directory, 0700 / 0600


def _crash_log(exc: BaseException, command: str = "") -> str:
    """Write where an unexpected error happened to a private file (never the terminal).

    The log names the command, the exception's type and the code lines it
    went through, never the exception's message or the arguments: those can
    carry client names, phone numbers and file names.
    """
    from contacts_crm.config import PRIVATE_FILE, data_dir, private_dir

    path = data_dir() / CRASH_LOG
    lines = [f"--- {datetime.now(UTC).isoformat()} crm {__version__} {command}".rstrip() + "\n"]
    for error in _chain(exc):
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        lines.append(f"{type(error).__module__}.{type(error).__qualname__}"
                     " (message left out: it may hold client data)\n")  # fmt: skip
    try:
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write("".join(lines))
    except OSError:
        return "(could not write a crash log)"
    return str(path)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it was raised from or during, oldest first."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out[::-1]


def _tolerant_output() -> None:
    """On a terminal that cannot show every character (latin-1, ascii), print '?'
    for the ones it cannot, instead of failing on the first Cyrillic name."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def _check_text(args: list[str]) -> None:
    """Refuse arguments that are not valid text (bytes that are not UTF-8)."""
    for n, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise UsageError(
                f"argument {n} ({shown[:60]!r}) is not valid UTF-8 text",
                hint="retype it, or set the terminal's encoding to UTF-8",
            ) from None


def _storage_error(exc: OSError | sqlite3.Error) -> CrmError:
    """A file-system, network or database failure that no check foresaw, as one clear line."""
    import socket
    import ssl

    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror | ssl.SSLError):
        return UnavailableError(
            f"cannot reach the service ({exc.strerror or exc})",
            hint="check the network connection (or the endpoint), then run it again; "
            "nothing was lost",
        )
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return StorageError(
            f"{where}{exc.strerror or exc}",
            hint="check the path, its permissions and the free disk space, then run it again",
        )
    return StorageError(
        f"a database file of the tool's could not be used ({exc})",
        hint="another program may hold it, or the disk is full; run it again",
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, map every foreseeable error to an exit code."""
    args = list(argv if argv is not None else sys.argv[1:])
    as_json = "--json" in args[: args.index("--")] if "--" in args else "--json" in args
    if as_json:  # a global option, accepted anywhere on the line
        args = ["--json", *[a for a in args if a != "--json"]]
    _tolerant_output()
    try:
        _check_text(args)
        cli.main(args=args, prog_name="crm", standalone_mode=False)
        code = 0
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:  # Ctrl-C or end of input at a prompt
        click.echo("Interrupted: nothing more was done.", err=True)
        code = ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        code = ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except CrmError as exc:
        code = report_error(exc, as_json)
    except KeyboardInterrupt:
        click.echo(
            "Interrupted. Work done so far is saved; run the same command again to continue.",
            err=True,
        )
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        code = 0
    except (OSError, sqlite3.OperationalError) as exc:  # the disk, not the tool
        if os.environ.get("CRM_DEBUG"):
            raise
        code = report_error(_storage_error(exc), as_json)
    except Exception as exc:  # a bug: keep the traceback out of the user's face
        if os.environ.get("CRM_DEBUG"):
            raise
        where = _crash_log(exc, _command(args))
        click.secho(
            f"Error: unexpected internal error ({type(exc).__name__}: {exc})", fg="red", err=True
        )
        click.echo(f"Hint: this is a bug; the details are in {where}. Please report it.", err=True)
        code = ExitCode.FAILURE
    sys.exit(int(code))


def _command(args: list[str]) -> str:
    """The command's name (``import undo``), without any of its values."""
    names: list[str] = []
    group: click.Command | None = cli
    for arg in args:
        if not isinstance(group, click.Group) or arg.startswith("-"):
            continue
        command = group.commands.get(arg)
        if command is None:
            continue  # an option's value
        names.append(arg)
        group = command
    return " ".join(names)
