"""Call events from phones and PBXes (POST /events/call), the calls to log, missed calls
— over HTTP, with the real store (calls.sqlite) and the real card use cases."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_of, op_of, sign_in

from contacts_crm.account.calls import CALLS_FILE
from contacts_crm.usecases import calls as calls_uc
from contacts_crm.usecases import cards as card_uc

IVAN_PHONE = "+79161234567"


@pytest.fixture
def token(office):
    return office.staff.add_token("olga-phone")


def post_event(app, token, *, how="query", as_json=True, **fields):
    client = app.test_client()
    data = {"number": "8 916 123-45-67", "direction": "in", "duration": "95", **fields}
    headers = {"Authorization": f"Bearer {token}"} if how == "bearer" else {}
    url = f"/events/call?token={token}" if how == "query" else "/events/call"
    if as_json:
        return client.post(url, data=json.dumps(data), headers=headers,
                           content_type="application/json")  # fmt: skip
    return client.post(url, data=data, headers=headers)


def started(minutes_ago=5):
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")


def inbox_ids(client):
    html = client.get("/today").text
    return [int(part.split('"')[0]) for part in html.split('data-entry="')[1:]]


# ----------------------------------------------------------------- the URL
def test_a_wrong_or_missing_token_gets_403_and_records_nothing(app, office, token):
    for bad in ("", "not-the-token", token[:-1]):
        assert post_event(app, bad, start=started()).status_code == 403
        assert post_event(app, bad, how="bearer", start=started()).status_code == 403
    resp = app.test_client().post("/events/call", json={"number": IVAN_PHONE})
    assert resp.status_code == 403 and resp.data == b""
    store = office.reader().calls
    assert store.events_count() == 0
    assert store.open_entries(since="2000-01-01") == [] and store.missed() == []


def test_the_same_event_twice_is_one_event_and_one_inbox_entry(app, olga, office, token):
    when = started()
    first = post_event(app, token, start=when, who="olga")
    assert first.status_code == 201 and first.json == {"ok": True, "new": True}
    again = post_event(app, token, how="bearer", as_json=False, start=when, who="Olga",
                       number="+7 (916) 123-45-67")  # fmt: skip
    assert again.status_code == 200 and again.json == {"ok": True, "new": False}
    assert office.reader().calls.events_count() == 1
    assert len(inbox_ids(olga)) == 1
    mode = os.stat(office.account.data_dir / CALLS_FILE).st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_a_pbx_call_id_makes_the_same_call_one_event(app, office, token):
    assert post_event(app, token, id="1701.42", start=started(5)).status_code == 201
    assert post_event(app, token, id="1701.42", start=started(4)).status_code == 200
    assert office.reader().calls.events_count() == 1


def test_bad_fields_are_a_400_that_never_repeats_the_number(app, token, caplog):
    caplog.set_level(logging.DEBUG)
    for fields, word in (({"number": "12"}, "number"), ({"direction": "sideways"}, "direction"),
                         ({"start": "yesterday-ish"}, "start"),
                         ({"duration": "long"}, "duration")):  # fmt: skip
        resp = post_event(app, token, **fields)
        assert resp.status_code == 400 and word in resp.json["error"], fields
    ok = post_event(app, token, start=started())
    assert ok.status_code == 201
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for digits in ("9161234567", "916 123", "123-45-67"):
        assert digits not in logged
    assert "POST /events/call 201" in logged


# ------------------------------------------------------------------ the inbox
def test_each_person_sees_their_calls_and_nobodys(app, olga, office, token):
    post_event(app, token, start=started(30), who="Olga")
    post_event(app, token, start=started(20), who="Ivan")
    post_event(app, token, start=started(10))  # the PBX did not know who answered
    ivan = app.test_client()
    sign_in(ivan, "Ivan")
    assert len(inbox_ids(olga)) == 2 and len(inbox_ids(ivan)) == 2
    assert set(inbox_ids(olga)) & set(inbox_ids(ivan))  # nobody's call: both see it


def test_one_tap_logs_the_call_and_it_leaves_every_inbox(app, olga, office, token, web_emulator):
    post_event(app, token, start=started(3), direction="out", who="Olga")
    (entry,) = inbox_ids(olga)
    card_url = olga.get(f"/inbox/{entry}").location
    assert card_url.startswith("/c/") and f"inbox={entry}" in card_url
    page = olga.get(card_url).text
    assert 'value="out" checked' in page and f'name="inbox" value="{entry}"' in page
    action = card_url.split("?")[0] + "/call"
    resp = olga.post(action, data={"csrf": csrf_of(page), "op": op_of(page, action),
                                   "direction": "out", "inbox": str(entry),
                                   "at": page.split('name="at" value="')[1].split('"')[0],
                                   "comment": "sent the price list"})  # fmt: skip
    assert resp.status_code == 302 and resp.location.endswith("done=call")
    assert inbox_ids(olga) == []
    rn = office.people["Ivan Petrov"]
    assert office.reader().cache.get(rn).notes.count("sent the price list") == 1
    calls = [e for e in office.reader().journal.history(rn) if e.kind == "call"]
    assert len(calls) == 1 and calls[0].who == "Olga"


def test_a_call_logged_elsewhere_leaves_the_inbox(app, olga, office, token):
    post_event(app, token, start=started(2), who="Olga")
    post_event(app, token, start=started(1), who="Olga")  # two calls, one logged so far
    assert len(inbox_ids(olga)) == 2
    rn = office.people["Ivan Petrov"]
    office.write(card_uc.log_call, rn, "logged at the PC", direction="in", by="Ivan")
    assert len(inbox_ids(olga)) == 1  # one line on the card logs one call
    office.write(card_uc.log_call, rn, "the other one", direction="in", by="Ivan")
    assert inbox_ids(olga) == []


def test_a_call_logged_before_the_event_does_not_count(app, olga, office, token):
    rn = office.people["Ivan Petrov"]
    office.write(card_uc.log_call, rn, "earlier today", direction="in", by="Ivan")
    post_event(app, token, start=started(1), who="Olga")
    assert len(inbox_ids(olga)) == 1


def test_dismiss_takes_it_out(app, olga, office, token):
    post_event(app, token, start=started(), who="Olga")
    (entry,) = inbox_ids(olga)
    html = olga.get("/today").text
    assert olga.post(f"/inbox/{entry}/dismiss", data={"csrf": csrf_of(html)}).status_code == 302
    assert inbox_ids(olga) == []


def test_an_unknown_callers_call_opens_the_new_client_form_then_the_filled_log_form(
    app, olga, office, token
):
    post_event(app, token, start=started(), number="+7 903 555-77-88", who="Olga")
    (entry,) = inbox_ids(olga)
    new_url = olga.get(f"/inbox/{entry}").location
    assert new_url.startswith("/new?phone=%2B79035557788")
    page = olga.get(new_url).text
    assert 'value="+79035557788"' in page and f'name="inbox" value="{entry}"' in page
    resp = olga.post("/new", data={"csrf": csrf_of(page), "phone": "+79035557788",
                                   "name": "Vera New", "inbox": str(entry)})  # fmt: skip
    assert resp.status_code == 302 and f"inbox={entry}" in resp.location
    card = olga.get(resp.location).text
    assert "Vera New" in card and 'value="in" checked' in card


# -------------------------------------------------------------- missed calls
def test_missed_calls_are_one_line_per_caller_cleared_by_a_call_back(app, olga, office, token):
    for minutes in (30, 20):
        post_event(app, token, direction="missed", start=started(minutes), duration="0")
    post_event(app, token, direction="missed", start=started(25), number="+7 903 555 01 01")
    today = olga.get("/today").text
    missed = today.split('id="missed"')[1].split("</section>")[0]
    assert missed.count("<li>") == 2 and "missed 2×" in missed and "missed 1×" in missed
    assert 'href="tel:+79161234567"' in missed and "Ivan Petrov" in missed
    assert inbox_ids(olga) == []  # a missed call is not a call to log
    post_event(app, token, direction="out", start=started(5), who="Ivan")  # Ivan called back
    missed = olga.get("/today").text.split('id="missed"')[1].split("</section>")[0]
    assert missed.count("<li>") == 1 and "Ivan Petrov" not in missed


def test_a_call_logged_with_the_number_clears_its_missed_calls(app, olga, office, token):
    post_event(app, token, direction="missed", start=started(10))
    assert len(calls_uc.missed_calls(office.reader())) == 1
    office.write(card_uc.log_call, office.people["Ivan Petrov"], "rang back from the mobile",
                 direction="out", by="Ivan")  # fmt: skip
    assert calls_uc.missed_calls(office.reader()) == []


def test_a_missed_call_again_after_a_call_back_is_a_new_line(app, office, token):
    post_event(app, token, direction="missed", start=started(30))
    post_event(app, token, direction="out", start=started(20))
    post_event(app, token, direction="missed", start=started(10))
    (line,) = calls_uc.missed_calls(office.reader())
    assert line.count == 1


def test_crm_callbacks_lists_the_missed_calls_one_line_per_caller(app, office, token):
    from cli_helpers import run_crm

    for minutes in (30, 20, 10):
        post_event(app, token, direction="missed", start=started(minutes),
                   number="+7 903 555 01 99")  # fmt: skip
    result = run_crm("callbacks", "--format", "tsv")
    assert result.code == 0, result.err
    rows = [line for line in result.out.splitlines() if "+79035550199" in line]
    assert len(rows) == 1 and "missed call" in rows[0] and "missed 3 time(s)" in rows[0]
    post_event(app, token, direction="out", start=started(5), number="+79035550199")
    assert "+79035550199" not in run_crm("callbacks", "--format", "tsv").out


def test_a_yeastar_call_end_webhook_is_understood(app, olga, office, token):
    """Yeastar P-Series "Call End Details" (event 30012): msg is a JSON string."""

    def yeastar(**msg):
        body = {"type": 30012, "sn": "3631A2124XXX", "msg": json.dumps({
            "call_id": "1651057476.362", "time_start": "2026-12-07 09:04:36",
            "call_from": "89161234567", "call_to": "2002", "call_duration": 24,
            "talk_duration": 21, "status": "ANSWERED", "type": "Inbound", **msg})}  # fmt: skip
        return app.test_client().post(f"/events/call?token={token}", json=body)

    assert yeastar().status_code == 201
    assert yeastar().status_code == 200  # the PBX sent it again: same call_id
    assert yeastar(call_id="1651057476.999", type="Internal").json["ignored"]
    assert yeastar(call_id="1651057477.1", status="NO ANSWER",
                   time_start="2026-12-07 09:30:00").status_code == 201  # fmt: skip
    store = office.reader().calls
    assert store.events_count() == 2
    assert [m.count for m in store.missed()] == [1]
    (entry,) = store.open_entries(since="2000-01-01")
    assert (entry.number, entry.direction, entry.duration) == (IVAN_PHONE, "in", 21)


def test_3cx_call_journaling_words_and_durations(app, office, token):
    resp = post_event(app, token, as_json=False, number="+79161234567", direction="Outbound",
                      duration="0:02:05", start="2026-12-07 10:00:00", who="Olga")  # fmt: skip
    assert resp.status_code == 201
    resp = post_event(app, token, as_json=False, direction="Missed", duration="00:00:00",
                      start="2026-12-07 10:05:00")  # fmt: skip
    assert resp.status_code == 201
    (entry,) = office.reader().calls.open_entries(since="2000-01-01")
    assert (entry.direction, entry.duration, entry.who) == ("out", 125, "Olga")
