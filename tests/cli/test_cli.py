"""The ``crm`` command in an isolated home with no configuration at all.

Most commands run in-process through ``contacts_crm.cli.main.main`` (the real
entry point: error mapping, exit codes); a few run as ``python -m
contacts_crm`` in a subprocess to check what a user really sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import run_crm

from contacts_crm import __version__

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def crm(monkeypatch):
    """The shared in-process runner (cli_helpers.run_crm): (exit code, stdout, stderr)."""
    monkeypatch.setenv("COLUMNS", "200")  # tables on one line each
    return run_crm


def crm_subprocess(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRM_HOME": str(home), "COLUMNS": "200"}
    env.pop("CRM_DEBUG", None)
    env.pop("CRM_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-m", "contacts_crm", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def assert_clean_error(err: str, *, hint: bool = True) -> None:
    """One 'Error: ...' line, a 'Hint: ...' line, and never a traceback."""
    assert "Traceback" not in err
    assert sum(1 for line in err.splitlines() if line.startswith("Error: ")) == 1, err
    if hint:
        assert any(line.startswith("Hint: ") for line in err.splitlines()), err


def test_no_config_add_then_find_by_three_spellings_as_json(crm, isolated_home):
    assert not (isolated_home / "config.toml").exists()
    code, out, err = crm("add", "Ivan Petrov", "--phone", "8 (916) 123-45-67", "--org", "Tiles")
    assert code == 0, err
    assert "+79161234567" in out
    # the local account is the embedded emulator in a SQLite file under CRM_HOME
    assert (isolated_home / "profiles" / "local" / "local-account.sqlite").is_file()
    for spelling in ("8 (916) 123-45-67", "+7 916 1234567", "9161234567"):
        code, out, err = crm("--json", "find", spelling)
        assert code == 0, err
        found = json.loads(out)
        assert [c["name"] for c in found] == ["Ivan Petrov"], spelling
        assert found[0]["phones"] == ["+79161234567"]
        assert found[0]["organization"] == "Tiles"
    # --json after the subcommand works too
    code, out, _ = crm("find", "9161234567", "--json")
    assert code == 0 and json.loads(out)[0]["phones"] == ["+79161234567"]
    # human output: a table with the number in a readable international form
    code, out, _ = crm("find", "petrov")
    assert code == 0 and "Ivan Petrov" in out and "+7 916 123-45-67" in out
    assert not (isolated_home / "config.toml").exists()  # nothing had to be configured


def test_add_with_email_group_and_note_is_found_by_email(crm):
    assert crm("group", "create", "Wholesale")[0] == 0
    code, out, err = crm(
        "--json",
        "add",
        "Anna",
        "--phone",
        "+90 532 123 45 67",
        "--email",
        "Anna@Example.com",
        "--group",
        "Wholesale",
        "--note",
        "calls after 14:00",
    )
    assert code == 0, err
    added = json.loads(out)
    assert added["phones"] == ["+905321234567"]
    assert added["emails"] == ["anna@example.com"]
    assert added["groups"] == ["Wholesale"]
    assert added["notes"] == "calls after 14:00"
    code, out, _ = crm("--json", "find", "ANNA@example.com")
    assert [c["resourceName"] for c in json.loads(out)] == [added["resourceName"]]


def test_group_lifecycle(crm):
    assert crm("add", "Ivan Petrov", "--phone", "89161234567")[0] == 0
    assert crm("add", "Oleg Sidorov", "--phone", "89031112233")[0] == 0
    code, out, err = crm("--json", "group", "create", "Wholesale")
    assert code == 0, err
    assert json.loads(out)["name"] == "Wholesale"

    code, out, err = crm("--json", "group", "add", "Wholesale", "+7 916 123 45 67", "Sidorov")
    assert code == 0, err
    assert len(json.loads(out)["changed"]) == 2

    def members() -> dict[str, int]:
        code, out, _ = crm("--json", "group", "list")
        assert code == 0
        return {g["name"]: g["members"] for g in json.loads(out)}

    assert members()["Wholesale"] == 2
    code, out, _ = crm("--json", "find", "Petrov")
    assert json.loads(out)[0]["groups"] == ["Wholesale"]

    assert crm("group", "remove", "Wholesale", "Petrov")[0] == 0
    assert members()["Wholesale"] == 1
    code, out, _ = crm("--json", "find", "Petrov")
    assert json.loads(out)[0]["groups"] == []

    code, out, err = crm("group", "rename", "Wholesale", "Big clients")
    assert code == 0, err
    assert "Big clients" in members() and "Wholesale" not in members()
    code, out, _ = crm("--json", "find", "Sidorov")
    assert json.loads(out)[0]["groups"] == ["Big clients"]

    code, out, err = crm("group", "delete", "Big clients", "--yes")
    assert code == 0, err
    assert "Big clients" not in members()
    code, out, _ = crm("--json", "find", "Sidorov")
    assert json.loads(out)[0]["groups"] == []  # the contact stays, the label goes

    # the human table lists the system group too
    code, out, _ = crm("group", "list")
    assert code == 0 and "My Contacts" in out


def test_usage_errors_exit_2(crm):
    code, _, err = crm("no-such-command")
    assert code == 2
    assert "No such command" in err and "Traceback" not in err
    code, _, err = crm("add")  # missing NAME
    assert code == 2 and "Missing argument" in err
    code, _, err = crm("find", "--limit", "many", "x")
    assert code == 2 and "Traceback" not in err


def test_bad_phone_exits_65_with_a_hint(crm):
    code, out, err = crm("add", "Ivan", "--phone", "123")
    assert code == 65
    assert_clean_error(err)
    assert "'123'" in err  # the problem names the value
    assert out == ""


def test_duplicate_phone_refused_with_hint(crm):
    assert crm("add", "Ivan Petrov", "--phone", "89161234567")[0] == 0
    code, _, err = crm("add", "Ivan Twin", "--phone", "+7 916 123-45-67")
    assert code == 65
    assert_clean_error(err)
    assert "--allow-duplicate" in err
    assert crm("add", "Ivan Twin", "--phone", "+79161234567", "--allow-duplicate")[0] == 0


def test_not_found_exits_66(crm):
    code, _, err = crm("group", "delete", "Nope", "--yes")
    assert code == 66
    assert_clean_error(err)
    code, _, err = crm("--json", "group", "add", "Nope", "Petrov")
    assert code == 66


def test_error_as_json_with_json_flag(crm):
    code, out, _ = crm("add", "Ivan", "--phone", "123", "--json")
    assert code == 65
    data = json.loads(out)
    assert data["exit_code"] == 65 and data["error"] == "InputError"
    assert data["problems"] and "hint" in data


def test_bad_config_file_exits_78_listing_every_problem(crm, isolated_home):
    path = isolated_home / "config.toml"
    path.write_text('[profiles.a]\nkind = "x"\nregion = "ZZ"\n', encoding="utf-8")
    code, _, err = crm("status")
    assert code == 78
    assert_clean_error(err)
    assert str(path) in err and "kind" in err and "region" in err


def test_wrong_shape_config_file_is_a_config_error_not_a_crash(crm, isolated_home):
    path = isolated_home / "config.toml"
    for text in ("profiles = 3\n", "[profiles]\na = 1\n", "[profiles.a]\nendpoint = 5\n"):
        path.write_text(text, encoding="utf-8")
        code, _, err = crm("status")
        assert code == 78, (text, err)
        assert_clean_error(err)
        assert not (isolated_home / "crash.log").exists()


def test_subprocess_errors_are_one_clear_line_without_traceback(tmp_path):
    home = tmp_path / "home"
    bad_phone = crm_subprocess("add", "Ivan", "--phone", "12", home=home)
    assert bad_phone.returncode == 65
    assert_clean_error(bad_phone.stderr)

    (home / "config.toml").write_text("not = [valid toml", encoding="utf-8")
    bad_config = crm_subprocess("find", "x", home=home)
    assert bad_config.returncode == 78
    assert_clean_error(bad_config.stderr)
    assert "config.toml" in bad_config.stderr

    usage = crm_subprocess("--no-such-option", home=home)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr

    version = crm_subprocess("--version", home=home)
    assert version.returncode == 0
    assert version.stdout.strip() == f"crm, version {__version__}"


def test_version_in_process(crm):
    code, out, _ = crm("--version")
    assert code == 0 and __version__ in out


def test_profile_lab_talks_to_an_emulator_server(crm, emulator, emulator_server):
    code, out, err = crm(
        "profile", "add", "lab", "--endpoint", emulator_server.url, "--user", "Olga"
    )
    assert code == 0, err
    emulator.reset_counters()
    code, out, err = crm("--profile", "lab", "add", "Lab Client", "--phone", "+44 20 7946 0958")
    assert code == 0, err
    assert emulator.counters["people.createContact"] == 1
    # the server holds it: a fresh full sync from the server brings it back
    code, out, err = crm("--json", "--profile", "lab", "sync", "--full")
    assert code == 0, err
    assert json.loads(out)["contacts"] == 1
    code, out, _ = crm("--json", "-p", "lab", "find", "020 7946 0958")
    assert [c["name"] for c in json.loads(out)] == ["Lab Client"]
    # the local account is untouched
    code, out, _ = crm("--json", "find", "Lab Client")
    assert json.loads(out) == []
    code, out, _ = crm("--json", "--profile", "lab", "status")
    status = json.loads(out)
    assert status["kind"] == "endpoint" and status["endpoint"] == emulator_server.url
    assert status["user"] == "Olga" and status["cachedContacts"] == 1
    code, out, _ = crm("--json", "profile", "list")
    assert {p["name"] for p in json.loads(out)} == {"local", "lab"}


def test_unknown_profile_exits_66_with_hint(crm):
    code, _, err = crm("--profile", "ghost", "status")
    assert code == 66
    assert_clean_error(err)
    assert "crm profile" in err


def test_status_and_sync(crm, isolated_home):
    code, out, err = crm("--json", "status")
    assert code == 0, err
    status = json.loads(out)
    assert status["profile"] == "local" and status["kind"] == "local"
    assert status["dataDir"] == str(isolated_home / "profiles" / "local")
    assert crm("add", "Ivan Petrov", "--phone", "89161234567")[0] == 0

    code, out, err = crm("--json", "sync")
    assert code == 0, err
    report = json.loads(out)
    assert report["full"] is False and report["contacts"] == 1 and report["changed"] == 0

    code, out, err = crm("--json", "sync", "--full")
    assert code == 0, err
    report = json.loads(out)
    assert report["full"] is True and report["contacts"] == 1

    code, out, _ = crm("sync")
    assert code == 0 and "incremental sync: 1 contacts" in out
    code, out, _ = crm("--json", "status")
    status = json.loads(out)
    assert status["cachedContacts"] == 1 and status["incrementalSync"] is True
    assert status["lastSync"]
    code, out, _ = crm("status")
    assert code == 0 and "crm config set user" in out  # the tip when no user is set


def test_a_damaged_local_account_file_is_a_clear_error_not_a_crash(tmp_path):
    home = tmp_path / "home"
    assert crm_subprocess("add", "Ivan", "--phone", "89161234567", home=home).returncode == 0
    db = home / "profiles" / "local" / "local-account.sqlite"
    for extra in db.parent.glob("local-account.sqlite-*"):
        extra.unlink()
    db.write_bytes(b"this is not a database " * 200)
    result = crm_subprocess("sync", "--full", home=home)
    assert result.returncode == 74
    assert_clean_error(result.stderr)
    assert "internal error" not in result.stderr
    assert str(db) in result.stderr and "move it away" in result.stderr


def test_core_does_not_import_click():
    code = textwrap.dedent(
        """
        import sys
        import contacts_crm.account.connected, contacts_crm.usecases.contacts
        import contacts_crm.account.people
        import contacts_crm.account.cache, contacts_crm.card.grammar, contacts_crm.usecases.cards
        import contacts_crm.imports.run, contacts_crm.usecases.export, contacts_crm.reports.summary
        assert 'click' not in sys.modules, 'click was imported by the core'
        assert 'rich' not in sys.modules, 'rich was imported by the core'
        print('ok')
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
