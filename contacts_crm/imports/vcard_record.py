"""Turn one vCard (files/vcard.py) into an ImportRecord: every property mapped or kept.

Pure. FN, N, NICKNAME, ORG (company; its units the department), TITLE, ROLE (the
job description), TEL, EMAIL, ADR (+ LABEL), URL, BDAY, NOTE and CATEGORIES fill
the contact's fields (the People API's names, nicknames, organizations, phoneNumbers,
emailAddresses, addresses, urls, birthdays, biographies, memberships); IM, related
names, social profiles, a second company or title, a BDAY that is not a date and any
other property with a value go into the notes as "Label: value" lines (an iOS item's
X-ABLabel names it), and the record says which properties of the card went there.
Photos, sounds and keys are skipped with a word; what only describes the file
(VERSION, PRODID, REV, UID, X-ABUID, X-ABADR, X-EVOLUTION-FILE-AS, ...) is left out.

Types follow one written precedence (the same on every run, see ``phone_type``,
``email_type``, ``address_type``); a PREF value comes first in its list.
"""

from __future__ import annotations

import re

from contacts_crm.contact.model import Address, EmailEntry, birthday_value
from contacts_crm.files.vcard import VCard, VProp
from contacts_crm.i18n import _
from contacts_crm.imports.normalize import (
    ImportRecord,
    _add_phones,
    _bounded,
    _bounded_notes,
    add_url,
    clean_name,
    clean_text,
    name_guessed,
    split_emails,
    split_full_name_parts,
    split_groups,
)
from contacts_crm.imports.said import said

# Properties that only describe the file or the program that wrote it.
_IGNORED = {
    "VERSION", "PRODID", "REV", "UID", "X-ABUID", "X-ABADR", "X-ABLABEL", "X-ABSHOWAS",
    "X-EVOLUTION-FILE-AS", "X-EVOLUTION-LIST", "X-EVOLUTION-LIST-SHOW-ADDRESSES",
    "X-MOZILLA-HTML", "X-MS-OL-DEFAULT-POSTAL-ADDRESS", "X-MS-OL-DESIGN", "PROFILE", "SOURCE",
    "NAME", "X-LOTUS-CHARSET", "CLASS", "SORT-STRING", "MAILER", "KIND", "CLIENTPIDMAP",
    "X-NOKIA-PNCN-DEFAULT", "X-IRMC-LUID", "X-WAB-GENDER", "LABEL",
}  # fmt: skip
_SKIPPED = {"PHOTO", "LOGO", "SOUND", "KEY", "X-MS-CARDPICTURE"}
# The words notes lines start with (fixed English: an import key must not depend on the language).
_NOTE_LABELS = {
    "NICKNAME": "Nickname", "URL": "Website", "BDAY": "Birthday", "ANNIVERSARY": "Anniversary",
    "ROLE": "Role", "TITLE": "Job title", "IMPP": "IM", "X-MS-IMADDRESS": "IM", "TZ": "Time zone",
    "GEO": "Location", "GENDER": "Gender", "LANG": "Language", "RELATED": "Related",
    "X-ABRELATEDNAMES": "Related", "X-ABDATE": "Date", "X-SOCIALPROFILE": "Social profile",
    "X-PHONETIC-FIRST-NAME": "Phonetic given name", "X-PHONETIC-LAST-NAME": "Phonetic family name",
    "X-PHONETIC-MIDDLE-NAME": "Phonetic middle name", "X-PHONETIC-ORG": "Phonetic company",
    "X-ASSISTANT": "Assistant", "X-MANAGER": "Manager", "X-SPOUSE": "Spouse",
    "X-ANNIVERSARY": "Anniversary", "FN": "Full name", "ORG": "Company", "NOTE": "Note",
    "EMAIL": "E-mail", "TEL": "Phone", "ADR": "Address", "N": "Name",
}  # fmt: skip
_APPLE_LABEL = re.compile(r"^_\$!<(.+)>!\$_$")
_APPLE_PHONE = {
    "mobile": "mobile", "iphone": "mobile", "home": "home", "work": "work", "main": "main",
    "homefax": "homeFax", "workfax": "workFax", "otherfax": "otherFax", "pager": "pager",
    "other": "other", "school": "other", "googlevoice": "googleVoice", "workmobile": "workMobile",
    "workpager": "workPager",
}  # fmt: skip
_APPLE_EMAIL = {"home": "home", "work": "work", "other": "other", "school": "other"}
_APPLE_WORDS = {"homepage": "Home page", "anniversary": "Anniversary"}
_APPLE_URL = {"homepage": "homePage", "home": "home", "work": "work", "other": "other",
              "blog": "blog", "profile": "profile"}  # fmt: skip


