"""The dashboard says what the reports say: its figures, read from the page's own
tables, equal ``crm --json summary``, ``crm --json activity`` and ``crm --json
callbacks`` for the same period and group, the commands run on the same local
account beside the page (as on the office PC)."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from decimal import Decimal

import lxml.html
import pytest
from cli_helpers import crm, run_crm
from conftest import csrf_of, sign_in

from contacts_crm.account.connected import Account
from contacts_crm.web.app import create_app
from contacts_crm.web.office import Office

NOW = "2026-11-20 18:00"
SINCE, UNTIL = "2026-11-01", "2026-11-20"


def at(monkeypatch, when: str, *args: str) -> None:
    """A command run as if it were ``when`` (the clock of every date it writes)."""
    monkeypatch.setenv("CRM_NOW", when)
    result = run_crm(*args)
    assert result.code == 0, (args, result.out, result.err)


def office_history(monkeypatch) -> None:
    """Two people's month: calls on several days, orders opened, moved, delivered and
    cancelled, an overdue call-back, a client not called for long, a lead never called."""
    for group in ("Wholesale", "Retail", "Call back"):
        at(monkeypatch, "2026-08-01 09:00", "group", "create", group)
    for name, phone, groups in (
        ("Ivan Petrov", "+79161234567", ["Wholesale"]),
        ("Anna Sidorova", "+79035550101", ["Retail"]),
        ("Boris Sidorov", "+79035550202", ["Retail"]),
        ("Vera Volkova", "+79160000003", ["Wholesale"]),
        ("Gleb Gusev", "+79160000004", ["Wholesale", "Call back"]),
        ("Dina Dolgova", "+79160000005", []),
    ):
        at(monkeypatch, "2026-08-01 09:00", "add", name, "--phone", phone,
           *[a for g in groups for a in ("--group", g)])  # fmt: skip
    at(monkeypatch, "2026-08-01 10:00", "call", "Boris", "asked for prices", "--by", "Olga")
    at(monkeypatch, "2026-08-02 10:00", "call", "Dina", "hello", "--by", "Ivan")
    at(monkeypatch, "2026-11-03 10:00", "call", "Petrov", "wants tiles", "--by", "Olga",
       "--outcome", "interested")  # fmt: skip
    at(monkeypatch, "2026-11-05 11:00", "order", "open", "Petrov", "40 boxes", "--amount",
       "12500", "--by", "Olga")  # fmt: skip
    at(monkeypatch, "2026-11-10 12:00", "call", "Anna", "busy", "--in", "--by", "Ivan",
       "--outcome", "callback", "--callback-on", "2026-11-15")  # fmt: skip
    at(monkeypatch, "2026-11-12 09:30", "call", "Vera", "price list", "--by", "Olga")
    at(monkeypatch, "2026-11-12 15:00", "call", "Vera", "asks again", "--in", "--by", "Olga")
    at(monkeypatch, "2026-11-12 15:10", "order", "open", "Vera", "glue", "--amount", "3000",
       "--by", "Olga")  # fmt: skip
    at(monkeypatch, "2026-11-13 10:00", "order", "step", "Vera", "1", "paid", "--by", "Ivan")
    at(monkeypatch, "2026-11-14 10:00", "order", "open", "Dina", "paint", "--amount", "700",
       "--by", "Ivan")  # fmt: skip
    at(monkeypatch, "2026-11-15 10:00", "order", "close", "Dina", "1", "--cancelled",
       "--by", "Ivan")  # fmt: skip
    at(monkeypatch, "2026-11-18 16:00", "order", "close", "Petrov", "1", "--by", "Ivan")
    at(monkeypatch, "2026-11-19 10:00", "call", "Dina", "no answer", "--out", "--by", "Ivan")
    monkeypatch.setenv("CRM_NOW", NOW)
    monkeypatch.setattr(sys, "stdin", io.StringIO("2468\n"))
    assert crm("serve", "user", "add", "Anna", "--role", "manager", "--pin-stdin")[0] == 0


@pytest.fixture
def page(monkeypatch):
    office_history(monkeypatch)
    office = Office(Account.open(), sync_interval=0)
    office.start()
    token = office.staff.add_token("pbx")
    app = create_app(office)
    client = app.test_client()
    # a missed call from Anna Sidorova's number: Ivan's (he spoke to her last)
    answer = client.post(
        f"/events/call?token={token}",
        data={
            "number": "+79035550101",
            "direction": "missed",
            "start": "2026-11-19T08:00:00+00:00",
        },
    )
    assert answer.status_code == 201
    assert sign_in(client, "Anna", "2468").status_code == 302
    client.office = office  # type: ignore[attr-defined]
    yield client
    office.close()
    office.account.close()


def settled(office: Office) -> None:
    """Wait until the office's background writes after an answer are done (the lane's
    marks of the operation, the upload of the new events): each commit moves the
    change stamp, and one landing after a recount began makes its figures old again."""
    assert office.lanes.wait_idle()
    assert office.uploader is None or office.uploader.wait_idle()


def tables(html: str) -> dict[str, list[list[str]]]:
    """The page's tables for screen readers, by caption: rows of cell texts."""
    doc = lxml.html.fromstring(html)
    out = {}
    for table in doc.xpath("//table"):
        caption = table.xpath("string(caption)").strip()
        out[caption] = [[" ".join(c.text_content().split()) for c in tr.xpath("th|td")]
                        for tr in table.xpath(".//tbody/tr")]  # fmt: skip
    return out


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "") or "0")


