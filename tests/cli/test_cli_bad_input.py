"""Bad input never ends in "unexpected internal error": each case is one clear
error line with a documented exit code (README "Exit codes"), or a usage error."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from contacts_crm.cli.main import _crash_log, main

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # root ignores permission bits


@pytest.fixture
def crm(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


def refused(result: tuple[int, str, str], code: int, *words: str) -> None:
    """Exit ``code``, one 'Error:' line naming ``words``, no traceback, no crash."""
    got, out, err = result
    assert got == code, (got, err)
    assert "Traceback" not in err + out and "internal error" not in err + out
    assert sum(1 for line in err.splitlines() if line.startswith("Error:")) == 1, err
    for word in words:
        assert word in err, err


@pytest.fixture
def client(crm):
    assert crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")[0] == 0
    return crm


# ------------------------------------------------------------------ export paths
def test_export_to_an_empty_name_is_usage(client):
    refused(client("export", ""), 2, "file name is empty")


def test_export_to_a_10000_character_name(client, tmp_path):
    refused(client("export", str(tmp_path / ("a" * 10_000 + ".csv"))), 73, "too long")


def test_export_into_a_missing_directory(client, tmp_path):
    target = tmp_path / "missing" / "x.xlsx"
    refused(client("export", str(target)), 73, "does not exist", str(tmp_path / "missing"))
    assert not target.parent.exists()


def test_export_where_a_file_is_in_the_directory_s_place(client, tmp_path):
    (tmp_path / "file").write_text("x")
    refused(client("export", str(tmp_path / "file" / "x.csv")), 73, "does not exist")


@pytest.mark.skipif(AS_ROOT or os.name != "posix", reason="root may write anywhere")
def test_export_into_an_unwritable_directory(client, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    refused(client("export", str(locked / "x.csv")), 73, "no permission")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_export_into_a_directory_nothing_can_be_created_in(client):
    refused(client("export", "/proc/x.csv"), 73, "/proc/x.csv", "cannot write")


def test_export_with_an_unknown_extension_is_usage(client, tmp_path):
    refused(client("export", str(tmp_path / "x.txt")), 2, "'.txt'", "--format")
    assert client("export", str(tmp_path / "x.txt"), "--format", "csv")[0] == 0


def test_report_outputs_are_checked_before_any_work(client, tmp_path):
    refused(client("summary", "--format", "csv", "--output", ""), 2, "empty")
    refused(client("summary", "--format", "xlsx", "--output", str(tmp_path / "no" / "s.xlsx")),
            73, "does not exist")  # fmt: skip
    source = tmp_path / "c.csv"
    source.write_text("Name,Phone\nAnna,8 916 000-00-01\n", "utf-8")
    refused(client("import", str(source), "--report", str(tmp_path / "no" / "r.xlsx")),
            73, "does not exist")  # fmt: skip
    _code, out, _ = client("--json", "find", "Anna")
    assert json.loads(out) == []  # the import did not run


def test_restore_and_import_of_an_empty_name_are_usage(client):
    refused(client("restore", ""), 2, "empty")
    refused(client("import", ""), 2, "empty")


# ----------------------------------------------------------------- numbers
@pytest.mark.parametrize("limit", ["99999999999999999999", "-1", "0"])
def test_find_limit_out_of_range_is_usage(client, limit):
    refused(client("find", "--limit", limit, "Ivan"), 2, "--limit")


def test_a_date_past_the_calendar_is_usage(client):
    refused(client("summary", "--as-of", "9999-12-31"), 2, "--as-of", "2999")
    refused(client("call", "Petrov", "hi", "--by", "O", "--at", "0900-01-01"), 2, "--at")


def test_an_overlong_import_id_is_not_found(client):
    refused(client("import", "undo", "x" * 5000), 66, "crm import list")


# ------------------------------------------------------------ text values
def test_a_name_with_invalid_utf8_is_usage(client):
    refused(client("add", "Ivan \udcff Petrov"), 2, "not valid UTF-8")


def test_invalid_utf8_bytes_from_a_real_shell(tmp_path):
    env = {**os.environ, "CRM_HOME": str(tmp_path / "home")}
    env.pop("CRM_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "contacts_crm", "add", b"Ivan \xff Petrov"],
        capture_output=True, env=env, timeout=60,
    )  # fmt: skip
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "not valid UTF-8" in err and "Traceback" not in err


def test_an_empty_phone_is_refused(client):
    refused(client("add", "X", "--phone", ""), 65, "empty phone")


def test_an_unknown_region_on_import_is_usage(client, tmp_path):
    source = tmp_path / "c.csv"
    source.write_text("Name,Phone\nAnna,8 916 000-00-01\n", "utf-8")
    refused(client("import", str(source), "--region", "ZZ"), 2, "'ZZ' is not a phone region")
    refused(client("import", str(source), "--region", ""), 2, "phone region")


def test_an_empty_profile_name_is_usage(client):
    refused(client("--profile", "", "find", "Ivan"), 2, "--profile")


def test_a_name_that_cannot_sign_a_card_line(client):
    refused(client("config", "set", "user", "Olga\nIvan"), 78, "user")
    refused(client("call", "Petrov", "hi", "--by", "Olga (boss)"), 2, "cannot sign")


# ------------------------------------------------------------ key files
@pytest.mark.parametrize(
    ("option", "content", "word"),
    [
        ("--client-secrets", "{nope", "not JSON"),
        ("--client-secrets", '{"installed": {}}', "client_id"),
        ("--client-secrets", "[1, 2]", "client_id"),
        ("--service-account", '{"type": "authorized_user"}', "client_email"),
    ],
)
def test_a_bad_google_key_file_is_refused_and_nothing_saved(crm, tmp_path, option, content, word):
    key = tmp_path / "bad.json"
    key.write_text(content)
    refused(crm("profile", "add", "office", "--google", option, str(key)), 78, word, str(key))
    _, out, _ = crm("--json", "profile", "list")
    assert "office" not in {p["name"] for p in json.loads(out)}


def test_a_good_client_file_is_accepted(crm, tmp_path):
    key = tmp_path / "client.json"
    key.write_text(json.dumps({"installed": {
        "client_id": "x.apps.googleusercontent.com", "client_secret": "s",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token"}}))  # fmt: skip
    assert crm("profile", "add", "office", "--google", "--client-secrets", str(key))[0] == 0


def test_key_files_go_with_google(crm, tmp_path):
    key = tmp_path / "client.json"
    key.write_text("{}")
    refused(crm("profile", "add", "lab", "--client-secrets", str(key)), 2, "--google")


# ------------------------------------------------------- the home and config
def test_config_toml_that_is_a_directory(crm, isolated_home):
    (isolated_home / "config.toml").mkdir()
    refused(crm("find", "x"), 78, "is a directory")


@pytest.mark.skipif(AS_ROOT or os.name != "posix", reason="root reads any file")
def test_config_toml_that_cannot_be_read(crm, isolated_home):
    path = isolated_home / "config.toml"
    path.write_text("default_profile = 'local'\n")
    path.chmod(0)
    refused(crm("find", "x"), 78, "cannot read the configuration")


def test_crm_home_under_a_file(crm, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "file" / "home"))
    refused(crm("find", "x"), 78, "CRM_HOME")
    refused(crm("config", "set", "user", "Olga"), 78, "CRM_HOME")


@pytest.mark.skipif(AS_ROOT or os.name != "posix", reason="root may write anywhere")
def test_crm_home_not_writable(crm, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir(mode=0o500)
    monkeypatch.setenv("CRM_HOME", str(home))
    refused(crm("find", "x"), 78, "CRM_HOME")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("journal.sqlite", ("journal.damaged-", "history")),
        ("local-account.sqlite", ("move it away",)),
    ],
)
def test_a_damaged_database_file_is_a_clear_error(client, isolated_home, name, words):
    db = isolated_home / "profiles" / "local" / name
    for extra in db.parent.glob(name + "-*"):
        extra.unlink()
    db.write_bytes(b"not a database " * 100)
    refused(client("call", "Petrov", "hi", "--by", "Olga"), 74, name, *words)


def test_a_damaged_cache_file_is_rebuilt_and_the_command_runs(client, isolated_home):
    db = isolated_home / "profiles" / "local" / "cache.sqlite"
    for extra in db.parent.glob("cache.sqlite-*"):
        extra.unlink()
    db.write_bytes(b"not a database " * 100)
    code, _out, err = client("call", "Petrov", "hi", "--by", "Olga")
    assert code == 0 and "internal error" not in err
    assert "rebuilt it from the account (1 contacts)" in err


# ----------------------------------------------------------------- crash.log
def test_the_crash_log_is_private_and_carries_no_client_data(isolated_home):
    client_file = "".join(["Ivan Pet", "rov +7916", "1234567.xlsx"])  # not on a traceback line
    client_name = client_file[:11]
    try:
        try:
            open(isolated_home / client_file, "rb")  # noqa: SIM115
        except FileNotFoundError as exc:
            raise KeyError(client_name) from exc
    except KeyError as exc:
        where = _crash_log(exc, "export")
    path = Path(where)
    assert path == isolated_home / "logs" / "crash.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text("utf-8")
    assert "Traceback" in text and "KeyError" in text and "FileNotFoundError" in text
    assert "crm 0" in text and " export" in text
    assert "Petrov" not in text and "7916" not in text


# ------------------------------------------------------------ files given
@pytest.mark.parametrize(
    ("doc", "word"),
    [
        ({"persons": 5}, "'groups' must be a list"),
        ({"groups": [1], "persons": []}, "groups entry 1 is not an object"),
        ({"groups": [{"name": "x"}], "persons": []}, "groups entry 1"),
        ({"groups": [], "persons": [{"names": "x"}]}, "persons entry 1: names"),
        ({"groups": [], "persons": [{"memberships": [{"contactGroupMembership": "x"}]}]},
         "persons entry 1: memberships"),
    ],
)  # fmt: skip
def test_a_damaged_backup_is_refused_before_anything_is_restored(crm, tmp_path, doc, word):
    path = tmp_path / "backup.json"
    path.write_text(json.dumps({"format": "contacts-crm-backup", **doc}))
    refused(crm("restore", str(path)), 65, "the backup is damaged", "nothing was restored")
    assert word in crm("restore", str(path))[2]
    _, out, _ = crm("--json", "status")
    assert json.loads(out)["cachedContacts"] == 0


def test_a_backup_with_a_number_for_a_name_is_the_api_s_400_not_a_crash(crm, tmp_path):
    path = tmp_path / "backup.json"
    person = {"names": [{"givenName": 5}]}
    path.write_text(
        json.dumps({"format": "contacts-crm-backup", "groups": [], "persons": [person]})
    )
    refused(crm("restore", str(path)), 70, "TYPE_STRING")


def test_sheet_option_on_a_csv_says_it_has_no_sheets(crm, tmp_path):
    source = tmp_path / "c.csv"
    source.write_text("Name,Phone\nAnna,8 916 000-00-01\n", "utf-8")
    refused(crm("import", str(source), "--sheet", "2", "--dry-run"), 65, "file has no sheets")


@pytest.mark.parametrize(
    ("rel", "data", "args"),
    [
        ("stages.toml", b"\xff\xfe\x00", ["order", "open", "Petrov", "tiles", "--by", "Olga"]),
        ("import/columns.toml", b"[[x", ["import", "{csv}", "--dry-run"]),
        ("import/columns.toml", b"fields = 5", ["import", "{csv}", "--dry-run"]),
        (
            "import/columns.toml",
            b'[fields.phone]\npatterns = ["(("]',
            ["import", "{csv}", "--dry-run"],
        ),
    ],
)
def test_an_office_template_that_cannot_be_used_is_a_config_error(
    client, isolated_home, tmp_path, rel, data, args
):
    source = tmp_path / "c.csv"
    source.write_text("Name,Phone\nAnna,8 916 000-00-01\n", "utf-8")
    path = isolated_home / "templates" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    refused(client(*[a.replace("{csv}", str(source)) for a in args]), 78, rel.split("/")[-1])


def test_a_terminal_that_cannot_show_cyrillic_gets_question_marks_not_a_crash(tmp_path):
    env = {**os.environ, "CRM_HOME": str(tmp_path / "home"), "COLUMNS": "120"}
    env.pop("CRM_DEBUG", None)

    def run(*args: str, encoding: str = "utf-8") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "contacts_crm", *args],
            capture_output=True,
            env={**env, "PYTHONIOENCODING": encoding},
            timeout=60,
        )

    assert run("add", "Иван Петров").returncode == 0
    result = run("find", "Иван", encoding="latin-1")
    assert result.returncode == 0, result.stderr
    assert b"????" in result.stdout and b"Traceback" not in result.stderr


def test_unforeseen_os_errors_map_to_documented_codes():
    from contacts_crm.cli.main import _storage_error

    disk = _storage_error(OSError(28, "No space left on device", "/data/cache.sqlite"))
    assert disk.exit_code == 74 and "/data/cache.sqlite: No space left" in disk.message
    assert _storage_error(ConnectionRefusedError(111, "Connection refused")).exit_code == 69
    assert _storage_error(TimeoutError("timed out")).exit_code == 69
