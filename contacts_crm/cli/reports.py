"""Report commands: summary, callbacks, activity (table, plain, tsv, csv, json, xlsx, Sheets)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import click

from contacts_crm import dates
from contacts_crm.cli.output import (
    Ctx,
    Listing,
    check_output_path,
    output_options,
    pass_ctx,
    phone_cell,
    short_time,
    show,
    transposed,
)
from contacts_crm.dates import DATE_FORMATS, parse_day
from contacts_crm.errors import NotFoundError, UsageError
from contacts_crm.i18n import _
from contacts_crm.reports.activity import activity as activity_report
from contacts_crm.reports.callbacks import callbacks as callbacks_report
from contacts_crm.reports.settings import load_report_settings
from contacts_crm.reports.summary import summary as summary_report
from contacts_crm.reports.tables import (
    View,
    activity_view,
    callbacks_view,
    compact_summary_view,
    employees_view,
    events_view,
    open_orders_view,
    summary_view,
    summary_views,
)


def _report_options(fn: Any) -> Any:
    """--format (with xlsx), --output, --to-sheet and --as-of, shared by every report."""
    as_of = f"Compute as if today were DATE ({DATE_FORMATS})."
    fn = click.option("--as-of", metavar="DATE", help=as_of)(fn)
    sheet = "Also refresh the report's tab of this Google Sheet in place."
    fn = click.option("--to-sheet", metavar="URL_OR_NAME", help=sheet)(fn)
    return output_options(extra=("xlsx",), formats_help="xlsx writes a workbook (-o FILE)")(fn)


def _day(value: str | None, option: str) -> date | None:
    return parse_day(value, option) if value else None


def _today(as_of: str | None) -> date:
    return _day(as_of, "--as-of") or dates.today()


def _labels(ctx: Ctx) -> Any:
    from contacts_crm.office.cards import card_settings

    return card_settings(ctx.account.profile).labels


def _listing(view: View, title: str | None = None, empty: str | None = None) -> Listing:
    return Listing(view.header, view.rows, title=title, empty=empty)


def _finish(
    ctx: Ctx,
    data: dict[str, Any],
    sheet_views: list[View],
    listings: Sequence[Listing],
    *,
    to_sheet: str | None,
    xlsx_views: list[View] | None = None,
    default_name: str,
    before: Sequence[str] = (),
) -> None:
    """Write the sheet tabs, then print or save the report in the chosen format."""
    from contacts_crm.files.output import file_mode

    settings = load_report_settings()
    workbook = None
    if ctx.fmt == "xlsx" and ctx.output != "-":  # a bad path fails before any Sheet write
        workbook = check_output_path(ctx.output or default_name, "workbook")
    if to_sheet:
        from contacts_crm.reports.to_sheet import refresh_tab, sheets_client_for  # lazy: gspread

        client = sheets_client_for(ctx.account)  # one client (and credentials load) for all tabs
        tabs = []
        for view in sheet_views:
            result = refresh_tab(ctx.account, to_sheet, settings.view(view.key), view,
                                 sheets_client=client)  # fmt: skip
            tabs.append({"tab": result.tab, "rows": result.rows, "apiCalls": result.api_calls,
                         "created": result.created, "url": result.url})  # fmt: skip
        data = {**data, "sheet": tabs}
        if not ctx.wants_json:
            for t in tabs:
                said = _("Refreshed tab {tab!r}: {rows} rows ({url})")
                click.echo(said.format(tab=t["tab"], rows=t["rows"], url=t["url"]), err=True)
    if ctx.fmt == "xlsx":
        from contacts_crm.reports.xlsx import write_summary_xlsx  # lazy: openpyxl

        if ctx.output == "-":
            raise UsageError(_("an xlsx workbook cannot be written to stdout"),
                             hint=_("give a file name: -o report.xlsx"))  # fmt: skip
        path = workbook or check_output_path(ctx.output or default_name, "workbook")
        mode = file_mode(ctx.account.profile.export_mode)
        write_summary_xlsx(xlsx_views or sheet_views, path, settings, mode)
        click.echo(_("Wrote {path}").format(path=path))
        return
    show(ctx, listings, data, before=before)


@click.command()
@click.option("--group", "-g", metavar="GROUP", help="Only this group.")
@click.option("--since", metavar="DATE", help="First day of the period (default: 1st of month).")
@click.option("--until", metavar="DATE", help="Last day of the period (default: today).")
@click.option("--by-employee", is_flag=True, help="Show what each employee did instead.")
@_report_options
@pass_ctx
def summary(
    ctx: Ctx, group: str | None, since: str | None, until: str | None, by_employee: bool,
    to_sheet: str | None, as_of: str | None,
) -> None:  # fmt: skip
    """Figures per group: clients, leads, open orders by stage, orders completed
    and cancelled in the period with amounts, conversion, last contact.

    Leads are clients in a lead group (Leads, Call back) or with an interested
    call, and no order yet; "converted" are those that ordered. Period figures
    come from the journal, current ones from the cards. On a terminal the
    groups are shown in a compact table; plain, tsv, csv and json give every
    column. The xlsx workbook has a sheet per view and a chart of orders per
    group (with --by-employee: the employees and their activity); --to-sheet
    refreshes the "Summary" tab ("Employees" with --by-employee) and nothing else.

    \b
    Examples:
      crm summary
      crm summary --since 2026-10-01 --until 31.10.2026 --group Wholesale
      crm summary --since -30d --by-employee
      crm summary --format xlsx --output november.xlsx
      crm summary --format csv -o - | cut -d, -f1,2
      crm summary --to-sheet "https://docs.google.com/spreadsheets/d/KEY"
    """
    today = _today(as_of)
    start, end = _day(since, "--since"), _day(until, "--until")
    # the employees' figures are shown only in these (the groups' views do not have them)
    shown = by_employee or ctx.fmt in ("json", "xlsx")
    report = summary_report(ctx.account, since=start, until=end, group=group, today=today,
                            employees=shown)  # fmt: skip
    labels = _labels(ctx)
    in_group = _(", group {group}").format(group=report.group) if report.group else ""
    heading = [_("Period {since} – {until}").format(since=report.since, until=report.until)
               + in_group]  # fmt: skip
    if by_employee:
        main = employees_view(report.employees)
        listings = [_listing(main, _("Employees"), _("Nobody did anything in this period."))]
        xlsx_views = None
        if ctx.fmt == "xlsx":
            act = activity_report(ctx.account, since=start, until=end, today=today)
            xlsx_views = [main, activity_view(act, labels)]
    else:
        main = summary_view(report)
        if ctx.human:  # the terminal and the pipe: the same compact views
            listings = [
                _listing(compact_summary_view(report), _("Groups")),
                _listing(open_orders_view(report, labels), _("Open orders by stage")),
            ]
        else:
            listings = [_listing(main)]
        xlsx_views = None
        if ctx.fmt == "xlsx":
            items = callbacks_report(ctx.account, group=group, today=today)
            xlsx_views = summary_views(report, items, labels)
    data = report.to_dict() if ctx.wants_json else {}  # json only
    _finish(ctx, data, [main], listings, to_sheet=to_sheet, xlsx_views=xlsx_views,
            default_name=f"crm-summary-{report.until}.xlsx", before=heading)  # fmt: skip


@click.command()
@click.option(
    "--days",
    type=int,
    metavar="N",
    help="Days after an interested call before it is listed (default 14).",
)
@click.option("--group", "-g", metavar="GROUP", help="Only this group.")
@_report_options
@pass_ctx
def callbacks(
    ctx: Ctx, days: int | None, group: str | None, to_sheet: str | None, as_of: str | None,
) -> None:  # fmt: skip
    """Who to call and why, most overdue first.

    Listed: a call-back date that has come; an interested call with no order
    after N days; a client not contacted for longer than its group's
    stay-in-touch interval (templates/reports/stay_in_touch.toml); a lead
    never contacted at all; missed calls nobody returned (reported to
    crm serve by the phones and the PBX), one line per caller.

    \b
    Examples:
      crm callbacks
      crm callbacks --days 7 --group Leads
      crm callbacks --format csv --output callbacks.csv
      crm callbacks | grep "never contacted" | cut -f1,2
      crm callbacks --to-sheet "Office CRM"
    """
    if days is not None and days < 0:
        raise UsageError(_("--days must be 0 or more, got {got}").format(got=days))
    from contacts_crm.usecases.calls import missed_calls

    items = callbacks_report(ctx.account, days=days, group=group, today=_today(as_of),
                             missed=missed_calls(ctx.account))  # fmt: skip
    view = callbacks_view(items)
    if ctx.human:  # the terminal and the pipe: fewer columns, the phone readable
        never = _("never")
        rows = [[c.name, phone_cell(ctx, c.phone), c.overdue,
                 f"{c.last_contact or never}"
                 + (f" ({c.last_contact_by})" if c.last_contact_by else ""),
                 "; ".join(r.detail for r in c.reasons)] for c in items]  # fmt: skip
        listing = Listing([_("Name"), _("Phone"), _("Overdue"), _("Last contact"), _("Reason")],
                          rows, empty=_("Nobody to call back."),
                          nowrap=(1,))  # a phone number is never cut  # fmt: skip
    else:
        listing = _listing(view, empty=_("Nobody to call back."))
    data = {"callbacks": [c.to_dict() for c in items]} if ctx.wants_json else {}  # json only
    _finish(ctx, data, [view], [listing],
            to_sheet=to_sheet, default_name="crm-callbacks.xlsx")  # fmt: skip


@click.command()
@click.option("--since", metavar="DATE", help="First day (default: 1st of this month).")
@click.option("--until", metavar="DATE", help="Last day (default: today).")
@click.option("--who", metavar="NAME", help="Only this employee.")
@click.option("--events", "with_events", is_flag=True,
              help="List the events themselves too (in every format).")  # fmt: skip
@_report_options
@pass_ctx
def activity(
    ctx: Ctx, since: str | None, until: str | None, who: str | None, with_events: bool,
    to_sheet: str | None, as_of: str | None,
) -> None:  # fmt: skip
    """What each employee did in a period, from the journal: calls by direction
    and outcome, order steps by stage, orders opened, completed, cancelled, amounts.

    With --events the events follow the figures: a second table (after an
    empty line in plain, tsv and csv), an "events" list in json, an "Events"
    sheet in xlsx.

    \b
    Examples:
      crm activity
      crm activity --since 01.10.2026 --until 31.10.2026 --who Olga --events
      crm activity --since monday --events --format csv -o week.csv
      crm --json activity --since 2026-11-01
      crm activity --to-sheet "Office CRM"
    """
    today = _today(as_of)
    start, end = _day(since, "--since"), _day(until, "--until")
    report = activity_report(ctx.account, since=start, until=end, who=who, today=today,
                             with_events=with_events)  # fmt: skip
    if who and not report.employees:
        everyone = activity_report(ctx.account, since=start, until=end, today=today)
        names = ", ".join(e.who for e in everyone.employees) or _("nobody")
        raise NotFoundError(
            _("no activity by {who!r} between {since} and {until}").format(
                who=who, since=report.since, until=report.until),
            hint=_("employees active in this period: {names}").format(names=names),
        )  # fmt: skip
    labels = _labels(ctx)
    views = [activity_view(report, labels)]
    if with_events:
        views.append(events_view(report, labels))
    listings = [_listing(views[0], _("Activity"))]
    if ctx.human:  # employees as columns, a figure per row: the terminal and the pipe alike
        listings = [transposed(listings[0])]
    if with_events:
        events = _listing(views[1], _("Events"), _("No event in this period."))
        events.nowrap = (0,)
        if ctx.human:
            events.rows = [[short_time(r[0]), *r[1:]] for r in events.rows]
        listings.append(events)
    heading = [_("Period {since} – {until}").format(since=report.since, until=report.until)]
    _finish(ctx, report.to_dict(), views, listings, to_sheet=to_sheet,
            default_name=f"crm-activity-{report.until}.xlsx", before=heading)  # fmt: skip


COMMANDS = [summary, callbacks, activity]
