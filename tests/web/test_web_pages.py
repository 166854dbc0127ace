"""The office page over HTTP (Flask's test client): every page and form, sign-in,
CSRF, caller ID, and each write reaching the card, the journal and the API once."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from conftest import PINS, csrf_of, op_of, sign_in

from contacts_crm.web.words import WORDS

IVAN = "Ivan Petrov"


def cid(office, name=IVAN):
    return office.people[name].removeprefix("people/")


def api_person(emulator, rn):
    """The contact as the account (the emulator) has it now, not as any cache does."""
    from contacts_crm.emulator import build_service

    svc = build_service(emulator)
    return svc.people().get(resourceName=rn, personFields="biographies,memberships").execute()


def api_card(emulator, rn):
    return api_person(emulator, rn)["biographies"][0]["value"]


def people_calls(emulator):
    api = ("people.", "contactGroups")
    return {k: v for k, v in emulator.counters.items() if k.startswith(api)}


def post_form(client, page_url, action, data):
    """Post a form the way a browser does: with the page's CSRF token and op id."""
    html = client.get(page_url).text
    fields = {"csrf": csrf_of(html), "op": op_of(html, action), **data}
    return client.post(action, data=fields)


# ------------------------------------------------------------------ sign in
def test_every_page_needs_sign_in(app, office):
    client = app.test_client()
    for url in ("/", "/?q=Petrov", f"/c/{cid(office)}", "/n/89161234567", "/today", "/new"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp.location.startswith("/signin?next=/"), url
    resp = client.get("/signin")
    assert resp.status_code == 200 and "Olga" in resp.text and 'type="password"' in resp.text


def test_sign_in_goes_back_where_the_link_pointed(app):
    client = app.test_client()
    page = client.get("/signin")
    resp = client.post("/signin", data={"name": "olga", "pin": "2468", "csrf": csrf_of(page.text),
                                        "next": "/n/89161234567"})  # fmt: skip
    assert resp.status_code == 302 and resp.location == "/n/89161234567"
    page = client.get("/signin")
    resp = client.post("/signin", data={"name": "Olga", "pin": "2468", "csrf": csrf_of(page.text),
                                        "next": "https://evil.example/x"})  # fmt: skip
    assert resp.location == "/"  # never an open redirect


def test_session_cookie_is_httponly_samesite_and_long(app):
    client = app.test_client()
    page = client.get("/signin")
    resp = client.post("/signin", data={"name": "Olga", "pin": "2468", "csrf": csrf_of(page.text)})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, cookie
    lasts = parsedate_to_datetime(expires.group(1)) - datetime.now(UTC)
    assert lasts > timedelta(days=60)  # staff sign in once per phone


def test_wrong_pin_locks_the_user_and_the_address(app, clock):
    client = app.test_client()
    for _ in range(5):
        resp = sign_in(client, "Olga", "0000")
        assert resp.status_code == 401 and "Wrong name or PIN" in resp.text
    locked = sign_in(client, "Olga", PINS["Olga"])  # the right PIN, but locked
    assert locked.status_code == 429 and "Too many wrong PINs" in locked.text
    other = sign_in(app.test_client(), "Ivan", PINS["Ivan"])  # same address: locked too
    assert other.status_code == 429
    clock.now += 15 * 60 + 1
    assert sign_in(client, "Olga", PINS["Olga"]).status_code == 302


def test_signing_out_and_removing_a_user_end_the_session(app, office, olga):
    assert olga.get("/").status_code == 200
    office.staff.reset_user("Olga", "9999")  # a new PIN signs her out everywhere
    assert olga.get("/").status_code == 302
    assert sign_in(olga, "Olga", "9999").status_code == 302
    assert olga.get("/").status_code == 200
    html = olga.get("/").text
    assert olga.post("/signout", data={"csrf": csrf_of(html)}).status_code == 302
    assert olga.get("/").status_code == 302
    sign_in(olga, "Olga", "9999")
    office.staff.remove_user("Olga")
    assert olga.get("/").status_code == 302


def test_a_user_added_while_serving_can_sign_in_at_once(app, office):
    from contacts_crm.web.staff import Staff

    Staff(office.account.data_dir).add_user("Anna", "5555")  # crm serve user add, elsewhere
    client = app.test_client()
    assert "Anna" in client.get("/signin").text
    assert sign_in(client, "Anna", "5555").status_code == 302


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(olga, office, web_emulator):
    web_emulator.reset_counters()
    for data in ({}, {"csrf": "forged"}):
        resp = olga.post(f"/c/{cid(office)}/call", data={**data, "direction": "in",
                                                          "comment": "hello"})  # fmt: skip
        assert resp.status_code == 400 and "The form expired" in resp.text
    assert people_calls(web_emulator) == {}
    assert "hello" not in (office.account.cache.get(office.people[IVAN]).notes)


# ------------------------------------------------------------------ lookup
@pytest.mark.parametrize("spelling", ["8 916 123-45-67", "+7 (916) 123 45 67", "9161234567"])
def test_lookup_by_any_spelling_opens_the_card(olga, office, spelling):
    resp = olga.get("/", query_string={"q": spelling})
    assert resp.status_code == 302 and resp.location == f"/c/{cid(office)}"


def test_lookup_page_and_results(olga, office):
    page = olga.get("/")
    assert page.status_code == 200 and 'name="q"' in page.text
    several = olga.get("/", query_string={"q": "sidorov"})
    assert several.status_code == 200
    assert "Anna Sidorova" in several.text and "Boris Sidorov" in several.text
    assert f'href="/c/{cid(office, "Anna Sidorova")}"' in several.text
    by_name = olga.get("/", query_string={"q": "petrov"})
    assert by_name.location == f"/c/{cid(office)}"


def test_deep_link_by_number(olga, office):
    assert olga.get("/n/89161234567").location == f"/c/{cid(office)}"
    assert olga.get("/n/+79161234567").location == f"/c/{cid(office)}"


def test_unknown_caller_offers_the_new_client_form_with_the_number(olga, office, web_emulator):
    page = olga.get("/n/8 999 000-11-22")
    assert page.status_code == 200 and "Nobody found" in page.text
    assert "/new?phone=8%20999%20000-11-22" in page.text
    form = olga.get("/new?phone=8%20999%20000-11-22")
    assert 'value="8 999 000-11-22"' in form.text and "Wholesale" in form.text
    web_emulator.reset_counters()
    resp = olga.post("/new", data={"csrf": csrf_of(form.text), "phone": "8 999 000-11-22",
                                   "name": "Pavel Orlov", "company": "Orlov LLC",
                                   "group": "Wholesale"})  # fmt: skip
    assert resp.status_code == 302 and resp.location.endswith("?done=new")
    assert web_emulator.counters["people.createContact"] == 1
    card = olga.get(resp.location)
    assert "Pavel Orlov" in card.text and "Client created." in card.text
    assert "Wholesale" in card.text and 'href="tel:+79990001122"' in card.text
    assert olga.get("/n/+79990001122").location == resp.location.split("?")[0]


def test_new_client_bad_input_is_a_clear_page(olga):
    form = olga.get("/new")
    resp = olga.post("/new", data={"csrf": csrf_of(form.text), "phone": "12", "name": "X"})
    assert resp.status_code == 400 and "cannot add" in resp.text and "Traceback" not in resp.text


# -------------------------------------------------------------------- card
def test_card_page_shows_the_client(olga, office):
    page = olga.get(f"/c/{cid(office)}")
    assert page.status_code == 200
    text = page.text
    assert IVAN in text and "Petrov Tiles" in text and "Wholesale" in text
    assert 'href="tel:+79161234567"' in text
    for label in ("in", "out", "missed", "interested", "not interested", "call back", "ordered"):
        assert f"<span>{label}</span>" in text
    assert 'type="date"' in text and "Open an order" in text


def test_unknown_card_is_a_404_page(olga):
    resp = olga.get("/c/c999")
    assert resp.status_code == 404 and "Not found" in resp.text


# ------------------------------------------------------------------ writes
def test_log_call_reaches_card_journal_and_api_with_one_write(olga, office, web_emulator):
    rn = office.people[IVAN]
    on = date.today() + timedelta(days=3)
    web_emulator.reset_counters()
    html = olga.get(f"/c/{cid(office)}").text
    form = {"csrf": csrf_of(html), "op": op_of(html, f"/c/{cid(office)}/call"),
            "direction": "in", "outcome": "callback", "callback_on": on.isoformat(),
            "comment": "wants a quote"}  # fmt: skip
    resp = olga.post(f"/c/{cid(office)}/call", data=form)
    assert resp.status_code == 302 and resp.location.endswith("?done=call")
    assert people_calls(web_emulator) == {"people.updateContact": 1}
    card = api_card(web_emulator, rn)
    assert f"in (Olga) · call back {on.isoformat()}: wants a quote" in card
    event = [e for e in office.reader().journal.history(rn) if e.kind == "call"][-1]
    assert event.who == "Olga" and event.outcome == "callback" and event.state == "applied"
    page = olga.get(resp.location)
    assert "Call logged." in page.text and "wants a quote" in page.text


def test_a_double_tap_logs_the_call_once(olga, office, web_emulator):
    html = olga.get(f"/c/{cid(office)}").text
    data = {"csrf": csrf_of(html), "op": op_of(html, f"/c/{cid(office)}/call"),
            "direction": "out", "comment": "no answer"}  # fmt: skip
    assert olga.post(f"/c/{cid(office)}/call", data=data).location.endswith("done=call")
    assert olga.post(f"/c/{cid(office)}/call", data=data).location.endswith("done=same")
    assert api_card(web_emulator, office.people[IVAN]).count("no answer") == 1


def test_call_back_without_a_date_is_refused(olga, office, web_emulator):
    web_emulator.reset_counters()
    resp = post_form(olga, f"/c/{cid(office)}", f"/c/{cid(office)}/call",
                     {"direction": "in", "outcome": "callback"})  # fmt: skip
    assert resp.status_code == 400 and "Pick the call-back date" in resp.text
    assert people_calls(web_emulator) == {}


def test_orders_open_move_and_cancel(olga, office, web_emulator):
    rn, url = office.people[IVAN], f"/c/{cid(office)}"
    web_emulator.reset_counters()
    resp = post_form(olga, url, f"{url}/order", {"what": "40 boxes of tiles", "amount": "12 500"})
    assert resp.location.endswith("?done=open&n=1")
    assert people_calls(web_emulator) == {"people.updateContact": 1}
    assert "Order 1 · new · 12 500" in api_card(web_emulator, rn)
    page = olga.get(resp.location)
    assert "Order 1 opened." in page.text and 'id="order-1"' in page.text
    assert '<option value="confirmed" selected>' in page.text  # the next stage is preselected

    web_emulator.reset_counters()
    step = {"stage": "confirmed", "comment": "by phone"}
    resp = post_form(olga, url, f"{url}/order/1/step", step)
    assert resp.location.endswith("?done=step&n=1")
    assert people_calls(web_emulator) == {"people.updateContact": 1}
    card = api_card(web_emulator, rn)
    assert "Order 1 · confirmed" in card and "confirmed: by phone (Olga)" in card

    web_emulator.reset_counters()
    resp = post_form(olga, url, f"{url}/order/1/close", {"cancelled": "1", "comment": "too dear"})
    assert resp.location.endswith("?done=close&n=1")
    assert people_calls(web_emulator)["people.updateContact"] == 1
    card = api_card(web_emulator, rn)
    assert "Order 1 · cancelled" in card and "(Olga)" in card
    events = [e for e in office.reader().journal.history(rn) if e.order_no == 1 and e.seq == 0]
    assert [(e.kind, e.stage, e.who) for e in events] == [
        ("order_open", "new", "Olga"), ("order_step", "confirmed", "Olga"),
        ("order_close", "cancelled", "Olga")]  # fmt: skip


def test_order_to_delivered_closes_it(olga, office, web_emulator):
    url = f"/c/{cid(office)}"
    post_form(olga, url, f"{url}/order", {"what": "tiles"})
    resp = post_form(olga, url, f"{url}/order/1/step", {"stage": "delivered", "amount": "8400"})
    assert resp.status_code == 302
    card = api_card(web_emulator, office.people[IVAN])
    assert "Order 1 · delivered" in card and "8 400 (Olga)" in card


def test_bad_order_input_is_a_clear_page(olga, office, web_emulator):
    url = f"/c/{cid(office)}"
    post_form(olga, url, f"{url}/order", {"what": "tiles"})
    web_emulator.reset_counters()
    resp = post_form(olga, url, f"{url}/order/1/step", {"stage": "teleported"})
    assert resp.status_code == 400 and "unknown order stage" in resp.text
    resp = post_form(olga, url, f"{url}/order/1/step", {"stage": "paid", "amount": "lots"})
    assert resp.status_code == 400 and "cannot read the amount" in resp.text
    assert "Traceback" not in resp.text and people_calls(web_emulator) == {}


def test_a_card_changed_on_another_device_keeps_both(olga, office, web_emulator):
    rn = office.people[IVAN]
    web_emulator.device_edit(rn, lambda p: p.setdefault("biographies", [{"value": ""}])[0]
                             .update(value="--\nPrefers calls after 14:00."))  # fmt: skip
    web_emulator.reset_counters()
    resp = post_form(olga, f"/c/{cid(office)}", f"/c/{cid(office)}/call",
                     {"direction": "out", "comment": "sent the price list"})  # fmt: skip
    assert resp.status_code == 302
    card = api_card(web_emulator, rn)
    assert "Prefers calls after 14:00." in card and "out (Olga): sent the price list" in card
    assert web_emulator.counters["people.updateContact"] == 2  # stale etag: re-read, re-applied


# ------------------------------------------------------------------- today
def test_today_lists_my_call_backs_then_everyone_elses(app, olga, office):
    url = f"/c/{cid(office)}"
    post_form(olga, url, f"{url}/call", {"direction": "in", "outcome": "callback",
                                         "callback_on": date.today().isoformat(),
                                         "comment": "ring back"})  # fmt: skip
    mine = olga.get("/today").text
    assert mine.index("My call-backs") < mine.index(IVAN) < mine.index("Nobody&#39;s yet")
    ivan = app.test_client()
    sign_in(ivan, "Ivan")
    theirs = ivan.get("/today").text  # staff: their own and nobody's, not Olga's
    assert "Nobody&#39;s yet" in theirs and IVAN not in theirs
    office.staff.set_role("Ivan", "manager")  # a manager sees everyone's
    theirs = ivan.get("/today").text
    assert theirs.index("Everyone else") < theirs.index(IVAN)
    assert f'href="/c/{cid(office)}"' in theirs


# -------------------------------------------------------------- caller ID
def test_cid_needs_a_token_and_answers_plain_text(app, office):
    client = app.test_client()
    token = office.staff.add_token("pbx")
    no_token = client.get("/cid", query_string={"number": "89161234567"})
    assert no_token.status_code == 403 and no_token.text == ""
    wrong = client.get("/cid", query_string={"number": "89161234567", "token": "x" * 32})
    assert wrong.status_code == 403 and wrong.text == ""
    for spelling in ("8 916 123-45-67", "+79161234567", "007 916 1234567"):
        ok = client.get("/cid", query_string={"number": spelling, "token": token})
        assert ok.status_code == 200 and ok.text == IVAN and ok.mimetype == "text/plain", spelling
    for unknown in ("+79990000000", "", "not a number", "12"):
        resp = client.get("/cid", query_string={"number": unknown, "token": token})
        assert resp.status_code == 200 and resp.text == "" and resp.mimetype == "text/plain"
    data = client.get("/cid", query_string={"number": "89161234567", "token": token,
                                            "format": "json"}).get_json()  # fmt: skip
    assert data["name"] == IVAN and data["company"] == "Petrov Tiles"
    assert data["group"] == "Wholesale" and data["found"] is True
    office.staff.remove_token("pbx")
    gone = client.get("/cid", query_string={"number": "89161234567", "token": token})
    assert gone.status_code == 403


def test_cid_json_gives_the_cards_first_line(app, olga, office):
    url = f"/c/{cid(office)}"
    post_form(olga, url, f"{url}/call", {"direction": "in", "comment": "asked for a price"})
    token = office.staff.add_token("pbx")
    data = app.test_client().get("/cid", query_string={"number": "+79161234567", "token": token,
                                                       "format": "json"}).get_json()  # fmt: skip
    assert data["firstLine"].startswith("last contact")


# --------------------------------------------------------- freshness, logs
def test_background_sync_finds_a_client_added_elsewhere_with_one_call(olga, office, web_emulator):
    from contacts_crm.emulator import build_service

    other_pc = build_service(web_emulator)
    other_pc.people().createContact(body={
        "names": [{"givenName": "Olga", "familyName": "Newcomer"}],
        "phoneNumbers": [{"value": "+79267770000"}]}).execute()  # fmt: skip
    assert "Nobody found" in olga.get("/n/89267770000").text  # not synced yet
    office.sync_now()
    assert olga.get("/n/89267770000").status_code == 302
    web_emulator.reset_counters()
    report = office.sync_now()
    assert report is not None and report.changed == 0
    assert people_calls(web_emulator) == {"people.connections.list": 1}


def test_access_log_carries_no_personal_data(olga, office, caplog):
    caplog.set_level(logging.INFO, logger="contacts_crm.web.access")
    olga.get("/n/89161234567")
    olga.get("/", query_string={"q": "Petrov"})
    post_form(olga, f"/c/{cid(office)}", f"/c/{cid(office)}/call",
              {"direction": "in", "comment": "secret words"})  # fmt: skip
    token = office.staff.add_token("pbx")
    olga.get("/cid", query_string={"number": "89161234567", "token": token})
    lines = [r.getMessage() for r in caplog.records if r.name == "contacts_crm.web.access"]
    assert any(line.startswith("GET /n/<path:number> 302") for line in lines)
    assert any(line.startswith("POST /c/<cid>/call 302") for line in lines)
    text = "\n".join(lines)
    for secret in ("916", "Petrov", "secret", token, cid(office)):
        assert secret not in text


# ---------------------------------------------------------- installs, words
def test_manifest_and_icons(app):
    client = app.test_client()
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["display"] == "standalone" and data["start_url"] == "/"
    for icon in data["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("language", ["ru", "tr"])
def test_pages_speak_the_profiles_language_with_the_cards_labels(make_office, language):
    from conftest import seed

    from contacts_crm.web.app import create_app

    office = make_office(language)
    people = seed(office.account)
    client = create_app(office).test_client()
    sign_in(client)
    url = "/c/" + people[IVAN].removeprefix("people/")
    page = client.get(url).text
    assert WORDS[language]["log_call"] in page and f'lang="{language}"' in page
    incoming = {"ru": "входящий", "tr": "gelen"}[language]
    assert f"<span>{incoming}</span>" in page
    post_form(client, url, f"{url}/call", {"direction": "in", "comment": "ok"})
    card = office.account.cache.get(people[IVAN]).notes
    assert "(Olga)" in card


def test_every_language_has_every_word():
    keys = set(WORDS["en"])
    for language, table in WORDS.items():
        assert set(table) == keys, language


def test_the_background_thread_keeps_syncing_until_closed(web_emulator):
    from contacts_crm import config as cfg
    from contacts_crm.account.connected import Account
    from contacts_crm.emulator import build_service
    from contacts_crm.web.office import Office

    account = Account.from_service(build_service(web_emulator), cfg.profile_dir("local"))
    office = Office(account, sync_interval=0.01)
    office.start()  # the first (full) sync, then the thread
    try:
        for _ in range(3):  # the thread syncs again and again: catch three of them
            hold = web_emulator.hold("people.connections.list")
            assert hold.received.wait(60), "the background sync never ran"
            hold.release()
            assert hold.finished.wait(60)
        assert office.syncing
    finally:
        office.close()
        account.close()
    assert not office.syncing  # closed: the thread was stopped and joined, no sync can come
