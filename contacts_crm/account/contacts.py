"""ContactStore: the account's contacts as the use cases see them (``account.contacts``).

A façade over the People client and the local copy, as khal's CalendarCollection
is over its storage: reads answer from the local copy, writes go to the account
and their responses come back into the copy. There is one read-modify-write
(``write``: the etag of the copy it was made from, the *operation* re-applied to
a fresh copy on a stale etag, bounded), its batch form (``write_many``), one
create path (every create carries a marker and is looked up by it before any
re-send) and one delete. Nothing outside ``account/`` touches the client or the
cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from contacts_crm.account.people import (
    BATCH_UPDATE,
    MARKER_KEY,
    Operation,
    Update,
    marker_of,
    with_marker,
)
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact, Listed

if TYPE_CHECKING:
    from contacts_crm.account.cache import Cache
    from contacts_crm.account.connected import Account
    from contacts_crm.account.people import PeopleClient

__all__ = ["WRITE_BATCH", "Again", "ContactStore", "Operation", "Update"]

WRITE_BATCH = BATCH_UPDATE  # contacts one batchUpdateContacts call carries (write_many)

# A fresh person -> the body to send again for it (None: it holds the write already).
Again = Callable[[dict[str, Any]], dict[str, Any] | None]


class ContactStore:
    """The contacts of one account: find and read (local copy), write, create, delete."""

    def __init__(self, account: Account, client: PeopleClient, cache: Cache) -> None:
        self._account = account
        self._client = client
        self._cache = cache

    # ------------------------------------------------------- the local copy
    def get(self, resource_name: str) -> Contact | None:
        return self._cache.get(resource_name)

    def person(self, resource_name: str) -> dict[str, Any] | None:
        """The cached Person JSON of a contact (None when the copy lacks it)."""
        return self._cache.person(resource_name)

    def persons_of(self, resource_names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached Person JSON of each of ``resource_names`` the copy holds."""
        return {rn: p for rn in resource_names if (p := self._cache.person(rn)) is not None}

    def all(self) -> Iterator[Contact]:
        return self._cache.contacts()

    def light(self) -> Iterator[Contact]:
        """Every contact without notes and raw JSON (dedupe, planning)."""
        return self._cache.light_contacts()

    def persons(self) -> Iterator[dict[str, Any]]:
        return self._cache.persons()

    def card_rows(self) -> Iterator[tuple[str, str, str, tuple[str, ...], str]]:
        return self._cache.card_rows()

    # streaming reads: a page of the local copy at a time, in display-name order
    def pages(self) -> Iterator[list[Contact]]:
        """Every contact, whole, a page at a time (an export)."""
        return self._cache.contact_pages()

    def listed_pages(self) -> Iterator[list[Listed]]:
        """What a listing shows of every contact, a page at a time (``crm list``)."""
        return self._cache.listed_pages()

    def phone_pages(self) -> Iterator[list[Contact]]:
        """Every contact with only its numbers, a page at a time (the phone check)."""
        return self._cache.phone_pages()

    def shared_keys(self, by: Iterable[str]) -> dict[tuple[str, str], list[str]]:
        """(reason, value) -> contacts sharing it, from the local copy's indexes."""
        return self._cache.shared_keys(by)

    def most_entries(self, group: str | None = None) -> tuple[int, int, int, int]:
        """The most e-mails, phones and addresses one contact (of ``group``) has."""
        return self._cache.most_entries(group)

    def count(self) -> int:
        return self._cache.count()

    def by_phone(self, raw: str, region: str | None = None) -> list[Contact]:
        return self._cache.find_by_phone(raw, region)

    def by_email(self, email: str) -> list[Contact]:
        return self._cache.find_by_email(email)

    def by_text(self, text: str, limit: int = 50) -> list[Contact]:
        return self._cache.find_by_text(text, limit=limit)

    def by_marker(self, key: str, value: str) -> list[Contact]:
        """Contacts whose clientData ``key`` is ``value``."""
        return self._cache.find_by_client_data(key, value)

    def marker_values(self, key: str) -> dict[str, str]:
        return self._cache.client_data_values(key)

    def marker_duplicates(self, key: str) -> dict[str, list[str]]:
        return self._cache.client_data_duplicates(key)

    def find(self, query: str, *, limit: int = 50) -> list[Contact]:
        """Contacts matching a resource name, an email, a phone (any spelling), a name
        or a company — from the local copy (synced first when it is empty or old)."""
        self._account.ensure_synced()
        q = query.strip()
        if not q:
            return []
        if q.startswith("people/"):
            contact = self._cache.get(q)
            return [contact] if contact else []
        if "@" in q and " " not in q:
            return self._cache.find_by_email(q)
        if phones.looks_like_phone(q):
            found = self._cache.find_by_phone(q, self._account.profile.region)
            if found:
                return found
        return self._cache.find_by_text(q, limit=limit)

    # ------------------------------------------------------------- the account
    def fetch(self, resource_name: str) -> dict[str, Any]:
        """One contact fresh from the account (the cache is not touched)."""
        return self._client.get(resource_name)

    def fetch_many(self, resource_names: Sequence[str]) -> list[dict[str, Any]]:
        """Several contacts fresh from the account, 200 a call; missing ones left out."""
        return self._client.get_many(resource_names) if resource_names else []

    def remember(
        self, persons: list[dict[str, Any]], *, outside_edits: bool = True
    ) -> list[dict[str, Any]]:
        """Put persons read from the account into the local copy (hand edits they
        reveal are journalled first, unless ``outside_edits=False``)."""
        return self._account.remember(persons, outside_edits=outside_edits)

    def forget(self, resource_names: Iterable[str]) -> int:
        """Drop contacts from the local copy only."""
        return self._cache.remove(resource_names)

    # ----------------------------------------------------------------- writes
    def write(
        self,
        resource_name: str,
        operation: Operation,
        *,
        start: dict[str, Any] | None = None,
        outside_edits: bool = True,
    ) -> dict[str, Any]:
        """The one read-modify-write of a contact.

        ``operation(person) -> (body, fields) | None`` is applied to ``start`` (a
        Person the caller holds) or the cached copy (read from the account when
        the copy lacks it) and written with that copy's etag. On a stale etag the
        contact is read again and only the *operation* is re-run on the fresh
        copy, never the old body written over the new (bounded: ConflictError,
        exit 75). The written contact — or the current one when the operation had
        nothing to change — goes into the local copy and is returned.
        """
        current = start if start is not None else self._cache.person(resource_name)
        written = self._client.modify(resource_name, operation, person=current)
        self._account.remember([written], outside_edits=outside_edits)
        return written

    def write_many(
        self,
        planned: Sequence[dict[str, Any]],
        fields: Sequence[str],
        again: Again,
        *,
        bases: Mapping[str, dict[str, Any]] | None = None,
        progress: Callable[[int], None] | None = None,
        outside_edits: bool = True,
    ) -> list[dict[str, Any]]:
        """The batch form of ``write`` (batchUpdateContacts, 200 a call).

        ``planned``: the bodies, each with the resourceName and etag of the copy
        it was made from (``bases``: those copies, for the stamp). A batch met by
        a stale etag is read again in one getBatchGet and ``again(fresh)`` builds
        each contact's body anew (None, or the same fields: it holds the write);
        a contact deleted meanwhile is NotFoundError. The written contacts go into
        the local copy and are returned.
        """
        if not planned:
            return []
        written = self._client.update_many(
            planned,
            fields,
            progress=progress,
            reapply=lambda _intended, fresh: again(fresh),
            bases=bases,
        )
        self._account.remember(written, outside_edits=outside_edits)
        return written

    def create(self, person: dict[str, Any], *, marker_key: str = MARKER_KEY) -> dict[str, Any]:
        """Create one contact. It carries a marker (clientData ``marker_key``): one
        that may have landed is looked up by it before it is ever sent again. The
        created contact goes into the local copy and is returned.

        A record of the create is written and synced first (account/pending.py):
        a full disk or an unwritable home sends nothing; a record left by a
        failure after the contact landed is finished by the next run
        (``Account.finish_creates``), never sent a second time.
        """
        import os
        import time

        from contacts_crm.account import pending
        from contacts_crm.errors import UnavailableError

        marked = with_marker(person, marker_key)
        create = pending.PendingCreate(
            marker=marker_of(marked, marker_key),
            key=marker_key,
            digest=pending.digest(marked, marker_key),
            sent_at=time.time(),
            timeout=self._client.request_timeout,
            pid=os.getpid(),
        )
        pending.record(self._account.data_dir, create)
        try:
            created = self._client.create(marked, marker_key=marker_key)
        except UnavailableError:
            raise  # no answer: it may have landed; the next run looks it up
        except Exception:
            pending.forget(self._account.data_dir, create.marker)  # answered: not landed
            raise
        self._account.remember([created])
        pending.forget(self._account.data_dir, create.marker)
        return created

    def landed_as(self, person: dict[str, Any]) -> dict[str, Any] | None:
        """The contact an interrupted run created with exactly these values (its
        record finished by ``Account.finish_creates``), if any."""
        from contacts_crm.account import pending

        return self._account.finish_creates().get(pending.digest(person))

    def create_many(
        self,
        persons: Sequence[dict[str, Any]],
        *,
        marker_key: str = MARKER_KEY,
        on_send: Callable[[list[str]], None] | None = None,
        progress: Callable[[int], None] | None = None,
        remember: bool = True,
    ) -> list[dict[str, Any]]:
        """Create contacts, 200 a call, each with its marker; after a failure that may
        have landed only what is not found by marker is sent again. ``on_send``
        hears each request's markers right before it goes (an import records them)."""
        created = self._client.create_many(
            persons, marker_key=marker_key, on_send=on_send, progress=progress
        )
        if remember:
            self._account.remember(created)
        return created

    def find_landed(
        self,
        key: str,
        values: Sequence[str],
        *,
        sent_at: float,
        answered: bool,
        timeout: float | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Of the creates sent at ``sent_at`` with markers ``values``, those that landed
        (waits until none can still be running and reads have settled)."""
        return self._client.find_landed(
            key, values, sent_at=sent_at, answered=answered, timeout=timeout
        )

    @property
    def request_timeout(self) -> float:
        """Seconds after which a request sent can no longer be running on the server."""
        return self._client.request_timeout

    def delete(self, resource_name: str) -> None:
        """Delete one contact from the account, then from the local copy."""
        self._client.delete(resource_name)
        self._cache.remove([resource_name])

    def delete_many(self, resource_names: Sequence[str]) -> int:
        """Delete contacts (500 a call), then drop them from the local copy."""
        names = list(resource_names)
        if not names:
            return 0
        self._client.delete_many(names)
        self._cache.remove(names)
        return len(names)
