"""Dates as an office types them, in en, ru and tr (contacts_crm.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from contacts_crm import i18n
from contacts_crm.dates import parse_day, parse_when
from contacts_crm.errors import UsageError

TUESDAY = date(2026, 12, 8)


@pytest.mark.parametrize(
    ("typed", "future", "past"),
    [
        ("friday", date(2026, 12, 11), date(2026, 12, 4)),
        ("в пятницу", date(2026, 12, 11), date(2026, 12, 4)),
        ("во вторник", TUESDAY, TUESDAY),
        ("в среду", date(2026, 12, 9), date(2026, 12, 2)),
        ("В СУББОТУ", date(2026, 12, 12), date(2026, 12, 5)),
        ("cuma", date(2026, 12, 11), date(2026, 12, 4)),
        ("cuma günü", date(2026, 12, 11), date(2026, 12, 4)),
        ("on friday", date(2026, 12, 11), date(2026, 12, 4)),
        ("завтра", date(2026, 12, 9), date(2026, 12, 9)),
        ("на завтра", date(2026, 12, 9), date(2026, 12, 9)),
        ("yarın", date(2026, 12, 9), date(2026, 12, 9)),
        ("послезавтра", date(2026, 12, 10), date(2026, 12, 10)),
        ("öbür gün", date(2026, 12, 10), date(2026, 12, 10)),
        ("позавчера", date(2026, 12, 6), date(2026, 12, 6)),
        ("dün", date(2026, 12, 7), date(2026, 12, 7)),
    ],
)
def test_relative_days_in_three_languages(typed, future, past):
    assert parse_day(typed, "--callback-on", direction="future", today=TUESDAY) == future
    assert parse_day(typed, "--at", direction="past", today=TUESDAY) == past


def test_a_relative_day_takes_a_time():
    when = parse_when("вчера 16:30", now=None)
    assert (when.hour, when.minute) == (16, 30)


@pytest.fixture
def russian():
    i18n.use("ru")
    yield
    i18n.use("en")


def test_a_date_that_is_not_in_the_calendar_says_so_in_the_office_language(russian):
    with pytest.raises(UsageError) as error:
        parse_day("31.02.2026", "--at")
    assert error.value.message == "--at: дня '31.02.2026' нет в календаре"
    assert "ДД.ММ.ГГГГ" in (error.value.hint or "")
    with pytest.raises(UsageError) as error:
        parse_day("в следующем веке", "--at")
    assert "не дата" in error.value.message and "в пятницу" in (error.value.hint or "")