def _marked() -> None:  # pragma: no cover - never called: marks the notices for extraction
    for _text in (
        _("card {n}: no END:VCARD before line {line} (the file may be cut short); "
          "read up to there"),
        _("card {n}: no END:VCARD at the end of the file (the file may be cut short); "
          "read up to there"),
        _("card {n}: text outside any card before it (lines {lines}) was not read"),
        _("card {n}: line {line} is not a vCard property: read as the rest of {prop}"),
        _("card {n}: line {line} is not a vCard property: kept in the notes"),
        _("card {n}: {props} kept in the notes"),
        _("card {n}: {props} skipped (photos, sounds and keys are not imported)"),
        _("card {n}: the card cannot be read ({why}); the rest of the file is imported"),
        _("card {n}"),
    ):  # fmt: skip
        pass


def phone_type(types: list[str], label: str = "") -> str:
    """The contact's phone type for a TEL's types; the precedence, first match wins:

    an iOS label (X-ABLabel: its own word, or the label text itself), fax (home
    fax, work fax, other fax), pager (work pager, pager), cell/mobile/iphone
    (work mobile when WORK is also given, else mobile), main/company, work, home,
    other; nothing known: other. VOICE, MSG, PREF, TEXT... say nothing of the kind.
    """
    if label:
        m = _APPLE_LABEL.match(label)
        word = m.group(1) if m else label
        return _APPLE_PHONE.get(word.casefold().replace(" ", ""), word)
    t = set(types)
    if "fax" in t:
        return "homeFax" if "home" in t else "workFax" if "work" in t else "otherFax"
    if "pager" in t:
        return "workPager" if "work" in t else "pager"
    if t & {"cell", "mobile", "iphone"}:
        return "workMobile" if "work" in t else "mobile"
    if t & {"main", "x-evolution-company", "company"}:
        return "main"
    for kind in ("work", "home", "other"):
        if kind in t:
            return kind
    return "other"


def _labelled_type(types: list[str], label: str, order: tuple[str, ...],
                   apple: dict[str, str], *, squeeze: bool = False) -> str:  # fmt: skip
    """The iOS item label mapped by ``apple`` (or its own text), else the first of
    ``order`` among the types; else other."""
    if label:
        m = _APPLE_LABEL.match(label)
        word = m.group(1) if m else label
        folded = word.casefold().replace(" ", "") if squeeze else word.casefold()
        return apple.get(folded, word)
    return next((kind for kind in order if kind in types), "other")


def email_type(types: list[str], label: str = "") -> str:
    """An EMAIL's type: the iOS label, else work, home, other in that order; else other."""
    return _labelled_type(types, label, ("work", "home", "other"), _APPLE_EMAIL)


def address_type(types: list[str], label: str = "") -> str:
    """An ADR's type: the iOS label, else home, work, other in that order; else other."""
    return _labelled_type(types, label, ("home", "work", "other"), _APPLE_EMAIL)


def url_type(types: list[str], label: str = "") -> str:
    """A URL's type: the iOS label (HomePage -> homePage, or its own text), else work,
    home in that order; else other."""
    return _labelled_type(types, label, ("work", "home"), _APPLE_URL, squeeze=True)


