"""crm doctor --relabel: old cards' tool lines in the current language, free text untouched."""

from __future__ import annotations

import json

import pytest

from contacts_crm import i18n
from contacts_crm.card import grammar
from contacts_crm.card.relabel import relabel
from contacts_crm.cli.main import main
from contacts_crm.office.templates import load_labels

FREE = "Prefers calls after 14:00. Order 2 · cancelled is what he said, keep it."


@pytest.fixture(autouse=True)
def back_to_english():
    yield
    i18n.use("en")


@pytest.fixture
def crm(capsys):
    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


def test_relabel_rewrites_tool_lines_and_keeps_the_facts():
    en, tr = load_labels("en"), load_labels("tr")
    text = ("last contact 2026-11-20 (Olga)\nOrder 2 · paid · 12 500\n"
            "  2026-11-18 paid 12 500 (Olga)\nCalls\n  2026-11-19 in (Olga) · interested: "
            f"price list\nsomething the tool does not know\n--\n{FREE}")  # fmt: skip
    card = grammar.parse(text, en)
    new, changes = relabel(card, tr)
    out = grammar.render(new)
    assert "Sipariş 2" in out and "son görüşme 2026-11-20" in out and "Aramalar" in out
    assert out.endswith(FREE) and "something the tool does not know" in out
    assert len(changes) == 5
    again = grammar.parse(out, tr)  # the same facts, read back in the new language
    assert [ln.fact for ln in again.lines] == [ln.fact for ln in card.lines]
    assert relabel(again, tr)[1] == []  # nothing left to do


def test_doctor_relabel_rewrites_old_cards_journals_them_and_keeps_free_text(crm):
    assert crm("config", "set", "user", "Olga")[0] == 0
    assert crm("add", "Ivan Petrov", "--phone", "+7 916 123-45-67", "--note", FREE)[0] == 0
    assert crm("order", "open", "Petrov", "tiles", "--amount", "12500")[0] == 0
    assert crm("order", "close", "Petrov", "1", "--cancelled")[0] == 0
    assert crm("config", "set", "language", "tr")[0] == 0
    assert crm("order", "open", "Petrov", "pipes")[0] == 0
    code, out, _ = crm("--json", "card", "Petrov")
    mixed = json.loads(out)["card"]
    assert "Sipariş 2 · yeni" in mixed and "Order 1 · cancelled" in mixed  # half and half

    code, out, err = crm("doctor", "--relabel")
    assert code == 0, err
    assert "Ivan Petrov: " in out
    code, out, _ = crm("--json", "card", "Petrov")
    card = json.loads(out)["card"]
    assert "Order 1" not in card.split("--")[0] and "Sipariş 1 · iptal" in card
    assert card.endswith(FREE)  # the free text, its "Order 2 · cancelled" included, untouched
    code, out, _ = crm("--json", "journal", "Petrov")
    relabelled = [e for e in json.loads(out)["events"] if e["kind"] == "relabel"]
    assert any(e["text"].startswith("Order 1 · cancelled") for e in relabelled)
    code, out, _ = crm("--json", "doctor", "--relabel")
    assert json.loads(out)["relabelled"] == []  # run again: nothing to do


def test_relabel_meeting_a_concurrent_edit_keeps_it_and_journals_once(tmp_path):
    """Decide first, act after: on a stale etag only the relabelling runs again."""
    from contacts_crm import config as cfg
    from contacts_crm.account.connected import Account
    from contacts_crm.emulator import Emulator, build_service
    from contacts_crm.usecases.relabel import relabel_cards

    emu = Emulator()
    profile = cfg.Profile(name="local", language="tr", user="Olga")
    account = Account.from_service(build_service(emu), tmp_path / "d", profile=profile)
    card = "Order 1 · cancelled 2026-11-01 (Olga)\n--\nOld note."
    person = account.client.create(
        {"names": [{"givenName": "Ivan"}], "biographies": [{"value": card}]}
    )
    account.sync(full=True)
    rn = person["resourceName"]

    def another_device(p: dict) -> None:
        p["biographies"][0]["value"] += "\nTyped on a phone."

    emu.arm_conflict(rn, another_device)
    emu.reset_counters()
    done = relabel_cards(account)

    notes = account.client.get(rn)["biographies"][0]["value"]
    assert [d["resourceName"] for d in done] == [rn]
    assert notes.startswith("Sipariş 1 · iptal") and notes.endswith("Old note.\nTyped on a phone.")
    assert emu.counters["people.updateContact"] == 2  # stale, then the re-decided write
    events = [e for e in account.journal.events(contact=rn) if e.kind == "relabel"]
    assert [(e.text, e.state) for e in events] == [(card.split("\n")[0], "applied")]
    account.close()
    emu.close()
