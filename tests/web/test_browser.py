"""A real headless Chromium at a phone's size drives the office page.

The browser comes from the distribution's packages (``scripts/_browser.sh``,
called by ``scripts/test``, installs it with apt where it can); Playwright's
Python API drives it (``playwright install`` is never needed: the system's
Chromium is launched by path). Without a browser these tests skip and say why.
Screenshots of every page go to ``$CRM_TEST_ARTIFACTS`` (default
``tmp/artifacts/browser`` in the checkout); the path is printed.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import PINS

from contacts_crm.emulator import build_service
from contacts_crm.web.server import Server

PHONE = {"width": 360, "height": 740}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]  # fmt: skip
IVAN = "Ivan Petrov"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CRM_CHROMIUM"), "/usr/bin/chromium",
                      "/usr/bin/chromium-browser", shutil.which("chromium")):  # fmt: skip
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium on this machine (scripts/test installs it with apt where it can;"
                    " or: apt-get install chromium; or set CRM_CHROMIUM)")  # fmt: skip
    with sync_api.sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=path, args=ARGS, timeout=60_000)
        except Exception as exc:  # a broken or incompatible browser install
            pytest.skip(f"cannot start Chromium at {path}: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    root = Path(os.environ.get("CRM_TEST_ARTIFACTS")
                or Path(__file__).resolve().parents[2] / "tmp" / "artifacts")  # fmt: skip
    path = root / "browser" / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    print(f"\nscreenshots: {path}")
    return path


@pytest.fixture
def live(office: Any) -> Iterator[Server]:
    with Server(office, "127.0.0.1", 0, threads=4) as server:
        yield server


def phone(browser: Any, live: Server) -> Any:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="en-GB",
                                  base_url=live.url)  # fmt: skip
    context.set_default_timeout(60_000)
    return context.new_page()


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in(page: Any, name: str) -> None:
    page.goto("/")
    page.select_option("#name", name)
    page.fill("#pin", PINS[name])
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/")


def api_card(emulator: Any, rn: str) -> str:
    svc = build_service(emulator)
    person = svc.people().get(resourceName=rn, personFields="biographies").execute()
    return str(person["biographies"][0]["value"])


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
    mine = page.locator("section").first
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
    assert office.wait_for_writes(2), "Ivan's write never arrived"
    release.set()
    olga.wait_for_url("**done=call")
    ivan.wait_for_url("**done=call")
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
