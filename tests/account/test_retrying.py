"""Retries: full-jitter waits, and a conflict retry that holds under an office's load."""

from __future__ import annotations

import threading
from pathlib import Path

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.account.people import CONFLICT_ATTEMPTS
from contacts_crm.account.retrying import ContentionWait, backoff_wait
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.emulator import build_service
from contacts_crm.usecases import cards as uc


class _State:
    """The part of tenacity's RetryCallState the waits read."""

    def __init__(self, attempt_number: int) -> None:
        self.attempt_number = attempt_number
        self.outcome = None


def test_contention_wait_is_full_jitter_in_units_of_the_attempt():
    now = [0.0]
    top = ContentionWait(base=0.02, cap=30.0, max_doublings=6, rand=lambda: 1.0,
                         clock=lambda: now[0])  # fmt: skip
    bottom = ContentionWait(rand=lambda: 0.0, clock=lambda: now[0])
    bounds = []
    for n in range(1, 10):
        top.before(_State(n))
        now[0] += 0.1  # each attempt (read, decide, write) took 100 ms
        bounds.append(round(top(_State(n)), 6))
    assert bounds == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 6.4, 6.4, 6.4]  # 64 slots at most
    assert bottom(_State(5)) == 0.0  # full jitter: anywhere from no wait at all
    top.before(_State(1))
    now[0] += 2.0  # a very slow attempt: the cap holds
    assert top(_State(9)) == 30.0
    top.before(_State(1))
    assert top(_State(1)) == 0.04  # a fast attempt counts as the base slot


def test_backoff_wait_honours_retry_after():
    wait = backoff_wait(0.5, 32.0, lambda: 1.0, lambda exc: 3.0)
    assert wait(_State(1)) == 3.0
    assert backoff_wait(0.5, 32.0, lambda: 1.0, lambda exc: None)(_State(8)) == 32.0


def test_a_write_gets_through_after_conflicts_up_to_the_bound(local_account):
    account, emu = local_account
    account.client._sleep = lambda s: None
    created = account.client.create(Contact(given_name="Anna").to_person())
    rn = created["resourceName"]
    emu.arm_conflict(rn, lambda p: p.update(
        biographies=[{"value": "edited elsewhere", "contentType": "TEXT_PLAIN"}]),
        times=CONFLICT_ATTEMPTS - 1)  # fmt: skip
    result = account.client.modify(rn, lambda fresh: ({"names": fresh["names"]}, ["names"]))
    assert emu.counters["people.updateContact"] == CONFLICT_ATTEMPTS
    assert result["biographies"][0]["value"] == "edited elsewhere"


def test_ten_writers_on_one_card_all_get_through(emulator_server, tmp_path: Path):
    """An office's worst case: ten PCs log calls on the same client at the same moment."""
    writers, calls = 10, 3
    first = Account.from_service(build_service(emulator_server.url), tmp_path / "pc0",
                                 profile=cfg.Profile(name="pc0", user="W0"))  # fmt: skip
    first.client.create(Contact(given_name="Ivan", phones=[PhoneEntry("+79161234567")]).to_person())
    first.close()
    accounts = [
        Account.from_service(build_service(emulator_server.url), tmp_path / f"pc{w}",
                             profile=cfg.Profile(name=f"pc{w}", user=f"W{w}"))
        for w in range(writers)
    ]  # fmt: skip
    for account in accounts:
        account.sync(full=True)
    start = threading.Barrier(writers)
    failures: list[BaseException] = []
    logged = []

    def write(w: int) -> None:
        start.wait()
        try:
            for i in range(calls):
                uc.log_call(accounts[w], "+79161234567", f"w{w} call {i}")
            logged.extend(accounts[w].journal.events(kinds=["call"]))
            accounts[w].journal.close()  # SQLite: closed by the thread that opened it
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(logged) == writers * calls and all(e.state == "applied" for e in logged)
    assert sum(a.client.retries["stale etag"] for a in accounts) > 0  # they did contend
    for account in accounts:
        account.cache.close()
