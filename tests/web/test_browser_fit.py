"""The page fits a 412×915 phone (Chromium): the log form first, every target a
finger's size, no sideways scrolling, card text isolated for direction, and a
Content-Security-Policy the page itself keeps to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from browser_kit import phone, shot, sign_in

from contacts_crm.usecases import calls as calls_uc
from contacts_crm.usecases import cards as card_uc
from contacts_crm.usecases import contacts as contact_uc
from contacts_crm.web.server import Server

BIG_PHONE = {"width": 412, "height": 915}
FINGER = 48  # px: the smallest target a finger hits reliably

# Every visible thing a finger can tap (the hidden radio inputs' labels are the targets).
TARGETS_JS = """() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const prompt = document.getElementById('tel-prompt');  // "how did it go?" shown too
  if (prompt) prompt.hidden = false;
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
              + '.choices label';
  return Array.from(document.querySelectorAll(sel)).filter(e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.opacity !== '0' && r.width > 0 && r.height > 0;
  }).map(e => {
    const r = e.getBoundingClientRect();
    return {what: e.outerHTML.slice(0, 90), w: r.width, h: r.height};
  });
}"""

# True when the first character of ``needle`` (inside ``selector``) is drawn left of its last.
LEFT_TO_RIGHT_JS = """([selector, needle]) => {
  const root = document.querySelector(selector);
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const at = n.data.indexOf(needle);
    if (at < 0) continue;
    const box = i => { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
                       return r.getBoundingClientRect(); };
    return box(at).left < box(at + needle.length - 1).left;
  }
  return null;
}"""


def busy_client(office: Any) -> str:
    """Ivan with two open orders, six calls and a long company name: the cid."""
    rn = office.people["Ivan Petrov"]
    for k in range(6):
        office.write(
            card_uc.log_call, rn, f"call number {k} about the tiles", direction="in", by="Ivan"
        )
    office.write(card_uc.open_order, rn, "40 boxes of tiles", amount=None, by="Ivan")
    office.write(card_uc.open_order, rn, "grout and glue", amount=None, by="Ivan")
    return rn.removeprefix("people/")


def test_every_target_is_a_fingers_size_and_nothing_scrolls_sideways(
    browser: Any, live: Server, office: Any, artifacts: Path
) -> None:
    cid = busy_client(office)
    long_name = "Petrov" + "Tiles" * 40  # one word, longer than the screen
    wide = office.write(contact_uc.add_contact, "Wide Company", phone_numbers=["+79035550303"],
                        organization=long_name)  # fmt: skip
    on = date.today()
    office.write(card_uc.log_call, office.people["Anna Sidorova"], "asked for prices",
                 direction="in", outcome="callback", callback_on=on, by="Olga")  # fmt: skip
    now = datetime.now(UTC)
    for number, direction in (("+79161234567", "in"), ("+79035550909", "out"),
                              ("+79035550101", "missed"), ("+79035550808", "missed")):  # fmt: skip
        calls_uc.record_call_event(office.reader(), number=number, direction=direction,
                                   start=now - timedelta(minutes=5), duration=60, who="Olga",
                                   source="pbx")  # fmt: skip
    page = phone(browser, live, BIG_PHONE)
    page.goto("/")
    pages = {"signin": None, "lookup": "/", "results": "/?q=Sidorov", "card": f"/c/{cid}",
             "wide": "/c/" + (wide.resource_name or "").removeprefix("people/"),
             "today": "/today", "new": "/new?phone=%2B79035550404"}  # fmt: skip
    small: list[str] = []
    for name, url in pages.items():
        if url is None:
            found = page.evaluate(TARGETS_JS)
            shot(page, artifacts, name)
            sign_in(page, "Olga")
        else:
            page.goto(url)
            found = page.evaluate(TARGETS_JS)
            shot(page, artifacts, name)
        assert found, name
        if name == "today":  # calls to log and missed calls are on it
            assert page.locator("#to-log li").count() == 2
            assert page.locator("#missed li").count() == 2
        small += [f"{name}: {t['what']} {t['w']:.0f}x{t['h']:.0f}" for t in found
                  if t["w"] < FINGER or t["h"] < FINGER]  # fmt: skip
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= BIG_PHONE["width"], f"{name} scrolls sideways ({width} px)"
    assert not small, "\n".join(small)


def test_the_log_form_is_the_first_thing_under_the_clients_name(
    browser: Any, live: Server, office: Any, artifacts: Path
) -> None:
    cid = busy_client(office)
    page = phone(browser, live, BIG_PHONE)
    sign_in(page, "Olga")
    page.goto(f"/c/{cid}")
    shot(page, artifacts, "card")
    form = page.locator("#log-call").bounding_box()
    save = page.locator("#log-call button[type=submit]").bounding_box()
    orders = page.locator("#order-1").bounding_box()
    assert form and save and orders
    assert form["y"] < BIG_PHONE["height"] and form["y"] < 300, form
    assert form["y"] < orders["y"]
    # the card is below, and folds away
    page.click("summary:has-text('Card')")
    assert not page.locator("#card").is_visible()


def test_a_right_to_left_override_in_card_text_reverses_nothing_else(
    browser: Any, live: Server, office: Any, artifacts: Path
) -> None:
    rlo = "\u202e"
    eve = office.write(contact_uc.add_contact, f"Eve {rlo}Trick", phone_numbers=["+79035550505"],
                       organization=f"{rlo}Acme")  # fmt: skip
    rn = eve.resource_name or ""
    office.write(card_uc.log_call, rn, f"said {rlo}hello", direction="in", outcome="callback",
                 callback_on=date.today(), by="Olga")  # fmt: skip
    page = phone(browser, live, BIG_PHONE)
    sign_in(page, "Olga")
    page.goto("/today")
    shot(page, artifacts, "today")
    assert page.evaluate(LEFT_TO_RIGHT_JS, [".callbacks", "due today"]) is True
    page.goto("/c/" + rn.removeprefix("people/"))
    shot(page, artifacts, "card")
    assert page.evaluate(LEFT_TO_RIGHT_JS, ["#client", "Call"]) is True
    assert page.evaluate(LEFT_TO_RIGHT_JS, ["#card", "call back"]) is True


def test_the_page_has_a_content_security_policy_and_keeps_to_it(
    browser: Any, live: Server, office: Any
) -> None:
    page = phone(browser, live, BIG_PHONE)
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security" in msg.text
            else None)  # fmt: skip
    resp = page.goto("/")
    assert resp is not None
    csp = resp.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    sign_in(page, "Olga")
    page.goto("/c/" + office.people["Ivan Petrov"].removeprefix("people/"))
    page.fill("#callback_on", date.today().isoformat())
    page.dispatch_event("#callback_on", "change")  # the page's script still runs under the CSP
    assert page.locator("input[name=outcome][value=callback]").is_checked()
    injected = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.injected = 1'; document.body.appendChild(s);
        return window.injected === 1; }""")  # fmt: skip
    assert injected is False  # an inline script (what an injection would be) does not run
    assert refused, "the refused inline script was not reported"
