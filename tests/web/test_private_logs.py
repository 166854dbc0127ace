"""No phone number, name or card text in any log line of the server, errors and
tracebacks included: the page is served by cheroot over loopback, errors are
driven on reads, writes, the background sync and cheroot itself, and every
record logged meanwhile is read as the terminal shows it (``crm serve``'s
handler) and as any other handler would get it (the message itself)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from served import Phone

from contacts_crm import logs
from contacts_crm.account.people import RetryPolicy
from contacts_crm.card import grammar
from contacts_crm.usecases import contacts as contact_uc
from contacts_crm.web.office import Office
from contacts_crm.web.server import Server, cheroot_error_log

NUMBER = "89161234567"  # Ivan Petrov's, in the conftest's seed
SECRETS = ("9161234567", "123-45-67", "Ivan", "Petrov", "secret words", "Tiles")
# what the failing code had in hand (kept out of the lines a traceback quotes)
CLIENT_DATA = "Ivan Petrov, +79161234567, card: 'secret words', Petrov Tiles"


@pytest.fixture
def terminal() -> Iterator[io.StringIO]:
    """What ``crm serve`` would print: its log handler, on a buffer."""
    out = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.setup(logging.INFO, stream=out)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def served(office: Office) -> Iterator[Phone]:
    server = Server(office, port=0).start()
    phone = Phone(server.url)
    phone.sign_in("Olga", "2468")
    yield phone
    server.stop()


def _leak(record: logging.LogRecord) -> str:
    """The record as the terminal shows it and as any handler would format it."""
    seen = [record.getMessage(), logs.PrivateFormatter(logs.FORMAT).format(record)]
    return "\n".join(seen)


def test_errors_on_every_path_log_no_client_data(
    served, office, web_emulator, terminal, caplog, capfd, monkeypatch
):
    caplog.set_level(logging.INFO)
    cid = office.people["Ivan Petrov"].removeprefix("people/")

    def crash_find(account, query, **kwargs):
        raise RuntimeError(f"looking up {query}: {CLIENT_DATA}")

    def crash_parse(notes, labels):
        raise ValueError(f"cannot read {notes!r}: {CLIENT_DATA}")

    # a read that crashes: the number is in the path and in the exception
    monkeypatch.setattr(contact_uc, "find", crash_find)
    assert served.get(f"/n/{NUMBER}").status == 500
    monkeypatch.undo()
    # a card that crashes while it is read
    post = served.log_call(cid, "secret words about Petrov Tiles")
    assert post.status == 200
    monkeypatch.setattr(grammar, "parse", crash_parse)
    assert served.get(f"/c/{cid}").status == 500
    monkeypatch.undo()
    # the account failing a write and the background sync
    web_emulator.settings.fail_rate = 1.0
    web_emulator.settings.fail_statuses = (500,)
    office.account.client.retry = RetryPolicy(attempts=2, base=0.01)
    failed = served.log_call(cid, "secret words again, Petrov")
    assert failed.status == 200 and failed.url.endswith("?done=queued")  # kept on the PC
    assert office.lanes.wait_parked(f"people/{cid}")  # its lane met the failures, logged them
    assert office.sync_now() is None
    web_emulator.settings.fail_rate = 0.0
    # cheroot's own error log, as it calls it on an error it caught
    try:
        raise OSError(f"peer sent GET /n/{NUMBER}: {CLIENT_DATA}")
    except OSError as exc:
        cheroot_error_log(repr(exc), level=logging.ERROR, traceback=True)

    records = caplog.records
    text = "\n".join(_leak(r) for r in records) + terminal.getvalue() + capfd.readouterr().err
    for secret in SECRETS:
        assert secret not in text, secret
    # the errors are there, by route and type
    assert "Exception on /n/<path:number> [GET]" in text
    assert "Exception on /c/<cid> [GET]" in text
    assert "builtins.RuntimeError" + logs.LEFT_OUT in terminal.getvalue()
    assert "background sync failed" in text
    assert "waits for the account (UnavailableError)" in text
    assert "cheroot: Traceback" in text and "builtins.OSError" + logs.LEFT_OUT in text