def card_record(card: VCard, region: str, skip: frozenset[str] = frozenset()) -> ImportRecord:
    """The ImportRecord of one card (``record.row`` is the card's number)."""
    rec = ImportRecord(row=card.number)
    for template, args in card.problems:
        rec.notice("vcard-damaged", said(template, n=card.number, **args))
    if card.unreadable:
        rec.reject_said = said(
            "card {n}: the card cannot be read ({why}); the rest of the file is imported",
            n=card.number, why=card.unreadable)  # fmt: skip
        rec.reject = str(rec.reject_said)
        return rec
    ref = said("card {n}", n=card.number)
    extra: list[str] = []
    to_notes: list[str] = []
    skipped: list[str] = []
    notes: list[str] = []
    labels = {p.group: p.text().strip() for p in card.props if p.name == "X-ABLABEL" and p.group}
    full = ""
    named = False
    phones: list[tuple[bool, str, str]] = []  # (pref, value, type)
    emails: list[tuple[bool, str, str]] = []
    addresses: list[tuple[bool, Address]] = []
    label_texts: dict[str, list[str]] = {}
    for p in card.props:
        label = labels.get(p.group, "")
        if p.name in _SKIPPED or p.binary:
            if p.name not in skipped:
                skipped.append(p.name)
            continue
        if p.name == "LABEL":
            label_texts.setdefault(address_type(p.types, label), []).append(clean_text(p.text()))
            continue
        if p.name in _IGNORED:
            continue
        value = clean_text(p.text())
        if p.name == "N":
            parts = [" ".join(x.replace(",", " ").split()) for x in p.parts()] + [""] * 5
            family, given, middle, prefix, suffix = (clean_name(x) for x in parts[:5])
            if (given or family or middle) and not named:
                named = True
                rec.family_name = _bounded(rec, str(ref), "N", family)
                rec.given_name = _bounded(rec, str(ref), "N", given)
                rec.middle_name = _bounded(rec, str(ref), "N", middle)
                for word, text in (("Name prefix", prefix), ("Name suffix", suffix)):
                    if text:
                        extra.append(f"{word}: {text}")
            elif given or family or middle or prefix or suffix:
                extra.append("Name: " + " ".join(x for x in parts[:5] if x))
                to_notes.append("N")
        elif p.name == "FN":
            if value and not full:
                full = clean_name(value)
            elif value and clean_name(value) != full:
                extra.append(f"Full name: {value}")
                to_notes.append("FN")
        elif p.name == "ORG":
            parts = [clean_name(x) for x in p.parts()]
            org = parts[0] if parts else ""
            if org and not rec.organization:
                rec.organization = _bounded(rec, str(ref), "ORG", org)
            elif org:
                extra.append(f"Company: {org}")
                to_notes.append("ORG")
            dept = ", ".join(x for x in parts[1:] if x)
            if dept and not rec.department:
                rec.department = _bounded(rec, str(ref), "ORG", dept)
            elif dept and dept != rec.department:
                extra.append(f"Department: {dept}")
                to_notes.append("ORG")
        elif p.name in ("TITLE", "ROLE") and value:
            attr = "title" if p.name == "TITLE" else "job_description"
            if not getattr(rec, attr):
                setattr(rec, attr, _bounded(rec, str(ref), p.name, clean_name(value)))
            elif clean_name(value) != getattr(rec, attr):
                extra.append(f"{_NOTE_LABELS[p.name]}: {value}")
                to_notes.append(p.name)
        elif p.name == "NICKNAME":
            for nick in (clean_name(x) for x in p.items()):
                if nick and nick not in rec.nicknames:
                    rec.nicknames.append(_bounded(rec, str(ref), "NICKNAME", nick))
        elif p.name == "URL" and value:
            add_url(rec, _bounded(rec, str(ref), "URL", value), url_type(p.types, label))
        elif p.name == "BDAY" and value and birthday_value(value) and not rec.birthday:
            rec.birthday = birthday_value(value)
        elif p.name == "TEL":
            if value:
                phones.append((p.pref, value, phone_type(p.types, label)))
        elif p.name == "EMAIL":
            if value:
                emails.append((p.pref, value, email_type(p.types, label)))
        elif p.name == "ADR":
            addresses.append((p.pref, _address(p, label)))
        elif p.name == "NOTE":
            if value:
                notes.append(value)
        elif p.name == "CATEGORIES":
            for item in p.items():
                for g in split_groups(item):
                    if g.casefold() not in (x.casefold() for x in rec.groups):
                        rec.groups.append(g)
        elif value:
            extra.append(f"{_note_label(p, label)}: {value}")
            to_notes.append(p.name)
    for _pref, value, kind in sorted(phones, key=lambda x: not x[0]):
        _add_phones(rec, str(ref), "TEL", value, kind, region, extra, skip)
    for _pref, value, kind in sorted(emails, key=lambda x: not x[0]):
        good, bad = split_emails(value, skip)
        for e in good:
            if e not in (x.value for x in rec.emails):
                rec.emails.append(EmailEntry(e, kind))
        for b in bad:
            extra.append(f"E-mail: {b}")
            rec.notice("email-refused", said(
                "{ref} ({header}): {value!r} is not a valid e-mail (kept in notes)",
                ref=ref, header="EMAIL", value=b))  # fmt: skip
    for _pref, a in sorted(addresses, key=lambda x: not x[0]):
        if not a.formatted and label_texts.get(a.type):
            a.formatted = " ".join(label_texts[a.type].pop(0).split())
        if a != Address(type=a.type) and a not in rec.addresses:
            rec.addresses.append(a)
    for kind, texts in label_texts.items():  # a LABEL without its ADR is the address itself
        for text in texts:
            rec.addresses.append(Address(formatted=" ".join(text.split()), type=kind))
    _names(rec, full, extra, to_notes)
    if to_notes:
        names = ", ".join(dict.fromkeys(to_notes))
        rec.notice("vcard-notes", said("card {n}: {props} kept in the notes",
                                       n=card.number, props=names))  # fmt: skip
    if skipped:
        rec.notice("vcard-skipped", said(
            "card {n}: {props} skipped (photos, sounds and keys are not imported)",
            n=card.number, props=", ".join(skipped)))  # fmt: skip
    rec.notes = _bounded_notes(rec, "\n".join(x for x in (*notes, *extra) if x))
    return rec


