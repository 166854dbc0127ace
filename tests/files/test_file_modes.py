"""Privacy of what the tool writes: files under the home 0600, directories 0700,
exports and reports 0600 unless ``export_mode`` says otherwise (README "Files")."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.cli.main import main

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def crm(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    os.umask(0o022)  # the common default: anything not made private would show as 0644

    def run(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        assert exit_info.value.code in (0, None), (args, err)
        return out

    return run


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _session(crm, tmp_path: Path) -> dict[str, Path]:
    """A realistic day: add, call, order, import (with a report), exports, reports, sync."""
    crm("config", "set", "user", "Olga")
    crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--org", "Tiles Ltd")
    crm("call", "Petrov", "asks for a price list", "--outcome", "interested")
    crm("order", "open", "Petrov", "40 boxes", "--amount", "12500")
    source = tmp_path / "clients.csv"
    source.write_text("Name,Phone,Company\nAnna Smirnova,8 916 000-00-01,Shop\n", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    files = {
        "report": out / "plan.xlsx",
        "xlsx": out / "all.xlsx",
        "csv": out / "all.csv",
        "google": out / "google.csv",
        "vcard": out / "all.vcf",
        "json": out / "backup.json",
        "summary": out / "summary.xlsx",
        "callbacks": out / "callbacks.csv",
    }
    crm("import", str(source), "--report", str(files["report"]))
    crm("export", str(files["xlsx"]))
    crm("export", str(files["csv"]))
    crm("export", str(files["google"]), "--format", "google-csv")
    crm("export", str(files["vcard"]))
    crm("export", str(files["json"]))
    crm("summary", "--format", "xlsx", "--output", str(files["summary"]))
    crm("callbacks", "--format", "csv", "--output", str(files["callbacks"]))
    crm("sync")
    crm("summary")
    return files


def test_every_file_under_the_home_is_0600_and_every_directory_0700(crm, isolated_home, tmp_path):
    _session(crm, tmp_path)
    with Account.open() as account:  # while open, the -wal and -shm files exist too
        account.sync(full=True)
        _ = account.journal.path
        found = {p.relative_to(isolated_home).as_posix(): _mode(p)
                 for p in isolated_home.rglob("*")}  # fmt: skip
    for name in ("config.toml", "profiles", "profiles/local", "profiles/local/cache.sqlite",
                 "profiles/local/journal.sqlite", "profiles/local/local-account.sqlite",
                 "profiles/local/local-history.sqlite", "profiles/local/imports"):  # fmt: skip
        assert name in found, sorted(found)
    assert any(n.startswith("profiles/local/imports/imp-") for n in found)
    for name in ("cache.sqlite-wal", "cache.sqlite-shm", "local-account.sqlite-wal",
                 "journal.sqlite-wal"):  # fmt: skip
        assert f"profiles/local/{name}" in found, sorted(found)
    wrong = {
        name: oct(mode)
        for name, mode in found.items()
        if mode != (0o700 if (isolated_home / name).is_dir() else 0o600)
    }
    assert wrong == {}


def test_exports_and_reports_are_0600_by_default(crm, tmp_path):
    files = _session(crm, tmp_path)
    assert {name: oct(_mode(p)) for name, p in files.items()} == {name: "0o600" for name in files}


def test_export_mode_lets_the_user_share_exports(crm, tmp_path):
    crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")
    crm("config", "set", "export_mode", "640")
    crm("export", str(tmp_path / "shared.xlsx"))
    crm("callbacks", "--format", "csv", "--output", str(tmp_path / "c.csv"))
    assert _mode(tmp_path / "shared.xlsx") == 0o640
    assert _mode(tmp_path / "c.csv") == 0o640


def test_an_existing_export_is_overwritten_with_the_private_mode(crm, tmp_path):
    target = tmp_path / "old.csv"
    target.write_text("old")
    target.chmod(0o644)
    crm("add", "Ivan Petrov")
    crm("export", str(target), "--force")  # replacing a file is asked for (issue 25)
    assert _mode(target) == 0o600 and "Ivan" in target.read_text("utf-8-sig")


@pytest.mark.parametrize("value", ["777", "644x", "400", "755", ""])
def test_export_mode_is_validated(value):
    with pytest.raises(cfg.ConfigError):
        cfg.set_value(cfg.load(), "local", "export_mode", value)


def test_files_left_open_by_an_older_version_are_tightened(crm, isolated_home):
    crm("add", "Ivan Petrov")
    local = isolated_home / "profiles" / "local"
    for path in (isolated_home / "profiles", local, local / "imports"):
        path.mkdir(exist_ok=True)
        path.chmod(0o755)
    for path in local.glob("*.sqlite*"):
        path.chmod(0o644)
    crm("find", "Ivan")
    crm("journal", "Ivan")
    assert _mode(isolated_home / "profiles") == 0o700 and _mode(local) == 0o700
    assert {p.name: oct(_mode(p)) for p in local.glob("*.sqlite")} == {
        "cache.sqlite": "0o600", "journal.sqlite": "0o600", "local-account.sqlite": "0o600",
        "local-history.sqlite": "0o600",  # the journal's copy in the local account
    }  # fmt: skip


def test_sqlite_gives_wal_and_shm_the_database_file_mode(tmp_path):
    os.umask(0o022)
    db = tmp_path / "x.sqlite"
    conn = cfg.connect_db(db)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    extra = [db.with_name(db.name + s) for s in ("-wal", "-shm")]
    assert all(p.exists() for p in extra)
    assert [_mode(p) for p in (db, *extra)] == [0o600, 0o600, 0o600]
    conn.close()
    assert stat.S_IMODE(os.umask(0o022)) == 0o022  # the process's umask is given back


_OTHER_PROCESS = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT * FROM t'); c.close()"
)


def _other_process_reads_and_closes(db: Path) -> None:
    subprocess.run([sys.executable, "-c", _OTHER_PROCESS, str(db)], check=True)


def test_a_database_opened_again_keeps_its_wal_beside_another_process(tmp_path):
    """The server opens the cache again for each reader thread while another connection
    is live; a crm command beside it then opens and closes the file. Closing any
    descriptor of the file would drop the server's locks, and the command's close
    would then delete the WAL under the server ("disk I/O error" on every page)."""
    db = tmp_path / "x.sqlite"
    live = cfg.connect_db(db)
    live.execute("CREATE TABLE t (x)")
    live.execute("INSERT INTO t VALUES (1)")
    wal = db.with_name(db.name + "-wal")
    again = cfg.connect_db(db)  # the next reader thread's connection: no plain open()
    _other_process_reads_and_closes(db)
    assert wal.exists()  # the other process saw the live connection: it left the WAL
    assert live.execute("SELECT COUNT(*) FROM t").fetchone() == (1,)
    # the hazard the test guards against: a plain open and close of the file
    os.close(os.open(db, os.O_RDONLY))
    _other_process_reads_and_closes(db)
    assert not wal.exists()
    again.close()
    live.close()


def test_the_directory_crm_home_names_is_left_as_the_user_made_it(crm, tmp_path, monkeypatch):
    home = tmp_path / "shared-home"
    home.mkdir()
    home.chmod(0o750)
    monkeypatch.setenv("CRM_HOME", str(home))
    crm("config", "set", "user", "Olga")
    crm("add", "Ivan Petrov")
    assert _mode(home) == 0o750  # the user's choice; everything inside is private
    assert _mode(home / "config.toml") == 0o600 and _mode(home / "profiles") == 0o700
