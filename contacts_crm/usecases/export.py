"""Export use cases: what ``crm export`` and ``crm restore`` call.

``export`` writes contacts to xlsx / csv / google-csv / vcard / json;
``export_account`` does it for an account (optionally one group);
``restore`` brings a JSON backup back into an empty account.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.card import grammar
from contacts_crm.card.wording import Labels
from contacts_crm.contact.model import Contact
from contacts_crm.errors import FieldError, InputError, NotFoundError, Problem, UsageError
from contacts_crm.files import writers as fmt
from contacts_crm.files.output import DEFAULT_MODE, check_output, file_mode
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings
from contacts_crm.office.templates import load_labels

FORMATS = ("xlsx", "csv", "google-csv", "vcard", "json")
DERIVED = ("Status", "Last contact", "Open orders")
RESTORE_KEY = "crm.restore"  # clientData on restored contacts: the backup's resourceName
# Person fields a restore writes (everything writable that a backup can hold).
RESTORE_FIELDS = (
    "names", "nicknames", "phoneNumbers", "emailAddresses", "organizations", "addresses",
    "biographies", "memberships", "clientData", "userDefined", "urls", "birthdays", "events",
    "relations", "externalIds", "imClients", "miscKeywords", "sipAddresses", "locations",
    "genders", "fileAses", "calendarUrls",
)  # fmt: skip
_OUTPUT_ONLY = {"metadata", "displayName", "displayNameLastFirst", "formattedType",
                "canonicalForm", "formattedProtocol", "contactGroupId"}  # fmt: skip


def card_columns(notes: str, labels: Labels) -> list[str]:
    """Status, last contact and open orders read from the card (blank if unreadable)."""
    try:
        card = grammar.parse(notes, labels)
        status = card.status()
        last = card.last_contact()
        orders = card.open_orders()
    except Exception:  # a card the parser cannot read still exports raw
        return ["", "", ""]
    status_text = (
        " ".join(x for x in (status.before, status.after) if x).strip(" ·") if status else ""
    )
    last_text = f"{last[0].isoformat()} ({last[1]})" if last and last[1] else (
        last[0].isoformat() if last else "")  # fmt: skip
    open_text = "; ".join(
        f"{o.number} {o.stage}" + (f" {o.amount}" if o.amount is not None else "") for o in orders
    )
    return [status_text, last_text, open_text]


def export(
    contacts: Iterable[Contact],
    path: Path | str,
    format: str = "xlsx",
    *,
    groups: list[dict[str, Any]] | None = None,
    labels: Labels | None = None,
    mode: int = DEFAULT_MODE,
    widths: fmt.Widths | None = None,
) -> int:
    """Write ``contacts`` to ``path``, each written as it is read (an iterator of any
    length is never held in memory); returns how many were written. ``groups`` are
    the account's contact groups, ``labels`` the wording cards are read with (the
    shipped one by default), ``mode`` the file's permissions (0600: only you can
    read it). ``widths`` (most e-mails, phones, addresses, websites on one contact)
    sizes the header: without it, Google's CSV reads the contacts into memory to find
    it; xlsx/csv count a list's, and give an iterator one set of address columns (more
    addresses go as text lines into its Formatted cell)."""
    if format not in FORMATS:
        choices = ", ".join(FORMATS)
        raise FieldError("format", "choices", _("the format must be one of {choices}").format(
            choices=choices), choices=choices)  # fmt: skip
    path = check_output(path)
    counted = _Counted(contacts)
    group_list = list(groups or [])
    names = _group_names(group_list)
    if format in ("xlsx", "csv"):
        if widths is None and isinstance(contacts, Sequence):
            widths = fmt.google_widths(contacts)
        addresses = widths[2] if widths else 1
        header = fmt.table_columns(DERIVED, addresses)
        rows = _table_rows(counted, names, labels or load_labels(), addresses)
        if format == "xlsx":
            fmt.write_xlsx(rows, header, path, mode)
        else:
            fmt.write_csv(rows, header, path, mode)
    elif format == "google-csv":
        if widths is None:
            held = list(counted)
            widths = fmt.google_widths(held)
            counted = _Counted(held)
        header, google = fmt.google_rows(counted, names, widths)
        fmt.write_csv(google, header, path, mode)
    elif format == "vcard":
        fmt.write_vcard(counted, names, path, mode)
    else:
        fmt.write_backup((c.raw or c.to_person() for c in counted), group_list, path, mode)
    return counted.n


class _Counted:
    """An iterable that counts what was taken from it."""

    def __init__(self, items: Iterable[Contact]) -> None:
        self.items = items
        self.n = 0

    def __iter__(self) -> Iterator[Contact]:
        for item in self.items:
            self.n += 1
            yield item


def _group_names(groups: list[dict[str, Any]]) -> dict[str, str]:
    return {g["resourceName"]: g.get("name") or g.get("formattedName", "") for g in groups}


def _table_rows(
    contacts: Iterable[Contact], names: dict[str, str], labels: Labels, addresses: int = 1
) -> Iterator[list[str]]:
    """The xlsx/csv/Sheet table: ``fmt.table_columns(DERIVED, addresses)`` cells per contact."""
    for c in contacts:
        yield fmt.table_row(c, names, card_columns(c.notes, labels), addresses)


def _selection(
    account: Account, group: str | None
) -> tuple[Iterator[Contact], list[dict[str, Any]], list[dict[str, Any]]]:
    """(the contacts, read a page at a time, all groups, the chosen group or []) for
    ``--group``."""
    account.ensure_synced()
    groups = account.groups.all()
    if group is None:
        return _members(account, None), groups, []
    match = [g for g in groups if (g.get("name") or "").casefold() == group.casefold()]
    if not match:
        known = ", ".join(sorted(g.get("name", "") for g in groups))
        raise NotFoundError(_("no group {name!r}").format(name=group),
                            hint=_("the groups are: {names}").format(names=known))  # fmt: skip
    return _members(account, match[0]["resourceName"]), groups, match


def _members(account: Account, group_rn: str | None) -> Iterator[Contact]:
    for page in account.contacts.pages():
        for contact in page:
            if group_rn is None or group_rn in contact.groups:
                yield contact


def export_account(
    account: Account, path: Path | str, format: str = "xlsx", *, group: str | None = None
) -> int:
    """Export the account's contacts (all, or the members of the label ``group``), read
    from the local copy a page at a time and written as they are read.

    The file gets the profile's ``export_mode`` (0600 by default)."""
    path = check_output(path)  # before the sync: a bad path fails at once
    contacts, groups, chosen = _selection(account, group)
    widths = None
    if format in ("google-csv", "xlsx", "csv"):
        widths = account.contacts.most_entries(chosen[0]["resourceName"] if chosen else None)
    return export(contacts, path, format, groups=chosen if format == "json" and chosen
                  else groups, labels=card_settings(account.profile).labels,
                  mode=file_mode(account.profile.export_mode), widths=widths)  # fmt: skip


