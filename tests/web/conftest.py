"""Fixtures for the office page: an account over the emulator, its staff, the app.

``office`` is an Office over an in-process emulator holding Ivan Petrov
(+7 916 123-45-67, Wholesale) and two Sidorovs sharing a surname; users Olga
(PIN 2468) and Ivan (PIN 1357). No background thread: tests call
``office.sync_now()`` when they want the sync the server would do.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.emulator import Emulator, build_service
from contacts_crm.usecases import contacts as contact_uc
from contacts_crm.web.app import create_app
from contacts_crm.web.limits import SignInLimiter
from contacts_crm.web.office import Office
from contacts_crm.web.server import Server

PINS = {"Olga": "2468", "Ivan": "1357"}
GROUPS = ("Wholesale", "Retail", "Call back", "New", "Customer", "Returning")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def seed(account: Account) -> dict[str, str]:
    """The clients every web test starts with; name -> resource name."""
    for name in GROUPS:
        contact_uc.create_group(account, name)
    out = {}
    for name, phone, group, company in (
        ("Ivan Petrov", "+79161234567", "Wholesale", "Petrov Tiles"),
        ("Anna Sidorova", "+79035550101", "Retail", ""),
        ("Boris Sidorov", "+79035550202", "Retail", ""),
    ):
        c = contact_uc.add_contact(
            account, name, phone_numbers=[phone], groups=[group], organization=company
        )
        out[name] = c.resource_name or ""
    return out


@pytest.fixture
def web_emulator() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    emu.close()


@pytest.fixture
def make_office(web_emulator: Emulator) -> Iterator[Callable[..., Office]]:
    made: list[Office] = []

    def make(language: str = "en", **kwargs: Any) -> Office:
        profile = cfg.Profile(name="local", language=language)
        account = Account.from_service(
            build_service(web_emulator), cfg.profile_dir("local"), profile=profile
        )
        # a save answers once it landed (a test that wants "saved on the PC" sets a short
        # budget and holds the account): on two loaded cores a write may take seconds
        kwargs.setdefault("answer_budget", 120.0)
        office = Office(account, sync_interval=0, **kwargs)
        office.start()
        for name, pin in PINS.items():
            if office.staff.user(name) is None:
                office.staff.add_user(name, pin)
        made.append(office)
        return office

    yield make
    for office in made:
        office.close()
        office.account.close()


@pytest.fixture
def office(make_office: Callable[..., Office]) -> Office:
    o = make_office()
    o.people = seed(o.account)  # type: ignore[attr-defined]
    return o


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(office: Office, clock: FakeClock) -> Any:
    flask_app = create_app(office, limiter=SignInLimiter(clock=clock))
    flask_app.config["TESTING"] = True
    return flask_app


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def op_of(html: str, action: str) -> str:
    """The one-time op id of the form posting to ``action``."""
    form = html.split(f'action="{action}"', 1)[1]
    found = re.search(r'name="op" value="([^"]+)"', form)
    assert found
    return found.group(1)


def sign_in(client: Any, name: str = "Olga", pin: str | None = None) -> Any:
    page = client.get("/signin")
    resp = client.post(
        "/signin",
        data={"name": name, "pin": pin or PINS[name], "csrf": csrf_of(page.text), "next": "/"},
    )
    return resp


@pytest.fixture
def olga(app: Any) -> Any:
    """A test client signed in as Olga."""
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return client


# ------------------------------------------------- a real browser (browser_kit)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]  # fmt: skip


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
