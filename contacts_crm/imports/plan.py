"""Plan an import: decide, for every spreadsheet row, what will happen and why.

Pure: no I/O. ``plan_import`` takes the normalised rows and the contacts the
account already holds and returns an ImportPlan with one PlanRow per row:
create, update, merge, skip or reject. Duplicates are found inside the file
and against the account by E.164 phone, then e-mail, then name + company.
Rows of the file that share a phone or an e-mail are one client: they are
merged by union whatever ``on_duplicate`` says (that policy is for matches
against the account). Name + company alone never joins two people who both
have phones or e-mails (none shared): it only notes a possible duplicate.
Applying the same plan twice changes nothing the second time: a row already
imported (its import key is on a contact) or already up to date is a skip.
"""

from __future__ import annotations

import copy
import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contacts_crm.contact import names
from contacts_crm.contact.model import MY_CONTACTS, SYSTEM_GROUPS, Contact
from contacts_crm.errors import ConflictError
from contacts_crm.imports.normalize import ImportRecord, Notice, name_key
from contacts_crm.imports.said import Said, said

IMPORT_KEY = "crm.import"  # clientData key: "<import id>:<row hash>"
NEW_GROUP = "new-group:"  # placeholder resource name of a group the apply step creates


class Action(StrEnum):
    """What happens to a row (a str: reports and JSON show the word itself)."""

    CREATE = "create"
    UPDATE = "update"
    MERGE = "merge"
    SKIP = "skip"
    REJECT = "reject"


ACTIONS = tuple(Action)
WRITES = (Action.CREATE, Action.UPDATE, Action.MERGE)
DUPLICATE_POLICIES = (Action.SKIP, Action.UPDATE, Action.MERGE)  # --on-duplicate


@dataclass
class PlanOptions:
    """How to plan: ``groups`` maps existing group names to resource names."""

    import_id: str = "import"
    on_duplicate: str = "skip"
    groups: dict[str, str] = field(default_factory=dict)


@dataclass
class PlanRow:
    """What happens to one spreadsheet row."""

    row: int
    action: Action
    reason: str  # English (--json); reason_said shows it in the current language
    contact: Contact | None = None  # the contact as it will be written
    match: Contact | None = None  # the existing contact it updates / merges / skips for
    into_row: int | None = None  # an in-file duplicate folded into this row's contact
    fields: list[str] = field(default_factory=list)  # fields an update/merge writes
    warnings: list[str] = field(default_factory=list)
    review: bool = False
    key: str = ""
    notices: list[Notice] = field(default_factory=list)
    reason_said: Said | None = None
    origin: str = ""  # "phone2.vcf, card 3" when several files are imported at once

    def because(self, action: Action, reason: Said) -> None:
        """Set the action and its reason (English; ``reason_said`` translates it)."""
        self.action, self.reason, self.reason_said = action, str(reason), reason

    def local_reason(self) -> str:
        """The reason in the current language."""
        return self.reason_said.local() if self.reason_said is not None else self.reason

    @property
    def writes(self) -> bool:
        """True when applying this row sends something to the account."""
        return self.into_row is None and self.action in WRITES


@dataclass
class ImportPlan:
    import_id: str
    rows: list[PlanRow]
    new_groups: list[str] = field(default_factory=list)
    new_group_rows: dict[str, list[int]] = field(default_factory=dict)  # name -> rows using it

    def counts(self) -> dict[str, int]:
        c = Counter(r.action for r in self.rows)
        return {a.value: c.get(a, 0) for a in ACTIONS}

    @property
    def creates(self) -> list[PlanRow]:
        return [r for r in self.rows if r.writes and r.action is Action.CREATE]

    @property
    def updates(self) -> list[PlanRow]:
        return [r for r in self.rows if r.writes and r.action in (Action.UPDATE, Action.MERGE)]


@dataclass
class _Target:
    contact: Contact
    existing: Contact | None = None
    owner: PlanRow | None = None
    skipped_row: int | None = None  # the first row skipped for this account contact
    own_keys: frozenset[str] = frozenset()  # the account contact's own keys


