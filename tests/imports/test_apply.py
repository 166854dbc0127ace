"""Apply against the emulator over loopback HTTP: batches, kill + resume, re-run, undo."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from contacts_crm.account.connected import Account
from contacts_crm.contact.model import Contact
from contacts_crm.emulator import Emulator, EmulatorServer, build_service
from contacts_crm.emulator.settings import SEED_ENV
from contacts_crm.imports.plan import IMPORT_KEY
from contacts_crm.imports.run import ImportOptions, import_file, list_imports, undo

N = 450  # three batches: 200, 200, 50


class Killed(Exception):
    pass


def _workbook(path: Path, n: int = N) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Список клиентов"])
    ws.append(["ФИО", "Телефон", "Группа", "Примечание"])
    for i in range(n):
        ws.append(
            [
                f"Клиент{i} Тестовый",
                f"8 916 {i // 10000:03d} {i % 10000:04d}"[:20],
                "Опт" if i % 2 else "Розница",
                f"строка {i}",
            ]
        )
    wb.save(path)
    return path


def _all(emu_service) -> list[dict]:
    out, token = [], None
    while True:
        extra = {"pageToken": token} if token else {}
        page = (
            emu_service.people()
            .connections()
            .list(
                resourceName="people/me",
                personFields="names,clientData,phoneNumbers",
                pageSize=1000,
                **extra,
            )
            .execute()
        )
        out += page.get("connections", [])
        token = page.get("nextPageToken")
        if not token:
            return out


def _keys(persons: list[dict]) -> Counter:
    return Counter(
        cd["value"].rpartition(":")[2]
        for p in persons
        for cd in p.get("clientData", [])
        if cd["key"] == IMPORT_KEY
    )


@pytest.fixture
def account(people_service, tmp_path) -> Account:
    acc = Account.from_service(people_service, tmp_path / "data")
    yield acc
    acc.close()


def test_import_creates_in_batches_with_groups(account, people_service, tmp_path, emulator):
    path = _workbook(tmp_path / "c.xlsx")
    seen = []
    out = import_file(account, path, ImportOptions(region="RU"), progress=seen.append)
    assert out.summary()["created"] == N and seen == [200, 200, 50]
    assert account.client.calls["people.batchCreateContacts"] == 3
    assert "people.createContact" not in account.client.calls
    persons = _all(people_service)
    assert len(persons) == N and set(_keys(persons).values()) == {1}
    groups = {g["name"]: g for g in account.client.list_groups()}
    assert groups["Опт"]["memberCount"] == N // 2 and groups["Розница"]["memberCount"] == N // 2
    # a second full run writes nothing
    account.client.calls.clear()
    again = import_file(account, path, ImportOptions(region="RU"))
    assert again.plan.counts()["skip"] == N
    assert not [m for m in account.client.calls if "batch" in m or "create" in m]


@pytest.mark.parametrize("kill_after", [1, 2])
def test_killed_between_batches_then_resumed(account, people_service, tmp_path, kill_after):
    path = _workbook(tmp_path / "c.xlsx")
    done = []

    def progress(n: int) -> None:
        done.append(n)
        if len(done) == kill_after:
            raise Killed

    with pytest.raises(Killed):
        import_file(account, path, ImportOptions(region="RU"), progress=progress)
    assert len(_all(people_service)) == 200 * kill_after
    out = import_file(account, path, ImportOptions(region="RU"))
    assert out.resumed
    persons = _all(people_service)
    assert len(persons) == N and set(_keys(persons).values()) == {1}
    assert [s.status for s in list_imports(account)] == ["done"]


CHILD = """
import sys
from pathlib import Path
from contacts_crm.account.connected import Account
from contacts_crm.emulator import build_service
from contacts_crm.imports.run import ImportOptions, import_file
url, data, path, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
acc = Account.from_service(build_service(url, timeout=timeout), Path(data),
                           request_timeout=timeout)
