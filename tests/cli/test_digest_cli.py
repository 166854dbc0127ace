"""``crm digest`` on the command line: each person's digest, managers' figures equal
to ``crm --json summary`` / ``activity`` for yesterday, ``--send`` to a real SMTP
server on loopback, ``--status``, secrets never printed."""

from __future__ import annotations

import io
import json
import sys

import pytest
from channel_doubles import SmtpBox
from cli_helpers import run_crm

from contacts_crm import config as cfg
from contacts_crm.web.staff import Staff

PASSWORD = "very-secret-smtp-pw"


def ok(*args: str) -> str:
    result = run_crm(*args)
    assert result.code == 0, result
    return result.out


def users(**roles: str) -> None:
    staff = Staff(cfg.profile_dir("local"))
    for name, role in roles.items():
        staff.add_user(name, "2468")
        if hasattr(staff, "set_role"):
            staff.set_role(name, role)
        else:
            staff._data["users"][name]["role"] = role
            staff._save()


@pytest.fixture
def office_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Olga and Ivan worked on 2026-12-07; the digest is read on the 8th."""
    monkeypatch.setenv("CRM_NOW", "2026-12-07 10:00")
    ok("config", "set", "user", "Olga")
    ok("add", "Ivan Petrov", "--phone", "+7 916 123-45-67", "--group", "Wholesale")
    ok("add", "Anna Sidorova", "--phone", "+7 903 555-01-01", "--group", "Retail")
    ok("call", "Petrov", "busy, call tomorrow", "--callback-on", "2026-12-08")
    ok("config", "set", "user", "Ivan")
    ok("call", "Sidorova", "wants tiles", "--in", "--outcome", "interested")
    ok("order", "open", "Sidorova", "40 boxes", "--amount", "12500")
    ok("order", "close", "Sidorova", "1")
    users(Olga="staff", Ivan="manager", Boss="admin")
    monkeypatch.setenv("CRM_NOW", "2026-12-08 09:00")


def test_managers_figures_are_crm_summary_and_activity_of_yesterday(office_day: None) -> None:
    digest = json.loads(ok("--json", "digest"))
    assert digest["date"] == "2026-12-08"
    by = {d["person"]: d for d in digest["digests"]}
    assert [c["name"] for c in by["Olga"]["callbacks"]] == ["Ivan Petrov"]
    assert by["Olga"]["callbacks"][0]["reason"] == "callback_due"
    assert "yesterday" not in by["Olga"]
    summary = json.loads(ok("--json", "summary", "--since", "2026-12-07", "--until", "2026-12-07"))
    activity = json.loads(ok("--json", "activity", "--since", "2026-12-07", "--until",
                             "2026-12-07"))  # fmt: skip
    for who in ("Ivan", "Boss"):
        assert by[who]["yesterday"]["summary"] == summary
        assert by[who]["yesterday"]["activity"] == activity
    assert summary["total"]["completed"] == 1 and activity["total"]["calls"] == 2
    text = ok("digest", "--who", "ivan")
    assert "Digest for Ivan, 2026-12-08" in text and "Yesterday, 2026-12-07" in text
    assert "orders opened 1, completed 1 (12 500)" in text
    assert "Digest for Olga" not in text


def test_the_digest_speaks_the_office_language(office_day: None) -> None:
    ok("config", "set", "language", "ru")
    text = ok("digest", "--who", "Olga", "--date", "2026-12-08")
    assert "Сводка для Olga, 2026-12-08" in text and "Перезвонить (1)" in text


def test_send_by_email_once_then_status(office_day: None) -> None:
    box = SmtpBox(password=PASSWORD).start()
    try:
        refused = run_crm("digest", "--send")
        assert refused.code == 78 and "neither e-mail nor Telegram" in refused.err
        for key, value in (
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", str(box.port)),
            ("smtp_security", "none"),
            ("smtp_user", "crm@office.example"),
        ):
            ok("config", "set", key, value)  # fmt: skip
        secret = run_crm("digest", "secret", "smtp_password")  # no terminal here
        assert secret.code == 2 and "--stdin" in secret.err
        sys_stdin = sys.stdin
        sys.stdin = io.StringIO(PASSWORD + "\n")
        try:
            ok("digest", "secret", "smtp_password", "--stdin")
        finally:
            sys.stdin = sys_stdin
        ok("digest", "address", "Olga", "--email", "olga@office.example")
        ok("digest", "address", "Ivan", "--email", "ivan@office.example")
        sent = json.loads(ok("--json", "digest", "--send"))
        assert sorted((s["person"], s["state"]) for s in sent) == [
            ("Ivan", "sent"), ("Olga", "sent")]  # fmt: skip
        assert box.logins == ["crm@office.example"] * 2
        again = json.loads(ok("--json", "digest", "--send"))
        assert {s["state"] for s in again} == {"already"} and len(box.messages) == 2
        status = json.loads(ok("--json", "digest", "--status"))
        assert {(r["person"], r["channel"], r["state"]) for r in status} == {
            ("Olga", "email", "sent"), ("Ivan", "email", "sent")}  # fmt: skip
        shown = ok("config", "show") + ok("digest", "--status") + ok("--json", "digest")
        assert PASSWORD not in shown
        home = cfg.profile_dir("local")
        assert oct((home / "digest-secrets.json").stat().st_mode & 0o777) == "0o600"
        box.refuse = "554 5.7.1 rejected"
        ok("digest", "address", "Boss", "--email", "boss@office.example")
        failed = run_crm("digest", "--send")
        assert failed.code == 75 and "1 message(s) not delivered" in failed.err
        assert "554" in failed.out and "failed, will retry" in failed.out
        status = json.loads(ok("--json", "digest", "--status"))
        [boss] = [r for r in status if r["person"] == "Boss"]
        assert boss["state"] == "failed" and boss["attempts"] == 1 and boss["nextAt"]
        assert len(box.messages) == 2
    finally:
        box.stop()
