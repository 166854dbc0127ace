"""The office page words the use cases' errors for staff: no command-line option in sight.

Use cases raise typed errors (which field, why, the values); the command line
words them with its options (tests/cli/test_no_surprises.py), the page with
the form's own words, in the office's language.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from conftest import csrf_of, op_of, sign_in

from contacts_crm.web.words import WORDS

IVAN = "Ivan Petrov"
OPTION = re.compile(r"--[a-z]")


def _cid(office):
    return office.people[IVAN].removeprefix("people/")


def _problem(page: str) -> str:
    """The error box and its hint, as staff read them."""
    found = re.search(r'<div class="problem" role="alert">(.*?)</div>', page, re.S)
    assert found, page
    return found.group(1)


def _post_call(client, office, data):
    url = f"/c/{_cid(office)}"
    html = client.get(url).text
    form = {"csrf": csrf_of(html), "op": op_of(html, f"{url}/call"), **data}
    return client.post(f"{url}/call", data=form)


def test_a_call_back_date_before_the_call_is_worded_for_staff(olga, office, web_emulator):
    web_emulator.reset_counters()
    yesterday = date.today() - timedelta(days=1)
    resp = _post_call(olga, office, {"direction": "in", "outcome": "callback",
                                     "callback_on": yesterday.isoformat()})  # fmt: skip
    assert resp.status_code == 400
    said = _problem(resp.text)
    assert f"the call-back date {yesterday.isoformat()} is before the call" in said
    assert not OPTION.search(said), said
    assert web_emulator.counters.get("people.updateContact", 0) == 0


def test_a_bad_phone_on_the_new_client_form_names_the_field_as_the_form_does(olga):
    form = olga.get("/new")
    resp = olga.post("/new", data={"csrf": csrf_of(form.text), "phone": "12", "name": "X"})
    assert resp.status_code == 400
    said = _problem(resp.text)
    assert "<li>Phone: " in said and "column" not in said
    assert not OPTION.search(said), said


def test_a_number_on_another_card_gives_staff_a_hint_they_can_follow(olga, office):
    form = olga.get("/new")
    resp = olga.post("/new", data={"csrf": csrf_of(form.text), "phone": "+7 916 123-45-67",
                                   "name": "Someone Else"})  # fmt: skip
    assert resp.status_code == 400
    said = _problem(resp.text)
    assert "already belongs to Ivan Petrov" in said
    assert WORDS["en"]["shared_phone"].replace("'", "&#39;") in said
    assert not OPTION.search(said), said


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "дата перезвона"), ("tr", "geri arama tarihi")],
)
def test_staff_read_the_error_in_the_offices_language(make_office, language, words):
    from conftest import seed

    from contacts_crm.web.app import create_app

    office = make_office(language)
    office.people = seed(office.account)
    client = create_app(office).test_client()
    sign_in(client)
    yesterday = date.today() - timedelta(days=1)
    resp = _post_call(client, office, {"direction": "in", "outcome": "callback",
                                       "callback_on": yesterday.isoformat()})  # fmt: skip
    said = _problem(resp.text)
    assert resp.status_code == 400 and words in said and not OPTION.search(said), said
