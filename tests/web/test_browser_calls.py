"""Calls to log, missed calls and a flaky Wi-Fi, in a real Chromium at a 412×915 phone:
an event posted by a phone's automation lands in the person's inbox and is logged
with one tap; a number tapped on the page asks "how did it go?" on return; a missed
call is listed until someone calls back; a form sent offline is sent once when back."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from browser_kit import api_card, phone, shot, sign_in

from contacts_crm.web.server import Server

BIG_PHONE = {"width": 412, "height": 915}
IVAN = "Ivan Petrov"

# A tel: link opens the phone's dialer, outside the browser: headless Chromium has none
# (its attempt to open one would hold the page), so the test's dialer takes the tap.
DIALER_JS = """() => document.addEventListener('click', e => {
  if (e.target.closest('a[href^="tel:"]')) e.preventDefault();
})"""

# The phone goes to the dialer and comes back (what Android does around a call).
AWAY_AND_BACK_JS = """() => {
  for (const state of ['hidden', 'visible']) {
    Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
    document.dispatchEvent(new Event('visibilitychange'));
  }
}"""


# One call's start, the same in every send of it: a retry re-sends the same body (computing
# it per send made the two sends differ whenever a second ticked between them).
CALL_START = (datetime.now(UTC) - timedelta(minutes=2)).isoformat(timespec="seconds")


def post_event(live: Server, token: str, **fields: Any) -> int:
    """What MacroDroid's "HTTP request" action sends after a call (JSON, Bearer token)."""
    start = fields.pop("start", CALL_START)
    body = {"number": "8 916 123-45-67", "direction": "in", "start": start, "duration": 75,
            **fields}  # fmt: skip
    req = urllib.request.Request(f"{live.url}/events/call", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token}"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=60) as resp:
        return int(resp.status)


def test_an_event_lands_in_the_inbox_and_is_logged_with_one_tap(
    browser: Any, live: Server, office: Any, web_emulator: Any, artifacts: Path
) -> None:
    token = office.staff.add_token("olga-phone")
    assert post_event(live, token, who="Olga") == 201
    assert post_event(live, token, who="Olga") == 200  # MacroDroid retried: one event
    page = phone(browser, live, BIG_PHONE)
    sign_in(page, "Olga")
    page.click("header a:has-text('Today')")
    page.wait_for_url("**/today")
    entries = page.locator("#to-log li")
    assert entries.count() == 1 and IVAN in entries.first.inner_text()
    shot(page, artifacts, "01-inbox")

    entries.first.locator("a.entry").click()  # one tap: the card, the form filled in
    page.wait_for_url("**/c/*inbox=*")
    assert page.locator("input[name=direction][value=in]").is_checked()
    assert "1 min 15 s" in page.locator("#call-when").inner_text()
    form = page.locator("#log-call").bounding_box()
    assert form and form["y"] < BIG_PHONE["height"]
    page.fill("#call-comment", "wants a price for 40 boxes")
    shot(page, artifacts, "02-filled")
    page.click("#log-call button[type=submit]")
    page.wait_for_url("**done=call")
    shot(page, artifacts, "03-logged")

    page.goto("/today")
    assert page.locator("#to-log li").count() == 0
    rn = office.people[IVAN]
    assert api_card(web_emulator, rn).count("wants a price for 40 boxes") == 1
    calls = [e for e in office.reader().journal.history(rn) if e.kind == "call"]
    assert [(e.who, e.state) for e in calls] == [("Olga", "applied")]


def test_a_tapped_number_asks_how_it_went_when_the_page_comes_back(
    browser: Any, live: Server, office: Any, artifacts: Path
) -> None:
    page = phone(browser, live, BIG_PHONE)
    sign_in(page, "Olga")
    page.goto("/c/" + office.people[IVAN].removeprefix("people/"))
    assert page.locator("#tel-prompt").is_hidden()
    page.evaluate(DIALER_JS)
    with page.expect_response("**/calls/tapped") as tapped:
        page.click("a[href='tel:+79161234567']", no_wait_after=True)
    entry = tapped.value.json()["url"]
    page.evaluate(AWAY_AND_BACK_JS)
    prompt = page.locator("#tel-prompt")
    prompt.wait_for(state="visible")
    assert "How did the call go?" in prompt.inner_text()
    assert page.locator("#tel-log").get_attribute("href") == entry
    shot(page, artifacts, "prompt")
    page.click("#tel-log")
    page.wait_for_url("**/c/*inbox=*")
    assert page.locator("input[name=direction][value=out]").is_checked()
    page.goto("/today")  # logged or not, the call waits in the inbox until it is
    assert page.locator("#to-log li").count() == 1


def test_a_missed_call_is_listed_then_cleared_by_a_call_back(
    browser: Any, live: Server, office: Any, artifacts: Path
) -> None:
    token = office.staff.add_token("pbx")
    for minutes, number in ((9, "+79161234567"), (8, "8 916 123 45 67"), (7, "+7 903 555 09 09")):
        at = datetime.now(UTC) - timedelta(minutes=minutes)
        post_event(live, token, direction="missed", number=number, duration=0,
                   start=at.isoformat(timespec="seconds"))  # fmt: skip
    page = phone(browser, live, BIG_PHONE)
    sign_in(page, "Ivan")
    page.goto("/today")
    rows = page.locator("#missed li")
    assert rows.count() == 2
    ivan = rows.filter(has_text=IVAN)
    assert "missed 2×" in ivan.inner_text()
    shot(page, artifacts, "01-missed")
    page.evaluate(DIALER_JS)
    with page.expect_response("**/calls/tapped"):
        ivan.locator("a.callbtn").click(no_wait_after=True)  # Ivan calls back
    page.goto("/today")
    assert page.locator("#missed li").count() == 1
    assert IVAN not in page.locator("#missed").inner_text()
    shot(page, artifacts, "02-called-back")


def test_a_form_sent_offline_is_kept_and_sent_once_when_back(
    browser: Any, live: Server, office: Any, web_emulator: Any, artifacts: Path
) -> None:
    rn = office.people[IVAN]
    page = phone(browser, live, BIG_PHONE)
    sign_in(page, "Olga")
    page.goto("/c/" + rn.removeprefix("people/"))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.context.set_offline(True)
    page.fill("#call-comment", "said yes on the stairs")
    page.click("#log-call button[type=submit]")
    note = page.locator("#offline-note")
    note.wait_for(state="visible")
    assert "kept on this phone" in note.inner_text()
    assert page.locator("#call-comment").input_value() == ""  # ready for the next one
    shot(page, artifacts, "01-kept")
    assert "said yes on the stairs" not in api_card(web_emulator, rn)

    with page.expect_navigation():
        page.context.set_offline(False)  # back: sent, then the page shows the card again
    page.wait_for_load_state()
    note.wait_for(state="visible")
    assert "Sent what this phone kept" in note.inner_text()
    shot(page, artifacts, "02-sent")
    assert api_card(web_emulator, rn).count("said yes on the stairs") == 1
    calls = [e for e in office.reader().journal.history(rn) if e.kind == "call"]
    assert len(calls) == 1
    page.reload()  # nothing is kept any more: nothing is sent again
    page.reload()
    assert api_card(web_emulator, rn).count("said yes on the stairs") == 1
    assert page.evaluate("() => localStorage.getItem('crm-outbox')") == "[]"
