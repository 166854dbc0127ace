"""Report commands: summary, callbacks, activity (table, JSON, CSV, xlsx, Google Sheet)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from contacts_crm.cli.output import Ctx, pass_ctx, table
from contacts_crm.contact.phones import format_national
from contacts_crm.dates import DATE_FORMATS, parse_day
from contacts_crm.errors import UsageError
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

FORMATS = ("table", "json", "csv", "xlsx")


def _output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--format, --output, --to-sheet and --as-of, shared by every report."""
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                     show_default=True, help="How to write the report."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write csv/xlsx to this file (csv: default the terminal)."),
        click.option("--to-sheet", metavar="URL_OR_NAME",
                     help="Also refresh the report's tab of this Google Sheet in place."),
        click.option("--as-of", metavar="DATE",
                     help=f"Compute as if today were DATE ({DATE_FORMATS})."),
    ]):  # fmt: skip
        fn = option(fn)
    return fn


def _day(value: str | None, option: str) -> date | None:
    return parse_day(value, option) if value else None


def _today(as_of: str | None) -> date:
    return _day(as_of, "--as-of") or date.today()


def _write_csv(view: View, output: Path | None) -> None:
    from contacts_crm.files.safe_cells import csv_cell  # lazy: keeps crm start-up fast
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(view.header)
    for row in view.rows:
        writer.writerow(["" if v is None else csv_cell(v) if isinstance(v, str) else v
                         for v in row])  # fmt: skip
    if output is None:
        click.echo(buf.getvalue(), nl=False)
    else:
        output.write_text(buf.getvalue(), encoding="utf-8-sig")
        click.echo(f"Wrote {output}", err=True)


def _finish(
    ctx: Ctx,
    fmt: str,
    data: dict[str, Any],
    views: list[View],
    human: Callable[[], None],
    *,
    output: Path | None,
    to_sheet: str | None,
    default_name: str,
) -> None:
    """Write the sheet tabs, then print or save the report in the chosen format."""
    settings = load_report_settings()
    if to_sheet:
        from contacts_crm.reports.to_sheet import refresh_tab, sheets_client_for  # gspread
        client = sheets_client_for(ctx.account)  # one client (and credentials load) for all tabs
        tabs = []
        for view in views:
            result = refresh_tab(ctx.account, to_sheet, settings.view(view.key), view,
                                 sheets_client=client)  # fmt: skip
            tabs.append({"tab": result.tab, "rows": result.rows, "apiCalls": result.api_calls,
                         "created": result.created, "url": result.url})  # fmt: skip
        data = {**data, "sheet": tabs}
        if not (ctx.json or fmt == "json"):
            for t in tabs:
                click.echo(f"Refreshed tab {t['tab']!r}: {t['rows']} rows ({t['url']})", err=True)
    if ctx.json or fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        _write_csv(views[0], output)
    elif fmt == "xlsx":
        from contacts_crm.reports.xlsx import write_summary_xlsx  # openpyxl, only when asked

        path = output or Path(default_name)
        write_summary_xlsx(views, path, settings)
        click.echo(f"Wrote {path}")
    else:
        human()


def _show(view: View, title: str | None = None) -> None:
    table(view.header, [["" if v is None else v for v in r] for r in view.rows], title=title)


@click.command()
@click.option("--group", "-g", metavar="GROUP", help="Only this group.")
@click.option("--since", metavar="DATE", help="First day of the period (default: 1st of month).")
@click.option("--until", metavar="DATE", help="Last day of the period (default: today).")
@click.option("--by-employee", is_flag=True, help="Show what each employee did instead.")
@_output_options
@pass_ctx
def summary(
    ctx: Ctx, group: str | None, since: str | None, until: str | None, by_employee: bool,
    fmt: str, output: Path | None, to_sheet: str | None, as_of: str | None,
) -> None:  # fmt: skip
    """Figures per group: clients, leads, open orders by stage, orders completed
    and cancelled in the period with amounts, conversion, last contact.

    Leads are clients in a lead group (Leads, Call back) or with an interested
    call, and no order yet; "converted" are those that ordered. Period figures
    come from the journal, current ones from the cards. The xlsx workbook has a
    sheet per view and a chart of orders per group; --to-sheet refreshes the
    "Summary" tab ("Employees" with --by-employee) and nothing else.

    \b
    Examples:
      crm summary
      crm summary --since 2026-10-01 --until 31.10.2026 --group Wholesale
      crm summary --by-employee
      crm summary --format xlsx --output november.xlsx
      crm summary --to-sheet "https://docs.google.com/spreadsheets/d/KEY"
    """
    today = _today(as_of)
    report = summary_report(ctx.account, since=_day(since, "--since"),
                            until=_day(until, "--until"), group=group, today=today)  # fmt: skip
    main = employees_view(report.employees) if by_employee else summary_view(report)

    def human() -> None:
        click.echo(f"Period {report.since} – {report.until}"
                   + (f", group {report.group}" if report.group else ""))  # fmt: skip
        if by_employee:
            _show(main, "Employees")
            return
        _show(compact_summary_view(report), "Groups")
        _show(open_orders_view(report), "Open orders by stage")

    views = summary_views(report, callbacks_report(ctx.account, group=group, today=today)) \
        if fmt == "xlsx" else [main]  # fmt: skip
    _finish(ctx, fmt, report.to_dict(), views, human, output=output, to_sheet=to_sheet,
            default_name=f"crm-summary-{report.until}.xlsx")  # fmt: skip


