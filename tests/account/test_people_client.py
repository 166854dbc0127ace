"""PeopleClient + Account against the emulator over loopback HTTP (real googleapiclient).

These are the behaviours of issue 2's "Done when": paging, incremental sync
with deletions, expired tokens, stale etags, retries without duplicates,
pacing under quota, batch call counts, the contact limit.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from contacts_crm.account.connected import Account
from contacts_crm.account.pacing import Pacer
from contacts_crm.account.people import PeopleClient, RetryPolicy
from contacts_crm.contact.model import Contact, PhoneEntry, three_way
from contacts_crm.emulator import Emulator, EmulatorServer, build_service
from contacts_crm.errors import ConflictError, LimitExceededError


def person(i: int, **extra: object) -> dict:
    c = Contact(
        given_name=f"Client{i:05d}", family_name="Test", phones=[PhoneEntry(f"+7916{i:07d}")]
    )
    return {**c.to_person(), **extra}


@pytest.fixture
def account(people_service, tmp_path: Path) -> Account:
    acc = Account.from_service(people_service, tmp_path / "data", sleep=lambda s: None)
    yield acc
    acc.close()


def test_full_sync_pages_through_three_pages(people_service, emulator, tmp_path):
    client = PeopleClient(people_service, page_size=100)
    client.create_many([person(i) for i in range(250)])
    emulator.reset_counters()
    result = client.list_all()
    assert len(result.persons) == 250
    assert result.calls == 3 and emulator.counters["people.connections.list"] == 3
    assert result.sync_token
    assert len({p["resourceName"] for p in result.persons}) == 250


def test_450_creates_are_exactly_three_calls(people_service, emulator):
    client = PeopleClient(people_service)
    created = client.create_many([person(i) for i in range(450)])
    assert len(created) == 450
    assert all(p["resourceName"].startswith("people/c") and p["etag"] for p in created)
    assert emulator.counters["people.batchCreateContacts"] == 3
    assert client.calls == {"people.batchCreateContacts": 3}


def test_incremental_sync_brings_changes_and_deletions(account, emulator):
    created = account.client.create_many([person(i) for i in range(5)])
    first = account.sync()
    assert first.full and account.cache.count() == 5
    gone, changed = created[0]["resourceName"], created[1]["resourceName"]
    account.client.delete(gone)
    emulator.device_edit(
        changed,
        lambda p: p.update(
            biographies=[{"value": "edited on the phone", "contentType": "TEXT_PLAIN"}]
        ),
    )
    account.client.create(person(99))
    second = account.sync()
    assert not second.full
    assert second.deleted == 1
    assert account.cache.count() == 5  # 5 - 1 deleted + 1 new
    assert account.cache.get(gone) is None
    assert account.cache.get(changed).notes == "edited on the phone"
    assert account.cache.find_by_phone("8 916 000-00-99")


def test_no_change_incremental_sync_is_one_list_call(account, emulator):
    account.client.create_many([person(i) for i in range(30)])
    account.sync()
    emulator.reset_counters()
    report = account.sync()
    assert emulator.counters["people.connections.list"] == 1
    assert emulator.counters["contactGroups.list"] == 0
    assert report.calls == 1
    assert report.changed == 0 and not report.full


def test_incremental_sync_learns_a_group_created_elsewhere(account, emulator):
    created = account.client.create(person(1))
    account.sync()
    other = account.client.create_group("VIP")  # another PC makes a label and uses it
    account.client.modify_members(other["resourceName"], add=[created["resourceName"]])
    report = account.sync()
    assert report.calls == 2  # the changed contact named a new group: groups re-listed
    assert "VIP" in {g.get("name") for g in account.cache.groups()}


def test_expired_sync_token_resyncs_by_itself(tmp_path):
    now = [1_000_000.0]
    emu = Emulator(clock=lambda: now[0])
    with EmulatorServer(emu) as server:
        acc = Account.from_service(build_service(server.url), tmp_path / "d")
        acc.client.create_many([person(i) for i in range(3)])
        acc.sync()
        now[0] += 8 * 24 * 3600  # tokens live 7 days
        acc.client.create(person(7))
        report = acc.sync()
        assert report.expired_token and report.full
        assert acc.cache.count() == 4
        assert acc.sync().full is False  # a fresh token was kept
        acc.close()
    emu.close()


def test_stale_etag_reapplies_the_operation_and_loses_nothing(account, emulator):
    created = account.client.create(person(1))
    rn = created["resourceName"]
    emulator.arm_conflict(
        rn,
        lambda p: p.update(
            biographies=[{"value": "typed by Olga on the web", "contentType": "TEXT_PLAIN"}]
        ),
    )

    def add_phone(fresh: dict):
        c = Contact.from_person(fresh)
        c.phones.append(PhoneEntry("+79035550000"))
        return c.to_person(["phoneNumbers"]), ["phoneNumbers"]

    result = account.client.modify(rn, add_phone, person=created)
    values = [p["value"] for p in result["phoneNumbers"]]
    assert values == ["+79160000001", "+79035550000"]
    assert result["biographies"][0]["value"] == "typed by Olga on the web"
    assert result["names"][0]["givenName"] == "Client00001"
    assert emulator.counters["people.updateContact"] == 2
    assert emulator.counters["people.get"] == 1


def test_modify_gives_up_with_a_conflict_after_bounded_attempts(account, emulator):
    created = account.client.create(person(1))
    rn = created["resourceName"]
    emulator.arm_conflict(
        rn,
        lambda p: p.update(biographies=[{"value": str(time.time()), "contentType": "TEXT_PLAIN"}]),
        times=100,
    )
    with pytest.raises(ConflictError):
        account.client.modify(rn, lambda fresh: ({"biographies": []}, ["biographies"]))
    assert emulator.counters["people.updateContact"] == account.client.conflict_attempts


def test_injected_failures_are_retried_and_nothing_is_duplicated(account, emulator):
    emulator.settings.seed = 3  # a fixed seed: the run meets faults every time
    emulator.settings.fail_rate = 0.3
    emulator.settings.fail_statuses = (429, 503)
    account.client.retry = RetryPolicy(attempts=12)
    created = account.client.create_many([person(i) for i in range(450)])
    for i in range(10):
        account.client.create(person(1000 + i))
    emulator.settings.fail_rate = 0.0
    assert len(created) == 450
    listed = account.client.list_all().persons
    assert len(listed) == 460
    assert len({p["names"][0]["givenName"] for p in listed}) == 460
    assert emulator.counters["injected_failures"] > 0
    assert sum(account.client.retries.values()) == emulator.counters["injected_failures"]


def test_a_burst_stays_under_the_per_window_quota(tmp_path):
    emu = Emulator()
    emu.settings.quota_window_s = 0.5
    emu.settings.quotas = {"critical_write": 5, "critical_read": 1000}
    with EmulatorServer(emu) as server:
        client = PeopleClient(
            build_service(server.url),
            pacer=Pacer({"critical_write": 5}, window=0.5),
            retry=RetryPolicy(attempts=1),
        )
        started = time.monotonic()
        for i in range(16):
            client.create(person(i))
        elapsed = time.monotonic() - started
    assert emu.counters.get("status.429", 0) == 0
    assert emu.counters["people.createContact"] == 16
    assert elapsed >= 1.4  # 16 writes at 5 per 0.5 s need at least three full windows
    emu.close()


def test_without_pacing_the_same_burst_hits_429_and_retries(tmp_path):
    emu = Emulator()
    # A window long enough that six unpaced creates fall in one window even when each
    # takes ~200 ms on a loaded PC (with 0.3 s, a slow run met no 429 at all).
    emu.settings.quota_window_s = 1.5
    emu.settings.retry_after_s = 0.3
    emu.settings.quotas = {"critical_write": 5}
    with EmulatorServer(emu) as server:
        client = PeopleClient(build_service(server.url), retry=RetryPolicy(attempts=20))
        for i in range(12):
            client.create(person(i))
        assert emu.counters["status.429"] > 0
        assert client.retries["429"] == emu.counters["status.429"]
        assert len(client.list_all().persons) == 12
    emu.close()


def test_the_contact_after_the_limit_gets_a_clear_error(account, emulator):
    emulator.settings.max_contacts = 5
    account.client.create_many([person(i) for i in range(5)])
    with pytest.raises(LimitExceededError) as info:
        account.client.create(person(6))
    assert "at most 5 contacts" in info.value.message
    assert "25,000" in (info.value.hint or "")


def test_sync_refuses_to_empty_a_large_cache_without_force(account, emulator):
    created = account.client.create_many([person(i) for i in range(12)])
    account.sync()
    account.client.delete_many([p["resourceName"] for p in created])
    with pytest.raises(ConflictError):
        account.sync(full=True)
    assert account.cache.count() == 12
    assert account.sync(full=True, force=True).contacts == 0


def test_a_create_whose_answer_was_lost_is_not_sent_twice(account, emulator):
    """A 500 after the write landed: the client finds its marker instead of re-sending."""
    emulator.settings.fail_after_write_rate = 0.4
    emulator.settings.seed = 7
    created = account.client.create_many([person(i) for i in range(600)])
    for i in range(8):
        account.client.create(person(1000 + i))
    emulator.settings.fail_after_write_rate = 0.0
    assert emulator.counters["lost_answers"] > 0
    listed = account.client.list_all().persons
    assert len(created) == 600
    assert len(listed) == 608
    assert len({p["names"][0]["givenName"] for p in listed}) == 608


def test_get_many_and_delete_many_span_batches(account, emulator):
    created = account.client.create_many([person(i) for i in range(230)])
    names = [p["resourceName"] for p in created]
    assert len(account.client.get_many(names)) == 230
    assert emulator.counters["people.getBatchGet"] == 2
    assert account.client.delete_many(names) == 230
    assert account.client.list_all().persons == []


def test_batch_update_meeting_a_concurrent_edit_merges_instead_of_overwriting(account, emulator):
    """An import's planned merge lands on a contact a phone edited meanwhile."""

    base = account.client.create(person(1))
    rn = base["resourceName"]
    # the plan: add a phone and a note line
    planned = Contact.from_person(base)
    planned.phones.append(PhoneEntry("+79035550000"))
    planned.notes = "Imported: VIP"
    fields = ["phoneNumbers", "biographies"]
    intended = planned.to_person(fields)
    # meanwhile a phone adds its own number and a note
    emulator.device_edit(
        rn,
        lambda p: p.update(
            phoneNumbers=[*p["phoneNumbers"], {"value": "+79269998877", "type": "work"}],
            biographies=[{"value": "Call after 14:00", "contentType": "TEXT_PLAIN"}],
        ),
    )
    # the caller merges (the client knows no three-way merge): the import's own _merge
    done = account.client.update_many(
        [intended], fields, reapply=lambda mine, fresh: three_way(base, fresh, mine, fields)
    )
    result = done[0]
    phones = [p["value"] for p in result["phoneNumbers"]]
    assert phones == ["+79160000001", "+79269998877", "+79035550000"]
    notes = result["biographies"][0]["value"]
    assert "Call after 14:00" in notes and "Imported: VIP" in notes
    # rejected as stale, then redone as a batch: one getBatchGet, one batch update
    assert emulator.counters["people.batchUpdateContacts"] == 2
    assert emulator.counters["people.getBatchGet"] == 1
    assert emulator.counters["people.updateContact"] == 0


