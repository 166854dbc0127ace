"""Use cases raise typed errors that name the field and why, never a command-line option;
the command line words them with its options (cli/wording.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from contacts_crm import i18n
from contacts_crm.cli.wording import for_cli
from contacts_crm.errors import FieldError, InputError, Problem
from contacts_crm.usecases.cards import check_call

TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _english():
    i18n.use("en")
    yield
    i18n.use("en")


@pytest.mark.parametrize(
    ("args", "field", "reason", "cli_says"),
    [
        (("in", "callback", None), "callback_on", "missing", "--outcome callback needs the day"),
        (("in", "interested", TODAY), "callback_on", "not_callback", "--callback-on contradicts"),
        (("in", "callback", TODAY - timedelta(days=1)), "callback_on", "before_call",
         "--callback-on 2026-12-06 is before the call (2026-12-07)"),
        (("missed", "interested", None), "outcome", "missed", "(got --outcome interested)"),
    ],
)  # fmt: skip
def test_a_refused_call_names_the_field_and_why_and_no_option(args, field, reason, cli_says):
    with pytest.raises(FieldError) as caught:
        check_call(*args, TODAY)
    exc = caught.value
    assert (exc.field, exc.reason) == (field, reason)
    assert "--" not in exc.message and "--" not in (exc.hint or "")
    assert exc.to_dict()["field"] == field
    worded = for_cli(exc)
    assert cli_says in worded.message
    assert worded.hint and worded.exit_code == 2


def test_a_problem_names_its_field_and_the_cli_words_it_as_the_option():
    exc = InputError("cannot add 'X'", [Problem("'12': too short", field="phone")],
                     hint="fix it", reason="shared_phone")  # fmt: skip
    assert str(exc.problems[0]) == "phone: '12': too short"
    worded = for_cli(exc)
    assert isinstance(worded, InputError)
    assert str(worded.problems[0]) == "column '--phone': '12': too short"
    assert "--allow-duplicate" in (worded.hint or "")
