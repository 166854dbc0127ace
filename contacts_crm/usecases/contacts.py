"""Use cases on contacts and groups: plain functions over an Account.

Reads come from the local copy (filled by the first sync) through the
account's stores; writes go through them too (account.contacts, account.groups).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.contact import name_order, phones
from contacts_crm.contact.emails import valid_email
from contacts_crm.contact.model import MY_CONTACTS, SYSTEM_GROUPS, Contact, EmailEntry, PhoneEntry
from contacts_crm.contact.name_order import NameParts
from contacts_crm.errors import (
    AmbiguousError,
    FieldError,
    InputError,
    NotFoundError,
    Problem,
    UsageError,
)
from contacts_crm.i18n import _

# ------------------------------------------------------------------- finding
MAX_RESULTS = 100_000  # a result list longer than this is not a search
FIELD_MAX_CHARS = 1024  # the People API's limit on a name, a company, a title, an e-mail


def find(account: Account, query: str, *, limit: int = 50) -> list[Contact]:
    """Contacts matching a phone (any spelling), an email, a name or a company.

    Answers from the cache: no API call once the account was synced.
    ``limit`` (1 to MAX_RESULTS) caps the results of a text search.
    """
    if not 1 <= limit <= MAX_RESULTS:
        raise FieldError("limit", "range", _("the number of results must be from 1 to {high:,}, "
                         "got {got}").format(high=MAX_RESULTS, got=limit),
                         high=MAX_RESULTS, got=limit)  # fmt: skip
    account.ensure_synced()
    if not query.strip():
        raise UsageError(
            _("empty search"), hint=_("give a phone number, a name, an email or a company")
        )
    found = account.contacts.find(query, limit=limit)
    if not found and account.catch_up():  # a stale copy may lack a client added elsewhere
        found = account.contacts.find(query, limit=limit)
    return found


def resolve(account: Account, query: str) -> Contact:
    """Exactly one contact for ``query``, or a clear error."""
    found = find(account, query)
    if not found:
        raise NotFoundError(
            _("no contact matches {query!r}").format(query=query),
            hint=_("check the spelling, or run 'crm sync' to refresh the local copy"),
        )
    if len(found) > 1:
        raise ambiguous(account, query, found)
    return found[0]


def ambiguous(account: Account, query: str, found: Sequence[Contact]) -> AmbiguousError:
    """The error for a query that names several contacts: who they are, what to do next.

    Each contact is listed with its name, first number, groups and resource
    name; the hint says how to look at each one and how to merge them.
    """
    by_id = account.groups.names()
    listed = []
    for c in found[:10]:
        number = phones.format_national(c.phones[0].value) if c.phones else _("no phone")
        groups = ", ".join(by_id.get(g, g) for g in c.groups if g != MY_CONTACTS)
        listed.append(
            f"{c.display_name}, {number}"
            + (f", {groups}" if groups else "")
            + f" ({c.resource_name})"
        )
    more = "; " + _("… and {n} more").format(n=len(found) - 10) if len(found) > 10 else ""
    rns = [c.resource_name or "" for c in found]
    hint = _("see each one with 'crm show {rn}'; ").format(rn=rns[0]) + (
        _("if they are one client, merge them: crm merge {a} {b}").format(a=rns[0], b=rns[1])
        if phones.looks_like_phone(query)
        else _("or pick one by its phone number or resource name (people/c…)")
    )
    message = _("{n} contacts match {query!r}: {listed}").format(
        n=len(found), query=query, listed="; ".join(listed)
    )
    return AmbiguousError(message + more, rns, hint=hint)


# ------------------------------------------------------------------- adding
def split_name(name: str) -> NameParts:
    """'Ivan Petrov' -> given Ivan, family Petrov; 'Петренко Игорь Сергеевич' -> given Игорь,
    middle Сергеевич, family Петренко (contact/name_order.py: the words decide, not their
    order; ``sure`` is False when they could not); one word is a given name."""
    return name_order.split_words(" ".join(name.split()))


def add_contact(
    account: Account,
    name: str,
    *,
    phone_numbers: Sequence[str] = (),
    emails: Sequence[str] = (),
    organization: str = "",
    title: str = "",
    groups: Sequence[str] = (),
    notes: str = "",
    allow_duplicate: bool = False,
    create_groups: bool = True,
) -> Contact:
    """Create one contact: phones to E.164, groups set in the same call.

    A group named for the first time is created (once every value was checked;
    ``missing_groups`` tells a face which ones, to say so), like an import does;
    with ``create_groups=False`` an unknown group is refused instead. Refuses
    (InputError) a phone that is not a number, an email without '@', or a phone
    another contact already has (unless ``allow_duplicate``).
    """
    account.ensure_synced()
    account.finish_creates()  # creates an interrupted run left: never sent twice
    problems: list[Problem] = []
    if not name.strip() and not organization.strip():
        problems.append(Problem(_("a contact needs a name or a company"), column="NAME"))
    for value, where in ((name, "NAME"), (organization, "--org"), (title, "--title"),
                         *((e, "--email") for e in emails)):  # fmt: skip
        if len(value) > FIELD_MAX_CHARS:  # Google refuses it (a 400, not our data's fault)
            problems.append(Problem(
                _("{n} characters; the People API takes at most {limit}").format(
                    n=f"{len(value):,}", limit=f"{FIELD_MAX_CHARS:,}"),
                column=where,
            ))  # fmt: skip
    entries: list[PhoneEntry] = []
    for raw in phone_numbers:
        if not raw.strip():
            problems.append(Problem(_("an empty phone number"), field="phone"))
        for phone in phones.normalize_cell(raw, account.profile.region):
            if phone.e164 is None:
                problems.append(Problem(f"{raw!r}: {phones.local_problem(phone.problem or '')}",
                                        field="phone"))  # fmt: skip
            else:
                entries.append(PhoneEntry(phone.value, "mobile"))
    mails = []
    for raw in emails:
        checked = valid_email(raw)
        if checked is None:
            message = _("{value!r} is not an email address").format(value=raw)
            problems.append(Problem(message, field="email"))
        else:
            mails.append(EmailEntry(checked, "work"))
    group_names: list[str] = []
    to_create: list[str] = []
    for g in groups:
        if not g.strip():
            problems.append(Problem(_("a group needs a name"), field="group"))
            continue
        try:
            group_names.append(group_resource(account, g))
        except NotFoundError as exc:
            if create_groups:
                to_create.append(" ".join(g.split()))
            else:
                problems.append(Problem(exc.message, field="group"))
    parts = split_name(name)

    def build() -> Contact:
        return Contact(
            given_name=parts.given,
            family_name=parts.family,
            middle_name=parts.middle,
            phones=entries,
            emails=mails,
            organization=organization.strip(),
            title=title.strip(),
            notes=notes,
            groups=[MY_CONTACTS, *group_names],
        )

    if not problems and not to_create:
        again = account.contacts.landed_as(build().to_person())
        if again is not None:
            return Contact.from_person(again)  # this very add, interrupted after it landed
    shared = False
    if not allow_duplicate:
        for entry in entries:
            for other in account.contacts.by_phone(entry.value):
                shared = True
                problems.append(
                    Problem(
                        _("{number} already belongs to {name} ({rn})").format(
                            number=entry.value, name=other.display_name, rn=other.resource_name
                        ),
                        field="phone",
                    )
                )
    if problems:
        raise InputError(
            _("cannot add {name!r}").format(name=name or organization),
            problems,
            hint=_("if the phone really is shared, add the contact allowing duplicates")
            if shared
            else _("fix the values above and run the command again"),
            reason="shared_phone" if shared else None,
        )
    for g in dict.fromkeys(to_create):  # every value is good: the groups can be made now
        group_names.append(str(create_group(account, g)["resourceName"]))
    contact = build()
    created = account.contacts.create(contact.to_person())
    return Contact.from_person(created)


# ------------------------------------------------------------------- groups
def groups(account: Account, *, refresh: bool = True) -> list[dict[str, Any]]:
    """Labels and the usable system groups, with member counts."""
    return account.groups.listing(refresh=refresh)


def group_resource(account: Account, name: str) -> str:
    """The resource name of a group given by name (case-insensitive) or resource name."""
    return account.groups.resource(name)


def missing_groups(account: Account, names: Sequence[str]) -> list[str]:
    """The names among ``names`` no group has yet (``add_contact`` creates them)."""
    missing = []
    for name in names:
        try:
            group_resource(account, name)
        except NotFoundError:
            clean = " ".join(name.split())
            if clean and clean not in missing:
                missing.append(clean)
    return missing


def create_group(account: Account, name: str) -> dict[str, Any]:
    """Create a label (refuses an empty name or an existing one)."""
    clean = " ".join(name.split())
    if not clean:
        raise UsageError(_("a group needs a name"))
    return account.groups.create(clean)


def rename_group(account: Account, old: str, new: str) -> dict[str, Any]:
    rn = group_resource(account, old)
    if rn in SYSTEM_GROUPS.values():
        raise UsageError(_("{name!r} is a system group and cannot be renamed").format(name=old))
    return account.groups.rename(rn, " ".join(new.split()))


def delete_group(account: Account, name: str, *, delete_contacts: bool = False) -> str:
    """Delete a label; its contacts stay unless ``delete_contacts``."""
    rn = group_resource(account, name)
    if rn in SYSTEM_GROUPS.values():
        raise UsageError(_("{name!r} is a system group and cannot be deleted").format(name=name))
    account.groups.delete(rn, delete_contacts=delete_contacts)
    return rn
