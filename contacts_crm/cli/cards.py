"""Commands on client cards: card, call, order, journal, doctor."""

from __future__ import annotations

from datetime import datetime

import click

from contacts_crm.card.wording import OUTCOMES
from contacts_crm.cli.output import Ctx, emit, pass_ctx, table
from contacts_crm.dates import parse_day, parse_when
from contacts_crm.usecases import cards as uc

_by = click.option("--by", metavar="NAME", help="Who did it (default: the profile's user).")
_at = click.option(
    "--at",
    "at_",
    metavar="WHEN",
    help="When it happened: YYYY-MM-DD [HH:MM] or DD.MM.YYYY (default: now).",
)
_op = click.option(
    "--op-id",
    metavar="ID",
    help="Idempotency key: re-running with the same ID changes nothing twice.",
)


def _when(at_: str | None) -> datetime | None:
    return parse_when(at_) if at_ else None


def _show_change(ctx: Ctx, change: uc.CardChange, done: str) -> None:
    def human() -> None:
        click.echo(done if change.changed else f"{done} (already on the card: nothing changed)")
        for g in change.groups_added:
            click.echo(f"  + group {g}")
        for g in change.groups_removed:
            click.echo(f"  - group {g}")
        if change.compacted:
            click.echo(f"  {len(change.compacted)} older line(s) moved to the journal")
        click.echo("")
        click.echo(change.contact.notes)

    emit(ctx, change.to_dict(), human)


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--dialer", is_flag=True, help="Only what fits the phone screen's budget.")
@pass_ctx
def card(ctx: Ctx, query: tuple[str, ...], dialer: bool) -> None:
    """Show a client's card (the Notes field) — never writes.

    \b
    Examples:
      crm card "+7 916 123-45-67"
      crm card Petrov --dialer
    """
    contact, text = uc.show_card(ctx.account, " ".join(query), dialer=dialer)
    emit(
        ctx,
        {
            "resourceName": contact.resource_name,
            "name": contact.display_name,
            "card": text,
            "lines": text.splitlines(),
        },
        lambda: _print_card(contact.display_name, text),
    )


def _print_card(name: str, text: str) -> None:
    click.secho(name, bold=True)
    click.echo(text or "(empty)")


@click.command()
@click.argument("query")
@click.argument("comment", required=False, default="")
@click.option("--in", "direction", flag_value="in", help="An incoming call.")
@click.option("--out", "direction", flag_value="out", default=True, help="An outgoing call.")
@click.option("--missed", "direction", flag_value="missed", help="A missed call.")
@click.option("--outcome", type=click.Choice(OUTCOMES), help="What came of it.")
@click.option("--callback-on", metavar="DATE", help="Call back on this date (sets the outcome).")
@_by
@_at
@_op
@pass_ctx
def call(
    ctx: Ctx,
    query: str,
    comment: str,
    direction: str,
    outcome: str | None,
    callback_on: str | None,
    by: str | None,
    at_: str | None,
    op_id: str | None,
) -> None:
    """Log a call on a client's card.

    \b
    Examples:
      crm call "8 916 123-45-67" "asks when delivery comes" --in
      crm call Petrov "no answer" --out
      crm call Petrov "wants a quote" --outcome interested --callback-on 2026-12-01
    """
    change = uc.log_call(
        ctx.account,
        query,
        comment,
        direction=direction,
        outcome=outcome,
        callback_on=parse_day(callback_on, "--callback-on") if callback_on else None,
        by=by,
        at=_when(at_),
        op_id=op_id,
    )
    _show_change(ctx, change, f"Call logged for {change.contact.display_name}")


@click.group()
def order() -> None:
    """Open, advance and close a client's orders.

    \b
    Examples:
      crm order open Petrov "40 boxes of tiles" --amount 12500
      crm order step Petrov 1 paid --amount 12500
      crm order step Petrov 1 shipped "truck 12"
      crm order close Petrov 1
      crm order close Petrov 2 --cancelled
    """


@order.command("open")
@click.argument("query")
@click.argument("what")
@click.option("--amount", metavar="N", help="Order amount (12500, 12 500, 12500.50).")
@_by
@_at
@_op
@pass_ctx
def open_(
    ctx: Ctx,
    query: str,
    what: str,
    amount: str | None,
    by: str | None,
    at_: str | None,
    op_id: str | None,
) -> None:
    """Open a new order for the client (numbered per client)."""
    change = uc.open_order(
        ctx.account, query, what, amount=uc.parse_amount(amount), by=by, at=_when(at_), op_id=op_id
    )
    _show_change(ctx, change, f"Order {change.order_no} opened for {change.contact.display_name}")


