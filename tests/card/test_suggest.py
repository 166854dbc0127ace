"""card/suggest.py: the nearest card shape for a hand-written line the parser cannot read."""

from __future__ import annotations

import pytest

from contacts_crm.card.suggest import suggest
from contacts_crm.office.templates import load_labels

LABELS = load_labels()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("1.12.2026 incomming (Masha) asked for catalogue",
         "2026-12-01 in (Masha): asked for catalogue"),
        ("2026/12/01 in Masha: asked for catalogue", "2026-12-01 in (Masha): asked for catalogue"),
        ("01.12.26 outgoing call Olga: no answer", "2026-12-01 out (Olga): no answer"),
        ("2026-12-01 payed 500 (Ivan)", "2026-12-01 paid 500 (Ivan)"),
        ("1.12.2026 входящий (Маша) спросила каталог", "2026-12-01 in (Маша): спросила каталог"),
        ("2026-12-01 missed", "2026-12-01 missed (?)"),
        ("Ordr 5 - payed", "Order 5 · paid"),
    ],
)  # fmt: skip
def test_near_misses_get_the_card_shape(typed, meant):
    assert suggest(typed, LABELS) == meant


@pytest.mark.parametrize(
    "typed", ["random text", "2026-12-01 zzz (Masha)", "31.02.2026 in (Masha)", "Order 5 soon",
              "2026-12-01 in (Masha): already fine"],
)  # fmt: skip
def test_no_suggestion_when_nothing_is_near(typed):
    assert suggest(typed, LABELS) is None
