"""The root ``crm`` group and the one place errors become messages and exit codes."""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import UTC, datetime

import click

from contacts_crm import __version__
from contacts_crm.cli.output import Ctx
from contacts_crm.errors import ConfigError, CrmError, ExitCode, InputError

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
75 conflict or partial work (safe to re-run), 77 not logged in, 78 bad
configuration, 130 interrupted (Ctrl-C; work done so far is kept).
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
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
    ctx = Ctx(profile=profile, json=as_json)
    click_ctx.obj = ctx
    click_ctx.call_on_close(ctx.close)


def _register() -> None:
    from contacts_crm.cli import cards, contacts, groups, imports, profiles, reports

    for module in (contacts, groups, cards, imports, reports, profiles):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


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


def _crash_log(exc: BaseException) -> str:
    """Write an unexpected error's traceback to a file (never to the terminal)."""
    from contacts_crm.config import data_dir

    path = data_dir() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()} crm {__version__}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "(could not write a crash log)"
    return str(path)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, map every foreseeable error to an exit code."""
    args = list(argv if argv is not None else sys.argv[1:])
    as_json = "--json" in args[: args.index("--")] if "--" in args else "--json" in args
    if as_json:  # a global option, accepted anywhere on the line
        args = ["--json", *[a for a in args if a != "--json"]]
    try:
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
    except Exception as exc:  # a bug: keep the traceback out of the user's face
        if os.environ.get("CRM_DEBUG"):
            raise
        where = _crash_log(exc)
        click.secho(
            f"Error: unexpected internal error ({type(exc).__name__}: {exc})", fg="red", err=True
        )
        click.echo(f"Hint: this is a bug; the details are in {where}. Please report it.", err=True)
        code = ExitCode.FAILURE
    sys.exit(int(code))
