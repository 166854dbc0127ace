"""The morning digest and the alerts: what each person gets, sent once by e-mail
(a real SMTP server on loopback) and Telegram (a loopback Bot API), retried when
it failed, never twice (the sent-record), secrets never in the output or the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from channel_doubles import SmtpBox, TelegramBox
from conftest import PINS, seed

from contacts_crm import config as cfg
from contacts_crm import dates
from contacts_crm.account.connected import Account
from contacts_crm.card.events import JournalEvent
from contacts_crm.emulator import Emulator, build_service
from contacts_crm.imports.run import ImportOptions, import_file
from contacts_crm.imports.run import undo as import_undo
from contacts_crm.notify.people import Recipients, Secrets
from contacts_crm.notify.record import SentRecord
from contacts_crm.usecases import cards as cards_uc
from contacts_crm.usecases import digest as digest_uc
from contacts_crm.usecases.calls import record_call_event
from contacts_crm.web.morning import Morning
from contacts_crm.web.office import Office

BOT_TOKEN = "123456:SECRET-bot-token-xyz"
SMTP_PASSWORD = "s3cret-smtp-Pa55"
MORNING = datetime.fromisoformat("2026-12-08T09:00:00+03:00")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


ROLES = {"Olga": "staff", "Ivan": "manager", "Anna": "admin"}


def set_roles(office: Office) -> None:
    """The roles (web/staff.py keeps them with each user)."""
    staff = office.staff
    for name, role in ROLES.items():
        if staff.user(name) is None:
            staff.add_user(name, PINS.get(name, "9999"))
        if hasattr(staff, "set_role"):
            staff.set_role(name, role)
        else:
            staff._data["users"][name]["role"] = role
            staff._save()


@pytest.fixture
def smtp() -> Iterator[SmtpBox]:
    box = SmtpBox(password=SMTP_PASSWORD).start()
    yield box
    box.stop()


@pytest.fixture
def telegram() -> Iterator[TelegramBox]:
    box = TelegramBox().start()
    yield box
    box.stop()


@pytest.fixture
def make_digest_office(
    web_emulator: Emulator, smtp: SmtpBox, telegram: TelegramBox
) -> Iterator[Callable[..., Office]]:
    made: list[Office] = []

    def make(language: str = "en", **settings: Any) -> Office:
        profile = cfg.Profile(
            name="local",
            language=language,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="none",
            smtp_user="office",
            smtp_from="crm@office.example",
            telegram_api=telegram.url,
            **{"digest_time": "08:00", **settings},
        )
        account = Account.from_service(
            build_service(web_emulator), cfg.profile_dir("local"), profile=profile
        )
        office = Office(account, sync_interval=0)
        office.start()
        set_roles(office)
        made.append(office)
        return office

    yield make
    for office in made:
        office.close()
        office.account.close()


@pytest.fixture
def office(make_digest_office: Callable[..., Office]) -> Office:
    o = make_digest_office()
    o.people = seed(o.account)  # type: ignore[attr-defined]
    data = o.account.data_dir
    Secrets(data).set("smtp_password", SMTP_PASSWORD)
    Secrets(data).set("telegram_token", BOT_TOKEN)
    people = Recipients(data)
    people.set("Olga", email="olga@office.example", telegram="1001")
    people.set("Ivan", email="ivan@office.example")
    people.set("Anna", telegram="1003")
    return o


def day_before(office: Office) -> None:
    """Yesterday's work: Olga's call asking for a call-back yesterday, an order by Ivan;
    this morning a missed call and a call for Olga to log."""
    yesterday = MORNING - timedelta(days=1)
    w = office.write  # the server's writer thread: the one that owns the journal
    w(
        cards_uc.log_call,
        "+79161234567",
        "wants a price",
        direction="in",
        outcome="callback",
        callback_on=yesterday.date(),
        by="Olga",
        at=yesterday - timedelta(days=2),
    )
    w(
        cards_uc.log_call,
        "+79035550101",
        "asked about tiles",
        direction="out",
        by="Ivan",
        at=yesterday,
    )
    w(cards_uc.open_order, "+79035550101", "40 boxes", by="Ivan", at=yesterday)
    w(
        record_call_event,
        number="+79035550202",
        direction="missed",
        start=MORNING - timedelta(hours=1),
        duration=0,
        who="",
        source="pbx",
        now=MORNING,
    )
    w(
        record_call_event,
        number="+79161234567",
        direction="in",
        start=MORNING - timedelta(minutes=30),
        duration=60,
        who="Olga",
        source="pbx",
        now=MORNING,
    )


def test_each_person_gets_their_callbacks_missed_calls_and_calls_to_log(office: Office) -> None:
    day_before(office)
    from contacts_crm.web.morning import people_of

    record = SentRecord(office.account.data_dir)
    digests = {
        d.person: d
        for d in digest_uc.build(
            office.reader(), people_of(office.staff), day=MORNING.date(), now=MORNING, record=record
        )
    }
    record.close()
    olga = digests["Olga"].to_dict()
    assert [c["name"] for c in olga["callbacks"]] == ["Ivan Petrov"]
    assert (
        olga["callbacks"][0]["reason"] == "callback_due"
        and olga["callbacks"][0]["overdueDays"] == 1
    )
    assert [m["number"] for m in olga["missedCalls"]] == ["+79035550202"]
    assert [t["number"] for t in olga["toLog"]] == ["+79161234567"]
    assert "yesterday" not in olga and "alerts" not in olga  # staff: no figures, no alerts
    ivan = digests["Ivan"].to_dict()
    assert ivan["callbacks"] == [] and ivan["toLog"] == []  # Olga's, not his
    assert ivan["yesterday"]["activity"]["since"] == "2026-12-07"
    assert ivan["yesterday"]["summary"]["total"]["clients"] == 3
    [ivans] = [e for e in ivan["yesterday"]["activity"]["employees"] if e["who"] == "Ivan"]
    assert ivans["calls"] == 1 and ivans["ordersOpened"] == 1
    assert "alerts" not in ivan
    assert "alerts" in digests["Anna"].to_dict() and "yesterday" in digests["Anna"].to_dict()
    text = digest_uc.text(digests["Olga"])
    assert "Ivan Petrov" in text and "+79035550202" in text and "Calls to log (1)" in text


def test_morning_sends_once_a_day_by_email_and_telegram_across_restarts(
    office: Office, smtp: SmtpBox, telegram: TelegramBox
) -> None:
    day_before(office)
    morning = Morning(office, interval=0)
    assert morning.tick(MORNING.replace(hour=7, minute=59)) == []  # before digest_time
    assert smtp.messages == [] and telegram.sent == []
    sent = morning.tick(MORNING)
    assert sorted((s.person, s.channel) for s in sent if s.state == "sent") == [
        ("Anna", "telegram"),
        ("Ivan", "email"),
        ("Olga", "email"),
        ("Olga", "telegram"),
    ]
    assert smtp.logins == ["office", "office"]  # signed in with the kept password
    [olga_mail] = smtp.to("olga@office.example")
    assert olga_mail["Subject"] == "CRM digest for Olga, 2026-12-08"
    assert olga_mail["Message-ID"].startswith("<digest.2026-12-08.")
    assert "Ivan Petrov" in olga_mail.get_payload()
    assert sorted(chat for _t, chat, _x in telegram.sent) == ["1001", "1003"]
    assert {token for token, _c, _x in telegram.sent} == {BOT_TOKEN}
    morning.tick(MORNING + timedelta(hours=3))  # later the same day: nothing again
    morning.close()
    again = Morning(office, interval=0)  # the server restarted
    again.tick(MORNING + timedelta(hours=4))
    assert len(smtp.messages) == 2 and len(telegram.sent) == 2
    again.tick(MORNING + timedelta(days=1))  # the next morning
    assert len(smtp.messages) == 4 and len(telegram.sent) == 4
    assert smtp.to("olga@office.example")[1]["Message-ID"].startswith("<digest.2026-12-09.")
    again.close()


def test_a_failed_send_is_retried_with_backoff_and_reported(
    office: Office, smtp: SmtpBox, telegram: TelegramBox
) -> None:
    smtp.refuse = "451 4.3.0 try again later"
    telegram.answers = [
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 900",
                "parameters": {"retry_after": 900},
            },
        ),
    ]
    morning = Morning(office, interval=0)
    first = {(s.person, s.channel): s for s in morning.tick(MORNING)}
    assert first[("Olga", "email")].state == "failed" and "451" in str(
        first[("Olga", "email")].error
    )
    assert first[("Anna", "telegram")].error == "Telegram 500"  # people go in name order
    assert first[("Olga", "telegram")].error == "Telegram 429"
    assert smtp.refused == 2 and smtp.messages == []
    rows = {(r["person"], r["channel"]): r for r in digest_uc.status(morning.record, now=MORNING)}
    assert rows[("Olga", "email")]["state"] == "failed" and rows[("Olga", "email")]["attempts"] == 1
    assert rows[("Olga", "email")]["nextAt"] == "2026-12-08T06:01:00+00:00"  # 1 minute later
    assert rows[("Anna", "telegram")]["nextAt"] == "2026-12-08T06:01:00+00:00"
    assert rows[("Olga", "telegram")]["nextAt"] == "2026-12-08T06:15:00+00:00"  # retry_after 900
    morning.tick(MORNING + timedelta(seconds=30))  # not due yet: nothing sent
    assert smtp.refused == 2 and telegram.requests == 2
    smtp.refuse = ""
    morning.tick(MORNING + timedelta(minutes=2))
    assert len(smtp.messages) == 2  # Olga's and Ivan's, at the second attempt
    assert telegram.requests == 3 and [c for _t, c, _x in telegram.sent] == ["1003"]  # Anna's
    rows = {(r["person"], r["channel"]): r for r in digest_uc.status(morning.record, now=MORNING)}
    assert rows[("Olga", "email")]["state"] == "sent" and rows[("Olga", "email")]["attempts"] == 2
    assert rows[("Olga", "telegram")]["state"] == "failed"
    morning.tick(MORNING + timedelta(minutes=10))
    assert telegram.requests == 3
    morning.tick(MORNING + timedelta(minutes=16))
    assert [c for _t, c, _x in telegram.sent] == ["1003", "1001"] and len(smtp.messages) == 2
    states = {r["state"] for r in digest_uc.status(morning.record, now=MORNING)}
    assert states == {"sent"}
    morning.close()


def test_secrets_never_in_output_or_logs(
    office: Office,
    smtp: SmtpBox,
    telegram: TelegramBox,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    smtp.refuse = "535 5.7.8 authentication failed"
    telegram.answers = [(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})]
    morning = Morning(office, interval=0)
    said = [s.to_dict() for s in morning.tick(MORNING)]
    status = digest_uc.status(morning.record, now=MORNING)
    morning.close()
    data = office.account.data_dir
    assert oct((data / "digest-secrets.json").stat().st_mode & 0o777) == "0o600"
    assert oct((data / "digest.sqlite").stat().st_mode & 0o777) == "0o600"
    everything = json.dumps([said, status]) + caplog.text + "".join(capsys.readouterr())
    everything += repr(Secrets(data)) + repr(office.profile)
    assert "failed" in everything
    for secret in (BOT_TOKEN, SMTP_PASSWORD, BOT_TOKEN.split(":")[1]):
        assert secret not in everything
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("contacts_crm"))
    assert "digest and alerts: failed 3, sent 1" in ours  # counts only
    assert "olga@office.example" not in ours and "+7916" not in ours and "Olga" not in ours


def test_alerts_to_admins_from_the_journal_each_once(
    make_digest_office: Callable[..., Office], web_emulator: Emulator, smtp: SmtpBox,
    telegram: TelegramBox, tmp_path: Path,
) -> None:  # fmt: skip
    """A hand edit that removed a call line, a stopped sync, a mass deletion, an import
    and its undo: each one alert, on the admin's channels and in their digest."""
    office = make_digest_office(sync_guard_min=10, digest_time="00:00")
    office.people = seed(office.account)  # type: ignore[attr-defined]
    data = office.account.data_dir
    Secrets(data).set("telegram_token", BOT_TOKEN)
    Recipients(data).set("Anna", telegram="1003")
    Recipients(data).set("Olga", telegram="1001")
    service = build_service(web_emulator)
    now = dates.now()  # the journal's events carry the real time
    morning = Morning(office, interval=0)
    first = morning.tick(now)  # today's digests; nothing happened yet
    assert sorted(s.key.split(":")[0] for s in first) == ["digest", "digest"]

    # a call logged, then removed by hand on a phone
    office.write(cards_uc.log_call, "+79161234567", "asked for a price", direction="in",
                 by="Olga")  # fmt: skip
    rn = office.people["Ivan Petrov"]  # type: ignore[attr-defined]
    p = service.people().get(resourceName=rn, personFields="biographies").execute()
    notes = p["biographies"][0]["value"]
    kept = "\n".join(line for line in notes.splitlines() if "asked for a price" not in line)
    p["biographies"] = [{"value": kept, "contentType": "TEXT_PLAIN"}]
    service.people().updateContact(resourceName=rn, updatePersonFields="biographies",
                                   body=p).execute()  # fmt: skip
    office.sync_now()

    # an import of 12 clients, and its undo
    csv = tmp_path / "old clients.csv"
    csv.write_text("Name,Phone\n" + "".join(f"Client {i},+7495000{i:04d}\n" for i in range(12)))
    outcome = office.write(import_file, csv, ImportOptions(region="RU"))
    office.write(import_undo, outcome.plan.import_id, force=True)

    # 11 deleted by hand elsewhere: the guard (10 and 20 %) stops the sync, then forced
    made = [service.people().createContact(body={"names": [{"givenName": f"Old {i}"}]})
            .execute()["resourceName"] for i in range(11)]  # fmt: skip
    office.sync_now()
    service.people().batchDeleteContacts(body={"resourceNames": made}).execute()
    assert office.sync_now() is None and "would remove 11" in str(office.sync_error)
    office.write(Account.sync, force=True)

    sent = morning.tick(now + timedelta(minutes=1))  # alerts go at once
    assert {s.person for s in sent} == {"Anna"} and {s.state for s in sent} == {"sent"}
    kinds = sorted(s.key.split(":")[1] for s in sent)
    assert kinds == ["import", "import_undo", "mass_deletion", "mass_deletion", "removed_lines",
                     "sync_stopped"]  # fmt: skip
    texts = [text for _t, chat, text in telegram.sent if chat == "1003"]
    assert any("a hand edit removed 1 call line(s) and 0 order line(s) from the card of "
               "Ivan Petrov" in t for t in texts)  # fmt: skip
    assert any("import of old clients.csv: 12 created" in t for t in texts)
    assert any("import of old clients.csv undone: 12 removed" in t for t in texts)
    assert any("would remove 11 of 14 contacts" in t for t in texts)
    assert any("11 contacts were deleted at once" in t for t in texts)
    assert any("12 contacts were deleted at once" in t for t in texts)
    assert morning.tick(now + timedelta(minutes=2)) == []  # each alert once
    morning.close()
    again = Morning(office, interval=0)  # restarted: still once
    assert [s for s in again.tick(now + timedelta(minutes=3)) if s.key.startswith("alert")] == []
    again.tick(now + timedelta(days=1))  # the next digest: the admin's lists the alerts
    digests = [text for _t, chat, text in telegram.sent if "Digest" in text]
    assert "Alerts (6)" in digests[-1] or "Alerts (6)" in digests[-2]
    assert not any("Alerts" in t for _t, chat, t in telegram.sent if chat == "1001")
    again.close()


