"""Dates and times as people type them on the command line (one reader for all commands)."""

from __future__ import annotations

from datetime import date, datetime

from contacts_crm.errors import UsageError

DATE_FORMATS = "YYYY-MM-DD or DD.MM.YYYY (a time HH:MM may follow)"
FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates of an office's calls and orders
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y")


def parse_when(text: str, option: str = "--at") -> datetime:
    """'2026-11-05', '2026-11-05 14:30', '05.11.2026' or '05.11.2026 14:30', local time."""
    value = text.strip()
    for fmt in _FORMATS:
        try:
            when = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if not FIRST_YEAR <= when.year <= LAST_YEAR:
            raise UsageError(
                f"{option}: {text!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}",
                hint="check the year",
            )
        return when.astimezone()
    raise UsageError(f"{option}: {text!r} is not a date", hint=f"write dates as {DATE_FORMATS}")


def parse_day(text: str, option: str = "date") -> date:
    """The day of ``parse_when``."""
    return parse_when(text, option).date()
