"""``crm digest``: what each person gets in the morning; sending it; its status."""

from __future__ import annotations

import sys
from typing import Any

import click

from contacts_crm import dates
from contacts_crm.cli.output import Ctx, Listing, emit, output_options, pass_ctx, show
from contacts_crm.dates import DATE_FORMATS, parse_day
from contacts_crm.errors import ConflictError, NotFoundError, UsageError
from contacts_crm.i18n import _


def _people(ctx: Ctx, who: str | None) -> list[tuple[str, str]]:
    from contacts_crm.web.morning import people_of
    from contacts_crm.web.staff import Staff

    people = people_of(Staff(ctx.account.data_dir))
    if who:
        people = [(n, r) for n, r in people if n.casefold() == " ".join(who.split()).casefold()]
        if not people:
            raise NotFoundError(_("no user named {name!r}").format(name=who),
                                hint=_("list them with: crm serve user list"))  # fmt: skip
    return people


@click.group(invoke_without_command=True)
@click.option("--who", metavar="NAME", help="Only this person (a user of the office page).")
@click.option("--date", "day", metavar="DATE", help=f"The digest of this day ({DATE_FORMATS}).")
@click.option("--send", is_flag=True, help="Send it by e-mail and/or Telegram (each once a day).")
@click.option("--status", is_flag=True, help="What was sent, what failed and when it is retried.")
@output_options()
@click.pass_context
def digest(click_ctx: click.Context, who: str | None, day: str | None, send: bool,
           status: bool) -> None:  # fmt: skip
    """The morning digest: each person's call-backs due and overdue, missed calls
    not called back and calls left to log; for managers yesterday's figures (as
    crm summary and crm activity give them); for admins the alerts (a mass
    deletion, a stopped sync, a hand edit that removed order or call lines, an
    import and its undo).

    The people are the office page's users (crm serve user add), their roles
    theirs. crm serve sends the digest every morning at digest_time (crm config
    set digest_time 08:00) to each person's e-mail address and/or Telegram chat
    (crm digest address), once a day; --send sends it now (again only to those
    who did not get today's), --status shows what was sent and what failed.

    \b
    Examples:
      crm digest
      crm digest --date 2026-11-21
      crm --json digest
      crm digest address Olga --email olga@example.com --telegram 123456789
      crm digest --send
      crm digest --status
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Ctx = click_ctx.obj
    from contacts_crm.notify.record import SentRecord
    from contacts_crm.usecases import digest as digest_uc

    now = dates.now()
    record = SentRecord(ctx.account.data_dir)
    try:
        if status:
            _status(ctx, digest_uc.status(record, now=now))
            return
        on = parse_day(day, "--date") if day else now.date()
        people = _people(ctx, who)
        if send:
            digest_uc.check_channels(ctx.account)
        digests = digest_uc.build(ctx.account, people, day=on, now=now, record=record)
        if send:
            sent = digest_uc.send(ctx.account, digests, record, now=now)
            _sent(ctx, sent)
            return
        data = {"date": on.isoformat(), "digests": [d.to_dict() for d in digests]}
        if not people:
            emit(ctx, data, _("Nobody to write a digest for: the office page has no user yet "
                              "(crm serve user add NAME)."))  # fmt: skip
            return
        emit(ctx, data, lambda: click.echo("\n".join(digest_uc.text(d) for d in digests),
                                           nl=False))  # fmt: skip
    finally:
        record.close()


def _state(state: str) -> str:
    words = {
        "sent": _("sent"), "already": _("already sent"), "failed": _("failed, will retry"),
        "gave_up": _("failed, gave up"), "unknown": _("maybe delivered (not sent again)"),
        "sending": _("being sent"), "not_set_up": _("channel not set up"),
    }  # fmt: skip
    return words.get(state, state)


def _sent(ctx: Ctx, sent: list[Any]) -> None:
    rows = [(s.person, s.channel, s.key, _state(s.state), s.error or "") for s in sent]
    show(ctx, Listing([_("Person"), _("Channel"), _("What"), _("State"), _("Error")], rows,
                      empty=_("Nobody has an address: crm digest address NAME --email ADDRESS")),
         [s.to_dict() for s in sent])  # fmt: skip
    failed = sum(s.state in ("failed", "gave_up", "unknown") for s in sent)
    if failed:
        raise ConflictError(
            _("{n} message(s) not delivered").format(n=failed),
            hint=_(
                "see crm digest --status; a failed send is retried by crm serve and by "
                "the next crm digest --send"
            ),
        )


def _status(ctx: Ctx, rows: list[dict[str, Any]]) -> None:
    listing = Listing(
        [_("Person"), _("Channel"), _("What"), _("State"), _("Attempts"), _("Next try"),
         _("Error"), _("Updated")],
        [(r["person"], r["channel"], r["key"], _state(r["state"]), r["attempts"],
          r["nextAt"] or "", r["error"] or "", r["updated"]) for r in rows],
        empty=_("Nothing sent in the last 7 days."),
    )  # fmt: skip
    show(ctx, listing, rows)


@digest.command("address")
@click.argument("name")
@click.option("--email", metavar="ADDRESS", help="Their e-mail address ('' removes it).")
@click.option("--telegram", metavar="CHAT_ID", help="Their Telegram chat id ('' removes it).")
@pass_ctx
def address(ctx: Ctx, name: str, email: str | None, telegram: str | None) -> None:
    """Where a person gets the digest: an e-mail address and/or a Telegram chat id.

    The chat id: the person writes to the office's bot once, then
    https://api.telegram.org/botTOKEN/getUpdates shows "chat":{"id":…}.

    \b
    Example:
      crm digest address Olga --email olga@example.com --telegram 123456789
    """
    from contacts_crm.notify.people import Recipients

    if email is None and telegram is None:
        raise UsageError(_("give --email and/or --telegram"),
                         hint=_("crm digest address Olga --email olga@example.com"))  # fmt: skip
    r = Recipients(ctx.account.data_dir).set(name, email=email, telegram=telegram)
    emit(ctx, {"person": r.name, "email": r.email, "telegram": r.telegram},
         _("{name}: e-mail {email}, Telegram {telegram}").format(
             name=r.name, email=r.email or "-", telegram=r.telegram or "-"))  # fmt: skip


@digest.command("secret")
@click.argument("name", type=click.Choice(["smtp_password", "telegram_token"]))
@click.option("--stdin", "from_stdin", is_flag=True, help="Read it from standard input.")
@pass_ctx
def secret(ctx: Ctx, name: str, from_stdin: bool) -> None:
    """Keep the SMTP password or the Telegram bot token (asked, never shown;
    kept owner-only in the profile's data directory). An empty value removes it.

    \b
    Examples:
      crm digest secret smtp_password
      crm digest secret telegram_token
    """
    from contacts_crm.notify.people import Secrets

    if from_stdin:
        value = sys.stdin.readline().strip()
    elif not sys.stdin.isatty():
        raise UsageError(_("no terminal to ask on"),
                         hint=_("give it on standard input: crm digest secret {name} --stdin")
                         .format(name=name))  # fmt: skip
    else:
        value = click.prompt(name, hide_input=True, default="", show_default=False)
    Secrets(ctx.account.data_dir).set(name, value.strip())
    emit(
        ctx,
        {"secret": name, "set": bool(value)},
        _("{name} kept.").format(name=name) if value else _("{name} removed.").format(name=name),
    )


COMMANDS = [digest]