print("ready", flush=True)
import_file(acc, path, ImportOptions(region="RU"))
print("done", flush=True)
"""


def _child(url: str, data: Path, path: Path, timeout: float = 60.0) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(data), str(path), str(timeout)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def test_killed_after_the_server_received_the_batch_then_resumed_at_once(tmp_path):
    """Issue 9's kill window: SIGKILL while the server holds batch 1, resume at once.

    The orphaned request commits while the resumed run waits out its timeout;
    the resumed run then finds those 200 and sends only the rest.
    """
    emu = Emulator()
    path = _workbook(tmp_path / "c.xlsx")
    data = tmp_path / "data"
    with EmulatorServer(emu) as server:
        hold = emu.hold("people.batchCreateContacts")
        child = _child(server.url, data, path)
        assert hold.received.wait(60)  # received, not yet committed
        child.kill()
        child.wait()
        waited: list[float] = []

        def sleep(seconds: float) -> None:  # the resumed run waits: the server finishes
            waited.append(seconds)
            if not hold.finished.is_set():
                hold.release()
                assert hold.finished.wait(30)

        service = build_service(server.url)
        acc = Account.from_service(service, data, sleep=sleep)
        out = import_file(acc, path, ImportOptions(region="RU"))
        assert out.resumed and hold.finished.is_set()
        assert waited and 0 < waited[0] <= 60  # the killed run's request could run 60 s
        persons = _all(service)
        assert len(persons) == N and set(_keys(persons).values()) == {1}
        assert emu.counters["people.batchCreateContacts"] == 3  # 200 held + 200 + 50
        assert out.summary()["duplicates"] == 0
        acc.close()
    emu.close()


def test_killed_process_at_random_points(tmp_path):
    """A child process imports over HTTP and is SIGKILLed at seeded random points; then finish.

    Each point is a batch of the import held inside the emulator ("received, not
    yet committed"): the k-th batch of what is left, drawn from the seed, and the
    server then commits it or fails it (a server that died too). Whatever the
    point, the result must be exact. No outcome depends on timing: the test holds
    the server where it kills, and waits for it to be idle before going on.
    """
    rng = random.Random(int(os.environ.get(SEED_ENV, "0")))
    emu = Emulator()
    path = _workbook(tmp_path / "c.xlsx")
    data = tmp_path / "data"
    method = "people.batchCreateContacts"
    with EmulatorServer(emu) as server:
        service = build_service(server.url)
        for _ in range(3):
            left = -(-(N - len(_all(service))) // 200)  # batches still to send
            if not left:
                break
            k, commit = rng.randint(1, left), rng.random() < 0.5
            hold = emu.hold(method)  # before the child starts: its first batch is held
            child = _child(server.url, data, path, timeout=2.0)
            for i in range(1, k + 1):
                assert hold.received.wait(60), f"batch {i} of {k} never arrived"
                if i == k:
                    child.kill()
                    child.wait()
                    hold.release(commit=commit)
                else:
                    held, hold = hold, emu.hold(method)  # the next one, before this goes on
                    held.release()
            assert emu.wait_idle(60)
        acc = Account.from_service(service, data, request_timeout=2.0)
        import_file(acc, path, ImportOptions(region="RU"))
        persons = _all(service)
        assert len(persons) == N and set(_keys(persons).values()) == {1}
        acc.client.calls.clear()
        import_file(acc, path, ImportOptions(region="RU"))
        assert not [m for m in acc.client.calls if "batch" in m or "create" in m]
        acc.close()
    emu.close()


def test_undo_removes_created_and_restores_updated(account, people_service, tmp_path):
    existing = account.client.create_many(
        [
            {
                "names": [{"givenName": "Иван", "familyName": "Петров"}],
                "phoneNumbers": [{"value": "+79161234567", "type": "mobile"}],
                "biographies": [{"value": "Order 1 · paid", "contentType": "TEXT_PLAIN"}],
            }
        ]
    )[0]
    account.sync(full=True)
    wb = openpyxl.Workbook()
    wb.active.append(["ФИО", "Телефон", "Email", "Примечание"])
    wb.active.append(["Петров Иван", "89161234567", "ivan@mail.ru", "VIP клиент"])
    wb.active.append(["Сидорова Анна", "89161234568", "", ""])
    wb.save(tmp_path / "u.xlsx")
    out = import_file(account, tmp_path / "u.xlsx", ImportOptions(on_duplicate="merge"))
    assert out.plan.counts() == {"create": 1, "update": 0, "merge": 1, "skip": 0, "reject": 0}
    merged = Contact.from_person(account.client.get(existing["resourceName"]))
    assert merged.notes == "Order 1 · paid\nVIP клиент"
    assert [e.value for e in merged.emails] == ["ivan@mail.ru"]
    undo(account, out.plan.import_id)
    persons = _all(people_service)
    assert [p["resourceName"] for p in persons] == [existing["resourceName"]]
    restored = Contact.from_person(account.client.get(existing["resourceName"]))
    assert restored.notes == "Order 1 · paid" and restored.emails == []
    kinds = [e.kind for e in account.journal.events()]
    assert kinds == ["import", "contact_deleted", "import-undo"]  # the removal is journaled


def test_dry_run_writes_nothing(account, emulator, tmp_path):
    path = _workbook(tmp_path / "c.xlsx", 10)
    out = import_file(
        account, path, ImportOptions(region="RU"), dry_run=True, report=tmp_path / "r.xlsx"
    )
    assert out.state is None and out.plan.counts()["create"] == 10
    assert not [m for m in account.client.calls if "create" in m.lower() or "batch" in m]
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Row", "Action", "Reason")
    assert [r[:2] for r in rows[1:]] == [(n, "create") for n in range(3, 13)]


def test_state_logs_survive_a_torn_line_and_keep_before_images_out_of_the_header(tmp_path):
    """A crash mid-append tears the last log line: the next entries are not lost with it."""
    import json as _json

    from contacts_crm.imports.apply import ImportState

    state = ImportState(id="imp-t", source="x.xlsx")
    state.save(tmp_path)
    state.note_created({"k1": "people/c1"}, tmp_path)
    log = ImportState.path(tmp_path, "imp-t").with_suffix(".created")
    with log.open("ab") as fh:
        fh.write(b'["k2", "peop')  # the crash
    state.note_created({"k3": "people/c3"}, tmp_path)
    state.note_before({"people/c9": {"names": [{"givenName": "Old"}]}}, tmp_path)
    state.note_before({"people/c9": {"names": [{"givenName": "Newer"}]}}, tmp_path)
    state.save(tmp_path)

    loaded = ImportState.load(tmp_path, "imp-t")
    assert loaded is not None
    assert loaded.created == {"k1": "people/c1", "k3": "people/c3"}
    assert loaded.before == {"people/c9": {"names": [{"givenName": "Old"}]}}
    header = _json.loads(ImportState.path(tmp_path, "imp-t").read_text())
    assert "before" not in header and "created" not in header


def test_after_images_stay_on_disk_and_the_next_sync_drops_the_imports_own_writes(
    account, people_service, tmp_path
):
    """Memory of an import of 25,000 rows: the after-images go to the .after log only
    (undo reads them from there), and the incremental sync of the re-import leaves out,
    page by page, the contacts the cache already holds as they are (the import's own
    writes), keeping only real changes."""
    path = _workbook(tmp_path / "c.xlsx")
    out = import_file(account, path, ImportOptions(region="RU"))
    assert out.state is not None and not hasattr(out.state, "after")
    images = out.state.after_images(account.data_dir)
    assert len(images) == N and set(images) == set(out.state.created.values())

    someone = next(iter(images))
    fresh = people_service.people().get(resourceName=someone, personFields="names").execute()
    people_service.people().updateContact(
        resourceName=someone, updatePersonFields="names",
        body={"etag": fresh["etag"], "names": [{"givenName": "Edited", "familyName": "Hand"}]},
    ).execute()  # fmt: skip
    listed = account.client.list_all(
        sync_token=account.cache.sync_token, keep=account.cache.differs
    )
    assert [p["resourceName"] for p in listed.persons] == [someone]
    assert listed.unchanged == N - 1
    report = account.sync()
    assert report.changed == 1 and account.cache.get(someone).given_name == "Edited"
    assert undo(account, out.plan.import_id).kept[0]["resourceName"] == someone  # worked on
