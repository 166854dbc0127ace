"""Editing a contact's fields: the change as data, and the editor template.

Pure: no I/O. An ``Edit`` says what changes (set a name part, add or remove a
phone…) rather than the whole new contact, so it can be re-applied to a fresh
copy after someone else changed the contact meanwhile: what they did stays.
The editor template (khard's habit) is plain text, one ``Field: value`` per
line, lists as ``- value [type]`` lines, comments starting with ``#`` saying
each field's format; the people's free text follows the ``--`` line. The
card's own lines (orders, calls) are not in the template: they change only
through the card commands, so the card grammar is never broken by an editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from contacts_crm.contact import phones
from contacts_crm.contact.emails import valid_email
from contacts_crm.contact.model import Address, Contact, EmailEntry, PhoneEntry
from contacts_crm.errors import InputError, Problem
from contacts_crm.i18n import _

FREE_MARK = "--"


@dataclass(frozen=True)
class Edit:
    """A change to one contact's modelled fields; ``None`` means "leave as it is"."""

    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    organization: str | None = None
    title: str | None = None
    add_phones: tuple[PhoneEntry, ...] = ()
    remove_phones: tuple[str, ...] = ()  # any spelling of the number
    add_emails: tuple[EmailEntry, ...] = ()
    remove_emails: tuple[str, ...] = ()
    add_addresses: tuple[Address, ...] = ()
    remove_addresses: tuple[str, ...] = ()  # formatted text
    address: str | None = None  # replaces every address with this one ("" removes them)
    free_text: tuple[str, str] | None = None  # (as it was shown, as it should be)
    append_note: str | None = None

    @property
    def empty(self) -> bool:
        return self == Edit()


def same_number(a: str, b: str, region: str = "RU") -> bool:
    """Two spellings of one phone number (E.164 equal, else the digits)."""
    ka = phones.lookup_keys(a.split(";ext=")[0], region)
    kb = phones.lookup_keys(b.split(";ext=")[0], region)
    if ka and kb and ka[0].startswith("+") and kb[0].startswith("+"):
        return ka[0] == kb[0]
    return re.sub(r"\D", "", a) == re.sub(r"\D", "", b)


def apply_fields(contact: Contact, edit: Edit, region: str = "RU") -> Contact:
    """``contact`` with the edit's field changes (not the free text: see card.free_text)."""
    out = replace(
        contact,
        phones=list(contact.phones),
        emails=list(contact.emails),
        addresses=list(contact.addresses),
    )
    for name in ("given_name", "middle_name", "family_name", "organization", "title"):
        value = getattr(edit, name)
        if value is not None:
            setattr(out, name, value.strip())
    out.phones = [
        p
        for p in out.phones
        if not any(same_number(p.value, r, region) for r in edit.remove_phones)
    ]
    for p in edit.add_phones:
        if not any(same_number(p.value, q.value, region) for q in out.phones):
            out.phones.append(p)
    gone = {e.strip().casefold() for e in edit.remove_emails}
    out.emails = [e for e in out.emails if e.value.strip().casefold() not in gone]
    for e in edit.add_emails:
        if e.value.casefold() not in {x.value.casefold() for x in out.emails}:
            out.emails.append(e)
    if edit.address is not None:
        kind = out.addresses[0].type if out.addresses else "work"
        text = " ".join(edit.address.split())
        out.addresses = [Address(formatted=text, type=kind)] if text else []
    gone = {" ".join(a.split()).casefold() for a in edit.remove_addresses}
    out.addresses = [a for a in out.addresses if _address_text(a).casefold() not in gone]
    for a in edit.add_addresses:
        if _address_text(a).casefold() not in {_address_text(x).casefold() for x in out.addresses}:
            out.addresses.append(a)
    return out


def _address_text(a: Address) -> str:
    text = a.formatted or ", ".join(
        x for x in (a.street, a.city, a.region, a.postal_code, a.country) if x
    )
    return " ".join(text.split())


