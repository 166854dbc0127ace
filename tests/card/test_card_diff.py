"""card/diff.py: which lines were added, removed, rewritten, and what they parse as."""

from __future__ import annotations

from contacts_crm.card.diff import diff_lines
from contacts_crm.card.model import Call, Kind, Step
from contacts_crm.office.templates import load_labels

LABELS = load_labels()
CARD = """\
last contact 2026-11-20 (Olga)
Order 3 · paid · 12 500
  2026-11-18 new: tiles (Ivan)
  2026-11-19 paid 12 500 (Olga)
Calls
  2026-11-20 in (Olga): asks when delivery comes
--
Prefers calls after 14:00."""


def test_added_lines_carry_their_facts_and_order():
    new = CARD.replace(
        "  2026-11-19 paid 12 500 (Olga)\n",
        "  2026-11-19 paid 12 500 (Olga)\n  2026-11-21 shipped (Masha)\n",
    )
    new = new.replace("Calls\n", "Calls\n  2026-12-01 in (Masha) · interested: catalogue\n")
    diff = diff_lines(CARD, new, LABELS)
    assert [(a.text, a.kind, a.order_no) for a in diff.added] == [
        ("  2026-11-21 shipped (Masha)", Kind.STEP, 3),
        ("  2026-12-01 in (Masha) · interested: catalogue", Kind.CALL, None),
    ]
    step, call = diff.added[0].fact, diff.added[1].fact
    assert isinstance(step, Step) and (step.stage, step.who) == ("shipped", "Masha")
    assert isinstance(call, Call) and (call.outcome, call.who) == ("interested", "Masha")
    assert diff.removed == [] and diff.changed == []


def test_removed_and_rewritten_lines_keep_their_old_text():
    new = CARD.replace("  2026-11-20 in (Olga): asks when delivery comes\n", "")
    new = new.replace("Prefers calls after 14:00.", "Prefers calls after 16:00.")
    diff = diff_lines(CARD, new, LABELS)
    assert diff.removed == [("  2026-11-20 in (Olga): asks when delivery comes", 0)]
    assert [(old, n.text) for old, n in diff.changed] == [
        ("Prefers calls after 14:00.", "Prefers calls after 16:00.")
    ]
    assert diff.added == []


def test_blank_lines_and_filtered_lines_are_not_reported():
    new = CARD + "\n\n\nextra"
    diff = diff_lines(CARD, new, LABELS, keep_added=lambda t: t != "extra")
    assert not diff
    assert not diff_lines(CARD, CARD, LABELS)


def test_identical_lines_are_told_apart_by_occurrence():
    old = "Calls\n  2026-12-01 out (Olga): no answer"
    new = old + "\n  2026-12-01 out (Olga): no answer"
    diff = diff_lines(old, new, LABELS)
    assert [(a.text, a.occurrence) for a in diff.added] == [
        ("  2026-12-01 out (Olga): no answer", 1)
    ]
