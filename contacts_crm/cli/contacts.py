"""Commands on contacts: status, sync, find, add."""

from __future__ import annotations

import click

from contacts_crm.cli.output import (
    Ctx,
    Listing,
    contact_dict,
    emit,
    group_names,
    output_options,
    pass_ctx,
    phone_cell,
    progress,
    short_time,
    show,
)
from contacts_crm.cli.wording import name_guess_note
from contacts_crm.i18n import _
from contacts_crm.usecases import contacts as crm


@click.command()
@pass_ctx
def status(ctx: Ctx) -> None:
    """Show the profile, the account and the state of the local copy.

    \b
    Example:
      crm status
    """
    account = ctx.account
    account.connect()  # a Google profile: is it logged in (the token refreshed)?
    status = account.sync_status()
    data = {
        "profile": account.profile.name,
        "kind": account.profile.kind,
        "endpoint": account.profile.endpoint,
        "user": account.profile.user or None,
        "region": account.profile.region,
        "language": account.profile.language,
        "dataDir": str(account.data_dir),
        "cachedContacts": status.contacts,
        "lastSync": status.synced_at,
        "incrementalSync": status.incremental,
    }

    words = {"profile": _("Profile"), "kind": _("Kind"), "endpoint": _("Endpoint"),
             "user": _("User"), "region": _("Region"), "language": _("Language"),
             "dataDir": _("Data folder"), "cachedContacts": _("Contacts in the local copy"),
             "lastSync": _("Last sync"), "incrementalSync": _("Incremental sync")}  # fmt: skip
    kinds = {"local": _("local (this computer)"), "google": _("Google account"),
             "endpoint": _("compatible endpoint")}  # fmt: skip

    def shown(key: str, value: object) -> str:
        if key == "kind":
            return kinds.get(str(value), str(value))
        if key == "lastSync":
            return short_time(str(value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    def human() -> None:
        width = max(len(w) for w in words.values()) + 2
        for key, value in data.items():
            if value is not None:
                click.echo(f"{words[key]:{width}} {shown(key, value)}")
        if not data["user"]:
            click.echo(_("Tip: set your name for the cards: crm config set user YOUR_NAME"))

    emit(ctx, data, human)


@click.command()
@click.option("--full", is_flag=True, help="Re-read the whole account instead of the changes.")
@click.option(
    "--force",
    is_flag=True,
    help="Accept a sync that removes more of the local copy than the sync guard allows.",
)
@click.option("--background", is_flag=True, hidden=True)  # started by a stale read (cli/stale.py)
@pass_ctx
def sync(ctx: Ctx, full: bool, force: bool, background: bool) -> None:
    """Bring the local copy up to date with the account.

    Incremental by default (only what changed since the last sync); an expired
    sync token falls back to a full read by itself. A sync that would remove
    more than sync_guard_percent (20) % of the local copy and at least
    sync_guard_min (50) contacts stops with exit 75 and changes nothing;
    --force applies it.

    \b
    Examples:
      crm sync
      crm sync --full
    """
    if background and not _refresh_needed(ctx):
        return

    with progress(ctx, _("reading contacts")) as update:
        report = ctx.account.sync(
            full=full, force=force, progress=lambda done, total: update(completed=done, total=total)
        )
    said = (_("full sync: {contacts} contacts, {changed} changed, {deleted} deleted "
              "({calls} API calls)") if report.full else
            _("incremental sync: {contacts} contacts, {changed} changed, {deleted} deleted "
              "({calls} API calls)"))  # fmt: skip
    text = said.format(contacts=report.contacts, changed=report.changed, deleted=report.deleted,
                       calls=report.calls)  # fmt: skip
    if report.hand_events:
        text += _(", {n} hand edit(s) journalled").format(n=report.hand_events)
    if report.expired_token:
        text += _(" — the sync token had expired")
    emit(ctx, report.to_dict(), text)


def _refresh_needed(ctx: Ctx) -> bool:
    """A background refresh (``sync --background``) runs unless another one is running
    or the copy is fresh by now."""
    from contacts_crm.cli.stale import hold_refresh_lock

    account = ctx.account
    if not hold_refresh_lock(account.data_dir):
        return False
    age = account.copy_age()
    return age is None or age > account.profile.sync_minutes * 60


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--limit",
    type=click.IntRange(1, crm.MAX_RESULTS),
    default=50,
    show_default=True,
    help="At most this many results.",
)
@output_options()
@pass_ctx
def find(ctx: Ctx, query: tuple[str, ...], limit: int) -> None:
    """Find contacts by phone (any format), name, email or company.

    Answers from the local copy, with no API call.

    \b
    Examples:
      crm find "8 (916) 123-45-67"
      crm find Petrov
      crm --json find ivan@example.com
      crm find Petrov | cut -f2          # piped: one contact per line, tab-separated
    """
    account = ctx.read_account
    found = crm.find(account, " ".join(query), limit=limit)
    names = group_names(account)
    data = [contact_dict(c, names) for c in found]

    rows = [
        (
            d["name"],
            ", ".join(phone_cell(ctx, p) for p in d["phones"]),
            d["organization"],
            ", ".join(d["groups"]),
            d["resourceName"],
        )
        for d in data
    ]
    columns = [_("Name"), _("Phones"), _("Company"), _("Groups"), _("Id")]
    show(ctx, Listing(columns, rows, empty=_("No contact found."), nowrap=(4,)), data)


@click.command()
@click.argument("name")
@click.option(
    "--phone",
    "phones",
    multiple=True,
    metavar="NUMBER",
    help="Phone in any format (repeatable); stored as E.164.",
)
@click.option("--email", "emails", multiple=True, metavar="EMAIL", help="Email (repeatable).")
@click.option("--org", default="", metavar="COMPANY", help="Company.")
@click.option("--title", default="", help="Job title.")
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="GROUP",
    help="Group (label) to put the contact in (repeatable); a new name creates the group.",
)
@click.option("--note", default="", help="Free text for the card.")
@click.option(
    "--allow-duplicate", is_flag=True, help="Add even if another contact has the same phone."
)
@pass_ctx
def add(
    ctx: Ctx,
    name: str,
    phones: tuple[str, ...],
    emails: tuple[str, ...],
    org: str,
    title: str,
    groups: tuple[str, ...],
    note: str,
    allow_duplicate: bool,
) -> None:
    """Add a contact.

    A group named with --group that does not exist yet is created (the
    command says so), as an import does; every value is checked first, so a
    refused contact creates no group.

    \b
    Examples:
      crm add "Ivan Petrov" --phone "8 916 123-45-67" --org "Tiles Ltd" --group Wholesale
      crm add "Anna" --phone "+90 532 123 45 67" --email anna@example.com
    """
    account = ctx.account
    new_groups = crm.missing_groups(account, groups) if groups else []
    contact = crm.add_contact(
        account,
        name,
        phone_numbers=phones,
        emails=emails,
        organization=org,
        title=title,
        groups=groups,
        notes=note,
        allow_duplicate=allow_duplicate,
    )
    guess = name_guess_note(name)
    if guess:
        click.echo(guess, err=True)
    data = contact_dict(contact, group_names(account))
    data["createdGroups"] = new_groups
    said = [_("Created group {name}").format(name=g) for g in new_groups]
    said.append(
        _("Added {name} ({rn})").format(name=data["name"], rn=data["resourceName"])
        + (f": {', '.join(data['phones'])}" if data["phones"] else "")
    )
    emit(ctx, data, "\n".join(said))


COMMANDS = [status, sync, find, add]