# ------------------------------------------------------------------ template
@dataclass
class Template:
    """The fields as the template shows them (what an edited file is compared with)."""

    given_name: str = ""
    middle_name: str = ""
    family_name: str = ""
    phones: list[tuple[str, str]] = field(default_factory=list)
    emails: list[tuple[str, str]] = field(default_factory=list)
    organization: str = ""
    title: str = ""
    addresses: list[tuple[str, str]] = field(default_factory=list)
    free: str = ""


_SINGLE = {
    "given name": "given_name",
    "middle name": "middle_name",
    "family name": "family_name",
    "company": "organization",
    "title": "title",
}
_LISTS = {"phones": "phones", "emails": "emails", "addresses": "addresses"}
_FIELD = re.compile(r"^([A-Za-z][A-Za-z ]*?)\s*:\s?(.*)$")
_ITEM = re.compile(r"^-\s*(.*?)\s*(?:\[([^\[\]]*)\])?\s*$")

_HEAD = """\
# crm edit {rn}: change the values after the colons, save and close the file.
# Lines starting with # are comments. An unchanged file changes nothing.
# Names: one value each; leave a value empty to clear it.
"""
_PHONES = (
    "# Phones: one per line, '- NUMBER [type]'; any spelling, stored as E.164\n"
    "# (+79161234567). Types: mobile, work, home, other. Delete a line to remove it.\n"
)
_EMAILS = "# Emails: one per line, '- ADDRESS [type]' (work, home, other).\n"
_ADDRESSES = "# Addresses: one per line, '- the whole address [type]' (work, home, other).\n"
_FREE = (
    "# Below the '--' line: the people's own text on the card, kept exactly as written.\n"
    "# The card's orders and calls change only with 'crm call' and 'crm order'.\n"
)


def template_of(contact: Contact, free: str) -> Template:
    """What the template shows for a contact whose card's free text is ``free``."""
    return Template(
        given_name=contact.given_name,
        middle_name=contact.middle_name,
        family_name=contact.family_name,
        phones=[(p.value, p.type) for p in contact.phones],
        emails=[(e.value, e.type) for e in contact.emails],
        organization=contact.organization,
        title=contact.title,
        addresses=[(_address_text(a), a.type) for a in contact.addresses],
        free=free,
    )


def render_template(t: Template, resource_name: str) -> str:
    """The text the editor opens."""
    out = [_HEAD.format(rn=resource_name)]
    out.append(f"Given name: {t.given_name}\nMiddle name: {t.middle_name}\n")
    out.append(f"Family name: {t.family_name}\n")
    out.append(_PHONES + "Phones:\n" + "".join(f"- {v} [{k}]\n" for v, k in t.phones))
    out.append(_EMAILS + "Emails:\n" + "".join(f"- {v} [{k}]\n" for v, k in t.emails))
    out.append(f"Company: {t.organization}\nTitle: {t.title}\n")
    out.append(_ADDRESSES + "Addresses:\n" + "".join(f"- {v} [{k}]\n" for v, k in t.addresses))
    out.append(_FREE + FREE_MARK + "\n" + t.free + "\n")  # parse_template drops this newline
    return "".join(out)


_ERROR = "# ERROR: "
_ERROR_TAIL = "# Fix it, save and close (save it unchanged to give up)."


def with_error(text: str, error: str) -> str:
    """An edited file with ``error`` on top (replacing an earlier error there)."""
    lines = text.split("\n")
    while lines and (lines[0].startswith(_ERROR) or lines[0] == _ERROR_TAIL):
        lines.pop(0)
    return "\n".join([_ERROR + " ".join(error.split()), _ERROR_TAIL, *lines])


