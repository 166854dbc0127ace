"""The dashboard in a real Chromium, on a 412×915 phone and a 1280×800 desktop, in
English and Russian: screenshots written as test artifacts, and what a look at them
checks measured too: nothing scrolls sideways, every target is a finger's size,
every chart's text stays inside its chart and is large enough to read."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from browser_kit import shot
from conftest import PINS, seed

from contacts_crm.usecases import calls as calls_uc
from contacts_crm.usecases import cards as card_uc
from contacts_crm.usecases import contacts as contact_uc
from contacts_crm.web.server import Server

NOW = "2026-11-20 18:00"
SIZES = {"phone": {"width": 412, "height": 915}, "desktop": {"width": 1280, "height": 800}}
FINGER = 48
SMALLEST_TEXT = 11  # px: chart text drawn smaller than this is hard to read on a phone

TARGETS_JS = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  return Array.from(document.querySelectorAll(sel)).filter(e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
  }).map(e => { const r = e.getBoundingClientRect();
                return {what: e.outerHTML.slice(0, 90), w: r.width, h: r.height}; });
}"""

# Chart text outside its chart's box, or drawn too small: [{chart, text, why}]
CHART_TEXT_JS = """(smallest) => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      const chart = svg.closest('section').id;
      if (r.left < box.left - 1 || r.right > box.right + 1)
        out.push({chart, text: t.textContent,
                  why: `x ${r.left}-${r.right} of ${box.left}-${box.right}`});
      if (r.height < smallest)
        out.push({chart, text: t.textContent, why: `${r.height.toFixed(1)} px high`});
    }
  }
  return out;
}"""


def busy_month(office: Any) -> None:
    """A month of four people's calls and orders, a few clients more (seeded random)."""
    rng = random.Random(24)
    people = office.people
    for i, (name, group) in enumerate([("Svetlana Kuznetsova-Vasilyeva", "Wholesale"),
                                       ("Oleg Tikhonov", "Customer"), ("Maria Ivanova", "New"),
                                       ("Pavel Smirnov", "Retail")]):  # fmt: skip
        c = office.write(contact_uc.add_contact, name, phone_numbers=[f"+7903555070{i}"],
                         groups=[group])  # fmt: skip
        people[name] = c.resource_name
    names = list(people.values())
    staff = ["Olga", "Ivan", "Svetlana", "Konstantin Konstantinopolsky"]
    start = datetime.fromisoformat("2026-11-01 09:00").astimezone()
    for day in range(20):
        for who in staff:
            for _ in range(rng.randint(0, 5)):
                at = start + timedelta(days=day, minutes=rng.randint(0, 480))
                office.write(card_uc.log_call, rng.choice(names), "talked", by=who, at=at,
                             direction=rng.choice(["in", "out"]),
                             outcome=rng.choice([None, None, "interested"]))  # fmt: skip
    for k, rn in enumerate(names):
        at = start + timedelta(days=k * 2)
        office.write(card_uc.open_order, rn, "tiles", amount=Decimal(1250 * (k + 1)),
                     by=staff[k % 4], at=at)  # fmt: skip
        if k % 3 == 0:
            office.write(card_uc.close_order, rn, 1, by=staff[(k + 1) % 4],
                         at=at + timedelta(days=3))  # fmt: skip
        elif k % 3 == 1:
            office.write(card_uc.step_order, rn, 1, "paid", by=staff[k % 4],
                         at=at + timedelta(days=1))  # fmt: skip
    office.write(card_uc.log_call, people["Anna Sidorova"], "call me later", by="Ivan",
                 at=start + timedelta(days=2), outcome="callback",
                 callback_on=(start + timedelta(days=5)).date())  # fmt: skip
    office.write(card_uc.log_call, people["Boris Sidorov"], "long ago", by="Olga",
                 at=start - timedelta(days=80))  # fmt: skip
    for i, (name, group) in enumerate([("Zoya Zaitseva", "Retail"), ("Yuri Yakovlev", "New")]):
        c = office.write(contact_uc.add_contact, name, phone_numbers=[f"+7903555080{i}"],
                         groups=[group])  # fmt: skip
        office.write(
            card_uc.log_call, c.resource_name, "once", by="Olga", at=start - timedelta(days=100)
        )  # not called since: past its group's interval
    calls_uc.record_call_event(office.reader(), number="+79035550101", direction="missed",
                               start=start + timedelta(days=18), duration=0, who="",
                               source="pbx")  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_dashboard_fits_a_phone_and_a_desktop(
    browser: Any, make_office: Any, artifacts: Path, monkeypatch: Any, language: str
) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    office = make_office(language)
    office.people = seed(office.account)
    busy_month(office)
    office.staff.set_role("Olga", "manager")
    with Server(office, "127.0.0.1", 0, threads=4) as live:
        problems: list[str] = []
        for size_name, size in SIZES.items():
            context = browser.new_context(viewport=size, is_mobile=size_name == "phone",
                                          has_touch=size_name == "phone", device_scale_factor=2,
                                          locale=language, base_url=live.url)  # fmt: skip
            context.set_default_timeout(60_000)
            page = context.new_page()
            page.goto("/")
            page.select_option("#name", "Olga")
            page.fill("#pin", PINS["Olga"])
            page.click("button[type=submit]")
            page.wait_for_url("**/")
            page.goto("/dashboard?since=2026-11-01&until=2026-11-20")
            assert page.locator("svg.chart").count() >= 5
            shot(page, artifacts, f"dashboard-{language}-{size['width']}x{size['height']}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > size["width"]:
                problems.append(f"{size_name}: scrolls sideways ({width} px)")
            problems += [f"{size_name}: small target {t['what']} {t['w']:.0f}x{t['h']:.0f}"
                         for t in page.evaluate(TARGETS_JS)
                         if t["w"] < FINGER or t["h"] < FINGER]  # fmt: skip
            problems += [f"{size_name}: {p['chart']}: {p['text']!r} {p['why']}"
                         for p in page.evaluate(CHART_TEXT_JS, SMALLEST_TEXT)]  # fmt: skip
            context.close()
        assert not problems, "\n".join(problems)
    title, thousands = {"en": ("Funnel", r"\d,\d{3}"), "ru": ("Воронка", "\\d\u00a0\\d{3}")}[
        language
    ]
    html = page_html(office)
    assert title in html and re.search(thousands, html), language  # the office's words, numbers


def page_html(office: Any) -> str:
    """The dashboard as Olga gets it (the Flask test client, no browser)."""
    from conftest import sign_in

    from contacts_crm.web.app import create_app

    client = create_app(office).test_client()
    assert sign_in(client, "Olga").status_code == 302
    return str(client.get("/dashboard?since=2026-11-01&until=2026-11-20").text)