def cli_json(*args: str) -> dict:
    code, out = crm("--json", *args)
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize("group", [None, "Wholesale", "Retail"])
def test_the_dashboard_says_what_summary_activity_and_callbacks_say(page, group):
    query = f"?since={SINCE}&until={UNTIL}" + (f"&group={group}" if group else "")
    answer = page.get("/dashboard" + query)
    assert answer.status_code == 200
    found = tables(answer.text)
    by_group = ["--group", group] if group else []
    summary = cli_json("summary", "--since", SINCE, "--until", UNTIL, *by_group)
    activity = cli_json("activity", "--since", SINCE, "--until", UNTIL, *by_group)
    events = cli_json("activity", "--since", SINCE, "--until", UNTIL, "--events", *by_group)
    callbacks = cli_json("callbacks", *by_group)["callbacks"]

    # calls per person (and per day: the events of `crm activity --events`)
    callers = {e["who"]: e for e in activity["employees"] if e["calls"]}
    rows = found["Calls per person per day"] if callers else []
    assert {r[0]: int(r[1]) for r in rows} == {w: e["calls"] for w, e in callers.items()}
    per_day = Counter((e["who"], e["at"][:10]) for e in events["events"] if e["kind"] == "call")
    days = [f"2026-11-{d:02d}" for d in range(1, 21)]
    for r in rows:
        assert [int(n) for n in r[2:]] == [per_day[(r[0], d)] for d in days]
    assert sum(per_day.values()) == activity["total"]["calls"]

    # the funnel: leads -> converted -> open orders by stage -> delivered
    total = summary["total"]
    funnel = dict((r[0], r[1]) for r in found["Funnel"])
    assert int(funnel["Leads"]) == total["leads"]
    assert int(funnel["Converted (ordered)"]) == total["converted"]
    for stage, n in total["openByStage"].items():  # an English card names a stage by its key
        assert int(funnel[stage]) == n
    delivered = funnel["Delivered"].split(" · ")
    assert int(delivered[0]) == total["completed"]
    assert number(delivered[1] if len(delivered) > 1 else "") == Decimal(
        str(total["completedAmount"])
    )
    conversion = "—" if total["conversion"] is None else f"{total['conversion']:.1%}".replace(
        ".0%", "%")  # fmt: skip
    assert f"Conversion: <b>{conversion}</b>" in answer.text

    # revenue by group (summary) and by person (activity)
    groups = {g["group"]: g for g in summary["groups"]}
    got = {r[0]: (number(r[1]), int(r[2])) for r in found.get("By group", [])}
    assert got == {
        ("(no group)" if g == "(no group)" else g): (
            Decimal(str(v["completedAmount"])),
            v["completed"],
        )
        for g, v in groups.items()
    }
    earners = {e["who"]: e for e in activity["employees"]
               if e["ordersCompleted"] or e["amountCompleted"]}  # fmt: skip
    got = {r[0]: (number(r[1]), int(r[2])) for r in found.get("By person", [])}
    assert got == {w: (Decimal(str(e["amountCompleted"])), e["ordersCompleted"])
                   for w, e in earners.items()}  # fmt: skip

    # overdue call-backs and missed calls by person (crm callbacks: who last called)
    overdue, missed = Counter(), Counter()
    for c in callbacks:
        owner = c["lastContactBy"] or "(nobody yet)"
        reasons = {r["reason"]: r for r in c["reasons"]}
        overdue[owner] += "callback_due" in reasons and reasons["callback_due"]["overdueDays"] > 0
        missed[owner] += "missed_call" in reasons
    expected = {w: (overdue[w], missed[w]) for w in {*overdue, *missed} if overdue[w] or missed[w]}
    title = "Overdue call-backs and missed calls"
    got = {r[0]: (int(r[1]), int(r[2])) for r in found.get(title, [])}
    assert got == expected

    # clients not contacted for their group's interval, by group
    late = [c for c in callbacks if any(r["reason"] == "stay_in_touch" for r in c["reasons"])]
    stale = Counter(g for c in late for g in c["groups"] if group is None or g == group)
    title = "Not contacted for their group's interval"
    assert {r[0]: int(r[1]) for r in found.get(title, [])} == dict(stale)

    # the scenario has something in each figure, so no equality above is between nothings
    if group is None:
        assert total["completed"] == 1 and total["cancelled"] == 1 and callers
        assert got and sum(overdue.values()) == 1 and sum(missed.values()) == 1
        assert stale == Counter({"Retail": 1})
    if group == "Wholesale":
        assert set(callers) == {"Olga"} and total["openByStage"]["paid"] == 1