def test_the_alerts_page_is_for_admins(office: Office, smtp: SmtpBox) -> None:
    from conftest import sign_in

    from contacts_crm.web.app import create_app

    smtp.refuse = "451 4.3.0 try again later"
    now = dates.now().replace(hour=9)
    data = {"import_id": "imp-1", "file": "/tmp/old.csv", "created": 3, "updated": 1}
    csv_event = JournalEvent(op_id="import:imp-1", seq=0, at=_utc(now), who="Anna",
                             kind="import", text="import imp-1", data=data)  # fmt: skip
    office.write(lambda acc: acc.journal.record([csv_event], applied=True))
    morning = Morning(office, interval=0)
    morning.tick(now)
    morning.close()
    app = create_app(office)
    app.config["TESTING"] = True
    olga, anna = app.test_client(), app.test_client()
    assert sign_in(olga, "Olga").status_code == 302
    assert sign_in(anna, "Anna", "9999").status_code == 302
    refused = olga.get("/alerts")
    assert refused.status_code == 403 and "Only admins see this page." in refused.text
    assert 'href="/alerts"' not in olga.get("/today").text
    page = anna.get("/alerts")
    assert page.status_code == 200 and 'href="/alerts"' in page.text
    assert "import of old.csv: 3 created, 1 updated" in page.text
    assert "olga@office.example" not in page.text  # names and states, not addresses
    assert "451" in page.text and 'data-state="failed"' in page.text
    assert 'data-state="sent"' in page.text  # the Telegram ones went


