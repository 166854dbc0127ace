"""GroupStore: the account's contact groups (labels) — ``account.groups``.

Reads answer from the local copy; ``refresh`` lists them from the account.
``ensure(name)`` is the one race-safe "make sure this label exists" of the
tool: the local copy first, else create; a name made meanwhile on another
device (409) is taken as it is, never created twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contacts_crm.contact.model import SYSTEM_GROUPS
from contacts_crm.errors import ConflictError, NotFoundError, UsageError
from contacts_crm.i18n import _

if TYPE_CHECKING:
    from contacts_crm.account.cache import Cache
    from contacts_crm.account.connected import Account
    from contacts_crm.account.people import PeopleClient

# How often ensure() tries when the name keeps appearing and disappearing under it.
ENSURE_ATTEMPTS = 3


@dataclass(frozen=True)
class Ensured:
    """A group ``ensure`` found or made: its resource name and whether this call made it."""

    resource_name: str
    created: bool


class GroupStore:
    """The contact groups of one account."""

    def __init__(self, account: Account, client: PeopleClient, cache: Cache) -> None:
        self._account = account
        self._client = client
        self._cache = cache

    # ------------------------------------------------------------------ reads
    def all(self) -> list[dict[str, Any]]:
        """Every group in the local copy (Group JSON, by name)."""
        return self._cache.groups()

    def names(self) -> dict[str, str]:
        """resourceName -> the name people see, from the local copy."""
        return self._cache.group_names()

    def member_counts(self) -> dict[str, int]:
        return self._cache.member_counts()

    def members(self, resource_name: str) -> list[str]:
        """The contacts of a group, from the local copy."""
        return [
            c.resource_name for c in self._cache.contacts() if resource_name in c.groups
            if c.resource_name
        ]  # fmt: skip

    def refresh(self) -> list[dict[str, Any]]:
        """List the groups from the account (one call) into the local copy."""
        groups = self._client.list_groups()
        self._cache.set_groups(groups)
        return groups

    def fetch(self) -> list[dict[str, Any]]:
        """The groups as the account has them now (the local copy is not touched)."""
        return self._client.list_groups()

    def listing(self, *, refresh: bool = True) -> list[dict[str, Any]]:
        """Labels and the usable system groups, with member counts."""
        if refresh or not self._cache.groups():
            self.refresh()
        out = []
        for g in self._cache.groups():
            system = g.get("groupType") == "SYSTEM_CONTACT_GROUP"
            if system and g["resourceName"] not in SYSTEM_GROUPS.values():
                continue
            out.append(
                {
                    "name": g.get("formattedName") or g.get("name"),
                    "resourceName": g["resourceName"],
                    "members": int(g.get("memberCount") or 0),
                    "system": system,
                }
            )
        return out

    def resource(self, name: str) -> str:
        """The resource name of a group given by name (case-insensitive) or resource
        name; the local copy first, then the account's list. NotFoundError if none."""
        key = name.strip()
        if key.startswith("contactGroups/"):
            return key
        if key.casefold() in SYSTEM_GROUPS:
            return SYSTEM_GROUPS[key.casefold()]
        for refresh in (False, True):
            for g in self.listing(refresh=refresh):
                if g["name"].casefold() == key.casefold():
                    return str(g["resourceName"])
        raise NotFoundError(
            _("no group named {name!r}").format(name=name),
            hint=_("create it with: crm group create {name!r}").format(name=name),
        )

    # ----------------------------------------------------------------- writes
    def ensure(self, name: str) -> Ensured:
        """The label named ``name`` (case-insensitive), created when the account has
        none. Race-safe: a create refused because another device made the name
        meanwhile takes that group (one re-list), so no label is made twice."""
        key = name.casefold()
        for _attempt in range(ENSURE_ATTEMPTS):
            found = _by_name(self._cache.groups(), key)
            if found is not None:
                return Ensured(found, created=False)
            try:
                group = self._client.create_group(name)
            except UsageError:  # made meanwhile elsewhere: the local copy was behind
                found = _by_name(self.refresh(), key)
                if found is not None:
                    return Ensured(found, created=False)
                continue  # …and gone again: try once more
            self._cache.put_group(group)
            return Ensured(str(group["resourceName"]), created=True)
        raise ConflictError(
            f"the group {name!r} kept appearing and disappearing ({ENSURE_ATTEMPTS} attempts)",
            hint="someone is changing this group right now; try again in a minute",
        )

    def create(self, name: str) -> dict[str, Any]:
        """Create a label; UsageError when one of that name exists."""
        group = self._client.create_group(name)
        self._cache.put_group(group)
        return group

    def rename(self, resource_name: str, new_name: str) -> dict[str, Any]:
        current = next(g for g in self._cache.groups() if g["resourceName"] == resource_name)
        group = self._client.rename_group(current, new_name)
        self._cache.put_group(group)
        return group

    def delete(self, resource_name: str, *, delete_contacts: bool = False) -> None:
        """Delete a label; its contacts are deleted too when ``delete_contacts``
        (and leave the local copy), else they are read again (their memberships)."""
        members = self.members(resource_name)
        self._client.delete_group(resource_name, delete_contacts=delete_contacts)
        self._cache.drop_group(resource_name)
        if delete_contacts:
            self._cache.remove(members)
        elif members:
            # the tool's own membership change (members.modify carries no stamp)
            self._account.remember(self._client.get_many(members), outside_edits=False)

    def drop(self, resource_name: str) -> None:
        """Delete a label the caller knows is empty (contacts are not touched)."""
        self._client.delete_group(resource_name)
        self._cache.drop_group(resource_name)


def _by_name(groups: list[dict[str, Any]], key: str) -> str | None:
    for g in groups:
        if key in (g.get("name", "").casefold(), (g.get("formattedName") or "").casefold()):
            return str(g["resourceName"])
    return None
