"""Commands on client cards: card, call, order, journal, doctor."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from contacts_crm.card.wording import OUTCOMES
from contacts_crm.cli.output import (
    Ctx,
    Listing,
    emit,
    kind_word,
    output_options,
    pass_ctx,
    short_time,
    show,
)
from contacts_crm.dates import DATE_FORMATS, parse_day, parse_when
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _, ngettext
from contacts_crm.reports.words import event_words, kind_words, without_day
from contacts_crm.usecases import card_view

if TYPE_CHECKING:
    from contacts_crm.usecases import cards as uc

# The writes (call, order, doctor) import ``usecases.cards`` when they run:
# `crm card` answers while the phone rings and needs none of it.

_by = click.option("--by", metavar="NAME", help="Who did it (default: the profile's user).")
_at = click.option(
    "--at",
    "at_",
    metavar="WHEN",
    help=f"When it happened, not in the future: {DATE_FORMATS} (default: now).",
)
_op = click.option(
    "--op-id",
    metavar="ID",
    help="Idempotency key: re-running with the same ID changes nothing twice.",
)


class WordChoice(click.Choice):
    """An outcome (or direction) written in any of the card languages: "interested",
    "интересуется", "ilgili" all mean ``interested``."""

    def __init__(self, kind: str, choices: tuple[str, ...]) -> None:
        super().__init__(choices)
        self.kind = kind

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None
                ) -> str:  # fmt: skip
        from contacts_crm import config, i18n
        from contacts_crm.card.wording import SHIPPED_LANGUAGES
        from contacts_crm.office.templates import load_labels

        language = i18n.language() if i18n.language() in SHIPPED_LANGUAGES else "en"
        labels = load_labels(language, config.office_templates_dir())
        key = labels.word_key(self.kind, str(value))
        if key is not None:
            return key
        names = ", ".join(getattr(labels.current, self.kind)[k][0] for k in self.choices)
        option = param.opts[0] if param is not None and param.opts else ""
        raise UsageError(
            _("{option}: {value!r} is not one of {choices}").format(option=option, value=value,
                                                                    choices=names),
            hint=_("write it as the card does"),
        )  # fmt: skip


def _when(at_: str | None) -> datetime | None:
    return parse_when(at_) if at_ else None


def _show_change(ctx: Ctx, change: uc.CardChange, done: str) -> None:
    def human() -> None:
        click.echo(done if change.changed else done + _(" (already on the card: nothing changed)"))
        for g in change.groups_added:
            click.echo("  + " + _("group {name}").format(name=g))
        for g in change.groups_removed:
            click.echo("  - " + _("group {name}").format(name=g))
        if change.compacted:
            n = len(change.compacted)
            click.echo(
                "  "
                + ngettext(
                    "{n} older line moved to the journal", "{n} older lines moved to the journal", n
                ).format(n=n)
            )
        if change.comment_cut is not None and change.changed:
            click.echo("  " + _("the comment is shortened on the card to {n} characters, at a "
                                "word (…); the whole text is in 'crm journal'").format(
                                    n=change.comment_cut))  # fmt: skip
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
    contact, text = card_view.show_card(ctx.read_account, " ".join(query), dialer=dialer)
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
    click.echo(text or _("(empty)"))


@click.command()
@click.argument("query")
@click.argument("comment", required=False, default="")
@click.option("--in", "incoming", is_flag=True, help="An incoming call.")
@click.option("--out", "outgoing", is_flag=True, help="An outgoing call (the default).")
@click.option("--missed", is_flag=True, help="A missed call (not counted as a contact).")
@click.option("--outcome", type=WordChoice("outcomes", OUTCOMES), help="What came of it.")
@click.option(
    "--callback-on",
    metavar="DATE",
    help="Call back on this date, today or later (sets the outcome to callback).",
)
@_by
@_at
@_op
@pass_ctx
def call(
    ctx: Ctx,
    query: str,
    comment: str,
    incoming: bool,
    outgoing: bool,
    missed: bool,
    outcome: str | None,
    callback_on: str | None,
    by: str | None,
    at_: str | None,
    op_id: str | None,
) -> None:
    """Log a call on a client's card.

    With none of --in, --out, --missed the call is outgoing. Contradictions
    are refused (exit 2): two directions, --outcome callback without
    --callback-on, --callback-on with another outcome or in the past, --at in
    the future. "Last contact" on the card is the last answered call or order
    step: a missed call is logged but is not a contact.

    \b
    Examples:
      crm call "8 916 123-45-67" "asks when delivery comes" --in
      crm call Petrov "no answer" --missed
      crm call Petrov "wants a quote" --outcome interested
      crm call Petrov "busy, call Friday" --callback-on friday
      crm call Petrov "ordered on the phone" --at "yesterday 16:30"
    """
    chosen = [name for name, on in (("--in", incoming), ("--out", outgoing),
                                    ("--missed", missed)) if on]  # fmt: skip
    if len(chosen) > 1:
        raise UsageError(
            _("{options} contradict each other: a call has one direction").format(
                options=_(" and ").join(chosen)),
            hint=_("give one of --in, --out, --missed (none: --out)"),
        )  # fmt: skip
    direction = "in" if incoming else "missed" if missed else "out"
    from contacts_crm.usecases import cards as uc

    change = uc.log_call(
        ctx.account,
        query,
        comment,
        direction=direction,
        outcome=outcome,
        callback_on=parse_day(callback_on, "--callback-on", direction="future")
        if callback_on
        else None,
        by=by,
        at=_when(at_),
        op_id=op_id,
    )
    _show_change(ctx, change, _("Call logged for {name}").format(name=change.contact.display_name))


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
    """Open a new order for the client (numbered per client).

    \b
    Examples:
      crm order open Petrov "40 boxes of tiles" --amount 12500
      crm order open "+90 532 123 45 67" "sample kit" --at yesterday
    """
    from contacts_crm.usecases import cards as uc

    change = uc.open_order(
        ctx.account, query, what, amount=uc.parse_amount(amount), by=by, at=_when(at_), op_id=op_id
    )
    done = _("Order {number} opened for {name}")
    _show_change(ctx, change, done.format(number=change.order_no, name=change.contact.display_name))


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
    """Move an order to STAGE (new, confirmed, paid, shipped, delivered, cancelled…).

    \b
    Examples:
      crm order step Petrov 1 paid --amount 12500
      crm order step Petrov 1 shipped "truck 12"
    """
    from contacts_crm.usecases import cards as uc

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
    _show_change(ctx, change, _("Order {number}: {stage}").format(number=order_no, stage=stage))


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
    """Close an order as delivered (or --cancelled); it shrinks to one line.

    \b
    Examples:
      crm order close Petrov 1
      crm order close Petrov 2 --cancelled --comment "found cheaper"
    """
    from contacts_crm.usecases import cards as uc

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
    done = _("Order {number} cancelled") if cancelled else _("Order {number} delivered")
    _show_change(ctx, change, done.format(number=order_no))


class _JournalGroup(click.Group):
    """``crm journal QUERY`` shows a history; ``crm journal push SHEET`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] == "--deleted":  # crm journal --deleted [QUERY]
            args = ["deleted", *args[1:]]
        if args and args[0] not in self.list_commands(ctx) and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)

    # 'crm journal deleted' lives with the other commands on deleted contacts
    # (cli/history.py), loaded only when it is asked for or listed.
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "deleted"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "deleted" and "deleted" not in self.commands:
            from contacts_crm.cli.history import journal_deleted

            self.add_command(journal_deleted)
        return super().get_command(ctx, cmd_name)


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
@output_options()
@pass_ctx
def journal_show(ctx: Ctx, query: tuple[str, ...]) -> None:
    """Show the journal of one client: a timeline, one line per event.

    \b
    Examples:
      crm journal Petrov
      crm journal Petrov | grep "price list"
    """
    contact, events = card_view.history(ctx.read_account, " ".join(query))
    data = {
        "resourceName": contact.resource_name,
        "name": contact.display_name,
        "events": [{k: v for k, v in vars(e).items() if v not in (None, "", {})} for e in events],
    }
    rows = [(short_time(e.at), e.who, _what(e), _event_text(e)) for e in events]
    empty = _("Nothing in the journal for {name} yet.").format(name=contact.display_name)
    columns = [_("When"), _("Who"), _("What"), _("Text")]
    timeline = Listing(columns, rows, title=contact.display_name,
                       empty=empty, nowrap=(0,))  # fmt: skip
    show(ctx, timeline, data)


def _what(e: object) -> str:
    """The event in words: its kind, and the order it concerns."""
    kind = str(getattr(e, "kind", ""))
    number = getattr(e, "order_no", None)
    words = kind_words(kind)
    return f"{words} {number}" if number is not None and kind.startswith("order") else words


def _event_text(e: object) -> str:
    """The card line of the event without its date (the When column has it), with the
    whole comment where the card line had to shorten it."""
    data = getattr(e, "data", None)
    text = event_words(str(getattr(e, "kind", "")), without_day(str(getattr(e, "text", ""))),
                       data if isinstance(data, dict) else None)  # fmt: skip
    comment = str((getattr(e, "data", None) or {}).get("comment") or "").strip()
    if comment and comment not in text and ": " in text:
        text = text[: text.index(": ") + 2] + comment
    return text


@journal.command("push")
@click.argument("sheet")
@pass_ctx
def journal_push(ctx: Ctx, sheet: str) -> None:
    """Append this PC's new journal events to the "Journal" tab of a Google Sheet.

    Safe to run again, from any PC: nothing is duplicated.

    \b
    Example:
      crm journal push "https://docs.google.com/spreadsheets/d/KEY"
    """
    from contacts_crm.usecases.journal_sharing import push_journal

    added = push_journal(ctx.account, sheet)
    emit(ctx, {"appended": added}, _("Appended {n} event(s) to the Journal tab").format(n=added))


@journal.command("pull")
@click.argument("sheet")
@pass_ctx
def journal_pull(ctx: Ctx, sheet: str) -> None:
    """Bring the other PCs' events from the "Journal" tab into this PC's journal.

    Summaries, activity and histories then include what everyone did.
    Safe to run again: events already here are skipped.

    \b
    Example:
      crm journal pull "https://docs.google.com/spreadsheets/d/KEY"
    """
    from contacts_crm.usecases.journal_sharing import pull_journal

    added = pull_journal(ctx.account, sheet)
    said = _("Recorded {n} new event(s) from the Journal tab").format(n=added)
    emit(ctx, {"recorded": added}, said)


@click.command()
@click.option(
    "--repair",
    is_flag=True,
    help="Run again the operations that were interrupted before reaching the account.",
)
@click.option(
    "--relabel",
    is_flag=True,
    help="Rewrite the tool's lines of old cards in the profile's language "
    "(never the free text; the old lines go to the journal).",
)
@click.option(
    "--phones",
    is_flag=True,
    help="Check every phone number instead: E.164, unreadable, same last 7 digits.",
)
@click.option("--fix", is_flag=True, help="With --phones: rewrite the numbers to E.164.")
@click.option("--region", metavar="CC", help="With --phones: the country of national numbers.")
@click.option("--undo", metavar="OP", help="With --phones: put back the numbers of fix OP.")
@pass_ctx
def doctor(
    ctx: Ctx, repair: bool, relabel: bool, phones: bool, fix: bool, region: str | None,
    undo: str | None,
) -> None:  # fmt: skip
    """Check cards, the journal and imports: odd lines, interrupted writes, duplicates.

    Lists card lines the tool does not understand (kept as they are),
    operations interrupted between the journal and the card, journal facts the
    cards disagree with, and contacts an import created twice. --repair runs
    interrupted operations again and deletes an extra copy of an imported row
    when it is identical and untouched (journaled first); copies someone worked
    on are only listed. --relabel rewrites the tool's own card lines in the
    profile's language.

    With --phones: every number not in E.164 (a dry run; --fix rewrites them in
    batches of 200, one journal operation, undone with --undo), numbers that
    cannot be read, and pairs of contacts whose numbers share the last 7
    digits (Android shows the wrong name on a call from them).

    \b
    Examples:
      crm doctor
      crm doctor --repair
      crm doctor --phones
      crm doctor --phones --fix --region TR
      crm doctor --phones --undo 3f2a9c0d1e2b4a5c
      crm doctor --relabel        # after: crm config set language tr
    """
    if phones or fix or region or undo:
        from contacts_crm.cli.phones import phone_doctor

        if not phones or repair or (fix and undo):
            raise click.UsageError(_("--fix, --region and --undo go with --phones (one at a time)"))
        phone_doctor(ctx, fix=fix, region=region, undo=undo)
        return
    from contacts_crm.usecases import cards as uc
    from contacts_crm.usecases import import_copies as dup

    report = uc.doctor(ctx.account, repair=repair)
    doubles = dup.find_duplicates(ctx.account)
    report["duplicates"] = [d.to_dict() for d in doubles]
    report["duplicates_removed"] = dup.remove_extra_copies(ctx.account, doubles) if repair else []
    if relabel:
        from contacts_crm.usecases.relabel import relabel_cards

        report["relabelled"] = relabel_cards(ctx.account)

    def human() -> None:
        _print_duplicates(report)
        for item in report["unrecognised"]:
            click.echo(
                _("{name} ({id}): lines kept as they are:").format(
                    name=item["name"], id=item["resourceName"]
                )
            )
            for line in item["lines"]:
                click.echo(f"  {line['line']}: {line['text']}")
                if line.get("suggestion"):
                    click.echo("     " + _("did you mean: {line}").format(line=line["suggestion"]))
        if report["repaired"]:
            click.echo(
                _("Marked {n} interrupted operation(s) as applied.").format(
                    n=len(report["repaired"])
                )
            )
        if report["rerun"]:
            click.echo(_("Ran {n} interrupted operation(s) again.").format(n=len(report["rerun"])))
        if report["superseded"]:
            click.echo(_("Left {n} interrupted operation(s) out: the same change was made "
                         "again and is recorded.").format(n=len(report["superseded"])))  # fmt: skip
        for item in report["disagreements"]:
            click.echo(f"{item['name']} ({item['resourceName']}): {item['problem']}")
        for item in report["unapplied"]:
            click.echo(
                _(
                    "Never reached the account: {kind} on {contact}: {text} "
                    "(crm doctor --repair runs it again)"
                ).format(kind=kind_words(item["kind"]), contact=item["contact"], text=item["text"])
            )
        for item in report["finished"]:
            click.echo(_("Finished the interrupted {what} {op} ({text}).").format(
                what=kind_word(item["kind"]), op=item["opId"], text=item["text"]))  # fmt: skip
        for item in report["pending"]:
            click.echo(_("Still interrupted (another crm is finishing it): {what} {op}").format(
                what=kind_word(item["kind"]), op=item["opId"]))  # fmt: skip
        for item in report.get("relabelled", []):
            click.echo(_("{name}: {n} line(s) rewritten in the current language").format(
                name=item["name"], n=len(item["lines"])))  # fmt: skip
        if not any(report.values()):
            click.echo(_("All cards and the journal are in order."))

    emit(ctx, report, human)


def _print_duplicates(report: dict) -> None:
    removed = set(report["duplicates_removed"])
    for d in report["duplicates"]:
        extra = [rn for rn in d["extra"] if rn not in removed]
        click.echo(_("{name} exists {n} times (one import row, {key}): keeping {keep}").format(
            name=d["name"], n=1 + len(d["extra"]) + len(d["worked_on"]), key=d["key"],
            keep=d["keep"]))  # fmt: skip
        if extra:
            click.echo("  " + _("extra copies: {ids} (crm doctor --repair deletes them; the "
                                "journal keeps a copy)").format(ids=", ".join(extra)))  # fmt: skip
        if d["worked_on"]:
            click.echo("  " + _("worked on, merge by hand: {ids}").format(
                ids=", ".join(d["worked_on"])))  # fmt: skip
    if removed:
        click.echo(_("Deleted {n} extra cop(ies) (kept in the journal).").format(n=len(removed)))


COMMANDS = [card, call, order, journal, doctor]