def _names(rec: ImportRecord, full: str, extra: list[str], to_notes: list[str]) -> None:
    """An empty N takes its names from FN; a FN that says more than N is kept in the notes."""
    if not full:
        return
    if not (rec.given_name or rec.family_name or rec.middle_name):
        if full.casefold() == rec.organization.casefold():
            return  # a company's card: FN repeats ORG (vCard requires a FN)
        parts = split_full_name_parts(full)
        rec.given_name, rec.family_name, rec.middle_name = parts.given, parts.family, parts.middle
        if not parts.sure:
            name_guessed(rec, said("card {n}", n=rec.row), "FN", full, parts)
        return
    mine = " ".join(p for p in (rec.given_name, rec.middle_name, rec.family_name) if p)
    said_words = set(full.casefold().replace(",", " ").split())
    prefix_words = {
        w.casefold() for line in extra if line.startswith(("Name prefix:", "Name suffix:"))
        for w in line.partition(": ")[2].split()
    }  # fmt: skip
    if said_words - prefix_words != set(mine.casefold().split()) - prefix_words:
        extra.insert(0, f"Full name: {full}")
        to_notes.append("FN")


def _address(p: VProp, label: str) -> Address:
    """The ADR's parts (all empty when only its LABEL says the address)."""
    parts = [" ".join(clean_text(x).split()) for x in p.parts()] + [""] * 7
    pobox, ext, street, city, region, code, country = parts[:7]
    return Address(type=address_type(p.types, label), street=street, city=city,
                   region=region, postal_code=code, country=country, po_box=pobox,
                   extended=ext)  # fmt: skip


def _note_label(p: VProp, label: str) -> str:
    if label:
        m = _APPLE_LABEL.match(label)
        word = m.group(1) if m else label
        return _APPLE_WORDS.get(word.casefold(), word)
    base = _NOTE_LABELS.get(p.name) or p.name.title()
    kinds = [t for t in p.types if t not in ("pref", "internet", "voice", "x-", "text", "uri")]
    return (
        f"{base} ({', '.join(kinds)})"
        if kinds and p.name in ("X-SOCIALPROFILE", "URL", "IMPP")
        else base
    )
