"""A create that may have landed is never sent again before the client knows it did not.

The emulator holds the batch at "received, not yet committed"; the client's
HTTP timeout fires meanwhile; the server commits only while the client waits
for reads to settle. Deterministic: every step waits on an event, none on luck.
"""

from __future__ import annotations

from collections import Counter

import pytest

from contacts_crm.account.people import MARKER_KEY, PeopleClient, RetryPolicy
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.emulator import Emulator, EmulatorServer, build_service

SETTLE = 7.5  # the client's read settle time: the sleep the server finishes in


def person(i: int) -> dict:
    c = Contact(
        given_name=f"Client{i:05d}", family_name="Test", phones=[PhoneEntry(f"+7916{i:07d}")]
    )
    return c.to_person()


def markers(persons: list[dict]) -> Counter:
    return Counter(
        cd["value"] for p in persons for cd in p.get("clientData", []) if cd["key"] == MARKER_KEY
    )


@pytest.fixture
def served():
    emu = Emulator()
    with EmulatorServer(emu) as server:
        yield emu, server
    emu.close()


def client_waiting_for(url: str, hold, sleeps: list[float]) -> PeopleClient:
    """A client with a 2 s HTTP timeout whose settle wait is when the held batch commits."""

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if seconds == SETTLE and not hold.finished.is_set():
            hold.release()
            assert hold.finished.wait(30)

    return PeopleClient(
        build_service(url, timeout=2.0),
        request_timeout=2.0,
        read_settle_s=SETTLE,
        sleep=sleep,
        retry=RetryPolicy(attempts=4),
    )


def test_a_batch_that_times_out_but_completes_on_the_server_is_not_sent_again(served):
    emu, server = served
    hold = emu.hold("people.batchCreateContacts")
    sleeps: list[float] = []
    client = client_waiting_for(server.url, hold, sleeps)
    created = client.create_many([person(i) for i in range(30)])
    assert len(created) == 30 and hold.finished.is_set()
    listed = client.list_all().persons
    assert len(listed) == 30 and set(markers(listed).values()) == {1}
    assert emu.counters["people.batchCreateContacts"] == 1  # never re-sent
    assert client.retries["network"] >= 1 and SETTLE in sleeps
    assert [p["resourceName"] for p in created] == [
        p["resourceName"] for p in sorted(listed, key=lambda p: p["names"][0]["givenName"])
    ]


def test_a_single_create_that_times_out_but_completes_is_not_sent_again(served):
    emu, server = served
    hold = emu.hold("people.createContact")
    client = client_waiting_for(server.url, hold, [])
    made = client.create(person(1))
    assert made["resourceName"] and emu.counters["people.createContact"] == 1
    assert len(client.list_all().persons) == 1


def test_a_batch_that_did_not_land_is_sent_again_once(served):
    """The held batch fails on the server (nothing written): the client re-sends it."""
    emu, server = served
    hold = emu.hold("people.batchCreateContacts")
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if seconds == SETTLE and not hold.finished.is_set():
            hold.release(commit=False)
            assert hold.finished.wait(30)

    client = PeopleClient(
        build_service(server.url, timeout=2.0),
        request_timeout=2.0,
        read_settle_s=SETTLE,
        sleep=sleep,
        retry=RetryPolicy(attempts=4),
    )
    created = client.create_many([person(i) for i in range(10)])
    listed = client.list_all().persons
    assert len(created) == 10 and len(listed) == 10 and set(markers(listed).values()) == {1}
    assert emu.counters["people.batchCreateContacts"] == 2


def test_after_a_timeout_the_client_waits_out_the_request_before_looking(served):
    """A request with no answer may run until its timeout: nothing is read before that."""
    emu, server = served
    now = [1000.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    client = PeopleClient(
        build_service(server.url),
        request_timeout=60.0,
        read_settle_s=0.0,
        sleep=sleep,
        clock=lambda: now[0],
    )
    before = emu.counters["people.connections.list"]
    assert client.find_landed(MARKER_KEY, ["m1"], sent_at=990.0, answered=False) == {}
    assert sleeps == [50.0]  # 60 s after it was sent, then one read
    assert emu.counters["people.connections.list"] == before + 1
    sleeps.clear()
    assert client.find_landed(MARKER_KEY, ["m1"], sent_at=990.0, answered=True) == {}
    assert sleeps == []  # an answered request has ended: look at once


def test_after_a_failure_only_the_contacts_not_found_are_sent_again(served):
    """Half a batch is in the account after a timeout: only the other half goes out again."""
    emu, server = served
    marked = [
        {**person(i), "clientData": [{"key": MARKER_KEY, "value": f"m{i}"}]} for i in range(10)
    ]
    PeopleClient(build_service(server.url)).create_many(marked[:5])  # landed earlier
    hold = emu.hold("people.batchCreateContacts")

    def sleep(seconds: float) -> None:
        if seconds == SETTLE and not hold.finished.is_set():
            hold.release(commit=False)
            assert hold.finished.wait(30)

    client = PeopleClient(
        build_service(server.url, timeout=2.0),
        request_timeout=2.0,
        read_settle_s=SETTLE,
        sleep=sleep,
        retry=RetryPolicy(attempts=4),
    )
    created = client.create_many(marked)
    assert [markers([p]).most_common(1)[0][0] for p in created] == [f"m{i}" for i in range(10)]
    listed = client.list_all().persons
    assert len(listed) == 10 and set(markers(listed).values()) == {1}
