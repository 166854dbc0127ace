"""Nothing below us re-sends: a write whose answer was lost after commit goes out once.

The loopback LossyProxy closes the connection after the emulator committed a
write; the emulator counts what it received.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lossy_proxy import LossyProxy

from contacts_crm.account.people import PeopleClient
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.emulator import Emulator, EmulatorServer, build_service
from contacts_crm.emulator.client import _discovery


def body(i: int) -> dict:
    return Contact(given_name=f"Client{i}", phones=[PhoneEntry(f"+7916{i:07d}")]).to_person()


@pytest.fixture
def proxied() -> Iterator[tuple[Emulator, LossyProxy]]:
    emu = Emulator()
    with EmulatorServer(emu) as server, LossyProxy(server.url, seed=1) as proxy:
        yield emu, proxy
    emu.close()


def test_the_proxy_reproduces_httplib2_sending_a_lost_create_twice(proxied):
    """Why the transport changed: httplib2 re-sends after the connection closed."""
    import httplib2
    from googleapiclient.discovery import build_from_document

    emu, proxy = proxied
    service = build_from_document(
        _discovery(), http=httplib2.Http(timeout=10), client_options={"api_endpoint": proxy.url}
    )
    proxy.lose_next()
    service.people().createContact(body=body(1)).execute()  # the second send's answer
    assert emu.counters["people.createContact"] == 2
    assert len(list(emu.store.all_live_persons())) == 2  # one contact asked, two made


@pytest.mark.parametrize("abort", [False, True], ids=["closed", "reset"])
def test_the_transport_sends_a_create_once_when_its_answer_is_lost(proxied, abort):
    emu, proxy = proxied
    proxy.abort = abort
    service = build_service(proxy.url, timeout=10)
    proxy.lose_next()
    with pytest.raises(ConnectionError) as lost:
        service.people().createContact(body=body(1)).execute(num_retries=0)
    assert proxy.received["POST"] == 1 and proxy.lost == 1
    assert emu.counters["people.createContact"] == 1
    assert len(list(emu.store.all_live_persons())) == 1
    assert "/v1/" not in str(lost.value)  # the host, never the URL (a search carries data)
    # the same transport goes on working after the lost connection
    service.people().createContact(body=body(2)).execute()
    assert emu.counters["people.createContact"] == 2


def test_a_lost_batch_create_is_sent_once_and_found_by_its_markers(proxied):
    emu, proxy = proxied
    client = PeopleClient(build_service(proxy.url, timeout=10), sleep=lambda s: None,
                          request_timeout=0.0, read_settle_s=0.0)  # fmt: skip
    proxy.lose_next()
    created = client.create_many([body(i) for i in range(5)])
    assert len(created) == 5
    assert emu.counters["people.batchCreateContacts"] == 1  # never re-sent
    assert len(list(emu.store.all_live_persons())) == 5
    assert client.retries["network"] == 1


def test_a_lost_single_create_is_sent_once_and_found_by_its_marker(proxied):
    emu, proxy = proxied
    client = PeopleClient(build_service(proxy.url, timeout=10), sleep=lambda s: None,
                          request_timeout=0.0, read_settle_s=0.0)  # fmt: skip
    proxy.lose_next()
    created = client.create(body(1))
    assert created["resourceName"].startswith("people/")
    assert emu.counters["people.createContact"] == 1
    assert [p.rn for p in emu.store.all_live_persons()] == [created["resourceName"]]
