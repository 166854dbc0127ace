"""The sync guard: a sync that would remove too much of the local copy stops (exit 75).

Contacts are deleted "elsewhere": straight through the People API (a
googleapiclient service on the emulator), not through our client, so the
next sync is the first the tool hears of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.errors import ConflictError

TOTAL = 2000


def _create(service: Any, n: int) -> list[str]:
    names: list[str] = []
    for start in range(0, n, 200):
        body = {
            "contacts": [
                {"contactPerson": {"names": [{"givenName": f"Client{i:05d}"}],
                                   "phoneNumbers": [{"value": f"+7916{i:07d}"}]}}
                for i in range(start, min(n, start + 200))
            ],
            "readMask": "names",
        }  # fmt: skip
        answer = service.people().batchCreateContacts(body=body).execute()
        names += [c["person"]["resourceName"] for c in answer["createdPeople"]]
    return names


def _delete_elsewhere(service: Any, names: list[str]) -> None:
    for start in range(0, len(names), 500):
        body = {"resourceNames": names[start : start + 500]}
        service.people().batchDeleteContacts(body=body).execute()


@pytest.fixture
def office(people_service: Any, tmp_path: Path) -> tuple[Account, list[str]]:
    names = _create(people_service, TOTAL)
    account = Account.from_service(people_service, tmp_path / "data", sleep=lambda s: None)
    assert account.sync(full=True).contacts == TOTAL
    yield account, names
    account.close()


@pytest.mark.parametrize("deleted", [1999, 1990, 1800, 401])
@pytest.mark.parametrize("full", [False, True])
def test_a_sync_removing_too_much_stops_and_names_the_count(office, people_service, deleted, full):
    account, names = office
    _delete_elsewhere(people_service, names[:deleted])
    with pytest.raises(ConflictError) as info:
        account.sync(full=full)
    assert f"remove {deleted:,} of the {TOTAL:,} contacts" in info.value.message
    assert info.value.exit_code == 75
    assert "--force" in (info.value.hint or "")
    assert account.cache.count() == TOTAL  # nothing was changed
    # still refused on the next try; --force applies it
    with pytest.raises(ConflictError):
        account.sync(full=full)
    report = account.sync(full=full, force=True)
    assert report.contacts == TOTAL - deleted == account.cache.count()


@pytest.mark.parametrize("deleted", [49, 400])
def test_a_sync_within_the_guard_goes_through(office, people_service, deleted):
    """Below 50 contacts, or not more than 20 %: an office deleting old clients."""
    account, names = office
    _delete_elsewhere(people_service, names[:deleted])
    report = account.sync()
    assert report.deleted == deleted and account.cache.count() == TOTAL - deleted


def test_the_guard_is_configurable(people_service, tmp_path):
    names = _create(people_service, 300)
    strict = cfg.Profile(name="strict", sync_guard_percent=5, sync_guard_min=10)
    account = Account.from_service(
        people_service, tmp_path / "data", profile=strict, sleep=lambda s: None
    )
    account.sync(full=True)
    _delete_elsewhere(people_service, names[:20])  # 6.7 % of 300, at least 10
    with pytest.raises(ConflictError, match="remove 20 of the 300"):
        account.sync()
    account.close()
    loose = cfg.Profile(name="loose", sync_guard_percent=100, sync_guard_min=10)
    account = Account.from_service(
        people_service, tmp_path / "data", profile=loose, sleep=lambda s: None
    )
    assert account.sync().contacts == 280
    account.close()


def test_an_emptied_small_account_is_still_refused(people_service, tmp_path):
    names = _create(people_service, 12)  # fewer than sync_guard_min, but all of them
    account = Account.from_service(people_service, tmp_path / "data", sleep=lambda s: None)
    account.sync(full=True)
    _delete_elsewhere(people_service, names)
    with pytest.raises(ConflictError, match="remove 12 of the 12"):
        account.sync()
    account.close()


@pytest.mark.parametrize(("key", "value"), [("sync_guard_percent", "101"), ("sync_guard_min", "0")])
def test_guard_settings_are_validated(key, value):
    conf = cfg.load()
    with pytest.raises(cfg.ConfigError):
        cfg.set_value(conf, "local", key, value)


def test_crm_sync_exits_75_naming_the_count_and_force_goes_through(
    emulator_server, people_service, capsys
):
    from contacts_crm.cli.main import main

    def crm(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    names = _create(people_service, 500)
    assert crm("profile", "add", "lab", "--endpoint", emulator_server.url)[0] == 0
    assert crm("-p", "lab", "sync")[0] == 0
    _delete_elsewhere(people_service, names[:450])
    code, _, err = crm("-p", "lab", "sync")
    assert code == 75
    assert "Error: this incremental sync would remove 450 of the 500 contacts" in err
    assert "crm sync --force" in err and "Traceback" not in err
    code, out, err = crm("--json", "-p", "lab", "sync", "--force")
    assert code == 0, err
    assert json.loads(out)["contacts"] == 50


def test_the_tool_s_own_deletions_do_not_trip_the_guard(tmp_path, capsys):
    """Undoing a 120-row import removes its contacts from the local copy at once."""
    from contacts_crm.cli.main import main

    def crm(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return int(exit_info.value.code or 0), out

    source = tmp_path / "clients.csv"
    rows = "".join(f"Client {i},8 916 {i:03d}-00-00\n" for i in range(120))
    source.write_text("Name,Phone\n" + rows, "utf-8")
    assert crm("add", "Old Client", "--phone", "8 495 123-45-67")[0] == 0
    code, out = crm("--json", "import", str(source))
    assert code == 0
    import_id = json.loads(out)["import_id"]
    assert crm("import", "undo", import_id)[0] == 0
    code, out = crm("--json", "sync")
    assert code == 0 and json.loads(out)["contacts"] == 1
