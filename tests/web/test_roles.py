"""Roles on the office page: every route has a minimum role, enforced on the server.

The test walks the app's URL map: a route added without a rule in
``web/access.py`` fails here, and every route is requested by every role (and
by nobody signed in) to see it refused exactly when the rule says so.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import PINS, csrf_of, sign_in

from contacts_crm.errors import UsageError
from contacts_crm.web.access import OPEN, ROUTE_ROLES, TOKEN
from contacts_crm.web.staff import ROLES, Staff, role_at_least

# a value for each URL variable, so every route can be requested
SAMPLE = {"number": "89161234567", "entry_id": "1", "filename": "app.css"}


def routes(app):
    """(endpoint, method, URL) of every route of the app (HEAD/OPTIONS left out)."""
    out = []
    for rule in app.url_map.iter_rules():
        values = {arg: SAMPLE.get(arg, "1") for arg in rule.arguments}
        if "cid" in rule.arguments:
            values["cid"] = (
                app.extensions["crm_office"].people["Ivan Petrov"].removeprefix("people/")
            )
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, path))
    return sorted(out, key=lambda r: r[0] == "signout")  # signing out last: it ends the session


def signed_in(app, office, role):
    """A client signed in as a user of ``role`` (made for the test)."""
    name = f"Test {role}"
    if office.staff.user(name) is None:
        office.staff.add_user(name, "4321", role)
    client = app.test_client()
    assert sign_in(client, name, "4321").status_code == 302
    return client


def request(client, method, path):
    if method == "GET":
        return client.get(path)
    csrf = csrf_of(client.get("/signin").text) if method == "POST" else ""
    return client.open(path, method=method, data={"csrf": csrf})


def test_every_route_has_a_rule_and_every_rule_a_route(app):
    endpoints = {endpoint for endpoint, _, _ in routes(app)}
    missing = sorted(endpoints - set(ROUTE_ROLES))
    assert not missing, f"routes with no rule in web/access.py ROUTE_ROLES: {missing}"
    stale = sorted(set(ROUTE_ROLES) - endpoints)
    assert not stale, f"rules for routes that do not exist: {stale}"


def test_every_route_refuses_a_role_that_may_not_use_it(app, office):
    clients = {role: signed_in(app, office, role) for role in ROLES}
    checked = 0
    for endpoint, method, path in routes(app):
        rule = ROUTE_ROLES[endpoint]
        for role, client in clients.items():
            status = request(client, method, path).status_code
            if rule in (OPEN, TOKEN) or role_at_least(role, rule):
                assert status != 403 or rule == TOKEN, (endpoint, method, role, status)
            else:
                assert status == 403, (endpoint, method, role, status)
                checked += 1
    assert checked >= 1  # staff at least are refused the dashboard


def test_every_route_but_the_open_ones_needs_a_sign_in(app):
    anonymous = app.test_client()
    for endpoint, method, path in routes(app):
        rule = ROUTE_ROLES[endpoint]
        resp = request(anonymous, method, path)
        if rule == OPEN:
            wrong_pin = endpoint == "signin" and method == "POST"  # no name, no PIN: 401
            assert resp.status_code in (200, 302, 404) or wrong_pin, (endpoint, resp.status_code)
            assert "/signin" not in resp.headers.get("Location", ""), endpoint
        elif rule == TOKEN:
            assert resp.status_code == 403, (endpoint, resp.status_code)  # no token, no answer
        elif method == "GET":
            assert resp.status_code == 302 and "/signin" in resp.headers["Location"], endpoint
        else:
            assert resp.status_code in (400, 401), (endpoint, resp.status_code)


def test_a_role_changed_on_the_command_line_counts_at_the_next_request(app, office):
    staff = signed_in(app, office, "staff")
    assert staff.get("/dashboard").status_code == 403
    assert 'href="/dashboard"' not in staff.get("/today").text  # no link to what it cannot open
    other = Staff(office.account.data_dir)  # as `crm serve user role` does, in another process
    other.set_role("Test staff", "manager")
    page = staff.get("/dashboard")
    assert page.status_code == 200 and 'href="/dashboard"' in page.text
    other.set_role("Test staff", "staff")
    assert staff.get("/dashboard").status_code == 403


def test_the_refusal_is_worded_in_the_office_language(make_office):
    from contacts_crm.web.app import create_app

    office = make_office("ru")
    office.people = {}  # type: ignore[attr-defined]
    app = create_app(office)
    client = app.test_client()
    assert sign_in(client, "Olga", PINS["Olga"]).status_code == 302
    page = client.get("/dashboard")
    assert page.status_code == 403 and "Ваша роль не даёт открыть эту страницу" in page.text


# ------------------------------------------------------------ the staff file
def test_roles_are_kept_and_an_old_file_is_migrated_safely(tmp_path):
    staff = Staff(tmp_path)
    staff.add_user("Olga", "2468")
    staff.add_user("Anna", "1357", "manager")
    assert [(u.name, u.role) for u in staff.users()] == [("Anna", "manager"), ("Olga", "staff")]
    with pytest.raises(UsageError) as refused:
        staff.set_role("Olga", "boss")
    assert refused.value.hint and "manager" in refused.value.hint  # names the roles
    assert staff.set_role("olga", "ADMIN").role == "admin"
    assert [u.name for u in staff.with_role("manager")] == ["Anna", "Olga"]
    assert [u.name for u in staff.with_role("admin")] == ["Olga"]
    assert staff.reset_user("Olga", "9999").role == "admin"  # a new PIN keeps the role
    assert staff.is_last_admin("Olga") and not staff.is_last_admin("Anna")

    def old_file(names):
        data = json.loads(staff.path.read_text())
        users = {n: {k: v for k, v in data["users"]["Olga"].items() if k != "role"}
                 for n in names}  # fmt: skip
        staff.path.write_text(json.dumps({"users": users, "tokens": {}}))
        return Staff(tmp_path)

    only = old_file(["Olga"])  # the one who set the page up: the admin
    assert [u.role for u in only.users()] == ["admin"]
    several = old_file(["Olga", "Ivan"])  # nobody can tell the boss: everyone is staff
    assert {u.role for u in several.users()} == {"staff"}
    several.add_user("Anna", "1357")  # written on the next change, and stays so
    assert {u: r["role"] for u, r in json.loads(several.path.read_text())["users"].items()} == {
        "Olga": "staff", "Ivan": "staff", "Anna": "staff"}  # fmt: skip


def test_roles_on_the_command_line(monkeypatch):
    import io
    import sys

    from cli_helpers import crm, run_crm

    monkeypatch.setattr(sys, "stdin", io.StringIO("2468\n"))
    result = run_crm("serve", "user", "add", "Olga", "--pin-stdin")
    assert result.code == 0 and "(staff)" in result.out
    assert "no admin yet" in result.err  # nobody may see the dashboard and the alerts
    monkeypatch.setattr(sys, "stdin", io.StringIO("1357\n"))
    assert crm("serve", "user", "add", "Anna", "--role", "manager", "--pin-stdin")[0] == 0
    result = run_crm("serve", "user", "role", "Olga", "admin")
    assert result.code == 0 and "Olga is now admin" in result.out and "no admin" not in result.err
    assert run_crm("serve", "user", "role", "Olga", "boss").code == 2
    assert run_crm("serve", "user", "role", "Nobody", "admin").code == 66
    listed = json.loads(crm("--json", "serve", "user", "list")[1])
    assert [(u["user"], u["role"]) for u in listed] == [("Anna", "manager"), ("Olga", "admin")]
    table = crm("serve", "user", "list")[1]
    assert re.search(r"Anna\s+manager", table) and re.search(r"Olga\s+admin", table)