def plan_import(
    records: Iterable[ImportRecord],
    existing: Iterable[Contact],
    options: PlanOptions,
    *,
    load: Callable[[str], Contact | None] | None = None,
) -> ImportPlan:
    """One PlanRow per record, in file order.

    ``existing`` may be light copies (``Cache.light_contacts``: no notes, no
    Person JSON) when ``load`` gives the whole contact by resource name: it is
    called once for each account contact a row updates or merges into, so only
    those are held whole (what is written keeps every field it does not model).
    """
    if options.on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_POLICIES)}")
    groups = {k.casefold(): v for k, v in options.groups.items()}
    index: dict[str, _Target] = {}
    imported: dict[str, Contact] = {}
    for c in existing:
        t = _Target(c, existing=c, own_keys=frozenset(_keys_of_contact(c)))
        for k in t.own_keys:
            index.setdefault(k, t)
        for key in _import_keys(c):
            imported.setdefault(key.rpartition(":")[2], c)
    records = list(records)
    spellings: list[str] = []
    for rec in records:  # a new group is named by its first spelling in the file
        _group_resources(rec.groups, groups, spellings)
    planned: dict[int, PlanRow] = {}
    for i in linked_order(records):
        planned[i] = _plan_one(records[i], options, groups, index, imported, spellings, load)
    rows = [planned[i] for i in range(len(records))]
    for pr in rows:
        _settle(pr)
    written = [g for r in rows if r.writes and r.contact for g in r.contact.groups]
    new = list(dict.fromkeys(g.removeprefix(NEW_GROUP) for g in written if g.startswith(NEW_GROUP)))
    uses: dict[str, list[int]] = {}
    for r in rows:
        if r.writes and r.contact:
            for g in r.contact.groups:
                if g.startswith(NEW_GROUP):
                    uses.setdefault(g.removeprefix(NEW_GROUP), []).append(r.row)
    return ImportPlan(options.import_id, rows, new, uses)


def linked_order(records: list[ImportRecord]) -> list[int]:
    """The order rows are planned in: the file's, except that the rows linked by a shared
    phone or e-mail (directly or through others: A~B by phone, B~C by e-mail) are planned
    together, from the first of them, each next one sharing a phone or an e-mail with one
    already planned (the lowest row first). So A, B and C become one client in any row
    order: C, found before B links it to A, would otherwise be a contact of its own."""
    by_key: dict[str, list[int]] = {}
    keys: list[list[str]] = []
    for i, rec in enumerate(records):
        mine = [] if rec.reject or rec.empty else [k for k in _keys_of_record(rec)
                                                   if not k.startswith("name:")]  # fmt: skip
        keys.append(mine)
        for k in mine:
            by_key.setdefault(k, []).append(i)
    order: list[int] = []
    seen = [False] * len(records)
    for first in range(len(records)):
        if seen[first]:
            continue
        seen[first] = True
        frontier = [first]
        while frontier:
            i = heapq.heappop(frontier)
            order.append(i)
            for k in keys[i]:
                for j in by_key.pop(k, ()):  # each key's rows looked at once
                    if not seen[j]:
                        seen[j] = True
                        heapq.heappush(frontier, j)
    return order