@order.command()
@click.argument("query")
@click.argument("order_no", metavar="ORDER", type=int)
@click.argument("stage")
@click.argument("comment", required=False, default="")
@click.option("--amount", metavar="N", help="Amount at this step (e.g. paid 12500).")
@_by
@_at
@_op
@pass_ctx
def step(
    ctx: Ctx,
    query: str,
    order_no: int,
    stage: str,
    comment: str,
    amount: str | None,
    by: str | None,
    at_: str | None,
    op_id: str | None,
) -> None:
    """Move an order to STAGE (new, confirmed, paid, shipped, delivered, cancelled…)."""
    change = uc.step_order(
        ctx.account,
        query,
        order_no,
        stage,
        comment,
        amount=uc.parse_amount(amount),
        by=by,
        at=_when(at_),
        op_id=op_id,
    )
    _show_change(ctx, change, f"Order {order_no}: {stage}")


@order.command()
@click.argument("query")
@click.argument("order_no", metavar="ORDER", type=int)
@click.option("--cancelled", is_flag=True, help="Cancelled instead of delivered.")
@click.option("--amount", metavar="N", help="Final amount.")
@click.option("--comment", default="", help="A short note on the closing line's step.")
@_by
@_at
@_op
@pass_ctx
def close(
    ctx: Ctx,
    query: str,
    order_no: int,
    cancelled: bool,
    amount: str | None,
    comment: str,
    by: str | None,
    at_: str | None,
    op_id: str | None,
) -> None:
    """Close an order as delivered (or --cancelled); it shrinks to one line."""
    change = uc.close_order(
        ctx.account,
        query,
        order_no,
        cancelled=cancelled,
        amount=uc.parse_amount(amount),
        comment=comment,
        by=by,
        at=_when(at_),
        op_id=op_id,
    )
    _show_change(ctx, change, f"Order {order_no} {'cancelled' if cancelled else 'delivered'}")


