"""``crm serve``: the office page for phones, its staff and its PBX tokens."""

from __future__ import annotations

import logging
import signal
import sys

import click

from contacts_crm import config as cfg
from contacts_crm.cli.output import Ctx, Listing, emit, output_options, pass_ctx, short_time, show
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _
from contacts_crm.web.staff import ROLES, Staff


def role_word(role: str) -> str:
    """A role's name in the office's language (the command line takes the English word)."""
    return {"staff": _("staff"), "manager": _("manager"), "admin": _("admin")}.get(role, role)


def _no_admin_note(staff: Staff) -> None:
    """Say so on stderr when nobody may see the alerts (and the dashboard) any more."""
    if staff.users() and not staff.with_role("admin"):
        click.echo(_("Note: no admin yet; name one with: crm serve user role NAME admin"),
                   err=True)  # fmt: skip


def _staff(ctx: Ctx) -> Staff:
    profile = cfg.load().profile(ctx.profile)
    return Staff(cfg.profile_dir(profile.name))


@click.group(invoke_without_command=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 for every network of this PC.",
)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@click.option("--cert", metavar="FILE", help="TLS certificate (PEM) to serve https.")
@click.option("--key", metavar="FILE", help="The certificate's private key (PEM).")
@click.option(
    "--sync-seconds",
    default=30,
    show_default=True,
    type=click.IntRange(0),
    help="Refresh the local copy in the background this often (0: never).",
)
@click.option("--quiet", is_flag=True, help="No access log on the terminal.")
@click.pass_context
def serve(click_ctx: click.Context, host: str, port: int, cert: str | None, key: str | None,
          sync_seconds: int, quiet: bool) -> None:  # fmt: skip
    """Serve the office page for staff phones (look up, card, log calls, orders).

    Staff open http://THIS-PC:8765 on the office Wi-Fi and sign in with the
    name and PIN an admin gave them; every step they log is signed with it.
    A PBX can ask /cid?number=...&token=... for the caller's name.

    \b
    Examples:
      crm serve user add Olga
      crm serve --host 0.0.0.0
      crm serve token add pbx
    """
    if click_ctx.invoked_subcommand is not None:
        return
    from contacts_crm.web.server import office_addresses
    from contacts_crm.web.server import serve as run_server

    ctx: Ctx = click_ctx.obj
    from contacts_crm import logs

    logs.setup(logging.WARNING)  # tracebacks without messages: no client data in the log
    logging.getLogger("contacts_crm.web.access").setLevel(
        logging.WARNING if quiet else logging.INFO
    )
    logging.getLogger("contacts_crm.web.office").setLevel(logging.INFO)

    def ready(server: object) -> None:
        scheme = getattr(server, "scheme", "http")
        shown = office_addresses() if host in ("0.0.0.0", "") else [host]
        port_ = getattr(server, "port", port)
        for addr in shown or [host]:
            click.echo(_("Serving the office page on {url}").format(
                url=f"{scheme}://{addr}:{port_}/"))  # fmt: skip
        if not shown:
            click.echo(_("(this PC's address on the Wi-Fi: see 'ipconfig' on Windows, "
                         "'hostname -I' on Linux)"))  # fmt: skip
        click.echo(_("Stop with Ctrl+C."))

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # systemd / a service manager stops it like Ctrl+C

    signal.signal(signal.SIGTERM, stop)
    click.echo(_("Bringing the local copy up to date…"), err=True)
    try:
        ctx.finish_interrupted = False  # the server's writer thread finishes them (web/office.py)
        run_server(ctx.account, host=host, port=port, cert=cert, key=key,
                   sync_interval=float(sync_seconds), on_ready=ready)  # fmt: skip
    except KeyboardInterrupt:
        click.echo(_("Stopped."), err=True)
    except OSError as exc:
        raise UsageError(
            _("cannot listen on {host}:{port} ({why})").format(
                host=host, port=port, why=exc.strerror or exc
            ),
            hint=_("another program uses that port: pick another with --port"),
        ) from exc


# ------------------------------------------------------------------- users
@serve.group()
def user() -> None:
    """Staff who may sign in on the office page (name + PIN).

    \b
    Examples:
      crm serve user add Olga
      crm serve user add Anna --role manager
      crm serve user role Olga admin
      crm serve user list
      crm serve user reset Olga
      crm serve user remove Olga
    """


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _read_pin(pin_stdin: bool) -> str:
    if pin_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not _isatty(sys.stdin):  # getpass would warn "input may be echoed", then end in 130
        raise UsageError(
            _("no terminal to ask for the PIN on"),
            hint=_("give it on standard input: echo PIN | crm serve user add NAME --pin-stdin"),
        )
    value: str = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    return value


_pin_stdin = click.option("--pin-stdin", is_flag=True,
                          help="Read the PIN from the first line of standard input.")  # fmt: skip


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES, case_sensitive=False), default="staff",
              show_default=True, help="staff: the call pages; manager: also the dashboard and "
              "everyone's lists; admin: also the alerts.")  # fmt: skip