def test_reads_refresh_a_stale_local_copy_once(people_service, emulator, tmp_path):
    """A client added on another PC is found without 'crm sync' once the copy is old."""
    from contacts_crm import config as cfg
    from contacts_crm.usecases import contacts as crm

    profile = cfg.Profile(name="pc1", sync_minutes=5)
    pc1 = Account.from_service(people_service, tmp_path / "pc1", profile=profile)
    pc2 = Account.from_service(people_service, tmp_path / "pc2")
    assert crm.find(pc1, "+79160000001") == []  # first use: a full sync, nobody yet
    pc2.remember([pc2.client.create(person(1))])  # "another PC" adds the client
    assert crm.find(pc1, "+79160000001") == []  # a fresh copy is trusted as it is
    pc1.cache.set_meta("synced_at", "2020-01-01T00:00:00+00:00")  # ... until it is old
    pc1._fresh = False  # a new session
    emulator.reset_counters()
    assert [c.display_name for c in crm.find(pc1, "8 916 000-00-01")] == ["Client00001 Test"]
    assert emulator.counters["people.connections.list"] == 1
    crm.find(pc1, "8 916 000-00-01")
    assert emulator.counters["people.connections.list"] == 1  # once per session
    pc1.close()
    pc2.close()


def test_a_slow_answer_dates_the_request_when_it_came_back():
    """A request slowed on its way is counted where it arrives: the window runs from the answer.

    Dated at its departure, the sixth write of a burst went out while the server, which
    received the first one late, still counted five in its window: a 429 under load.
    """
    now = [100.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        now[0] += s

    pacer = Pacer({"critical_write": 5}, window=0.5, clock=lambda: now[0], sleep=sleep)
    first = pacer.acquire("people.createContact")
    now[0] += 0.3  # the first answer takes 300 ms (a loaded PC)
    pacer.settle(first)
    for _ in range(4):
        pacer.settle(pacer.acquire("people.createContact"))
    assert sleeps == []
    pacer.acquire("people.createContact")  # the sixth waits for the first's answer + window
    assert now[0] == pytest.approx(100.3 + 0.5 + pacer.margin)