def _plan_one(
    rec: ImportRecord,
    options: PlanOptions,
    groups: dict[str, str],
    index: dict[str, _Target],
    imported: dict[str, Contact],
    new_groups: list[str],
    load: Callable[[str], Contact | None] | None = None,
) -> PlanRow:
    pr = PlanRow(rec.row, Action.CREATE, "new contact", warnings=list(rec.warnings),
                 review=rec.review, notices=list(rec.notices), origin=rec.origin)  # fmt: skip
    pr.because(Action.CREATE, said("new contact"))
    if rec.reject:
        pr.because(Action.REJECT, rec.reject_said or said("{reason}", reason=rec.reject))
        return pr
    if rec.empty:
        if rec.notes:
            pr.because(Action.REJECT, said(
                "no name, company, phone or e-mail in the row (the row holds: {text})",
                text=rec.notes.splitlines()[0][:80]))  # fmt: skip
        else:
            pr.because(Action.REJECT, said("no name, company, phone or e-mail in the row"))
        return pr
    digest = rec.row_hash()
    pr.key = f"{options.import_id}:{digest}"
    if digest in imported:
        pr.because(Action.SKIP, said("already imported"))
        pr.match = imported[digest]
        return pr
    resources = _group_resources(rec.groups, groups, new_groups)
    new = _contact_from(rec, resources)
    target, why, maybe, key = _find(rec, index)
    if maybe is not None:
        where = _where(maybe.owner.row if maybe.owner else None)
        name = maybe.contact.display_name or maybe.contact.organization
        message = said(
            "row {row}: possible duplicate of {where} ({name}): same name and company, "
            "different phones and e-mails; imported as a separate contact",
            row=rec.row, where=where, name=name)  # fmt: skip
        pr.notices.append(Notice("possible-duplicate", str(message), message))
        pr.warnings.append(str(message))
    if target is None:
        new.client_data[IMPORT_KEY] = pr.key
        pr.contact = new
        target = _Target(new, owner=pr)
    else:
        # a match against the account follows --on-duplicate; rows of the file are one client
        policy = Action(options.on_duplicate) if target.existing is not None else Action.MERGE
        if target.owner is not None:
            policy = Action.MERGE
        pr.match = target.existing
        where = _where(target.owner.row if target.owner else None)
        if policy is Action.SKIP:
            if target.skipped_row is not None and key not in target.own_keys:
                where = said("row {row}, which matches a contact in the account",
                             row=target.skipped_row)  # fmt: skip
            pr.because(Action.SKIP, said("duplicate of {where} (same {why})", where=where, why=why))
            if target.skipped_row is None:
                target.skipped_row = pr.row
            for k in _keys_of_record(rec):  # a later row of the same client is skipped too
                index.setdefault(k, target)
            return pr
        if load is not None and target.owner is None and target.existing is not None:
            _load_whole(target, load)  # the first row to write to it: the whole contact
            pr.match = target.existing
        combined = _combine(target.contact, new, policy)
        if target.owner is None:  # first row to touch an existing contact: this row owns it
            target.owner = pr
            pr.because(policy, said("same {why} as {where}", why=why, where=where))
            pr.contact = combined
        else:
            owner = target.owner
            owner.contact = combined
            pr.into_row = owner.row
            template = ("merged into {where} (same {why})" if policy is Action.MERGE
                        else "folded into {where} (same {why})")  # fmt: skip
            pr.because(policy, said(template, where=where, why=why))
            pr.contact = combined
            if rec.origin and owner.origin:
                message = said("row {row} ({origin}): merged into {where} ({into}) (same {why})",
                               row=pr.row, origin=rec.origin, where=where, into=owner.origin,
                               why=why)  # fmt: skip
            else:
                message = said("row {row}: merged into {where} (same {why})", row=pr.row,
                               where=where, why=why)  # fmt: skip
            pr.notices.append(Notice("merged", str(message), message))
        target.contact = combined
    for k in _keys_of_record(rec):
        index.setdefault(k, target)
    return pr


def _load_whole(target: _Target, load: Callable[[str], Contact | None]) -> None:
    """Replace a light account contact by the whole one (every field, its Person JSON)."""
    assert target.existing is not None
    rn = target.existing.resource_name or ""
    whole = load(rn)
    if whole is None:
        raise ConflictError(
            f"{rn} left the local copy while the import was planned (a sync on another "
            "window?); nothing was written",
            hint="run the import again",
        )
    target.contact = target.existing = whole


def _settle(pr: PlanRow) -> None:
    """An update or merge that changes nothing becomes a skip; list the fields written."""
    if pr.into_row is not None or pr.action not in (Action.UPDATE, Action.MERGE):
        return
    assert pr.contact is not None and pr.match is not None
    pr.fields = pr.contact.changed_fields(pr.match)
    if not pr.fields:
        before = pr.reason_said or said("{reason}", reason=pr.reason)
        pr.because(Action.SKIP, said("already up to date ({reason})", reason=before))


