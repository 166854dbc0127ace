"""The page's safety and forgiveness over HTTP: a Content-Security-Policy, sign-out
ending the session on the server, ``next`` kept intact through sign-in, forms
that fail keeping what was typed, words that need no gender."""

from __future__ import annotations

import os
import stat
from datetime import date
from urllib.parse import parse_qs, urlsplit

from conftest import csrf_of, op_of, seed, sign_in

from contacts_crm import i18n
from contacts_crm.office.cards import card_settings
from contacts_crm.reports.callbacks import callbacks
from contacts_crm.usecases import cards as card_uc
from contacts_crm.web.sessions import SESSIONS_FILE

IVAN = "Ivan Petrov"


def cid(office, name=IVAN):
    return office.people[name].removeprefix("people/")


def test_every_page_carries_a_content_security_policy(app, olga, office):
    for url in ("/signin", "/", f"/c/{cid(office)}", "/today", "/no-such-page"):
        csp = olga.get(url).headers.get("Content-Security-Policy", "")
        for rule in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                     "frame-ancestors 'none'", "form-action 'self'"):  # fmt: skip
            assert rule in csp, (url, rule)
        assert "unsafe-inline" not in csp
    page = olga.get(f"/c/{cid(office)}").text
    assert "<script>" not in page and "<style>" not in page and 'style="' not in page


def test_signing_out_ends_the_session_on_the_server(app, office):
    client = app.test_client()
    sign_in(client, "Olga")
    copied = client.get_cookie("crm_session").value  # e.g. taken from the phone
    html = client.get("/").text
    assert client.post("/signout", data={"csrf": csrf_of(html)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("crm_session", copied)
    resp = thief.get("/")
    assert resp.status_code == 302 and resp.location.startswith("/signin")
    mode = os.stat(office.account.data_dir / SESSIONS_FILE).st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_a_session_of_another_phone_stays_signed_in(app):
    one, two = app.test_client(), app.test_client()
    sign_in(one, "Olga")
    sign_in(two, "Olga")
    html = one.get("/").text
    one.post("/signout", data={"csrf": csrf_of(html)})
    assert two.get("/").status_code == 200 and one.get("/").status_code == 302


def test_next_survives_sign_in_with_ampersands_and_pluses(app):
    client = app.test_client()
    resp = client.get("/", query_string={"q": "Tiles & Co +7 916"})
    assert resp.status_code == 302
    nxt = parse_qs(urlsplit(resp.location).query)["next"][0]
    page = client.get(resp.location)
    assert f'name="next" value="{nxt}"' in page.text.replace("&amp;", "&")
    back = client.post("/signin", data={"name": "Olga", "pin": "2468",
                                        "csrf": csrf_of(page.text), "next": nxt})  # fmt: skip
    assert parse_qs(urlsplit(back.location).query) == {"q": ["Tiles & Co +7 916"]}


def test_call_back_without_a_date_keeps_what_was_typed(olga, office, web_emulator):
    url = f"/c/{cid(office)}"
    html = olga.get(url).text
    op = op_of(html, f"{url}/call")
    web_emulator.reset_counters()
    resp = olga.post(f"{url}/call", data={"csrf": csrf_of(html), "op": op, "direction": "out",
                                          "outcome": "callback",
                                          "comment": "wants 40 boxes, ring Friday"})  # fmt: skip
    assert resp.status_code == 400
    page = resp.text
    assert "Pick the call-back date" in page
    assert 'value="wants 40 boxes, ring Friday"' in page
    assert 'value="out" checked' in page and 'value="callback" checked' in page
    assert f'name="op" value="{op}"' in page  # sent again, it is still the one operation
    assert "<h1" in page and 'action="/c/' in page  # the card page itself, not an error page
    assert not [k for k in web_emulator.counters if k.startswith("people.")]


def test_a_bad_amount_keeps_the_order_form_filled(olga, office):
    url = f"/c/{cid(office)}"
    html = olga.get(url).text
    resp = olga.post(f"{url}/order", data={"csrf": csrf_of(html), "op": op_of(html, f"{url}/order"),
                                           "what": "40 boxes", "amount": "twelve"})  # fmt: skip
    assert resp.status_code == 400 and "cannot read the amount" in resp.text
    assert 'value="40 boxes"' in resp.text and 'value="twelve"' in resp.text


def test_a_new_client_that_cannot_be_added_keeps_the_form(olga):
    html = olga.get("/new").text
    resp = olga.post("/new", data={"csrf": csrf_of(html), "phone": "not a number",
                                   "name": "Vera", "company": "Tiles & Co"})  # fmt: skip
    assert resp.status_code == 400 and 'value="Tiles &amp; Co"' in resp.text
    assert "Traceback" not in resp.text


def test_russian_call_back_words_need_no_gender(make_office):
    office = make_office("ru")
    people = seed(office.account)
    office.write(card_uc.log_call, people["Anna Sidorova"], "", direction="in",
                 outcome="callback", callback_on=date.today(), by="Olga")  # fmt: skip
    i18n.use("ru")
    try:
        detail = callbacks(office.reader(), today=date.today())[0].reasons[0].detail
    finally:
        i18n.use("en")
    assert "перезвонить" in detail and "просил" not in detail
    labels = card_settings(office.profile).labels  # what the tool writes on a card
    assert labels.outcome("ordered") not in ("заказал", "заказала")
