"""Dates and times as people type them on the command line (one reader for all commands).

Absolute: ``2026-11-05``, ``05.11.2026``, either with ``HH:MM``. Relative:
``today``, ``yesterday``, ``tomorrow`` (also in Russian and Turkish), ``-7d``,
``+3d``, ``-2w``, and weekday names (``friday``/``fri``, ``пятница``/``пт``,
``cuma``/``cum``), also as said in a sentence (``в пятницу``, ``во вторник``,
``cuma günü``, ``послезавтра``). A weekday means the nearest such day in the direction the
option looks: the last one (today included) for ``--at``/``--since``, the next
one (today included) for ``--callback-on``. A time may follow a relative day
(``yesterday 16:30``).
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from typing import Literal

from contacts_crm.errors import ConfigError, UsageError
from contacts_crm.i18n import _

NOW_ENV = "CRM_NOW"  # the tool's clock, fixed: the README's examples and tests


def now() -> datetime:
    """The time now, local and aware: the clock of every date the tool writes or reads
    relative to today (cards, the journal, reports, exports).

    ``$CRM_NOW`` (``2026-11-20 09:00``, ISO) fixes it, so examples print the same
    dates on every run; an office never sets it.
    """
    fixed = os.environ.get(NOW_ENV, "").strip()
    if not fixed:
        return datetime.now().astimezone()
    try:
        return datetime.fromisoformat(fixed).astimezone()
    except ValueError:
        raise ConfigError(
            f"{NOW_ENV}={fixed!r} is not a date and time",
            hint="write it like 2026-11-20 09:00, or unset it",
        ) from None


def today() -> date:
    """Today's date by ``now()``."""
    return now().date()


_clock = now  # parse_when's parameter ``now`` hides the function


def date_formats() -> str:
    """How dates may be written, in the current language."""
    return _(
        "YYYY-MM-DD or DD.MM.YYYY (a time HH:MM may follow), or today, yesterday, tomorrow, "
        "-7d, +3d, a weekday name"
    )


DATE_FORMATS = (
    "YYYY-MM-DD or DD.MM.YYYY (a time HH:MM may follow), or today, yesterday, tomorrow, "
    "-7d, +3d, a weekday name"
)
FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates of an office's calls and orders
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y")

_DAY_WORDS = {
    0: ("today", "now", "сегодня", "bugün", "bugun"),
    -1: ("yesterday", "вчера", "dün", "dun"),
    1: ("tomorrow", "завтра", "yarın", "yarin"),
    2: ("послезавтра", "öbür", "obur"),  # "öbür gün": the trailing "gün" is dropped
    -2: ("позавчера", "evvelsi", "önceki"),
}
_WEEKDAYS = (  # Monday first, as date.weekday() counts
    ("monday", "mon", "понедельник", "пн", "pazartesi", "pzt"),
    ("tuesday", "tue", "вторник", "вт", "salı", "sali", "sal"),
    ("wednesday", "wed", "среда", "среду", "ср", "çarşamba", "carsamba", "çar", "car"),
    ("thursday", "thu", "четверг", "чт", "perşembe", "persembe", "per"),
    ("friday", "fri", "пятница", "пятницу", "пт", "cuma", "cum"),
    ("saturday", "sat", "суббота", "субботу", "сб", "cumartesi", "cmt"),
    ("sunday", "sun", "воскресенье", "вс", "pazar", "paz"),
)
_WORDS: dict[str, int] = {w: n for n, words in _DAY_WORDS.items() for w in words}
_WEEKDAY: dict[str, int] = {w: i for i, words in enumerate(_WEEKDAYS) for w in words}
# a day as said in a sentence: "в пятницу", "во вторник", "на завтра", "on friday", "cuma günü"
_LEADING = ("в ", "во ", "на ", "on ")
_TRAILING = (" günü", " gunu", " gün", " gun")
_OFFSET = re.compile(r"^([+-])\s*(\d{1,4})\s*([dw]|д|н|g|h)$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_NUMERIC = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})([ T]\d{1,2}:\d{2})?$")

Direction = Literal["past", "future"]


def relative_day(word: str, today: date, direction: Direction = "past") -> date | None:
    """The day a relative word means (None if ``word`` is not one)."""
    key = " ".join(word.casefold().split())
    for lead in _LEADING:
        key = key.removeprefix(lead)
    for trail in _TRAILING:
        key = key.removesuffix(trail)
    if key in _WORDS:
        return today + timedelta(days=_WORDS[key])
    m = _OFFSET.match(key)
    if m:
        sign, number, unit = m.groups()
        days = int(number) * (7 if unit in ("w", "н", "h") else 1)
        return today + timedelta(days=days if sign == "+" else -days)
    if key in _WEEKDAY:
        gap = _WEEKDAY[key] - today.weekday()
        if direction == "past":
            return today + timedelta(days=gap - 7 if gap > 0 else gap)
        return today + timedelta(days=gap + 7 if gap < 0 else gap)
    return None


def parse_when(
    text: str,
    option: str = "--at",
    *,
    direction: Direction = "past",
    now: datetime | None = None,
) -> datetime:
    """A date and maybe a time, absolute or relative (see the module), local time."""
    value = text.strip()
    for fmt in _FORMATS:
        try:
            when = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if not FIRST_YEAR <= when.year <= LAST_YEAR:
            raise UsageError(
                _("{option}: {text!r} is outside the years {first}–{last}").format(
                    option=option, text=text, first=FIRST_YEAR, last=LAST_YEAR),
                hint=_("check the year"),
            )  # fmt: skip
        return when.astimezone()
    current = now or _clock()
    words = value.split()
    time = _TIME.match(words[-1]) if len(words) > 1 else None
    day_words = " ".join(words[:-1] if time else words)
    day = relative_day(day_words, current.date(), direction)
    if day is not None:
        if not time:
            if day_words.casefold() == "now":
                return current
            return datetime.combine(day, datetime.min.time()).astimezone()
        if int(time[1]) < 24 and int(time[2]) < 60:
            return (
                datetime.combine(day, datetime.min.time())
                .replace(hour=int(time[1]), minute=int(time[2]))
                .astimezone()
            )
    if _NUMERIC.match(value):  # the shape of a date, but no such day ("31.02.2026")
        raise UsageError(
            _("{option}: there is no such day as {text!r} in the calendar").format(
                option=option, text=text),
            hint=_("check the day and the month (DD.MM.YYYY or YYYY-MM-DD)"),
        )  # fmt: skip
    raise UsageError(
        _("{option}: {text!r} is not a date").format(option=option, text=text),
        hint=_("write dates as {formats}").format(formats=date_formats()),
    )


def parse_day(
    text: str,
    option: str = "date",
    *,
    direction: Direction = "past",
    today: date | None = None,
) -> date:
    """The day of ``parse_when``."""
    now = datetime.combine(today, datetime.min.time()).astimezone() if today else None
    return parse_when(text, option, direction=direction, now=now).date()