def _find(
    rec: ImportRecord, index: dict[str, _Target]
) -> tuple[_Target | None, Said, _Target | None, str]:
    """(target, why, possible duplicate, key): phone, then e-mail, then name + company.

    Name + company joins only when one side has no phone and no e-mail; when
    both have some (and none is shared, else they matched above) the other
    side is only a possible duplicate.
    """
    for p in rec.phones:
        key = "phone:" + p.value.split(";")[0]
        if t := index.get(key):
            return t, said("phone {value}", value=p.value), None, key
    for e in rec.emails:
        key = "email:" + e.value
        if t := index.get(key):
            return t, said("e-mail {value}", value=e.value), None, key
    key = "name:" + rec.name_key
    if rec.name_key and (t := index.get(key)):
        if (rec.phones or rec.emails) and (t.contact.phones or t.contact.emails):
            return None, said(""), t, ""
        return t, said("name and company"), None, key
    return None, said(""), None, ""


def _where(row: int | None) -> Said:
    return said("row {row}", row=row) if row is not None else said("a contact in the account")


def _marked() -> None:  # pragma: no cover - never called: marks the reasons for extraction
    from contacts_crm.i18n import _

    for _text in (
        _("new contact"), _("no name, company, phone or e-mail in the row"),
        _("no name, company, phone or e-mail in the row (the row holds: {text})"),
        _("already imported"), _("a contact in the account"),
        _("row {row}: possible duplicate of {where} ({name}): same name and company, "
          "different phones and e-mails; imported as a separate contact"),
        _("row {row}, which matches a contact in the account"),
        _("duplicate of {where} (same {why})"), _("same {why} as {where}"),
        _("merged into {where} (same {why})"), _("folded into {where} (same {why})"),
        _("already up to date ({reason})"), _("phone {value}"), _("e-mail {value}"),
        _("name and company"), _("row {row}"),
        _("row {row}: merged into {where} (same {why})"),
        _("row {row} ({origin}): merged into {where} ({into}) (same {why})"),
    ):  # fmt: skip
        pass


def _keys_of_record(rec: ImportRecord) -> list[str]:
    keys = ["phone:" + p.value.split(";")[0] for p in rec.phones]
    keys += ["email:" + e.value for e in rec.emails]
    return keys + (["name:" + rec.name_key] if rec.name_key else [])


def _keys_of_contact(c: Contact) -> list[str]:
    keys = ["phone:" + p.value.split(";")[0] for p in c.phones if p.value.startswith("+")]
    keys += ["email:" + e.value.strip().lower() for e in c.emails]
    key = name_key(c.given_name, c.middle_name, c.family_name, c.organization)
    return keys + (["name:" + key] if key else [])


def _import_keys(c: Contact) -> list[str]:
    raw = c.raw.get("clientData", []) if c.raw else []
    keys = [d.get("value", "") for d in raw if d.get("key") == IMPORT_KEY]
    if not raw and IMPORT_KEY in c.client_data:
        keys.append(c.client_data[IMPORT_KEY])
    return [k for k in keys if k]


def _group_resources(names: list[str], groups: dict[str, str], new: list[str]) -> list[str]:
    out = []
    for name in names:
        rn = SYSTEM_GROUPS.get(name.casefold()) or groups.get(name.casefold())
        if rn is None:  # the first spelling seen names the new group
            known = next((n for n in new if n.casefold() == name.casefold()), None)
            if known is None:
                new.append(name)
            rn = NEW_GROUP + (known or name)
        out.append(rn)
    return out


def _contact_from(rec: ImportRecord, groups: list[str]) -> Contact:
    return Contact(
        given_name=rec.given_name,
        family_name=rec.family_name,
        middle_name=rec.middle_name,
        phones=list(rec.phones),
        emails=list(rec.emails),
        organization=rec.organization,
        title=rec.title,
        department=rec.department,
        job_description=rec.job_description,
        addresses=list(rec.addresses),
        nicknames=list(rec.nicknames),
        urls=list(rec.urls),
        birthday=rec.birthday,
        notes=rec.notes,
        groups=list(dict.fromkeys([MY_CONTACTS, *groups])),
    )