@_pin_stdin
@pass_ctx
def user_add(ctx: Ctx, name: str, role: str, pin_stdin: bool) -> None:
    """Add a user; asks for the PIN (never shown, never stored as it is).

    \b
    Examples:
      crm serve user add Olga
      crm serve user add Anna --role manager
    """
    staff = _staff(ctx)
    added = staff.add_user(name, _read_pin(pin_stdin), role.lower())
    emit(ctx, {"user": added.name, "role": added.role},
         _("User {name} added ({role}): sign in with this PIN.").format(
             name=added.name, role=role_word(added.role)))  # fmt: skip
    if not ctx.wants_json:
        _no_admin_note(staff)


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES, case_sensitive=False))
@pass_ctx
def user_role(ctx: Ctx, name: str, role: str) -> None:
    """Change a user's role (their phones take it at the next page they open).

    \b
    staff    the call pages: look up, cards, calls, orders, today's lists
    manager  also the dashboard and everyone's call-back lists
    admin    also the alerts

    \b
    Example:
      crm serve user role Anna manager
    """
    staff = _staff(ctx)
    done = staff.set_role(name, role.lower())
    emit(ctx, {"user": done.name, "role": done.role},
         _("{name} is now {role}.").format(name=done.name, role=role_word(done.role)))  # fmt: skip
    if not ctx.wants_json:
        _no_admin_note(staff)


@user.command("list")
@output_options()
@pass_ctx
def user_list(ctx: Ctx) -> None:
    """The users who may sign in.

    \b
    Example:
      crm serve user list
    """
    staff = _staff(ctx)
    users = staff.users()
    rows = [(u.name, role_word(u.role) if ctx.human else u.role,
             short_time(u.created) if ctx.human else u.created) for u in users]  # fmt: skip
    show(ctx, Listing([_("User"), _("Access"), _("Added")], rows, empty=_("No user yet."),
                      nowrap=(2,)),
         [{"user": u.name, "role": u.role, "created": u.created} for u in users])  # fmt: skip
    if not ctx.wants_json:
        _no_admin_note(staff)


@user.command("reset")
@click.argument("name")
@_pin_stdin
@pass_ctx
def user_reset(ctx: Ctx, name: str, pin_stdin: bool) -> None:
    """Give a user a new PIN (signs them out on every phone).

    \b
    Example:
      crm serve user reset Olga
    """
    staff = _staff(ctx)
    done = staff.reset_user(name, _read_pin(pin_stdin))
    emit(
        ctx,
        {"user": done.name},
        _("New PIN set for {name}; their phones sign in again.").format(name=done.name),
    )


@user.command("remove")
@click.argument("name")
@pass_ctx
def user_remove(ctx: Ctx, name: str) -> None:
    """Remove a user (their phones are signed out at once).

    \b
    Example:
      crm serve user remove Olga
    """
    staff = _staff(ctx)
    gone = staff.remove_user(name)
    emit(ctx, {"removed": gone}, _("User {name} removed.").format(name=gone))
    if not ctx.wants_json:
        _no_admin_note(staff)


# ------------------------------------------------------------------ tokens
@serve.group()
def token() -> None:
    """Tokens for PBXes and phones: caller ID (/cid) and call events (/events/call).

    \b
    Examples:
      crm serve token add pbx
      crm serve token list
      crm serve token remove pbx
    """


@token.command("add")
@click.argument("name")
@pass_ctx
def token_add(ctx: Ctx, name: str) -> None:
    """Make a new token; it is shown once: put it in the PBX's lookup URL.

    \b
    Example:
      crm serve token add pbx
    """
    value = _staff(ctx).add_token(name)
    emit(
        ctx,
        {"token": name, "value": value},
        lambda: click.echo(
            _("Token {name}: {value}").format(name=name, value=value)
            + "\n"
            + _("PBX lookup URL: {url}").format(
                url=f"http://THIS-PC:8765/cid?number=NUMBER&token={value}"
            )
            + "\n"
            + _("Call events URL (POST): {url}").format(
                url=f"http://THIS-PC:8765/events/call?token={value}"
            )
        ),
    )


@token.command("list")
@output_options()
@pass_ctx
def token_list(ctx: Ctx) -> None:
    """Token names (the tokens themselves are not kept, only their digests).

    \b
    Example:
      crm serve token list
    """
    tokens = _staff(ctx).tokens()
    rows = [(t.name, short_time(t.created) if ctx.human else t.created) for t in tokens]
    show(ctx, Listing([_("Token"), _("Added")], rows, empty=_("No token yet."), nowrap=(1,)),
         [{"token": t.name, "created": t.created} for t in tokens])  # fmt: skip


@token.command("remove")
@click.argument("name")
@pass_ctx
def token_remove(ctx: Ctx, name: str) -> None:
    """Remove a token: that PBX gets no more names.

    \b
    Example:
      crm serve token remove pbx
    """
    _staff(ctx).remove_token(name)
    emit(ctx, {"removed": name}, _("Token {name} removed.").format(name=name))


COMMANDS = [serve]