@click.command()
@click.option("--days", type=int, metavar="N",
              help="Days after an interested call before it is listed (default 14).")
@click.option("--group", "-g", metavar="GROUP", help="Only this group.")
@_output_options
@pass_ctx
def callbacks(
    ctx: Ctx, days: int | None, group: str | None, fmt: str, output: Path | None,
    to_sheet: str | None, as_of: str | None,
) -> None:  # fmt: skip
    """Who to call and why, most overdue first.

    Listed: a call-back date that has come; an interested call with no order
    after N days; a client not contacted for longer than its group's
    stay-in-touch interval (templates/reports/stay_in_touch.toml).

    \b
    Examples:
      crm callbacks
      crm callbacks --days 7 --group Leads
      crm callbacks --format csv --output callbacks.csv
      crm callbacks --to-sheet "Office CRM"
    """
    if days is not None and days < 0:
        raise UsageError(f"--days must be 0 or more, got {days}")
    items = callbacks_report(ctx.account, days=days, group=group, today=_today(as_of))
    view = callbacks_view(items)

    def human() -> None:
        if not items:
            click.echo("Nobody to call back.")
            return
        table(["Name", "Phone", "Reason", "Overdue", "Last contact", "Why"], [
            [c.name, format_national(c.phone) if c.phone else "", c.reason, c.overdue,
             f"{c.last_contact or 'never'}" + (f" ({c.last_contact_by})"
                                              if c.last_contact_by else ""),
             c.reasons[0].detail] for c in items])  # fmt: skip

    _finish(ctx, fmt, {"callbacks": [c.to_dict() for c in items]}, [view], human,
            output=output, to_sheet=to_sheet, default_name="crm-callbacks.xlsx")  # fmt: skip


@click.command()
@click.option("--since", metavar="DATE", help="First day (default: 1st of this month).")
@click.option("--until", metavar="DATE", help="Last day (default: today).")
@click.option("--who", metavar="NAME", help="Only this employee.")
@click.option("--events", "with_events", is_flag=True, help="List the events themselves too.")
@_output_options
@pass_ctx
def activity(
    ctx: Ctx, since: str | None, until: str | None, who: str | None, with_events: bool,
    fmt: str, output: Path | None, to_sheet: str | None, as_of: str | None,
) -> None:  # fmt: skip
    """What each employee did in a period, from the journal: calls by direction
    and outcome, order steps by stage, orders opened, completed, cancelled, amounts.

    \b
    Examples:
      crm activity
      crm activity --since 01.10.2026 --until 31.10.2026 --who Olga --events
      crm --json activity --since 2026-11-01
      crm activity --to-sheet "Office CRM"
    """
    report = activity_report(ctx.account, since=_day(since, "--since"),
                             until=_day(until, "--until"), who=who, today=_today(as_of),
                             with_events=with_events)  # fmt: skip
    views = [activity_view(report)]
    if with_events:
        views.append(events_view(report))

    def human() -> None:
        click.echo(f"Period {report.since} – {report.until}")
        _show(views[0], "Activity")
        if with_events:
            _show(views[1], "Events")

    _finish(ctx, fmt, report.to_dict(), views, human, output=output, to_sheet=to_sheet,
            default_name=f"crm-activity-{report.until}.xlsx")  # fmt: skip


COMMANDS = [summary, callbacks, activity]