def _combine(old: Contact, new: Contact, policy: Action) -> Contact:
    """``update``: the row's values win where it has them; ``merge``: union, blanks filled.

    Either way notes are only ever appended to, and system groups are kept.
    """
    out = copy.deepcopy(old)
    aka: list[str] = []
    if policy is Action.UPDATE:
        if new.given_name or new.family_name or new.middle_name:
            aka = other_name(new, old)  # the name the row replaces stays in the notes
            out.given_name, out.family_name = new.given_name, new.family_name
            out.middle_name = new.middle_name
        for attr in _SINGLE_VALUES:
            setattr(out, attr, getattr(new, attr) or getattr(out, attr))
        out.nicknames = _union(new.nicknames, out.nicknames, lambda n: n.casefold())
        if new.urls:
            out.urls = list(new.urls)
        if new.phones:
            out.phones = list(new.phones)
        if new.emails:
            out.emails = list(new.emails)
        if new.addresses:
            out.addresses = list(new.addresses)
        user_groups = [g for g in new.groups if g != MY_CONTACTS]
        if user_groups:
            kept = [g for g in out.groups if g in SYSTEM_GROUPS.values()]
            out.groups = list(dict.fromkeys([*kept, *user_groups]))
    else:
        extra: list[str] = []
        for attr in ("given_name", "family_name", "middle_name", *_SINGLE_VALUES):
            mine, theirs = getattr(out, attr), getattr(new, attr)
            if not mine:
                setattr(out, attr, theirs)
            elif theirs and theirs.casefold() != mine.casefold() and attr in _SINGLE_VALUES:
                extra.append(f"{_SINGLE_VALUES[attr]}: {theirs}")
        aka = other_name(out, new)
        out.nicknames = _union(out.nicknames, new.nicknames, lambda n: n.casefold())
        out.urls = _union(out.urls, new.urls, lambda u: u.value.casefold())
        out.phones = _union(out.phones, new.phones, lambda p: p.value)
        out.emails = _union(out.emails, new.emails, lambda e: e.value.lower())
        out.addresses = _union(out.addresses, new.addresses, lambda a: a.key())
        added = [g for g in new.groups if g != MY_CONTACTS]
        out.groups = list(dict.fromkeys([*out.groups, *added]))
        new = copy.copy(new)
        new.notes = "\n".join(x for x in (new.notes, *extra) if x)
    out.notes = append_notes(out.notes, "\n".join(x for x in (*aka, new.notes) if x))
    return out


AKA = "Also known as"
# One-value fields a merge fills when blank, and their notes label when the two differ.
_SINGLE_VALUES = {
    "organization": "Company", "title": "Job title", "department": "Department",
    "job_description": "Role", "birthday": "Birthday",
}  # fmt: skip


def other_name(kept: Contact, other: Contact) -> list[str]:
    """An "Also known as: NAME" line when ``other``'s name has words ``kept``'s has not.

    Words are compared folded (case, ё/е, transliteration), in any order, an
    initial matching a word: "Петров Иван", "Ivan Petrov" and "И. Петров" say
    nothing new next to "Иван Петров"; "Ваня" does.
    """
    theirs = " ".join(p for p in (other.given_name, other.middle_name, other.family_name) if p)
    mine = " ".join(p for p in (kept.given_name, kept.middle_name, kept.family_name) if p)
    have = set(names.words(mine))
    new = [
        w for w in names.words(theirs)
        if w not in have and not (len(w) == 1 and any(h.startswith(w) for h in have))
    ]  # fmt: skip
    return [f"{AKA}: {theirs}"] if new else []


def _union(a: list[Any], b: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    seen = [key(x) for x in a]
    return [*a, *(x for x in b if key(x) not in seen)]


def append_notes(old: str, new: str) -> str:
    """``old`` with the lines of ``new`` it does not contain yet appended (nothing is lost)."""
    if not new or new in old:
        return old
    have = {line.strip() for line in old.splitlines()}
    add = [line for line in new.splitlines() if line.strip() and line.strip() not in have]
    if not add:
        return old
    return "\n".join(x for x in (old.rstrip("\n"), *add) if x)
