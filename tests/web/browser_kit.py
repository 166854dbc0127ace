"""Helpers for the office page's browser tests (the fixtures are in conftest.py).

The browser comes from the distribution's packages (``scripts/_browser.sh``,
called by ``scripts/test``, installs it with apt where it can); Playwright's
Python API drives it (``playwright install`` is never needed: the system's
Chromium is launched by path). Without a browser these tests skip and say why.
Screenshots of every page go to ``$CRM_TEST_ARTIFACTS`` (default
``tmp/artifacts/browser`` in the checkout); the path is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import PINS

from contacts_crm.emulator import build_service
from contacts_crm.web.server import Server

PHONE = {"width": 360, "height": 740}


def phone(browser: Any, live: Server, size: dict[str, int] | None = None) -> Any:
    context = browser.new_context(viewport=size or PHONE, is_mobile=True, has_touch=True,
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
    return str(person.get("biographies", [{"value": ""}])[0]["value"])
