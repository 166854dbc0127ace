"""PeopleClient: the only code that talks to the People API.

The same client serves a real Google account and the local (emulated) one:
it is handed a googleapiclient ``people v1`` service and never knows which.
It pages, batches at the API's limits, paces under the per-minute quotas,
retries 429/5xx with exponential backoff and jitter (honouring Retry-After),
never re-sends a create blindly, and turns every HTTP error into the
project's exception tree. googleapiclient's own ``num_retries`` stays 0.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httplib2
from googleapiclient.errors import HttpError

from contacts_crm.account.pacing import Pacer
from contacts_crm.contact.model import READ_FIELDS, three_way
from contacts_crm.errors import (
    AuthError,
    ConflictError,
    CrmError,
    LimitExceededError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
    StaleEtagError,
    SyncTokenExpiredError,
    UnavailableError,
    UsageError,
)

log = logging.getLogger(__name__)

BATCH_CREATE = 200
BATCH_UPDATE = 200
BATCH_GET = 200
BATCH_DELETE = 500
MEMBERS_MODIFY = 1000
PAGE_SIZE = 1000
MARKER_KEY = "crm.key"  # clientData key that makes every create recognisable
GROUP_FIELDS = "name,groupType,memberCount,metadata,clientData"

# A write's body and the Person fields it replaces (updatePersonFields).
Update = tuple[dict[str, Any], Sequence[str]]
Operation = Callable[[dict[str, Any]], Update | None]


@dataclass
class ListResult:
    """Persons from one connections.list chain (full or incremental)."""

    persons: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    sync_token: str | None = None
    full: bool = True
    calls: int = 0


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with full jitter for 429/5xx/transport errors."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 32.0

    def delay(self, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        backoff = min(self.cap, self.base * 2**attempt) * rand()
        return max(backoff, retry_after or 0.0)


class _Transient(Exception):
    """A failure worth retrying; ``landed`` says the write may have happened."""

    def __init__(self, error: CrmError, retry_after: float | None, landed: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after
        self.landed = landed


class PeopleClient:
    """People API v1 client for one account (thread-safe; mutations serialised)."""

    def __init__(
        self,
        service: Any,
        *,
        pacer: Pacer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        conflict_attempts: int = 8,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.service = service
        # googleapiclient rebuilds its method objects on every .people() call: build once.
        self._people = service.people()
        self._groups = service.contactGroups()
        self.page_size = page_size
        self.pacer = pacer or Pacer()
        self.retry = retry or RetryPolicy()
        self.conflict_attempts = conflict_attempts
        self._sleep = sleep
        self._rand = rand
        self._write_lock = threading.RLock()
        self._search_warm = False
        self.calls: Counter[str] = Counter()  # API calls sent, per method
        self.retries: Counter[str] = Counter()  # retried failures, per HTTP status

    # ------------------------------------------------------------------ core
    def _call(self, method: str, request: Any, *, mutation: bool = False) -> dict[str, Any]:
        """Execute one API request once: pace, send, map errors."""
        self.pacer.acquire(method)
        self.calls[method] += 1
        try:
            result = request.execute(num_retries=0)
        except HttpError as exc:
            raise _map_http_error(exc, method, mutation) from None
        except (TimeoutError, ConnectionError, httplib2.HttpLib2Error, OSError) as exc:
            err = UnavailableError(
                f"cannot reach the People API ({type(exc).__name__}: {exc})",
                hint="check the network connection (or the endpoint of this profile)",
            )
            raise _Transient(err, None, landed=mutation) from None
        return result if isinstance(result, dict) else {}

    def _execute(
        self,
        method: str,
        make_request: Callable[[], Any],
        *,
        mutation: bool = False,
        recheck: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """Send with retries. A mutation whose failure may have landed is only
        re-sent after ``recheck`` confirms it did not (or returns its result)."""
        attempt = 0
        while True:
            try:
                if mutation:
                    with self._write_lock:
                        return self._call(method, make_request(), mutation=True)
                return self._call(method, make_request())
            except _Transient as t:
                status = getattr(t.error, "status", None) or "network"
                self.retries[str(status)] += 1
                if attempt + 1 >= self.retry.attempts:
                    raise t.error from None
                delay = self.retry.delay(attempt, t.retry_after, self._rand)
                log.info("%s failed (%s); retry %d in %.1fs", method, status, attempt + 1, delay)
                self._sleep(delay)
                attempt += 1
                if t.landed and recheck is not None:
                    found = recheck()
                    if found is not None:
                        return found

    # ----------------------------------------------------------------- reads
    def list_all(
        self,
        *,
        sync_token: str | None = None,
        person_fields: str = READ_FIELDS,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> ListResult:
        """Read the whole account (or the changes since ``sync_token``).

        ``progress(done, total)`` is called after each page (total when the
        API says it). Raises SyncTokenExpiredError when the token is too old:
        the caller then does a full read (``sync_token=None``).
        """
        result = ListResult(full=sync_token is None)
        done = 0
        for page in self._pages(sync_token=sync_token, person_fields=person_fields):
            result.calls += 1
            done += len(page.get("connections", []))
            if progress:
                progress(done, page.get("totalItems"))
            for person in page.get("connections", []):
                if person.get("metadata", {}).get("deleted"):
                    result.deleted.append(person["resourceName"])
                else:
                    result.persons.append(person)
                    for old in person.get("metadata", {}).get("previousResourceNames", []):
                        result.deleted.append(old)
            if "nextSyncToken" in page:
                result.sync_token = page["nextSyncToken"]
        return result

    def _pages(self, *, sync_token: str | None, person_fields: str) -> Iterator[dict[str, Any]]:
        conn = self._people.connections()
        params: dict[str, Any] = {
            "resourceName": "people/me",
            "personFields": person_fields,
            "pageSize": self.page_size,
            "requestSyncToken": True,
            "sortOrder": "LAST_MODIFIED_ASCENDING",
        }
        if sync_token:
            params["syncToken"] = sync_token
        token: str | None = None
        while True:
            extra = {"pageToken": token} if token else {}
            page = self._execute(
                "people.connections.list", partial(conn.list, **params, **extra)
            )
            yield page
            token = page.get("nextPageToken")
            if not token:
                return

    def get(self, resource_name: str, person_fields: str = READ_FIELDS) -> dict[str, Any]:
        """One contact, fresh from the API."""
        return self._execute(
            "people.get",
            lambda: self._people.get(
                resourceName=resource_name,
                personFields=person_fields,
                sources="READ_SOURCE_TYPE_CONTACT",
            ),
        )

    def get_many(
        self, resource_names: Sequence[str], person_fields: str = READ_FIELDS
    ) -> list[dict[str, Any]]:
        """Several contacts in batches of 200; missing ones are left out."""
        out: list[dict[str, Any]] = []
        for chunk in _chunks(list(resource_names), BATCH_GET):
            res = self._execute(
                "people.getBatchGet",
                partial(
                    self._people.getBatchGet,
                    resourceNames=chunk,
                    personFields=person_fields,
                    sources="READ_SOURCE_TYPE_CONTACT",
                ),
            )
            out.extend(r["person"] for r in res.get("responses", []) if r.get("person"))
        return out

    def search(self, query: str, page_size: int = 30) -> list[dict[str, Any]]:
        """Server-side prefix search (names, emails, phones, companies).

        The first search of a session sends the empty warm-up query Google
        asks for, so the server's lazy search cache is fresh.
        """
        people = self._people
        if not self._search_warm:
            self._execute(
                "people.searchContacts", lambda: people.searchContacts(query="", readMask="names")
            )
            self._search_warm = True
        res = self._execute(
            "people.searchContacts",
            lambda: people.searchContacts(
                query=query, readMask=READ_FIELDS, pageSize=min(page_size, 30)
            ),
        )
        return [r["person"] for r in res.get("results", []) if "person" in r]

    # ---------------------------------------------------------------- writes
    def create(self, person: dict[str, Any], *, marker_key: str = MARKER_KEY) -> dict[str, Any]:
        """Create one contact with createContact (a sixth of a batch's quota cost).

        Like ``create_many`` it carries a marker, so a call that may have
        landed is looked up before it is ever sent again.
        """
        marked = _with_marker(person, marker_key)
        marker = _marker(marked, marker_key)

        def recheck() -> dict[str, Any] | None:
            return self.find_by_markers(marker_key, [marker]).get(marker)

        return self._execute(
            "people.createContact",
            lambda: self._people.createContact(body=marked, personFields=READ_FIELDS),
            mutation=True,
            recheck=recheck,
        )

    def create_many(
        self,
        persons: Sequence[dict[str, Any]],
        *,
        progress: Callable[[int], None] | None = None,
        marker_key: str = MARKER_KEY,
    ) -> list[dict[str, Any]]:
        """Create contacts with batchCreateContacts, 200 per call, in order.

        Each person carries a clientData marker (``marker_key``); a batch whose
        call failed in a way that may have landed is looked up by marker
        before anything is sent again, so no contact is ever created twice.
        """
        marked = [_with_marker(p, marker_key) for p in persons]
        created: list[dict[str, Any]] = []
        for chunk in _chunks(marked, BATCH_CREATE):
            body = {"contacts": [{"contactPerson": p} for p in chunk], "readMask": READ_FIELDS}
            markers = [_marker(p, marker_key) for p in chunk]

            def recheck(markers: list[str] = markers, chunk: list = chunk) -> dict | None:
                found = self.find_by_markers(marker_key, markers)
                if len(found) == len(markers):
                    return {"createdPeople": [{"person": found[m]} for m in markers]}
                if found:  # part landed: a batch is all-or-nothing, so this is a stranger
                    raise ConflictError(
                        f"{len(found)} of {len(markers)} contacts of a failed batch exist",
                        hint="run 'crm sync' and retry; nothing was duplicated",
                    )
                return None

            res = self._execute(
                "people.batchCreateContacts",
                partial(self._people.batchCreateContacts, body=body),
                mutation=True,
                recheck=recheck,
            )
            got = [r["person"] for r in res.get("createdPeople", []) if "person" in r]
            created.extend(got)
            if progress:
                progress(len(got))
        return created

    def find_by_markers(self, key: str, values: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Contacts whose clientData ``key`` is one of ``values`` (a full read)."""
        wanted = set(values)
        found: dict[str, dict[str, Any]] = {}
        for person in self.list_all().persons:
            for cd in person.get("clientData", []):
                if cd.get("key") == key and cd.get("value") in wanted:
                    found[cd["value"]] = person
        return found

    def update(self, person: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        """updateContact with the etag the person carries; stale -> StaleEtagError."""
        if not person.get("etag"):
            raise UsageError("an update needs the etag it read (re-read the contact first)")
        mask = ",".join(fields)
        return self._execute(
            "people.updateContact",
            lambda: self._people.updateContact(
                resourceName=person["resourceName"],
                updatePersonFields=mask,
                personFields=READ_FIELDS,
                body=person,
            ),
            mutation=True,
            # An update that may have landed is safe to re-send: its etag then
            # is stale and modify() re-reads and re-applies the operation.
        )

    def modify(
        self,
        resource_name: str,
        operation: Operation,
        *,
        person: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Apply ``operation`` to the contact and write it, etag-checked.

        ``operation(person) -> (body, fields) | None`` builds the write from a
        person; ``None`` means nothing to change. On a stale etag the contact
        is re-read and the *operation* re-applied to the fresh copy (never the
        old text written over the new), a bounded number of times. With a
        fresh cached ``person`` the whole thing is one API call.
        """
        current = person if person is not None else self.get(resource_name)
        for attempt in range(self.conflict_attempts):
            change = operation(current)
            if change is None:
                return current
            body, fields = change
            body = {**body, "resourceName": resource_name, "etag": current.get("etag")}
            try:
                return self.update(body, fields)
            except StaleEtagError:
                log.info("stale etag on %s (attempt %d): re-reading", resource_name, attempt + 1)
                if attempt:
                    self._sleep(self.retry.delay(attempt - 1, None, self._rand) / 4)
                current = self.get(resource_name)
        raise ConflictError(
            f"{resource_name} kept changing under us ({self.conflict_attempts} attempts)",
            hint="someone is editing this contact right now; try again in a minute",
        )

    def update_many(
        self,
        persons: Sequence[dict[str, Any]],
        fields: Sequence[str],
        *,
        bases: Mapping[str, dict[str, Any]] | None = None,
        progress: Callable[[int], None] | None = None,
        reapply: Operation | None = None,
    ) -> list[dict[str, Any]]:
        """batchUpdateContacts, 200 per call; each person carries its etag.

        A batch rejected for a stale etag is redone contact by contact through
        ``modify``. Where ``bases`` holds the person the write was planned from
        (by resourceName), the write is merged three-way with what is there
        now (``contact.three_way``: no one's edit is lost); without a base the
        intended values of ``fields`` replace the fresh ones (a restore).
        With ``reapply`` (an ``Operation``, as ``modify`` takes) each contact of
        a rejected batch is redone by re-running it on the fresh copy instead.
        """
        mask = ",".join(fields)
        out: list[dict[str, Any]] = []
        for chunk in _chunks(list(persons), BATCH_UPDATE):
            body = {
                "contacts": {p["resourceName"]: p for p in chunk},
                "updateMask": mask,
                "readMask": READ_FIELDS,
            }
            try:
                res = self._execute(
                    "people.batchUpdateContacts",
                    partial(self._people.batchUpdateContacts, body=body),
                    mutation=True,
                )
                got = [r["person"] for r in res.get("updateResult", {}).values() if "person" in r]
            except StaleEtagError:
                got = []
                for intended in chunk:
                    if reapply is not None:
                        got.append(self.modify(intended["resourceName"], reapply))
                        continue

                    def op(fresh: dict, intended: dict = intended) -> Update | None:
                        base = (bases or {}).get(intended["resourceName"])
                        if base is not None:
                            return three_way(base, fresh, intended, fields), fields
                        return {f: intended.get(f, []) for f in fields}, fields

                    got.append(self.modify(intended["resourceName"], op))
            out.extend(got)
            if progress:
                progress(len(got))
        return out

    def delete_many(self, resource_names: Sequence[str]) -> int:
        """batchDeleteContacts, 500 per call; returns how many were asked."""
        names = list(resource_names)
        for chunk in _chunks(names, BATCH_DELETE):
            self._execute(
                "people.batchDeleteContacts",
                partial(self._people.batchDeleteContacts, body={"resourceNames": chunk}),
                mutation=True,
            )
        return len(names)

    def delete(self, resource_name: str) -> None:
        self._execute(
            "people.deleteContact",
            lambda: self._people.deleteContact(resourceName=resource_name),
            mutation=True,
        )

    # ---------------------------------------------------------------- groups
    def list_groups(self) -> list[dict[str, Any]]:
        """Every contact group (labels and system groups)."""
        groups: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            extra = {"pageToken": token} if token else {}
            page = self._execute(
                "contactGroups.list",
                partial(self._groups.list, pageSize=1000, groupFields=GROUP_FIELDS, **extra),
            )
            groups.extend(page.get("contactGroups", []))
            token = page.get("nextPageToken")
            if not token:
                return groups

    def create_group(self, name: str) -> dict[str, Any]:
        """Create a label; an existing name gives UsageError."""
        try:
            return self._execute(
                "contactGroups.create",
                lambda: self._groups.create(
                    body={"contactGroup": {"name": name}, "readGroupFields": GROUP_FIELDS}
                ),
                mutation=True,
            )
        except ServiceError as exc:
            if exc.status == 409:
                raise UsageError(f"a group named {name!r} already exists") from None
            raise

    def rename_group(self, group: dict[str, Any], new_name: str) -> dict[str, Any]:
        body = {
            "contactGroup": {"name": new_name, "etag": group.get("etag")},
            "updateGroupFields": "name",
            "readGroupFields": GROUP_FIELDS,
        }
        try:
            return self._execute(
                "contactGroups.update",
                lambda: self._groups.update(
                    resourceName=group["resourceName"], body=body
                ),
                mutation=True,
            )
        except ServiceError as exc:
            if exc.status == 409:
                raise UsageError(f"a group named {new_name!r} already exists") from None
            raise

    def delete_group(self, resource_name: str, *, delete_contacts: bool = False) -> None:
        self._execute(
            "contactGroups.delete",
            lambda: self._groups.delete(
                resourceName=resource_name, deleteContacts=delete_contacts
            ),
            mutation=True,
        )

    def modify_members(
        self, group: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> dict[str, list[str]]:
        """Add/remove members, up to 1000 per call; returns the API's not-done lists."""
        todo = [("add", rn) for rn in add] + [("remove", rn) for rn in remove]
        report: dict[str, list[str]] = {"notFound": [], "lastGroup": []}
        for chunk in _chunks(todo, MEMBERS_MODIFY):
            body = {
                "resourceNamesToAdd": [rn for k, rn in chunk if k == "add"],
                "resourceNamesToRemove": [rn for k, rn in chunk if k == "remove"],
            }
            res = self._execute(
                "contactGroups.members.modify",
                partial(self._groups.members().modify, resourceName=group, body=body),
                mutation=True,
            )
            report["notFound"] += res.get("notFoundResourceNames", [])
            report["lastGroup"] += res.get("canNotRemoveLastContactGroupResourceNames", [])
        return report


# ---------------------------------------------------------------------- helpers
def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marker(person: dict[str, Any], key: str) -> str:
    for cd in person.get("clientData", []):
        if cd.get("key") == key:
            return str(cd.get("value"))
    raise ValueError("person has no marker")  # pragma: no cover - _with_marker adds one


def _with_marker(person: dict[str, Any], key: str) -> dict[str, Any]:
    if any(cd.get("key") == key for cd in person.get("clientData", [])):
        return person
    data = [*person.get("clientData", []), {"key": key, "value": uuid.uuid4().hex}]
    return {**person, "clientData": data}


def error_info(exc: HttpError) -> tuple[int, str, str, set[str]]:
    """(HTTP status, message, status word, reasons) from Google's error envelope."""
    status = int(getattr(exc, "status_code", 0) or exc.resp.status)
    message, word, reasons = "", "", set()
    try:
        body = json.loads(
            exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content
        )
        err = body.get("error", {}) if isinstance(body, dict) else {}
        message = str(err.get("message", ""))
        word = str(err.get("status", ""))
        reasons |= {str(e.get("reason")) for e in err.get("errors", []) if e.get("reason")}
        reasons |= {str(d.get("reason")) for d in err.get("details", []) if d.get("reason")}
    except (ValueError, AttributeError):
        message = str(exc)
    return status, message, word, reasons


def _retry_after(exc: HttpError) -> float | None:
    value = exc.resp.get("retry-after") if exc.resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _map_http_error(exc: HttpError, method: str, mutation: bool) -> Exception:
    """Turn an HttpError into our exception (or a _Transient to retry)."""
    status, message, word, reasons = error_info(exc)
    if status == 429 or (
        status == 403 and reasons & {"rateLimitExceeded", "userRateLimitExceeded"}
    ):
        limited = RateLimitedError(
            f"People API quota exceeded ({method}): {message}",
            status=status,
            reason="RATE_LIMIT_EXCEEDED",
            hint="wait a minute and run the command again; nothing was lost",
        )
        # Google rejects a quota-exceeded request before doing it: safe to re-send.
        return _Transient(limited, _retry_after(exc), landed=False)
    if status >= 500:
        err = UnavailableError(
            f"People API error {status} ({method}): {message or 'no message'}",
            status=status,
            hint="Google is having trouble; run the command again in a few minutes",
        )
        # A 503 means "not done"; a 500 on a write may have been half done.
        return _Transient(err, _retry_after(exc), landed=mutation and status != 503)
    if status in (400, 410) and (
        "EXPIRED_SYNC_TOKEN" in reasons or "sync token is expired" in message.lower()
    ):
        return SyncTokenExpiredError(message, status=status, reason="EXPIRED_SYNC_TOKEN")
    if status == 400 and "etag is different" in message:
        return StaleEtagError(message, status=status, reason="failedPrecondition")
    if status == 404:
        return NotFoundError(
            f"not found ({method}): {message}", hint="run 'crm sync' to refresh the local copy"
        )
    if status in (401, 403):
        return AuthError(
            f"the account refused the request ({status}): {message}",
            hint="log in again with 'crm login' (the token may be revoked or lack a scope)",
        )
    if status == 400 and ("limit" in message.lower() and "contact" in message.lower()):
        return LimitExceededError(
            message,
            status=status,
            hint="Google Contacts holds at most 25,000 contacts per "
            "account: delete or archive some first",
        )
    return ServiceError(
        f"People API rejected {method} ({status} {word}): {message}",
        status=status,
        reason=",".join(sorted(reasons)) or None,
    )
