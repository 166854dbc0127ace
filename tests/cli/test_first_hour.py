"""The first hour of a new user: one rule for groups named on `crm add`, a fixed clock."""

from __future__ import annotations

import json

from cli_helpers import run_crm


def group_names() -> list[str]:
    result = run_crm("--json", "group", "list")
    assert result.code == 0, result
    return [g["name"] for g in json.loads(result.out)]


def test_add_creates_a_new_group_on_first_use_and_says_so():
    result = run_crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--group", "Wholesale")
    assert result.code == 0, result
    assert result.out.splitlines()[0] == "Created group Wholesale"
    assert "Added Ivan Petrov" in result.out
    assert "Wholesale" in group_names()
    shown = json.loads(run_crm("--json", "find", "Petrov").out)
    assert shown[0]["groups"] == ["Wholesale"]
    # the second time the group is there: nothing is created, nothing said about it
    again = run_crm("add", "Anna", "--phone", "8 916 123-45-68", "--group", "wholesale")
    assert again.code == 0 and "Created group" not in again.out
    assert group_names().count("Wholesale") == 1


def test_a_refused_add_creates_no_group():
    run_crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")
    result = run_crm("add", "Copy", "--phone", "8 916 123-45-67", "--group", "Never made")
    assert result.code == 65
    assert "Never made" not in group_names()


def test_json_lists_the_groups_it_created():
    result = run_crm("--json", "add", "Ivan", "--phone", "8 916 123-45-67", "--group", "VIP",
                     "--group", "Leads")  # fmt: skip
    data = json.loads(result.out)
    assert data["createdGroups"] == ["VIP", "Leads"]
    assert sorted(data["groups"]) == ["Leads", "VIP"]


def test_the_notice_speaks_the_office_language():
    run_crm("config", "set", "language", "ru")
    result = run_crm("add", "Иван", "--phone", "8 916 123-45-67", "--group", "Опт")
    assert result.out.splitlines()[0] == "Создана группа Опт"


def test_crm_now_fixes_the_clock_of_cards_and_journal(monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2026-11-20 09:30")
    monkeypatch.setenv("TZ", "UTC")
    run_crm("config", "set", "user", "Olga")
    run_crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")
    result = run_crm("call", "Petrov", "asks for a price list")
    assert "2026-11-20 out (Olga): asks for a price list" in result.out
    events = json.loads(run_crm("--json", "journal", "Petrov").out)
    assert any(e.get("at", "").startswith("2026-11-20T09:30") for e in events["events"]), events


def test_a_bad_crm_now_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("CRM_NOW", "next friday")
    run_crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")
    result = run_crm("call", "Petrov", "hello")
    assert result.code == 78
    assert "CRM_NOW" in result.err and "Traceback" not in result.err
