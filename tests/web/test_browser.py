"""A real headless Chromium at a phone's size drives the office page (see browser_kit)."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

from browser_kit import api_card, phone, shot, sign_in

from contacts_crm.web.server import Server

IVAN = "Ivan Petrov"


def test_a_phone_signs_in_looks_up_logs_a_call_and_moves_an_order(
    browser: Any, live: Server, office: Any, web_emulator: Any, artifacts: Path
) -> None:
    rn = office.people[IVAN]
    page = phone(browser, live)
    page.goto("/")
    assert "/signin" in page.url
    shot(page, artifacts, "01-sign-in")
    sign_in(page, "Olga")
    shot(page, artifacts, "02-look-up")

    page.locator("#q").press_sequentially("8 916 123-45-67")
    page.keyboard.press("Enter")
    page.wait_for_url("**/c/*")
    assert page.locator("h1").inner_text() == IVAN
    assert page.locator("a[href='tel:+79161234567']").count() == 1
    shot(page, artifacts, "03-card")

    on = date.today()  # due today: the Today page lists it under my call-backs
    page.click("#log-call label:has-text('in') >> nth=0")
    page.click("#log-call label:has-text('call back')")
    page.fill("#callback_on", on.isoformat())
    page.fill("#call-comment", "wants a price for 40 boxes")
    shot(page, artifacts, "04-log-call-filled")
    page.click("button:has-text('Save the call')")
    page.wait_for_url("**done=call")
    assert "Call logged." in page.locator(".notice").inner_text()
    assert "wants a price for 40 boxes" in page.locator("#card").inner_text()
    shot(page, artifacts, "05-call-logged")

    page.fill("#what", "40 boxes of tiles")
    page.fill("#order-amount", "12500")
    page.click("#open-order button:has-text('Open')")
    page.wait_for_url("**done=open*")
    shot(page, artifacts, "06-order-opened")
    assert page.locator("#order-1 select").input_value() == "confirmed"
    page.click("#order-1 button:has-text('Move')")
    page.wait_for_url("**done=step*")
    assert "Order 1 · confirmed" in page.locator("#order-1 h2").inner_text()
    shot(page, artifacts, "07-order-moved")

    page.click("header a:has-text('Today')")
    page.wait_for_url("**/today")
    mine = page.locator("section.callbacks").first
    assert "My call-backs" in mine.inner_text() and IVAN in mine.inner_text()
    shot(page, artifacts, "08-today")

    card = api_card(web_emulator, rn)  # the account itself, not the page
    assert f"in (Olga) · call back {on.isoformat()}: wants a price for 40 boxes" in card
    assert "Order 1 · confirmed · 12 500" in card
    events = [e for e in office.reader().journal.history(rn) if e.seq == 0]
    assert [(e.kind, e.who) for e in events] == [
        ("call", "Olga"), ("order_open", "Olga"), ("order_step", "Olga")]  # fmt: skip
    assert all(e.state == "applied" for e in events)


def test_two_phones_logging_calls_on_one_client_at_once_lose_nothing(
    browser: Any, live: Server, office: Any, web_emulator: Any, artifacts: Path
) -> None:
    rn = office.people[IVAN]
    url = "/c/" + rn.removeprefix("people/")
    olga, ivan = phone(browser, live), phone(browser, live)
    for page, name in ((olga, "Olga"), (ivan, "Ivan")):
        sign_in(page, name)
        page.goto(url)
        page.fill("#call-comment", f"call taken by {name}")
    # Olga's write is held inside the account, where a third device edits the card
    # first (her etag goes stale); Ivan's write arrives while hers is held.
    held, release = threading.Event(), threading.Event()

    def other_device(person: dict[str, Any]) -> None:
        held.set()
        release.wait(60)
        bio = person.setdefault("biographies", [{"value": "", "contentType": "TEXT_PLAIN"}])[0]
        bio["value"] = bio.get("value", "") + "--\nNote typed in Google Contacts."

    web_emulator.arm_conflict(rn, other_device)
    olga.click("button:has-text('Save the call')", no_wait_after=True)
    assert held.wait(60), "Olga's write never reached the account"
    ivan.click("button:has-text('Save the call')", no_wait_after=True)
    assert office.lanes.wait_queued(2), "Ivan's write never arrived"
    release.set()
    # each phone had its answer within a second: saved, or saved on the PC (queued
    # behind Olga's held write on the same client's lane); both reach the account
    olga.wait_for_url(re.compile(r"done=(call|queued)"))
    ivan.wait_for_url(re.compile(r"done=(call|queued)"))
    assert office.lanes.wait_idle()
    shot(olga, artifacts, "olga-after")
    shot(ivan, artifacts, "ivan-after")

    card = api_card(web_emulator, rn)
    assert "(Olga): call taken by Olga" in card and "(Ivan): call taken by Ivan" in card
    assert "Note typed in Google Contacts." in card
    calls = [(e.who, e.text) for e in office.reader().journal.history(rn) if e.kind == "call"]
    assert sorted(who for who, _ in calls) == ["Ivan", "Olga"]
    assert all(e.state == "applied" for e in office.reader().journal.history(rn))
    ivan.reload()
    shown = ivan.locator("#card").inner_text()
    assert "call taken by Olga" in shown and "call taken by Ivan" in shown
