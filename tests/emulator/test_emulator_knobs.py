"""Emulator-only behaviour: quotas, faults, limits, search warm-up, counters, persistence."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from emulator_contract_helpers import detail_reasons, error_of, make_people
from googleapiclient.errors import HttpError

from contacts_crm.emulator import Emulator, EmulatorSettings, build_service


@pytest.fixture
def esvc(emu, emu_server):
    """The emulator's service over loopback HTTP (emulator-only tests)."""
    return build_service(emu_server.url)


def search(svc, query, size=10):
    resp = svc.people().searchContacts(query=query, readMask="names", pageSize=size).execute()
    return [r["person"]["names"][0]["givenName"] for r in resp.get("results", [])]


def test_search_needs_warm_up_and_matches_word_prefixes(emu, clock, esvc):
    emu.settings.search_warmup_s = 5
    esvc.people().createContact(
        body={
            "names": [{"givenName": "Foo", "familyName": "Name"}],
            "emailAddresses": [{"value": "boss@acme.example"}],
        }
    ).execute()
    assert search(esvc, "foo") == []  # cold cache
    assert esvc.people().searchContacts(query="", readMask="names").execute() == {}
    assert search(esvc, "foo") == []  # still warming up
    clock.advance(5)
    assert search(esvc, "f") == ["Foo"]
    assert search(esvc, "foo n") == ["Foo"]
    assert search(esvc, "nam") == ["Foo"]
    assert search(esvc, "boss@") == ["Foo"]
    assert search(esvc, "oo n") == []
    esvc.people().createContact(body={"names": [{"givenName": "Fox"}]}).execute()
    assert search(esvc, "fox") == []  # snapshot is stale until the next empty query


def test_search_page_size_capped_at_30(emu, esvc):
    make_people(esvc, 40, prefix="Same")
    esvc.people().searchContacts(query="", readMask="names").execute()
    assert len(search(esvc, "same", size=50)) == 30
    assert len(search(esvc, "same", size=0)) == 10


def test_contact_limit_gives_a_clear_error(emu, esvc):
    emu.settings.max_contacts = 3
    make_people(esvc, 3)
    with pytest.raises(HttpError) as ei:
        esvc.people().createContact(body={"names": [{"givenName": "4th"}]}).execute()
    assert ei.value.resp.status == 400
    assert "CONTACT_LIMIT_EXCEEDED" in detail_reasons(ei.value)
    assert "at most 3 contacts" in error_of(ei.value)["message"]
    with pytest.raises(HttpError):
        make_people(esvc, 1)  # the batch path too


def test_default_contact_limit_is_25000(emulator):
    svc = build_service(emulator)  # in-process: ~3 s for 25,000 contacts
    body = {"contacts": [{"contactPerson": {"names": [{"givenName": "x"}]}}] * 200}
    people = svc.people()
    for _ in range(125):
        people.batchCreateContacts(body=body).execute()
    with pytest.raises(HttpError) as ei:
        people.createContact(body={"names": [{"givenName": "25001st"}]}).execute()
    assert "25000" in error_of(ei.value)["message"]


def test_field_length_limit_except_notes(esvc):
    with pytest.raises(HttpError) as ei:
        esvc.people().createContact(body={"names": [{"givenName": "x" * 1025}]}).execute()
    assert ei.value.resp.status == 400
    ok = (
        esvc.people()
        .createContact(
            body={"names": [{"givenName": "x" * 1024}], "biographies": [{"value": "n" * 5000}]},
            personFields="biographies",
        )
        .execute()
    )
    assert len(ok["biographies"][0]["value"]) == 5000


def test_critical_write_quota_gives_429_with_retry_after(emu, clock, esvc):
    emu.settings.quotas = {"critical_write": 3}
    emu.settings.retry_after_s = 2
    for i in range(3):
        esvc.people().createContact(body={"names": [{"givenName": f"q{i}"}]}).execute()
    with pytest.raises(HttpError) as ei:
        esvc.people().createContact(body={"names": [{"givenName": "over"}]}).execute()
    err = error_of(ei.value)
    assert ei.value.resp.status == 429
    assert err["status"] == "RESOURCE_EXHAUSTED"
    assert "RATE_LIMIT_EXCEEDED" in detail_reasons(ei.value)
    assert "Critical write requests" in err["message"]
    wait = float(ei.value.resp["retry-after"])  # honest: until the window frees up
    assert 0 < wait <= 60
    clock.advance(wait)
    esvc.people().createContact(body={"names": [{"givenName": "next minute"}]}).execute()
    assert emu.counters["quota.critical_write"] == 4


def test_batch_create_costs_six_critical_writes(emu, esvc):
    emu.settings.quotas = {"critical_write": 11}
    make_people(esvc, 200)
    with pytest.raises(HttpError) as ei:
        make_people(esvc, 200)
    assert ei.value.resp.status == 429
    assert emu.counters["quota.daily_contact_write"] == 200


@pytest.mark.parametrize(
    ("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE"), (429, "RESOURCE_EXHAUSTED")]
)
def test_injected_failures_use_google_envelopes(emu, esvc, status, name):
    emu.settings.fail_rate = 1.0
    emu.settings.fail_statuses = (status,)
    with pytest.raises(HttpError) as ei:
        esvc.people().createContact(body={"names": [{"givenName": "x"}]}).execute()
    assert ei.value.resp.status == status
    assert error_of(ei.value)["status"] == name
    emu.settings.fail_rate = 0
    assert emu.store.count_live_persons() == 0  # a failed call wrote nothing