def export_to_sheet(
    account: Account,
    sheet_ref: str,
    *,
    group: str | None = None,
    tab: str = "Contacts",
    sheets_client: Any = None,
) -> Any:
    """Refresh one tab of a Google Sheet with the xlsx export's table (other tabs untouched)."""
    from contacts_crm.sheets.connect import sheets_client_for

    contacts, groups, chosen = _selection(account, group)
    addresses = account.contacts.most_entries(chosen[0]["resourceName"] if chosen else None)[2]
    labels = card_settings(account.profile).labels
    rows = list(_table_rows(contacts, _group_names(groups), labels, addresses))
    client = sheets_client or sheets_client_for(account)
    return client.write_tab(sheet_ref, tab, fmt.table_columns(DERIVED, addresses), rows)


def restore(
    account: Account,
    path: Path | str,
    *,
    force: bool = False,
    on_start: Callable[[str], None] | None = None,
) -> int:
    """Bring a JSON backup into the account; returns how many contacts were created.

    The account must be empty (``force`` allows a non-empty one). One durable
    operation (kind ``restore``: batches of creates, ``on_start`` hears its id):
    restored contacts carry their backup resourceName in clientData, looked up
    before any batch is sent again, so a restore that was interrupted is finished
    by whoever comes next, and the same restore run again answers with it.
    """
    doc = _load_backup(Path(path))
    account.ensure_synced()
    ops.finish_pending(account)
    params = {"file": str(Path(path).resolve())}
    finished = ops.again(account, "restore", params)
    if finished is not None:
        return _created(finished)
    done = account.contacts.marker_values(RESTORE_KEY)
    held = account.contacts.count()
    if held > len(done) and not force:
        raise FieldError(
            "force", "not_empty", _("the account already holds {n} contacts").format(n=held),
            hint=_("restore into an empty account, or allow adding the backup's contacts"), n=held,
        )  # fmt: skip
    account.groups.refresh()  # the groups as the account has them now
    remap: dict[str, str] = {}
    for g in doc["groups"]:
        name = g.get("name", "")
        if g.get("groupType") == "SYSTEM_CONTACT_GROUP" or not name:
            remap[g["resourceName"]] = g["resourceName"]
            continue
        remap[g["resourceName"]] = account.groups.ensure(name).resource_name
    have = set(done)
    todo = [p for p in doc["persons"] if p.get("resourceName") not in have]
    persons = [_restorable(p, remap) for p in todo]
    if not persons:
        return 0
    timeout = account.contacts.request_timeout
    steps = [ops.Step("create_batch", "", {"persons": persons[i : i + RESTORE_BATCH],
                                           "marker_key": RESTORE_KEY, "timeout": timeout})
             for i in range(0, len(persons), RESTORE_BATCH)]  # fmt: skip
    plan = ops.Plan("restore", steps, params=params,
                    text=f"restored {len(persons)} contact(s) from {Path(path).name}")  # fmt: skip
    return _created(ops.start(account, plan, on_start=on_start))