class _JournalGroup(click.Group):
    """``crm journal QUERY`` shows a history; ``crm journal push SHEET`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] == "--deleted":  # crm journal --deleted [QUERY]
            args = ["deleted", *args[1:]]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_JournalGroup)
def journal() -> None:
    """A client's full history (everything that ever left the card is here).

    \b
    Examples:
      crm journal Petrov
      crm --json journal "+7 916 123-45-67"
      crm journal push "https://docs.google.com/spreadsheets/d/KEY"
      crm journal pull "https://docs.google.com/spreadsheets/d/KEY"
    """


@journal.command("show", hidden=True)
@click.argument("query", nargs=-1, required=True)
@pass_ctx
def journal_show(ctx: Ctx, query: tuple[str, ...]) -> None:
    """Show the journal of one client."""
    contact, events = uc.history(ctx.account, " ".join(query))
    data = {
        "resourceName": contact.resource_name,
        "name": contact.display_name,
        "events": [{k: v for k, v in vars(e).items() if v not in (None, "", {})} for e in events],
    }
    emit(
        ctx,
        data,
        lambda: table(
            ["When", "Who", "What", "Order", "Stage", "Amount", "Text"],
            [
                (_short_time(e.at), e.who, e.kind, e.order_no, e.stage, e.amount, e.text.strip())
                for e in events
            ],
            title=contact.display_name,
        ),
    )


def _short_time(at: str) -> str:
    """'2026-11-18T09:30:00+00:00' -> '2026-11-18 09:30' (the date alone at midnight)."""
    day, _, rest = at.partition("T")
    return day if rest[:5] in ("", "00:00") else f"{day} {rest[:5]}"


@journal.command("push")
@click.argument("sheet")
@pass_ctx
def journal_push(ctx: Ctx, sheet: str) -> None:
    """Append this PC's new journal events to the "Journal" tab of a Google Sheet.

    Safe to run again, from any PC: nothing is duplicated.
    """
    from contacts_crm.usecases.journal_sharing import push_journal

    added = push_journal(ctx.account, sheet)
    emit(ctx, {"appended": added}, f"Appended {added} event(s) to the Journal tab")


@journal.command("pull")
@click.argument("sheet")
@pass_ctx
def journal_pull(ctx: Ctx, sheet: str) -> None:
    """Bring the other PCs' events from the "Journal" tab into this PC's journal.

    Summaries, activity and histories then include what everyone did.
    Safe to run again: events already here are skipped.
    """
    from contacts_crm.usecases.journal_sharing import pull_journal

    added = pull_journal(ctx.account, sheet)
    emit(ctx, {"recorded": added}, f"Recorded {added} new event(s) from the Journal tab")


@click.command()
@click.option("--repair", is_flag=True,
              help="Run again the operations that were interrupted before reaching the account.")
@click.option("--phones", is_flag=True,
              help="Check every phone number instead: E.164, unreadable, same last 7 digits.")
@click.option("--fix", is_flag=True, help="With --phones: rewrite the numbers to E.164.")
@click.option("--region", metavar="CC", help="With --phones: the country of national numbers.")
@click.option("--undo", metavar="OP", help="With --phones: put back the numbers of fix OP.")
@pass_ctx
def doctor(
    ctx: Ctx, repair: bool, phones: bool, fix: bool, region: str | None, undo: str | None
) -> None:
    """Check cards, the journal and imports: odd lines, interrupted writes, duplicates.

    Lists card lines the tool does not understand (kept as they are),
    operations interrupted between the journal and the card, journal facts the
    cards disagree with, and contacts an import created twice. --repair runs
    interrupted operations again and deletes an extra copy of an imported row
    when it is identical and untouched (journaled first); copies someone worked
    on are only listed.

    With --phones: every number not in E.164 (a dry run; --fix rewrites them in
    batches of 200, one journal operation, undone with --undo), numbers that
    cannot be read, and pairs of contacts whose numbers share the last 7
    digits (Android shows the wrong name on a call from them).

    \b
    Example:
      crm doctor
      crm doctor --repair
      crm doctor --phones
      crm doctor --phones --fix --region TR
      crm doctor --phones --undo 3f2a9c0d1e2b4a5c
    """
    if phones or fix or region or undo:
        from contacts_crm.cli.phones import phone_doctor

        if not phones or repair or (fix and undo):
            raise click.UsageError("--fix, --region and --undo go with --phones (one at a time)")
        phone_doctor(ctx, fix=fix, region=region, undo=undo)
        return
    from contacts_crm.usecases import import_copies as dup

    report = uc.doctor(ctx.account, repair=repair)
    doubles = dup.find_duplicates(ctx.account)
    report["duplicates"] = [d.to_dict() for d in doubles]
    report["duplicates_removed"] = dup.remove_extra_copies(ctx.account, doubles) if repair else []

    def human() -> None:
        _print_duplicates(report)
        for item in report["unrecognised"]:
            click.echo(f"{item['name']} ({item['resourceName']}): lines kept as they are:")
            for line in item["lines"]:
                click.echo(f"  {line['line']}: {line['text']}")
                if line.get("suggestion"):
                    click.echo(f"     did you mean: {line['suggestion']}")
        if report["repaired"]:
            click.echo(f"Marked {len(report['repaired'])} interrupted operation(s) as applied.")
        if report["rerun"]:
            click.echo(f"Ran {len(report['rerun'])} interrupted operation(s) again.")
        if report["superseded"]:
            click.echo(
                f"Left {len(report['superseded'])} interrupted operation(s) out: "
                "the same change was made again and is recorded."
            )
        for item in report["disagreements"]:
            click.echo(f"{item['name']} ({item['resourceName']}): {item['problem']}")
        for item in report["unapplied"]:
            click.echo(
                f"Never reached the account: {item['kind']} on {item['contact']}: "
                f"{item['text']} (crm doctor --repair runs it again)"
            )
        if not any(report.values()):
            click.echo("All cards and the journal are in order.")

    emit(ctx, report, human)


def _print_duplicates(report: dict) -> None:
    removed = set(report["duplicates_removed"])
    for d in report["duplicates"]:
        extra = [rn for rn in d["extra"] if rn not in removed]
        click.echo(f"{d['name']} exists {1 + len(d['extra']) + len(d['worked_on'])} times "
                   f"(one import row, {d['key']}): keeping {d['keep']}")  # fmt: skip
        if extra:
            click.echo(f"  extra copies: {', '.join(extra)} (crm doctor --repair deletes them; "
                       "the journal keeps a copy)")  # fmt: skip
        if d["worked_on"]:
            click.echo(f"  worked on, merge by hand: {', '.join(d['worked_on'])}")
    if removed:
        click.echo(f"Deleted {len(removed)} extra cop(ies) (kept in the journal).")


COMMANDS = [card, call, order, journal, doctor]