def test_a_bad_date_is_worded_not_a_crash(page):
    answer = page.get("/dashboard?since=31.02.2026")
    assert answer.status_code == 400 and "Traceback" not in answer.text
    answer = page.get("/dashboard?group=Nobody")
    assert answer.status_code == 404
    answer = page.get(f"/dashboard?since={UNTIL}&until={SINCE}")
    assert answer.status_code == 400


def test_figures_are_kept_until_a_change_then_counted_again_in_the_background(page):
    figures = page.application.extensions["crm_figures"]
    url = f"/dashboard?since={SINCE}&until={UNTIL}"
    first = page.get(url).text  # nothing kept yet: counted while the page waits
    computed = figures.computed
    assert page.get(url).text == first and figures.computed == computed  # kept
    card = page.get("/n/89161234567")
    assert card.status_code == 302
    cid = card.headers["Location"].rsplit("/", 1)[1]
    form = page.get(f"/c/{cid}").text
    assert (
        page.post(
            f"/c/{cid}/call",
            data={"csrf": csrf_of(form), "direction": "out", "comment": "one more"},
        ).status_code
        == 302
    )
    settled(page.office)
    # the journal changed: the kept figures at once, said to be older, newer ones on their way
    stale = page.get(url).text
    assert "newer ones are being counted" in stale
    assert "Anna" not in {r[0] for r in tables(stale)["Calls per person per day"]}
    assert figures.wait_idle()
    again = page.get(url).text  # counted again: the call is in
    assert figures.computed == computed + 1 and "newer ones are being counted" not in again
    rows = {r[0]: r for r in tables(again)["Calls per person per day"]}
    assert int(rows["Anna"][1]) == 1
    run_crm("call", "Vera", "from the terminal", "--by", "Olga")  # another process's write
    settled(page.office)
    assert "newer ones are being counted" in page.get(url).text
    assert figures.wait_idle()
    third = {r[0]: int(r[1]) for r in tables(page.get(url).text)["Calls per person per day"]}
    assert third["Olga"] == int(rows["Olga"][1]) + 1 and figures.computed == computed + 2