RESTORE_BATCH = 200  # contacts a create request carries (batchCreateContacts)


def _created(op: ops.Operation) -> int:
    return sum(len(s.result.get("created", [])) for s in op.steps)


def _load_backup(path: Path) -> dict[str, Any]:
    if not str(path).strip():
        raise UsageError(_("FILE: the file name is empty"), hint=_("give the backup to restore"))
    try:
        doc = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise NotFoundError(_("{path}: no such file").format(path=path)) from None
    except IsADirectoryError:
        raise NotFoundError(
            _("{path} is a directory, not a backup file").format(path=path)
        ) from None
    except OSError as exc:
        raise NotFoundError(_("{path}: cannot be read ({why})").format(
            path=path, why=exc.strerror or exc)) from None  # fmt: skip
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(
            _("{path}: not a contacts-crm backup ({why})").format(path=path, why=e)
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt.BACKUP_FORMAT:
        raise InputError(_("{path}: not a contacts-crm backup (made by 'crm export --format json')")
                         .format(path=path))  # fmt: skip
    problems = _backup_problems(doc, str(path))
    if problems:
        raise InputError(
            _("{path}: the backup is damaged; nothing was restored").format(path=path),
            problems,
            hint=_("restore from another copy, or export the account again"),
        )
    return doc


def _backup_problems(doc: dict[str, Any], file: str) -> list[Problem]:
    """What in a backup's shape would make a restore fail (a hand-edited or cut file)."""
    out: list[Problem] = []
    for key in ("groups", "persons"):
        items = doc.get(key)
        if not isinstance(items, list):
            out.append(Problem(f"'{key}' must be a list", file=file))
            continue
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                out.append(Problem(f"{key} entry {n} is not an object", file=file))
            elif not all(isinstance(item.get(k, ""), str) for k in ("resourceName", "name")) or (
                key == "groups" and not item.get("resourceName")
            ):
                out.append(Problem(f"{key} entry {n}: resourceName and name must be text",
                                   file=file))  # fmt: skip
            elif key == "persons":
                bad = [f for f in RESTORE_FIELDS if not _list_of_objects(item.get(f, []))]
                memberships = item.get("memberships", [])
                if not bad and not all(
                    isinstance(m.get("contactGroupMembership", {}), dict) for m in memberships
                ):
                    bad = ["memberships"]
                if bad:
                    out.append(Problem(f"persons entry {n}: {', '.join(bad)} must be a list of "
                                       "objects", file=file))  # fmt: skip
    return out


def _list_of_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, dict) for x in value)


def _restorable(person: dict[str, Any], remap: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in RESTORE_FIELDS:
        items = [_strip(x) for x in person.get(f, []) if isinstance(x, dict)]
        if f == "memberships":
            items = [
                {"contactGroupMembership": {"contactGroupResourceName": remap.get(rn, rn)}}
                for m in items
                if (rn := m.get("contactGroupMembership", {}).get("contactGroupResourceName"))
                and remap.get(rn, rn) != "contactGroups/all"
            ]
        if f == "clientData":
            items = [x for x in items if x.get("key") != RESTORE_KEY]
            items.append({"key": RESTORE_KEY, "value": person.get("resourceName", "")})
        if items:
            out[f] = items
    return out


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _OUTPUT_ONLY}
