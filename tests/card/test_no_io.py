"""card/ and contact/ do no I/O: with file access blocked, the grammar and every
card operation (and the write decision, compaction, dialer view, group rules) work."""

from __future__ import annotations

import builtins
import io
import os
import pathlib
import socket
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from contacts_crm.card import grammar
from contacts_crm.card.decide import decide
from contacts_crm.card.dialer import dialer_view
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, StepOrder, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.office.templates import load_labels, load_rules

T0 = datetime(2026, 11, 1, 9, 30).astimezone()
CARD = """Status: lead since 2026-10-01 (Olga)
--
Prefers calls after 14:00."""


class FileAccess(AssertionError):
    pass


def block_io(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way to open a file or a socket raises from now on."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise FileAccess(f"I/O attempted: {args[:1]}")

    for target, name in ((builtins, "open"), (io, "open"), (os, "open"), (socket, "socket"),
                         (pathlib.Path, "open"), (pathlib.Path, "read_text"),
                         (pathlib.Path, "read_bytes"), (pathlib.Path, "write_text"),
                         (pathlib.Path, "exists"), (pathlib.Path, "is_file")):  # fmt: skip
        monkeypatch.setattr(target, name, refuse)


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch):
    """The shipped wording and group rules, loaded (by office/) before I/O is blocked."""
    settings, rules = CardSettings(labels=load_labels()), load_rules()
    block_io(monkeypatch)
    return settings, rules


def test_blocking_works(loaded, tmp_path):
    with pytest.raises(FileAccess):
        open(tmp_path / "x", "w")  # noqa: SIM115 - the point is that it raises
    with pytest.raises(FileAccess):
        (tmp_path / "x").read_text()


def test_grammar_and_every_operation_work_without_file_access(loaded):
    settings, rules = loaded
    card = grammar.parse(CARD, settings.labels)
    assert grammar.render(card) == CARD
    ops = [
        LogCall("c1", T0, "Olga", "in", "asks about tiles", "interested"),
        OpenOrder("o1", T0 + timedelta(days=1), "Ivan", "40 boxes of tiles", Decimal("12500")),
        StepOrder("s1", T0 + timedelta(days=2), "Olga", 1, "paid", "prepaid"),
        StepOrder("s2", T0 + timedelta(days=3), "Olga", 1, "shipped"),
        CloseOrder("d1", T0 + timedelta(days=4), "Ivan", 1),
        OpenOrder("o2", T0 + timedelta(days=5), "Ivan", "grout"),
        CloseOrder("x2", T0 + timedelta(days=6), "Ivan", 2, cancelled=True),
        *(LogCall(f"c{i}", T0 + timedelta(days=6 + i), "Olga", "out", f"call {i}")
          for i in range(2, 12)),
    ]  # fmt: skip
    contact = Contact(given_name="Ivan", phones=[PhoneEntry("+79161234567")], notes=CARD,
                      resource_name="people/c1")  # fmt: skip
    kinds = set()
    for op in ops:
        result = apply(card, op, settings=settings, contact="people/c1")
        assert result.changed, op
        kinds |= {e.kind for e in result.events}
        card = result.card
        written = decide(contact, op, settings=settings, rules=rules, names={})
        contact.notes = written.notes
        contact.client_data["crm.ops"] = written.ops
    assert kinds == {"call", "order_open", "order_step", "order_close", "compaction"}
    text = grammar.render(card)
    assert "Order 1 · delivered" in text and "Prefers calls after 14:00." in text
    assert grammar.parse(text, settings.labels).lines == card.lines
    assert dialer_view(card, settings)
    assert "Order 1 · delivered" in contact.notes
    assert phones.normalize("8 916 123-45-67", "RU").e164 == "+79161234567"