def test_a_hand_edit_that_removed_order_lines_is_an_alert_and_other_lines_are_not(
    office: Office,
) -> None:
    from contacts_crm.usecases.alerts import alerts_in

    office.write(cards_uc.open_order, "+79035550101", "40 boxes", by="Ivan")
    office.write(cards_uc.step_order, "+79035550101", 1, "paid", by="Ivan")
    acc = office.reader()
    rn = office.people["Anna Sidorova"]  # type: ignore[attr-defined]
    notes = (acc.contacts.get(rn).notes or "").splitlines()  # type: ignore[union-attr]
    order_lines = [line for line in notes if "40 boxes" in line or "paid" in line]
    assert len(order_lines) >= 2

    def removed(op: str, old: str) -> JournalEvent:
        return JournalEvent(op_id=op, seq=0, at="2026-12-08T06:00:00+00:00", who=None,
                            kind="removed_by_hand", contact=rn, contact_name="Anna Sidorova",
                            text=old, data={"old": old})  # fmt: skip

    found = alerts_in([removed("h1", order_lines[0]), removed("h1", order_lines[1]),
                       removed("h2", "Prefers calls after 14:00")], acc)  # fmt: skip
    assert [(a.kind, a.data["orders"], a.data["calls"]) for a in found] == [
        ("removed_lines", 2, 0)]  # fmt: skip
