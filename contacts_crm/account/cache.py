"""A SQLite mirror of the account: where every read comes from.

The cache is a sync status in vdirsyncer's sense: per contact its resource
name, etag, content hash and JSON; the sync token in a meta table; a phone
index (E.164 and digit tails) and an email index so ``find`` by any spelling
of a number answers without an API call. Writes go to the API and the cache
is updated from the write's own response (sync is not read-after-write).
A full sync replaces everything in one transaction: an interrupted sync
leaves the old state intact. The schema is versioned; an unknown version is
dropped and rebuilt (it is only a cache).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contacts_crm.config import connect_db, open_storage_error, write_transaction
from contacts_crm.contact import names, phones
from contacts_crm.contact.model import Contact, EmailEntry, Listed, PhoneEntry
from contacts_crm.contact.stamp import blake2b  # hashlib's, without loading OpenSSL
from contacts_crm.defaults import DEFAULT_REGION

SCHEMA_VERSION = 2  # 2: search_text holds names.fold (transliteration, Turkish i)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS persons (
    resource_name TEXT PRIMARY KEY,
    etag TEXT,
    hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS persons_order ON persons(display_name);
CREATE TABLE IF NOT EXISTS phone_index (key TEXT NOT NULL, resource_name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS phone_index_key ON phone_index(key);
CREATE INDEX IF NOT EXISTS phone_index_rn ON phone_index(resource_name);
CREATE TABLE IF NOT EXISTS email_index (email TEXT NOT NULL, resource_name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS email_index_email ON email_index(email);
CREATE INDEX IF NOT EXISTS email_index_rn ON email_index(resource_name);
CREATE TABLE IF NOT EXISTS data_index (
    key TEXT NOT NULL, value TEXT NOT NULL, resource_name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS data_index_kv ON data_index(key, value);
CREATE INDEX IF NOT EXISTS data_index_rn ON data_index(resource_name);
CREATE TABLE IF NOT EXISTS groups (
    resource_name TEXT PRIMARY KEY, name TEXT NOT NULL, group_type TEXT,
    member_count INTEGER, json TEXT NOT NULL);
"""
_SET_META = "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value"
_TABLES = ("persons", "phone_index", "email_index", "data_index", "groups", "meta")
#: Contacts read per page by the streaming reads (a listing, an export): memory is
#: bounded by a page, not by the account.
PAGE = 1000