def parse_template(text: str) -> Template:
    """The fields of an edited template; InputError naming the line of each problem."""
    t = Template()
    problems: list[Problem] = []
    current: str | None = None
    lines = text.split("\n")
    free_at = next((i for i, ln in enumerate(lines) if ln.strip() == FREE_MARK), None)
    head = lines if free_at is None else lines[:free_at]
    for n, raw in enumerate(head, 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.lstrip().startswith("-"):
            m = _ITEM.match(line.strip())
            if current is None or m is None:
                problems.append(Problem("a '- ' item outside Phones, Emails or Addresses", row=n))
                continue
            value, kind = m.group(1).strip(), (m.group(2) or "").strip().lower()
            if value:
                getattr(t, current).append((value, kind or _DEFAULT_TYPE[current]))
            continue
        m = _FIELD.match(line)
        key = m.group(1).strip().lower() if m else ""
        if m and key in _SINGLE:
            setattr(t, _SINGLE[key], m.group(2).strip())
            current = None
        elif m and key in _LISTS:
            current = _LISTS[key]
            if m.group(2).strip():
                problems.append(
                    Problem(f"put each of the {key} on its own '- ' line below {key}:", row=n)
                )
        else:
            problems.append(Problem(f"not a field of the template: {line.strip()!r}", row=n))
    if free_at is None:
        problems.append(Problem(f"the '{FREE_MARK}' line before the free text is missing"))
    else:
        t.free = "\n".join(lines[free_at + 1 :]).removesuffix("\n")
    if problems:
        raise InputError("the edited contact has mistakes", problems)
    return t


_DEFAULT_TYPE = {"phones": "mobile", "emails": "work", "addresses": "work"}


def edit_from_templates(before: Template, after: Template) -> Edit:
    """The Edit that turns what the template showed into what the user saved."""
    single = {}
    for name in ("given_name", "middle_name", "family_name", "organization", "title"):
        if getattr(before, name) != getattr(after, name):
            single[name] = getattr(after, name)
    old_p, new_p = dict(before.phones), dict(after.phones)
    old_e, new_e = dict(before.emails), dict(after.emails)
    old_a, new_a = dict(before.addresses), dict(after.addresses)
    return Edit(
        **single,
        remove_phones=tuple(v for v in old_p if v not in new_p or new_p[v] != old_p[v]),
        add_phones=tuple(
            PhoneEntry(v, k) for v, k in after.phones if v not in old_p or old_p[v] != k
        ),
        remove_emails=tuple(v for v in old_e if v not in new_e or new_e[v] != old_e[v]),
        add_emails=tuple(
            EmailEntry(v, k) for v, k in after.emails if v not in old_e or old_e[v] != k
        ),
        remove_addresses=tuple(v for v in old_a if v not in new_a or new_a[v] != old_a[v]),
        add_addresses=tuple(
            Address(formatted=v, type=k)
            for v, k in after.addresses
            if v not in old_a or old_a[v] != k
        ),
        free_text=(before.free, after.free) if before.free != after.free else None,
    )


def normalized(edit: Edit, region: str = "RU") -> Edit:
    """The edit with added phones in E.164 and e-mails lower-cased; InputError if one is bad."""
    problems: list[Problem] = []
    add_phones = []
    for p in edit.add_phones:
        phone = phones.normalize(p.value, region)
        if phone.e164 is None:
            problems.append(Problem(f"{p.value!r}: {phones.local_problem(phone.problem or '')}",
                                    column="phone"))  # fmt: skip
        else:
            add_phones.append(PhoneEntry(phone.value, p.type or "mobile"))
    add_emails = []
    for e in edit.add_emails:
        value = valid_email(e.value)
        if value is None:
            problems.append(Problem(_("{value!r} is not an email address").format(value=e.value),
                                    column="email"))  # fmt: skip
        else:
            add_emails.append(EmailEntry(value, e.type or "work"))
    if problems:
        raise InputError(_("cannot make this edit"), problems,
                         hint=_("fix the values and try again"))  # fmt: skip
    return replace(edit, add_phones=tuple(add_phones), add_emails=tuple(add_emails))
