"""PeopleClient: the only code that talks to the People API.

The same client serves a real Google account and the local (emulated) one:
it is handed a googleapiclient ``people v1`` service and never knows which.
It pages, batches at the API's limits, paces under the per-minute quotas,
retries 429/5xx with exponential backoff and jitter (honouring Retry-After),
never re-sends a create blindly, and turns every HTTP error into the
project's exception tree. googleapiclient's own ``num_retries`` stays 0, and
the service's transport (contacts_crm/transport.py) never re-sends by itself.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from contacts_crm.account.pacing import Pacer
from contacts_crm.account.retrying import ContentionWait, backoff_wait
from contacts_crm.contact.model import READ_FIELDS, same_fields
from contacts_crm.contact.stamp import stamped
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

if TYPE_CHECKING:
    import logging

    from googleapiclient.errors import HttpError
    from tenacity import RetryCallState, Retrying


def _log() -> logging.Logger:
    """This module's logger; logging loads on the first message (a retry), not at start-up."""
    import logging

    return logging.getLogger(__name__)


BATCH_CREATE = 200
BATCH_UPDATE = 200
BATCH_GET = 200
BATCH_DELETE = 500
MEMBERS_MODIFY = 1000
PAGE_SIZE = 1000
# Read-modify-write attempts on one contact before giving up (exit 75): with
# ContentionWait, enough for ten writers on one card on a loaded machine.
CONFLICT_ATTEMPTS = 25
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
    unchanged: int = 0  # persons left out because ``keep`` said the caller holds them as sent


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
    """A failure worth retrying; ``landed`` says the write may have happened.

    ``answered`` says the server answered (an HTTP error): the request has
    ended. Without an answer (timeout, broken connection) it may still be
    running on the server.
    """

    def __init__(
        self, error: CrmError, retry_after: float | None, landed: bool, answered: bool = True
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after
        self.landed = landed
        self.answered = answered


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
        conflict_attempts: int = CONFLICT_ATTEMPTS,
        page_size: int = PAGE_SIZE,
        request_timeout: float = 60.0,
        read_settle_s: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``request_timeout``: the seconds after which this client gives up on a
        request (the service's HTTP timeout); a create sent that long ago can no
        longer be running. ``read_settle_s``: how long a write may take to show in
        reads; a create that may have landed is looked for again after it."""
        self.service = service
        self._people_api: Any = None
        self._groups_api: Any = None
        self.page_size = page_size
        self.pacer = pacer or Pacer()
        self.retry = retry or RetryPolicy()
        self.conflict_attempts = conflict_attempts
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self.request_timeout = request_timeout
        self.read_settle_s = read_settle_s
        self._write_lock = threading.RLock()
        self._search_warm = False
        self.calls: Counter[str] = Counter()  # API calls sent, per method
        self.writes = 0  # write requests sent (answered or not)
        self.retries: Counter[str] = Counter()  # retried failures, per HTTP status

    # ------------------------------------------------------------------ core
    @property
    def _people(self) -> Any:
        # googleapiclient rebuilds its method objects on every .people() call: build
        # once, and only on the first request (a lazy service loads the API stack then).
        if self._people_api is None:
            self._people_api = self.service.people()
        return self._people_api

    @property
    def _groups(self) -> Any:
        if self._groups_api is None:
            self._groups_api = self.service.contactGroups()
        return self._groups_api

    def _call(self, method: str, request: Any, *, mutation: bool = False) -> dict[str, Any]:
        """Execute one API request once: pace, send, map errors."""
        import httplib2  # loaded with the API stack, by the request object's build
        from googleapiclient.errors import HttpError

        spent = self.pacer.acquire(method)
        self.calls[method] += 1
        self.writes += mutation
        try:
            result = request.execute(num_retries=0)
        except HttpError as exc:
            raise _map_http_error(exc, method, mutation) from None
        except (TimeoutError, ConnectionError, httplib2.HttpLib2Error, OSError) as exc:
            err = UnavailableError(
                f"cannot reach the People API ({type(exc).__name__}: {exc})",
                hint="check the network connection (or the endpoint of this profile)",
            )
            raise _Transient(err, None, landed=mutation, answered=False) from None
        finally:
            self.pacer.settle(spent)  # counted by the server by now at the latest
        return result if isinstance(result, dict) else {}

    def _execute(
        self,
        method: str,
        make_request: Callable[[], Any],
        *,
        mutation: bool = False,
        recheck: Callable[[_Transient], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """Send with retries (tenacity: bounded, full jitter, Retry-After honoured).

        A mutation whose failure may have landed is only re-sent after
        ``recheck(failure)`` confirms it did not (or returns its result)."""
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

        failures: list[_Transient] = []

        def note(state: RetryCallState) -> None:
            status = getattr(failures[-1].error, "status", None) or "network"
            delay = state.next_action.sleep if state.next_action else 0.0
            _log().info("%s failed (%s); retry %d in %.1fs", method, status,
                        state.attempt_number, delay)  # fmt: skip

        def give_up(state: RetryCallState) -> dict[str, Any]:
            raise failures[-1].error from None

        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.retry.attempts),
            wait=backoff_wait(self.retry.base, self.retry.cap, self._rand, _transient_retry_after),
            sleep=self._sleep,
            before_sleep=note,
            retry_error_callback=give_up,
        )
        for attempt in retrying:
            with attempt:
                if failures and failures[-1].landed and recheck is not None:
                    found = recheck(failures[-1])
                    if found is not None:
                        return found
                try:
                    if mutation:
                        with self._write_lock:
                            return self._call(method, make_request(), mutation=True)
                    return self._call(method, make_request())
                except _Transient as t:
                    self.retries[str(getattr(t.error, "status", None) or "network")] += 1
                    failures.append(t)
                    raise
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover

    # ----------------------------------------------------------------- reads
    def list_all(
        self,
        *,
        sync_token: str | None = None,
        person_fields: str = READ_FIELDS,
        progress: Callable[[int, int | None], None] | None = None,
        keep: Callable[[dict[str, Any]], bool] | None = None,
    ) -> ListResult:
        """Read the whole account (or the changes since ``sync_token``).

        ``progress(done, total)`` is called after each page (total when the
        API says it). ``keep(person)`` False leaves a person out of
        ``persons`` as its page arrives (counted in ``unchanged``), so changes
        the caller already holds (an import's own writes) are never all in
        memory at once. Raises SyncTokenExpiredError when the token is too
        old: the caller then does a full read (``sync_token=None``).
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
                elif keep is not None and not keep(person):
                    result.unchanged += 1
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
            page = self._execute("people.connections.list", partial(conn.list, **params, **extra))
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
        landed is looked up (``find_landed``) before it is ever sent again.
        """
        marked = stamped(with_marker(person, marker_key), None)[0]
        marker = marker_of(marked, marker_key)
        sent = [0.0]

        def request() -> Any:
            sent[0] = self._clock()
            return self._people.createContact(body=marked, personFields=READ_FIELDS)

        def recheck(failure: _Transient) -> dict[str, Any] | None:
            found = self.find_landed(marker_key, [marker], sent_at=sent[0],
                                     answered=failure.answered)  # fmt: skip
            return found.get(marker)

        return self._execute("people.createContact", request, mutation=True, recheck=recheck)

    def create_many(
        self,
        persons: Sequence[dict[str, Any]],
        *,
        progress: Callable[[int], None] | None = None,
        marker_key: str = MARKER_KEY,
        on_send: Callable[[list[str]], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Create contacts with batchCreateContacts, 200 per call, in order.

        ``on_send(markers)`` is called right before every request (a re-send
        too) with the markers it carries, so a caller can record what may land
        and when before it goes (imports do, to recover after a kill).

        Each person carries a clientData marker (``marker_key``). After a
        failure that may have landed, the batch is looked up by marker
        (``find_landed``: once no request can still be running and reads have
        settled) and only the contacts not found are sent again, so no
        contact is ever created twice.
        """
        marked = [stamped(with_marker(p, marker_key), None)[0] for p in persons]
        created: list[dict[str, Any]] = []
        for chunk in _chunks(marked, BATCH_CREATE):
            got = self._create_batch(chunk, marker_key, on_send)
            created.extend(got)
            if progress:
                progress(len(got))
        return created

    def _create_batch(
        self,
        chunk: list[dict[str, Any]],
        marker_key: str,
        on_send: Callable[[list[str]], None] | None,
    ) -> list[dict[str, Any]]:
        """One batchCreateContacts; after a failure only what did not land is re-sent."""
        markers = [marker_of(p, marker_key) for p in chunk]
        got: dict[str, dict[str, Any]] = {}
        sent = 0.0

        def request() -> Any:
            nonlocal sent
            todo = [p for p in chunk if marker_of(p, marker_key) not in got]
            body = {"contacts": [{"contactPerson": p} for p in todo], "readMask": READ_FIELDS}
            if on_send:
                on_send([marker_of(p, marker_key) for p in todo])
            sent = self._clock()
            return self._people.batchCreateContacts(body=body)

        def recheck(failure: _Transient) -> dict[str, Any] | None:
            todo = [m for m in markers if m not in got]
            got.update(self.find_landed(marker_key, todo, sent_at=sent,
                                        answered=failure.answered))  # fmt: skip
            return {"createdPeople": []} if len(got) == len(markers) else None

        res = self._execute("people.batchCreateContacts", request, mutation=True, recheck=recheck)
        for r in res.get("createdPeople", []):
            if "person" in r:
                got[marker_of(r["person"], marker_key)] = r["person"]
        return [got[m] for m in markers if m in got]

    def find_landed(
        self,
        key: str,
        values: Sequence[str],
        *,
        sent_at: float,
        answered: bool,
        timeout: float | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Of the contacts a create sent at ``sent_at`` carried (clientData ``key`` in
        ``values``), those that landed.

        "Not found once" proves nothing: a request that got no answer may still
        be running on the server until its timeout (``timeout``, default this
        client's ``request_timeout``) has passed since it was sent, and a write
        takes a while to show in reads. So this waits until no such request can
        be running, reads, and when something is missing reads again after
        ``read_settle_s``. What is still missing then did not land.
        """
        if not values:
            return {}
        if not answered:
            limit = self.request_timeout if timeout is None else timeout
            wait = sent_at + limit - self._clock()
            if wait > 0:
                import logging

                _log().log(logging.WARNING if wait >= 1 else logging.INFO,
                           "a create sent earlier may still be running on the server: "
                           "waiting %.0f s before checking what landed", wait)  # fmt: skip
                self._sleep(wait)
        found = self.find_by_markers(key, values)
        if len(found) < len(set(values)) and self.read_settle_s > 0:
            self._sleep(self.read_settle_s)
            found = self.find_by_markers(key, values)
        return found

    def find_by_markers(self, key: str, values: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Contacts whose clientData ``key`` is one of ``values`` (a full read)."""
        wanted = set(values)
        found: dict[str, dict[str, Any]] = {}
        for person in self.list_all().persons:
            for cd in person.get("clientData", []):
                if cd.get("key") == key and cd.get("value") in wanted:
                    found.setdefault(cd["value"], person)
        return found

    def update(
        self,
        person: dict[str, Any],
        fields: Sequence[str],
        *,
        base: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """updateContact with the etag the person carries; stale -> StaleEtagError.

        The write carries the tool's stamp (contact/stamp.py); ``base``, the whole
        contact the write was made from, lets it be stamped when ``fields`` lack
        clientData.
        """
        if not person.get("etag"):
            raise UsageError("an update needs the etag it read (re-read the contact first)")
        person, stamped_fields = stamped(person, fields, base)
        mask = ",".join(stamped_fields or fields)
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

    def on_conflict(self, resource_name: str) -> Retrying:
        """The retry of a read-modify-write of one contact that meets stale etags.

        ``for attempt in client.on_conflict(rn): with attempt: ...`` re-runs
        the block on StaleEtagError, a bounded number of times with full
        jitter in units of the attempt's own duration (``ContentionWait``);
        then ConflictError (exit 75). Any other error passes at once.
        """
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

        wait = ContentionWait(rand=self._rand)

        def give_up(state: RetryCallState) -> None:
            raise ConflictError(
                f"{resource_name} kept changing under us ({state.attempt_number} attempts)",
                hint="someone is editing this contact right now; try again in a minute",
            )

        def note(state: RetryCallState) -> None:
            self.retries["stale etag"] += 1
            _log().info("stale etag on %s (attempt %d): re-reading", resource_name,
                        state.attempt_number)  # fmt: skip

        return Retrying(
            retry=retry_if_exception_type(StaleEtagError),
            stop=stop_after_attempt(self.conflict_attempts),
            wait=wait,
            before=wait.before,
            before_sleep=note,
            sleep=self._sleep,
            retry_error_callback=give_up,
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
        person; ``None`` means nothing to change. It must be pure: on a stale
        etag the contact is re-read and only the *operation* is run again on
        the fresh copy (never the old text written over the new), as
        ``on_conflict`` bounds it. With a fresh cached ``person`` the whole
        thing is one API call.
        """
        current = person
        for attempt in self.on_conflict(resource_name):
            with attempt:
                if current is None or attempt.retry_state.attempt_number > 1:
                    current = self.get(resource_name)
                change = operation(current)
                if change is None:
                    return current
                body, fields = change
                body = {**body, "resourceName": resource_name, "etag": current.get("etag")}
                return self.update(body, fields, base=current)
        raise AssertionError("unreachable: on_conflict returns or raises")  # pragma: no cover

    def update_many(
        self,
        persons: Sequence[dict[str, Any]],
        fields: Sequence[str],
        *,
        progress: Callable[[int], None] | None = None,
        reapply: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None] | None = None,
        bases: Mapping[str, dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """batchUpdateContacts, 200 per call; each person carries its etag.

        Every contact is stamped as the tool's write (contact/stamp.py); ``bases``
        (resourceName -> the whole contact a write was made from) lets it be
        stamped when ``fields`` lack clientData.

        A batch rejected for a stale etag (another device's edit, or our own
        earlier attempt whose answer was lost) is recovered in batches: the
        batch's contacts are read with one getBatchGet, each planned write is
        re-applied to its fresh copy, contacts that already hold it are done,
        the rest go out in one batch update again (bounded attempts).
        ``reapply(intended, fresh) -> body | None`` re-applies a write (the
        caller's three-way merge, so no one's edit is lost); without it the
        intended values of ``fields`` replace the fresh ones (a restore).
        With ``reapply`` (an ``Operation``, as ``modify`` takes) each contact of
        a rejected batch is redone by re-running it on the fresh copy instead.
        """

        def restore(intended: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any] | None:
            return {f: intended.get(f, []) for f in fields}

        out: list[dict[str, Any]] = []
        for chunk in _chunks(list(persons), BATCH_UPDATE):
            got = self._update_batch(chunk, fields, reapply or restore, bases or {})
            out.extend(got)
            if progress:
                progress(len(got))
        return out

    def _update_batch(
        self,
        chunk: list[dict[str, Any]],
        fields: Sequence[str],
        reapply: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None],
        bases: Mapping[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """One batch of ``update_many`` with its stale-etag recovery."""
        intended = {p["resourceName"]: p for p in chunk}
        done: dict[str, dict[str, Any]] = {}
        todo = list(chunk)
        bases = dict(bases)
        for attempt in range(self.conflict_attempts):
            contacts, stamped_mask = _stamped_batch(todo, fields, bases)
            body = {"contacts": contacts, "updateMask": stamped_mask,
                    "readMask": READ_FIELDS}  # fmt: skip
            try:
                res = self._execute(
                    "people.batchUpdateContacts",
                    partial(self._people.batchUpdateContacts, body=body),
                    mutation=True,
                )
            except StaleEtagError:
                _log().info("stale etag in a batch of %d (attempt %d): re-reading", len(todo),
                            attempt + 1)  # fmt: skip
                if attempt:
                    self._sleep(self.retry.delay(attempt - 1, None, self._rand) / 4)
                names = [p["resourceName"] for p in todo]
                fresh = {p["resourceName"]: p for p in self.get_many(names)}
                retry = []
                for rn in (p["resourceName"] for p in todo):
                    current = fresh.get(rn)
                    if current is None:
                        raise NotFoundError(
                            f"{rn} was deleted while it was being updated",
                            hint="run 'crm sync' and run the command again",
                        ) from None
                    change = reapply(intended[rn], current)
                    if change is None or same_fields(current, change, fields):
                        done[rn] = current  # it already holds the write (or needs none)
                    else:
                        retry.append({**change, "resourceName": rn, "etag": current.get("etag")})
                        bases[rn] = current
                todo = retry
                if not todo:
                    break
                continue
            for rn, r in res.get("updateResult", {}).items():
                if "person" in r:
                    done[r["person"].get("resourceName", rn)] = r["person"]
            break
        else:
            raise ConflictError(
                f"{len(todo)} contact(s) kept changing under us ({self.conflict_attempts} "
                "attempts)",
                hint="someone is editing these contacts right now; run the command again",
            )
        return [done[p["resourceName"]] for p in chunk if p["resourceName"] in done]

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
                lambda: self._groups.update(resourceName=group["resourceName"], body=body),
                mutation=True,
            )
        except ServiceError as exc:
            if exc.status == 409:
                raise UsageError(f"a group named {new_name!r} already exists") from None
            raise

    def delete_group(self, resource_name: str, *, delete_contacts: bool = False) -> None:
        self._execute(
            "contactGroups.delete",
            lambda: self._groups.delete(resourceName=resource_name, deleteContacts=delete_contacts),
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


def _stamped_batch(
    chunk: list[dict[str, Any]], fields: Sequence[str], bases: Mapping[str, dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], str]:
    """One batchUpdateContacts map, each contact stamped, and the batch's one mask.

    Without clientData in ``fields`` a contact is stamped from its base; if a
    contact of the batch has none, the batch goes out unstamped (one mask for all).
    """
    if "clientData" not in fields and not all(p["resourceName"] in bases for p in chunk):
        return {p["resourceName"]: p for p in chunk}, ",".join(fields)
    contacts: dict[str, dict[str, Any]] = {}
    mask: list[str] = list(fields)
    for p in chunk:
        body, mask_of = stamped(p, fields, bases.get(p["resourceName"]))
        contacts[p["resourceName"]] = body
        mask = mask_of or mask
    return contacts, ",".join(mask)


def marker_of(person: dict[str, Any], key: str) -> str:
    """The value of a person's marker (clientData ``key``)."""
    for cd in person.get("clientData", []):
        if cd.get("key") == key:
            return str(cd.get("value"))
    raise ValueError("person has no marker")  # pragma: no cover - with_marker adds one


def with_marker(person: dict[str, Any], key: str) -> dict[str, Any]:
    """The person with a marker (clientData ``key``: a fresh random value) unless it has one."""
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


def _transient_retry_after(exc: BaseException | None) -> float | None:
    return exc.retry_after if isinstance(exc, _Transient) else None
