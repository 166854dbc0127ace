"""No surprising exits: call contradictions, relative dates, prompts, config and group details."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest

from contacts_crm.cli.main import main
from contacts_crm.dates import parse_day, parse_when, relative_day


@pytest.fixture
def crm(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin or ""))
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


@pytest.fixture
def client(crm):
    assert crm("config", "set", "user", "Olga")[0] == 0
    assert crm("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")[0] == 0
    return crm


def _card(crm) -> str:
    code, out, _ = crm("--json", "card", "Petrov")
    assert code == 0
    return json.loads(out)["card"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--in", "--out"], "--in and --out contradict"),
        (["--out", "--missed"], "--out and --missed contradict"),
        (["--outcome", "callback"], "needs the day to call back"),
        (["--callback-on", "yesterday"], "a call-back date is today or later"),
        (["--callback-on", "tomorrow", "--outcome", "not_interested"], "contradicts --outcome"),
        (["--at", "+2d"], "is in the future"),
        (["--at", "2099-01-01"], "is in the future"),
        (["--missed", "--outcome", "interested"], "a missed call has no outcome"),
    ],
)
def test_call_refuses_contradictions_and_writes_nothing(client, args, says):
    before = _card(client)
    code, _, err = client("call", "Petrov", "hello", *args)
    assert code == 2, err
    assert says in err and "Hint: " in err and "Traceback" not in err
    assert _card(client) == before


def test_call_defaults_to_outgoing_and_accepts_what_makes_sense(client):
    assert client("call", "Petrov", "first")[0] == 0
    assert " out (Olga)" in _card(client)  # no direction given: outgoing
    code, _, err = client("call", "Petrov", "busy", "--callback-on", "today")
    assert code == 0, err
    assert f"call back {date.today().isoformat()}" in _card(client)
    code, _, err = client("call", "Petrov", "old call", "--at", "-10d", "--callback-on", "-8d")
    assert code == 0, err  # a back-dated call: the date counts from the call's day


def test_a_missed_call_is_not_a_contact(client):
    assert client("order", "open", "Petrov", "tiles", "--at", "-5d")[0] == 0
    assert client("call", "Petrov", "--missed")[0] == 0
    card = _card(client)
    five_days_ago = (date.today() - timedelta(days=5)).isoformat()
    assert f"last contact {five_days_ago} (Olga)" in card  # the missed call did not move it
    assert "missed" in card  # but it is logged
    code, _out, _ = client("--json", "callbacks")
    assert code == 0


def test_relative_dates():
    wednesday = date(2026, 12, 2)
    assert relative_day("today", wednesday) == wednesday
    assert relative_day("yesterday", wednesday) == date(2026, 12, 1)
    assert relative_day("tomorrow", wednesday) == date(2026, 12, 3)
    assert relative_day("-7d", wednesday) == date(2026, 11, 25)
    assert relative_day("+3d", wednesday) == date(2026, 12, 5)
    assert relative_day("-2w", wednesday) == date(2026, 11, 18)
    assert relative_day("вчера", wednesday) == relative_day("dün", wednesday) == date(2026, 12, 1)
    assert relative_day("завтра", wednesday) == relative_day("yarın", wednesday)
    # weekdays: the last one looking back, the next one looking forward (today counts)
    assert relative_day("friday", wednesday) == date(2026, 11, 27)
    assert relative_day("friday", wednesday, "future") == date(2026, 12, 4)
    assert relative_day("пятница", wednesday, "future") == date(2026, 12, 4)
    assert relative_day("cuma", wednesday, "future") == date(2026, 12, 4)
    assert relative_day("wed", wednesday) == relative_day("среда", wednesday, "future") == wednesday
    assert relative_day("pazartesi", wednesday) == date(2026, 11, 30)
    assert relative_day("someday", wednesday) is None
    assert parse_day("+3d", today=wednesday) == date(2026, 12, 5)
    now = datetime(2026, 12, 2, 15, 0).astimezone()
    at = parse_when("yesterday 16:30", now=now)
    assert (at.date(), at.hour, at.minute) == (date(2026, 12, 1), 16, 30)
    assert parse_day("2026-11-05") == parse_day("05.11.2026") == date(2026, 11, 5)


def test_relative_dates_on_the_command_line(client):
    assert client("summary", "--since", "yesterday", "--format", "json")[0] == 0
    assert client("activity", "--since", "-7d", "--until", "today")[0] == 0
    code, _, err = client("summary", "--since", "someday")
    assert code == 2 and "yesterday" in err  # the hint lists the relative forms


def test_declining_a_prompt_is_exit_3_and_names_the_group(client):
    assert client("group", "create", "VIP")[0] == 0
    assert client("group", "add", "VIP", "Petrov")[0] == 0
    code, _, err = client("group", "delete", "VIP", stdin="n\n")
    assert code == 3, err
    assert "Delete group 'VIP'? Its 1 contact(s) stay" in err
    assert "not deleted" in err
    code, out, _ = client("--json", "group", "list")
    assert "VIP" in [g["name"] for g in json.loads(out)]
    code, _, err = client("group", "delete", "VIP", stdin="")  # no answer at all: declined
    assert code == 3
    code, _, err = client("group", "delete", "VIP", stdin="y\n")
    assert code == 0, err


def test_group_add_says_when_a_contact_was_already_there(client):
    assert client("group", "create", "VIP")[0] == 0
    code, out, _ = client("group", "add", "VIP", "Petrov")
    assert "VIP: 1 contact(s)" in out
    code, out, _ = client("group", "add", "VIP", "Petrov")
    assert code == 0 and "VIP: 0 contact(s)" in out and "already in VIP" in out
    code, out, _ = client("--json", "group", "add", "VIP", "Petrov")
    data = json.loads(out)
    assert data["changed"] == [] and len(data["unchanged"]) == 1


def test_config_set_empty_is_refused_and_unset_restores_the_default(crm):
    code, _, err = crm("config", "set", "user", "")
    assert code == 2 and "crm config unset user" in err
    assert crm("config", "set", "user", "Olga")[0] == 0
    assert crm("config", "set", "card_max_lines", "20")[0] == 0
    assert crm("config", "unset", "card_max_lines")[0] == 0
    code, out, _ = crm("--json", "config", "show")
    shown = json.loads(out)
    assert shown["card_max_lines"] == 12 and shown["user"] == "Olga"
    assert "auth" not in shown  # a local profile does not log in
    code, out, _ = crm("config", "show")
    assert "oauth" not in out


def test_a_config_error_is_said_once(crm):
    code, _, err = crm("config", "set", "region", "XX")
    assert code in (2, 78)
    first = err.splitlines()[0].removeprefix("Error: ")
    assert err.count(first) == 1, err


def test_dialer_view_marks_what_it_cut(crm):
    assert crm("config", "set", "card_max_chars", "100")[0] == 0
    long_note = "Prefers calls after 14:00. " * 10
    assert crm("add", "Anna", "--phone", "+90 532 123 45 67", "--note", long_note)[0] == 0
    _code, out, _ = crm("--json", "card", "Anna", "--dialer")
    text = json.loads(out)["card"]
    assert text.endswith("…") and len(text) <= 100
