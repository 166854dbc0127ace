"""The page never waits on the account: a save is journalled first, answered within
its budget ("saved", or "saved on the office PC" when the account is away or
held), written by the contact's lane when the account answers, exactly once.

The account is the emulator over loopback HTTP (the real client stack), stopped,
held at a write, or behind a proxy that loses an answer after the write. No
sleeps: each test waits on the point it checks (a held request received, a lane
parked, the lanes idle).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PINS, op_of, seed, sign_in
from lossy_proxy import LossyProxy

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.account.journal import Journal
from contacts_crm.account.people import RetryPolicy
from contacts_crm.emulator import Emulator, EmulatorServer, build_service
from contacts_crm.web.app import create_app
from contacts_crm.web.office import Office
from contacts_crm.web.words import WORDS

FAST = RetryPolicy(attempts=1, base=0.0, cap=0.0)  # the lanes back off themselves
W = WORDS["en"]


class Setup:
    """An Office over the emulator served on loopback (optionally behind a proxy)."""

    def __init__(self, emu: Emulator, url: str, data: Path) -> None:
        self.emu, self.url, self.data = emu, url, data
        self.offices: list[Office] = []
        self.people: dict[str, str] = {}

    def office(self, **kwargs: Any) -> Office:
        account = Account.from_service(
            build_service(self.url, timeout=30), self.data, profile=cfg.Profile(name="local"),
            retry=FAST, request_timeout=0.0, read_settle_s=0.0,
        )  # fmt: skip
        office = Office(account, sync_interval=0, lane_retry=FAST, **kwargs)
        office.start()
        for name, pin in PINS.items():
            if office.staff.user(name) is None:
                office.staff.add_user(name, pin)
        self.offices.append(office)
        return office

    def close(self, office: Office) -> None:
        office.close()
        office.account.close()
        self.offices.remove(office)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    e = Emulator()
    yield e
    e.close()


@pytest.fixture
def server(emu: Emulator) -> Iterator[EmulatorServer]:
    s = EmulatorServer(emu).start()
    yield s
    s.stop()


def _setup(emu: Emulator, url: str) -> Iterator[Setup]:
    setup = Setup(emu, url, cfg.profile_dir("local"))
    first = Account.from_service(build_service(url), setup.data, profile=cfg.Profile(name="local"))
    setup.people = seed(first)
    first.close()
    yield setup
    for office in list(setup.offices):
        office.silent_since = None if office.lanes.queued() == 0 else office.silent_since
        setup.close(office)


@pytest.fixture
def direct(emu: Emulator, server: EmulatorServer) -> Iterator[Setup]:
    yield from _setup(emu, server.url)


@pytest.fixture
def lossy(emu: Emulator, server: EmulatorServer) -> Iterator[tuple[Setup, LossyProxy]]:
    with LossyProxy(server.url) as proxy:
        for setup in _setup(emu, proxy.url):
            yield setup, proxy


def phone(office: Office, name: str = "Olga") -> Any:
    app = create_app(office)
    app.config["TESTING"] = True
    client = app.test_client()
    assert sign_in(client, name).status_code == 302
    return client


def save_call(client: Any, rn: str, comment: str) -> Any:
    """Open the card and save a call, as the form does; the answer (not followed)."""
    cid = rn.removeprefix("people/")
    page = client.get(f"/c/{cid}").text
    fields = {"csrf": _csrf(page), "op": op_of(page, f"/c/{cid}/call"), "comment": comment,
              "direction": "in"}  # fmt: skip
    return client.post(f"/c/{cid}/call", data=fields)


def _csrf(html: str) -> str:
    from conftest import csrf_of

    return csrf_of(html)


def notes(emu: Emulator, rn: str) -> str:
    rec = emu.store.get_person(rn)
    assert rec is not None
    return str((rec.data.get("biographies") or [{}])[0].get("value", ""))


def calls_journalled(data: Path, text: str) -> list[str]:
    journal = Journal(data / "journal.sqlite")
    try:
        return [e.state for e in journal.events(kinds=["call"]) if text in e.text]
    finally:
        journal.close()


def answered(resp: Any) -> str:
    assert resp.status_code == 302, resp.text
    return str(resp.headers["Location"]).rsplit("done=", 1)[-1]


def test_a_save_while_the_account_is_stopped_is_queued_then_written_once(direct, server):
    office = direct.office(answer_budget=0.5, silence_banner=0)
    olga = phone(office)
    ivan = direct.people["Ivan Petrov"]
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    server.stop()

    assert answered(save_call(olga, ivan, "asks about delivery")) == "queued"
    card = olga.get("/c/" + ivan.removeprefix("people/")).text
    assert W["pending"] in card and "asks about delivery" in card  # shown as pending
    assert office.lanes.wait_parked(ivan)  # its lane met the stopped account
    assert "has not answered" in olga.get("/").text  # the banner
    assert "asks about delivery" not in notes(direct.emu, ivan)

    EmulatorServer(direct.emu, port=port).start()  # the account is back
    assert office.sync_now() is not None  # the background sync gets an answer ...
    assert office.lanes.wait_idle()  # ... and the lane writes at once
    assert notes(direct.emu, ivan).count("asks about delivery") == 1
    assert calls_journalled(direct.data, "asks about delivery") == ["applied"]
    card = olga.get("/c/" + ivan.removeprefix("people/")).text
    assert W["pending"] not in card and "has not answered" not in card


def test_a_held_write_holds_only_its_own_client(direct):
    office = direct.office(answer_budget=0.5)
    olga, ivan_phone = phone(office, "Olga"), phone(office, "Ivan")
    ivan, anna = direct.people["Ivan Petrov"], direct.people["Anna Sidorova"]
    hold = direct.emu.hold("people.updateContact")
    answers: dict[str, Any] = {}
    first = threading.Thread(target=lambda: answers.update(a=save_call(olga, ivan, "held one")))
    first.start()
    assert hold.received.wait(60)  # Ivan's write is inside the account, not committed
    first.join(60)
    assert answered(answers["a"]) == "queued"  # the phone had its answer meanwhile

    office.answer_budget = 60.0  # the other phone would wait this long if it were blocked
    assert answered(save_call(ivan_phone, anna, "not blocked")) == "call"
    assert not hold.finished.is_set()  # it landed while the other write is still held
    assert "not blocked" in notes(direct.emu, anna)

    hold.release(commit=True)
    assert office.lanes.wait_idle()
    assert notes(direct.emu, ivan).count("held one") == 1
    assert calls_journalled(direct.data, "held one") == ["applied"]


def test_an_answer_lost_after_the_write_leaves_one_call(lossy):
    setup, proxy = lossy
    office = setup.office(answer_budget=0.5)
    olga = phone(office)
    ivan = setup.people["Ivan Petrov"]
    proxy.lose_next()
    save_call(olga, ivan, "answer lost")
    assert office.lanes.wait_idle()
    assert proxy.lost == 1  # the account wrote it and the PC never heard
    assert notes(setup.emu, ivan).count("answer lost") == 1
    assert calls_journalled(setup.data, "answer lost") == ["applied"]


def test_a_queued_write_survives_a_restart_of_the_server_and_lands_once(direct, server):
    office = direct.office(answer_budget=0.5)
    olga = phone(office)
    ivan = direct.people["Ivan Petrov"]
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    server.stop()
    assert answered(save_call(olga, ivan, "across a restart")) == "queued"
    assert office.lanes.wait_parked(ivan)
    direct.close(office)  # the server stops with the write still open in the journal

    EmulatorServer(direct.emu, port=port).start()
    again = direct.office()  # start-up queues every open card write
    assert again.lanes.wait_idle()
    assert notes(direct.emu, ivan).count("across a restart") == 1
    assert calls_journalled(direct.data, "across a restart") == ["applied"]
    assert again.pending(ivan) == []  # nothing open in the journal


def test_a_double_tap_on_save_writes_once(direct):
    office = direct.office(answer_budget=30)
    olga = phone(office)
    ivan = direct.people["Ivan Petrov"]
    cid = ivan.removeprefix("people/")
    page = olga.get(f"/c/{cid}").text
    fields = {"csrf": _csrf(page), "op": op_of(page, f"/c/{cid}/call"), "comment": "tap tap",
              "direction": "in"}  # fmt: skip
    assert answered(olga.post(f"/c/{cid}/call", data=fields)) == "call"
    assert answered(olga.post(f"/c/{cid}/call", data=fields)) == "same"
    assert notes(direct.emu, ivan).count("tap tap") == 1


def test_the_form_keeps_what_was_typed_on_an_unexpected_error(direct, monkeypatch):
    office = direct.office()
    olga = phone(office)
    ivan = direct.people["Ivan Petrov"]

    def broken(*args: Any, **kwargs: Any) -> Callable[..., Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(office, "save", broken)
    resp = save_call(olga, ivan, "typed before the crash")
    assert resp.status_code == 500
    assert 'value="typed before the crash"' in resp.text and W["error"] in resp.text
