"""The summary counts clients whose groups and card facts are the same once, n times:
the figures are those of adding every client one by one, first run and warm."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from contacts_crm.account.cache import Cache
from contacts_crm.account.connected import Account
from contacts_crm.config import Profile
from contacts_crm.reports.clients import client_views
from contacts_crm.reports.facts import NO_FACTS, FactsCache, facts_of
from contacts_crm.reports.summary import GroupFigures, _bucket, is_prospect, summary

CARD = "Order 1 · paid · 1 250.50\n  2026-11-02 new: tiles (Ivan)\n  2026-11-04 paid (Olga)"
OTHER = "Calls\n  2026-11-10 in (Anna) · interested: wants a price list"


def _account(tmp_path: Path) -> Account:
    cache = Cache(tmp_path / "cache.sqlite")
    groups = [{"resourceName": f"contactGroups/{g}", "name": g, "formattedName": g,
               "groupType": "USER_CONTACT_GROUP"} for g in ("Retail", "Leads")]  # fmt: skip
    cache.set_groups(groups)
    cards = [(CARD, "Retail")] * 3 + [(OTHER, "Retail"), (CARD, "Leads")] + [("", "Leads")] * 2
    cards += [(f"{CARD}\n--\nClient {i}'s own note.", "Retail") for i in range(2)]
    cache.upsert([{
        "resourceName": f"people/c{i}", "etag": f"e{i}", "names": [{"givenName": f"C{i}"}],
        "biographies": [{"value": text}],
        "memberships": [{"contactGroupMembership": {
            "contactGroupResourceName": f"contactGroups/{group}"}}],
    } for i, (text, group) in enumerate(cards)])  # fmt: skip
    cache.set_meta("synced_at", datetime.now(UTC).isoformat())
    return Account(None, cache, Profile(name="t"), tmp_path)  # type: ignore[arg-type]


def _one_by_one(account: Account, today: date) -> dict[str, GroupFigures]:
    from contacts_crm.reports.settings import ALL, load_report_settings

    conf, out = load_report_settings(), {ALL: GroupFigures(ALL)}
    for c in client_views(account):
        prospect = is_prospect(c, conf)
        lead, converted = prospect and not c.ever_ordered, prospect and c.ever_ordered
        bucket = _bucket(c.last_contact, today)
        for g in (ALL, *c.groups):
            out.setdefault(g, GroupFigures(g)).add_client(c, lead, converted, bucket)
    return out


def test_alike_clients_count_as_many_times_as_there_are(tmp_path: Path) -> None:
    account, today = _account(tmp_path), date(2026, 11, 20)
    first = summary(account, since=date(2026, 11, 1), today=today)  # cards parsed now
    warm = summary(account, since=date(2026, 11, 1), today=today)  # facts remembered
    assert first.to_dict() == warm.to_dict()
    by_one = _one_by_one(account, today)
    for fig in [*warm.groups, warm.total]:
        assert fig.to_dict(warm.open_stages) == by_one[fig.group].to_dict(warm.open_stages)
    retail = next(g for g in warm.groups if g.group == "Retail")
    assert retail.clients == 6 and retail.open_by_stage["paid"] == 5
    assert retail.open_amount == Decimal("6252.50")  # 5 x 1 250.50, exactly
    assert retail.leads == 1  # the interested call
    account.close()


def test_equal_facts_are_one_object(tmp_path: Path) -> None:
    """What lets the summary see alike clients: equal facts share one object, on the
    first run (parsed) as when read back from disk; an empty card has NO_FACTS."""
    from contacts_crm.office.templates import load_labels

    labels = load_labels()
    facts = FactsCache(tmp_path / "f.sqlite", labels)
    one, two = facts.facts(CARD + "\n--\nAnna."), facts.facts(CARD + "\n--\nBoris.")
    assert one is two and one == facts_of(CARD, labels) and facts.parsed == 2
    assert facts.facts("  \n") is NO_FACTS
    facts.save()
    facts.close()
    again = FactsCache(tmp_path / "f.sqlite", labels)
    assert again.facts(CARD + "\n--\nAnna.") is again.facts(CARD + "\n--\nBoris.")
    assert again.parsed == 0
    again.close()