class Cache:
    """The local mirror of one account (one SQLite file per profile)."""

    def __init__(self, path: Path | str, *, region: str = DEFAULT_REGION) -> None:
        self.path = str(path)
        self.region = region
        self._lock = threading.RLock()
        # Several processes share this file (crm serve, crm commands): each write is
        # one BEGIN IMMEDIATE transaction (``_write``), waiting on the others' locks.
        try:
            self._db = connect_db(self.path, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise open_storage_error(self.path, exc) from exc
        try:
            self._ensure_schema()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise open_storage_error(self.path, exc) from exc

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction (this thread's lock, then SQLite's write lock)."""
        with self._lock, write_transaction(self._db):
            yield

    def _ensure_schema(self) -> None:
        # a read-only command (crm card, find) leaves the file untouched: no write
        # lock, no commit and WAL checkpoint (~5-20 ms) when the schema is there
        if self._version() == str(SCHEMA_VERSION):
            for statement in _SCHEMA.split(";"):  # IF NOT EXISTS: no write when all are there
                if statement.strip():
                    self._db.execute(statement)
            return
        with self._write():
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and row[0] != str(SCHEMA_VERSION):
                for table in _TABLES:  # unknown version: it is only a cache, rebuild it
                    self._db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA.split(";"):  # IF NOT EXISTS: the missing ones
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)"
                " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (str(SCHEMA_VERSION),),
            )

    def _version(self) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:  # a new file: no meta table yet
            return None
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---------------------------------------------------------------- meta
    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self._write():
            if value is None:
                self._db.execute("DELETE FROM meta WHERE key=?", (key,))
            else:
                self._db.execute(_SET_META, (key, value))

    @property
    def sync_token(self) -> str | None:
        return self.meta("sync_token")

    @property
    def synced(self) -> bool:
        """True once a full sync has filled the cache."""
        return self.meta("synced_at") is not None

    # -------------------------------------------------------------- writes
    def upsert(self, persons: Iterable[dict[str, Any]]) -> int:
        """Store persons (from a sync page or a write response); returns how many changed."""
        changed = 0
        with self._write():
            for person in persons:
                changed += self._put(person)
        return changed

    def remove(self, resource_names: Iterable[str]) -> int:
        n = 0
        with self._write():
            for rn in resource_names:
                n += self._delete(rn)
        return n

    def replace_all(
        self, persons: Iterable[dict[str, Any]], sync_token: str | None, synced_at: str
    ) -> None:
        """A full sync: swap the whole mirror in one transaction."""
        with self._write():
            for table in ("persons", "phone_index", "email_index", "data_index"):
                self._db.execute(f"DELETE FROM {table}")
            for person in persons:
                self._put(person, fresh=True)
            self._set_sync(sync_token, synced_at)

    def apply_changes(
        self,
        persons: Iterable[dict[str, Any]],
        deleted: Iterable[str],
        sync_token: str | None,
        synced_at: str,
    ) -> int:
        """An incremental sync: changes, deletions and the new token in one transaction."""
        n = 0
        with self._write():
            for rn in deleted:
                n += self._delete(rn)
            for person in persons:
                n += self._put(person)
            self._set_sync(sync_token, synced_at)
        return n

    def _set_sync(self, token: str | None, synced_at: str) -> None:
        self._db.execute(_SET_META, ("synced_at", synced_at))
        if token:
            self._db.execute(_SET_META, ("sync_token", token))
        else:
            self._db.execute("DELETE FROM meta WHERE key='sync_token'")

    def differs(self, person: dict[str, Any]) -> bool:
        """False when the cache holds exactly this Person (same content hash)."""
        row = self._db.execute(
            "SELECT hash FROM persons WHERE resource_name=?", (person.get("resourceName"),)
        ).fetchone()
        return row is None or row[0] != _digest(_canonical(person))

    def _put(self, person: dict[str, Any], *, fresh: bool = False) -> int:
        rn = person["resourceName"]
        text = _canonical(person)
        digest = _digest(text)
        if not fresh:
            row = self._db.execute(
                "SELECT hash FROM persons WHERE resource_name=?", (rn,)
            ).fetchone()
            if row and row[0] == digest:
                return 0
            self._drop_index(rn)
        contact = Contact.from_person(person)
        shown = contact.display_name
        emails = [e.value for e in contact.emails if e.value]
        search = names.fold(" ".join([shown, contact.organization, *emails]))
        self._db.execute(
            "INSERT OR REPLACE INTO persons VALUES (?, ?, ?, ?, ?, ?)",
            (rn, person.get("etag"), digest, shown, search, text),
        )
        self._db.executemany(
            "INSERT INTO phone_index VALUES (?, ?)", [(k, rn) for k in contact.phone_keys]
        )
        self._db.executemany(
            "INSERT INTO email_index VALUES (?, ?)", [(e.strip().casefold(), rn) for e in emails]
        )
        self._db.executemany(
            "INSERT INTO data_index VALUES (?, ?, ?)",
            [(k, v, rn) for k, v in contact.client_data.items()],
        )
        return 1

    def _drop_index(self, rn: str) -> None:
        for table in ("phone_index", "email_index", "data_index"):
            self._db.execute(f"DELETE FROM {table} WHERE resource_name=?", (rn,))

    def _delete(self, rn: str) -> int:
        self._drop_index(rn)
        return self._db.execute("DELETE FROM persons WHERE resource_name=?", (rn,)).rowcount

    # --------------------------------------------------------------- reads
    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM persons").fetchone()[0])

    def etags(self, names: Iterable[str] | None = None) -> dict[str, str | None]:
        """resourceName -> etag of the cached contacts among ``names`` (default: all)."""
        if names is None:
            return dict(self._db.execute("SELECT resource_name, etag FROM persons").fetchall())
        wanted = list(dict.fromkeys(names))
        out: dict[str, str | None] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            out.update(self._db.execute(
                "SELECT resource_name, etag FROM persons WHERE resource_name IN"
                f" ({', '.join('?' * len(chunk))})", chunk,
            ).fetchall())  # fmt: skip
        return out

    def missing(self, present: set[str]) -> list[str]:
        """Resource names the cache holds that are not in ``present`` (a full sync's
        deletions)."""
        rows = self._db.execute("SELECT resource_name FROM persons").fetchall()
        return [rn for (rn,) in rows if rn not in present]

    def person(self, resource_name: str) -> dict[str, Any] | None:
        """The cached Person JSON (with its etag) of one contact."""
        row = self._db.execute(
            "SELECT json FROM persons WHERE resource_name=?", (resource_name,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, resource_name: str) -> Contact | None:
        person = self.person(resource_name)
        return Contact.from_person(person) if person else None

    def pages(self, columns: str, size: int = PAGE) -> Iterator[list[tuple[Any, ...]]]:
        """``SELECT columns FROM persons`` in display-name order, ``size`` rows at a time.

        Each page is its own short query that starts after the last row of the one
        before (by name, then rowid: the persons_order index, no sort), so no read
        stays open between pages and memory holds one page, whatever the account.
        """
        sql = f"SELECT display_name, rowid, {columns} FROM persons"
        order = " ORDER BY display_name, rowid LIMIT ?"
        rows = self._db.execute(sql + order, (size,)).fetchall()
        while rows:
            yield [row[2:] for row in rows]
            if len(rows) < size:
                return
            after = (rows[-1][0], rows[-1][1])
            rows = self._db.execute(
                sql + " WHERE (display_name, rowid) > (?, ?)" + order, (*after, size)
            ).fetchall()

    def persons(self) -> Iterator[dict[str, Any]]:
        """Every cached Person, in display-name order (read a page at a time)."""
        for page in self.pages("json"):
            for (text,) in page:
                yield json.loads(text)

    def contact_pages(self, size: int = PAGE) -> Iterator[list[Contact]]:
        """Every cached contact, whole, in display-name order, a page at a time."""
        for page in self.pages("json", size):
            yield [Contact.from_person(json.loads(text)) for (text,) in page]

    def listed_pages(self, size: int = PAGE) -> Iterator[list[Listed]]:
        """What a listing shows of every cached contact (``Listed``), in display-name
        order, a page at a time: picked out of the stored JSON by SQLite, no card
        or address decoded."""
        for page in self.pages(_LISTED_COLUMNS, size):
            out = []
            for rn, shown, picked in page:
                org, phone_list, email_list, memberships = json.loads(picked)
                groups = tuple(
                    g["contactGroupResourceName"]
                    for m in memberships or ()
                    if isinstance(g := m.get("contactGroupMembership"), dict)
                    and "contactGroupResourceName" in g
                )  # fmt: skip
                out.append(Listed(
                    rn, shown, tuple(p.get("value", "") for p in phone_list or ()),
                    tuple(e.get("value", "") for e in email_list or ()), org or "", groups,
                ))  # fmt: skip
            yield out

    def phone_pages(self, size: int = PAGE) -> Iterator[list[Contact]]:
        """Every cached contact with only its numbers (and its resource name, etag and
        shown name), in display-name order, a page at a time: what a check of the
        numbers reads, picked out of the stored JSON by SQLite. ``raw`` holds the
        stored phoneNumbers, so ``to_person(["phoneNumbers"])`` keeps their
        sub-fields."""
        for page in self.pages("resource_name, etag, display_name, json_extract(json, "
                               "'$.phoneNumbers')", size):  # fmt: skip
            out = []
            for rn, etag, shown, picked in page:
                listed = json.loads(picked) if picked else []
                c = Contact(
                    phones=[PhoneEntry(p.get("value", ""), p.get("type", "") or "other")
                            for p in listed],
                    resource_name=rn, etag=etag,
                )  # fmt: skip
                c.raw = {"phoneNumbers": listed, "names": [{"displayName": shown}]}
                out.append(c)
            yield out

    def shared_keys(self, by: Iterable[str]) -> dict[tuple[str, str], list[str]]:
        """(reason, value) -> the resource names sharing it, for every value two or more
        contacts share: "phone" (E.164) and "email" (as typed, case-folded) from the
        indexes, "name" (``names.name_key`` of two words or more) from the names
        picked out by SQLite a page at a time. Members and keys in display-name
        order (the first member's), as ``contact.duplicates`` groups them."""
        first: dict[tuple[str, str], tuple[str, int]] = {}
        out: dict[tuple[str, str], list[str]] = {}
        shared = {
            "phone": "SELECT key, resource_name FROM phone_index WHERE key NOT LIKE 'tail:%'",
            "email": "SELECT email, resource_name FROM email_index",
        }
        for reason in ("phone", "email"):
            if reason not in by:
                continue
            rows = self._db.execute(
                f"WITH k(value, rn) AS ({shared[reason]}) SELECT k.value, k.rn, p.display_name,"
                " p.rowid FROM k JOIN persons p ON p.resource_name = k.rn WHERE k.value IN"
                " (SELECT value FROM k GROUP BY value HAVING COUNT(DISTINCT rn) > 1)"
                " ORDER BY k.value, p.display_name, p.rowid"
            ).fetchall()  # fmt: skip
            for value, rn, shown, rowid in rows:
                members = out.setdefault((reason, value), [])
                if rn not in members:
                    members.append(rn)
                first.setdefault((reason, value), (shown, rowid))
        if "name" in by:
            named: dict[str, list[str]] = {}
            where: dict[str, tuple[str, int]] = {}
            columns = (
                "display_name, rowid, resource_name, json_extract(json, "
                "'$.names[0].givenName', '$.names[0].middleName', '$.names[0].familyName')"
            )
            for page in self.pages(columns):
                for shown, rowid, rn, picked in page:
                    key = names.name_key(" ".join(x for x in json.loads(picked) if x))
                    if len(key.split()) >= 2:
                        named.setdefault(key, []).append(rn)
                        where.setdefault(key, (shown, rowid))
            for key, members in named.items():
                if len(members) > 1:
                    out[("name", key)] = members
                    first[("name", key)] = where[key]
        order = {"phone": 0, "email": 1, "name": 2}
        return {k: out[k] for k in sorted(out, key=lambda k: (first[k], order[k[0]]))}

    def most_entries(self, group: str | None = None) -> tuple[int, int, int, int]:
        """The most e-mails, phones, addresses and websites one contact has (of the
        members of ``group`` when given), counted by SQLite: an export's header, before
        its rows."""
        sql = ("SELECT max(json_array_length(json, '$.emailAddresses')), max(json_array_length("
               "json, '$.phoneNumbers')), max(json_array_length(json, '$.addresses')),"
               " max(json_array_length(json, '$.urls')) FROM persons p")  # fmt: skip
        args: tuple[str, ...] = ()
        if group is not None:
            sql += (" WHERE EXISTS (SELECT 1 FROM json_each(p.json, '$.memberships') WHERE"
                    " json_extract(value, '$.contactGroupMembership.contactGroupResourceName')"
                    " = ?)")  # fmt: skip
            args = (group,)
        row = self._db.execute(sql, args).fetchone()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)

    def card_rows(self) -> Iterator[tuple[str, str, str, tuple[str, ...], str]]:
        """(resourceName, display name, first phone, group resource names, notes) of
        every cached contact, in display-name order: what reports read, picked
        out of the stored JSON by SQLite rather than decoding every Person.

        The first phone is its ``value`` ("" when none); the groups are the
        contactGroupMembership resource names in the Person's order (a tuple, one
        shared by the clients whose memberships read the same).
        """
        rows = self._db.execute(
            "SELECT resource_name, display_name, json_extract(json, '$.phoneNumbers[0].value'),"
            " json_extract(json, '$.memberships'), json_extract(json, '$.biographies[0].value')"
            " FROM persons ORDER BY display_name"
        ).fetchall()
        read: dict[str, tuple[str, ...]] = {}  # most clients share a few memberships texts
        for rn, shown, phone, memberships, notes in rows:
            groups = read.get(memberships) if memberships else ()
            if groups is None:
                found = []
                for m in json.loads(memberships):
                    g = m.get("contactGroupMembership") if isinstance(m, dict) else None
                    if g and "contactGroupResourceName" in g:
                        found.append(g["contactGroupResourceName"])
                groups = read[memberships] = tuple(found)
            yield rn, shown, phone or "", groups, notes or ""

    def contacts(self) -> Iterator[Contact]:
        for person in self.persons():
            yield Contact.from_person(person)

    def light_contacts(self) -> Iterator[Contact]:
        """Every cached contact with only what matching needs: names, company, phones,
        e-mails, clientData, resource name and etag; no groups, notes or addresses,
        and ``raw`` holds only its clientData (key, value) and, for a contact with
        no structured name, its display name. Picked out of the stored JSON by
        SQLite: an import plans against 25,000 of these in a few MB and a fraction
        of the time whole Persons take; ``get`` gives the whole one.
        """
        rows = self._db.execute(_LIGHT_SQL)
        for rn, etag, picked in rows:
            given, family, middle, shown, org, title, phone_list, email_list, data = json.loads(
                picked
            )
            data = [(d.get("key") or "", d.get("value") or "") for d in data or ()]
            c = Contact(
                given_name=given or "", family_name=family or "", middle_name=middle or "",
                phones=[PhoneEntry(p.get("value", ""), p.get("type", "") or "other")
                        for p in phone_list or ()],
                emails=[EmailEntry(e.get("value", ""), e.get("type", "") or "other")
                        for e in email_list or ()],
                organization=org or "", title=title or "",
                client_data=dict(data), resource_name=rn, etag=etag,
            )  # fmt: skip
            c.raw = {"clientData": [{"key": k, "value": v} for k, v in data]}
            if not (c.given_name or c.middle_name or c.family_name) and shown:
                c.raw["names"] = [{"displayName": shown}]
            yield c

    def _load(self, names: Iterable[str]) -> list[Contact]:
        out = []
        for rn in dict.fromkeys(names):
            contact = self.get(rn)
            if contact:
                out.append(contact)
        return out

    def find_by_phone(self, raw: str, region: str | None = None) -> list[Contact]:
        """Contacts with this number, in any spelling (E.164 first, then the digit tail)."""
        keys = phones.lookup_keys(raw, region or self.region)
        for key in keys:  # the exact E.164 match wins over the looser tail match
            rows = self._db.execute(
                "SELECT resource_name FROM phone_index WHERE key=?", (key,)
            ).fetchall()
            if rows:
                return self._load(r[0] for r in rows)
        return []

    def find_by_email(self, email: str) -> list[Contact]:
        rows = self._db.execute(
            "SELECT resource_name FROM email_index WHERE email=?", (email.strip().casefold(),)
        ).fetchall()
        return self._load(r[0] for r in rows)

    def find_by_client_data(self, key: str, value: str) -> list[Contact]:
        rows = self._db.execute(
            "SELECT resource_name FROM data_index WHERE key=? AND value=?", (key, value)
        ).fetchall()
        return self._load(r[0] for r in rows)

    def client_data_values(self, key: str) -> dict[str, str]:
        """value -> resource name for every contact carrying clientData ``key``."""
        rows = self._db.execute(
            "SELECT value, resource_name FROM data_index WHERE key=?", (key,)
        ).fetchall()
        return {v: rn for v, rn in rows}

    def client_data_duplicates(self, key: str) -> dict[str, list[str]]:
        """value -> resource names, for every clientData ``key`` value on two or more contacts."""
        rows = self._db.execute(
            "SELECT value, resource_name FROM data_index WHERE key=? AND value IN"
            " (SELECT value FROM data_index WHERE key=? GROUP BY value HAVING COUNT(*) > 1)"
            " ORDER BY value, resource_name",
            (key, key),
        ).fetchall()
        out: dict[str, list[str]] = {}
        for value, rn in rows:
            out.setdefault(value, []).append(rn)
        return out

    def find_by_text(self, text: str, limit: int = 50) -> list[Contact]:
        """Contacts whose name, company or email contains every word of ``text``.

        Compared folded (``contact.names.fold``): any case, Cyrillic or Latin
        letters, Turkish dotted or dotless i — "Петров" finds "Petrov".
        """
        words = names.words(text)
        if not words:
            return []
        sql = (
            "SELECT resource_name FROM persons WHERE "
            + " AND ".join(["instr(search_text, ?) > 0"] * len(words))
            + " ORDER BY display_name LIMIT ?"
        )
        rows = self._db.execute(sql, (*words, limit)).fetchall()
        return self._load(r[0] for r in rows)

    # -------------------------------------------------------------- groups
    def set_groups(self, groups: Iterable[dict[str, Any]]) -> None:
        with self._write():
            self._db.execute("DELETE FROM groups")
            for g in groups:
                self._put_group(g)

    def put_group(self, group: dict[str, Any]) -> None:
        with self._write():
            self._put_group(group)

    def _put_group(self, g: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?, ?)",
            (
                g["resourceName"],
                g.get("formattedName") or g.get("name", ""),
                g.get("groupType"),
                g.get("memberCount"),
                json.dumps(g, ensure_ascii=False),
            ),
        )

    def drop_group(self, resource_name: str) -> None:
        with self._write():
            self._db.execute("DELETE FROM groups WHERE resource_name=?", (resource_name,))

    def groups(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT json FROM groups ORDER BY name").fetchall()
        return [json.loads(r[0]) for r in rows]

    def group_names(self) -> dict[str, str]:
        """resourceName -> the name people see (formattedName, else name) of every group."""
        return dict(self._db.execute("SELECT resource_name, name FROM groups").fetchall())

    def member_counts(self) -> dict[str, int]:
        """Members per group resource name, counted from the cached contacts."""
        counts: dict[str, int] = {}
        for contact in self.contacts():
            for g in contact.groups:
                counts[g] = counts.get(g, 0) + 1
        return counts


# What Cache.light_contacts reads of each Person, as Contact.from_person reads it: one
# json_extract of several paths parses the stored text once.
_LIGHT_SQL = """
SELECT resource_name, etag, json_extract(json,
  '$.names[0].givenName', '$.names[0].familyName', '$.names[0].middleName',
  '$.names[0].displayName', '$.organizations[0].name', '$.organizations[0].title',
  '$.phoneNumbers', '$.emailAddresses', '$.clientData')
FROM persons ORDER BY display_name
"""


# What Cache.listed_pages reads of each Person, as Contact.from_person reads it.
_LISTED_COLUMNS = """resource_name, display_name, json_extract(json,
  '$.organizations[0].name', '$.phoneNumbers', '$.emailAddresses', '$.memberships')"""


def _canonical(person: dict[str, Any]) -> str:
    """The stored JSON text of a Person (keys sorted: its hash does not depend on order)."""
    return json.dumps(person, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(text: str) -> str:
    return blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