def test_injected_failures_are_deterministic_with_seed():
    def outcomes():
        emu = Emulator(settings=EmulatorSettings(fail_rate=0.5, seed=7))
        svc = build_service(emu)
        out = []
        for _ in range(20):
            try:
                svc.people().createContact(body={"names": [{"givenName": "x"}]}).execute()
                out.append(200)
            except HttpError as exc:
                out.append(exc.resp.status)
        return out

    first = outcomes()
    assert first == outcomes()
    assert 200 in first and any(s != 200 for s in first)


def test_counters_count_calls_per_method(emu, esvc):
    make_people(esvc, 2)
    esvc.people().connections().list(resourceName="people/me", personFields="names").execute()
    esvc.people().connections().list(resourceName="people/me", personFields="names").execute()
    assert emu.counters["people.batchCreateContacts"] == 1
    assert emu.counters["people.connections.list"] == 2
    emu.reset_counters()
    assert emu.counters["people.connections.list"] == 0


def test_arm_conflict_makes_the_next_update_stale(emu, esvc):
    (p,) = make_people(esvc, 1)

    def other_device(person):
        person["biographies"] = [{"value": "edited on a phone"}]

    emu.arm_conflict(p["resourceName"], other_device)
    with pytest.raises(HttpError) as ei:
        esvc.people().updateContact(
            resourceName=p["resourceName"],
            updatePersonFields="names",
            body={"etag": p["etag"], "names": [{"givenName": "mine"}]},
        ).execute()
    assert error_of(ei.value)["status"] == "FAILED_PRECONDITION"
    fresh = esvc.people().get(resourceName=p["resourceName"], personFields="biographies").execute()
    assert fresh["biographies"][0]["value"] == "edited on a phone"
    esvc.people().updateContact(
        resourceName=p["resourceName"],
        updatePersonFields="names",
        body={"etag": fresh["etag"], "names": [{"givenName": "mine"}]},
    ).execute()


def _http(url, data=None):
    req = urllib.request.Request(
        url,
        data=None if data is None else json.dumps(data).encode(),
        method="GET" if data is None else "POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_admin_http_surface(emu, emu_server, esvc):
    (p,) = make_people(esvc, 1)
    base = emu_server.url + "_emulator/"
    assert _http(base + "health") == {"ok": True}
    assert _http(base + "counters")["people.batchCreateContacts"] == 1
    assert _http(base + "reset-counters", {}) == {}
    assert _http(base + "counters") == {}
    assert _http(base + "settings", {"latency_ms": 1, "quotas": {"write": 5}})["latency_ms"] == 1
    assert emu.settings.quotas == {"write": 5}
    out = _http(base + "device-edit", {"resourceName": p["resourceName"], "biographyAppend": "hi"})
    assert out["etag"] != p["etag"]
    got = esvc.people().get(resourceName=p["resourceName"], personFields="biographies").execute()
    assert got["biographies"][0]["value"] == "hi"


def test_data_persists_across_instances(tmp_path):
    db = str(tmp_path / "local.sqlite")
    first = Emulator(db)
    svc = build_service(first)
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "Kept"}}).execute()
    p = (
        svc.people()
        .createContact(
            body={
                "names": [{"givenName": "Kept"}],
                "memberships": [
                    {"contactGroupMembership": {"contactGroupResourceName": grp["resourceName"]}}
                ],
            }
        )
        .execute()
    )
    first.close()
    second = Emulator(db)
    svc2 = build_service(second)
    got = svc2.people().get(resourceName=p["resourceName"], personFields="names").execute()
    assert got["etag"] == p["etag"] and got["names"][0]["givenName"] == "Kept"
    assert svc2.contactGroups().get(resourceName=grp["resourceName"]).execute()["memberCount"] == 1
    new = svc2.people().createContact(body={"names": [{"givenName": "Later"}]}).execute()
    listed = (
        svc2.people().connections().list(resourceName="people/me", personFields="names").execute()
    )
    assert [c["resourceName"] for c in listed["connections"]] == [
        p["resourceName"],
        new["resourceName"],
    ]
    second.close()


def test_module_server_starts_answers_and_stops_on_sigterm(tmp_path):
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contacts_crm.emulator",
            "--port",
            "0",
            "--db",
            str(tmp_path / "e.sqlite"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert _http(url + "_emulator/health") == {"ok": True}
        svc = build_service(url)
        svc.people().createContact(body={"names": [{"givenName": "x"}]}).execute()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_number_or_invalid_utf8_where_text_belongs_is_a_400_like_google():
    emu = Emulator()
    svc = build_service(emu)
    for names in ([{"givenName": 5}], [{"givenName": "Iv\udcffan"}]):
        with pytest.raises(HttpError) as info:
            svc.people().createContact(body={"names": names}).execute()
        assert info.value.resp.status == 400
    assert (
        svc.people()
        .connections()
        .list(resourceName="people/me", personFields="names")
        .execute()
        .get("connections")
        is None
    )
    emu.close()
