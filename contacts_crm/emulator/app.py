"""The emulator: routes People v1 requests, applies knobs, keeps counters."""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

from . import admin, drive_handlers, groups_handlers, people_handlers
from .envelope import ApiError, error_response, json_response, not_found
from .persons import new_etag, normalize
from .quotas import QuotaBook, add_units, quota_error
from .request import Request
from .search import SearchIndex
from .settings import EmulatorSettings, default_seed
from .store import SYSTEM_GROUPS, GroupRecord, PersonRecord, Store

Handler = Callable[["Emulator", Request, re.Match[str]], Any]

# (HTTP method, path regex, method name, latency kind, handler)
_ROUTES: list[tuple[str, re.Pattern[str], str, str, Handler]] = [
    (m, re.compile(p), name, kind, h)
    for m, p, name, kind, h in [
        (
            "GET",
            r"^/v1/people/me/connections$",
            "people.connections.list",
            "read",
            people_handlers.connections_list,
        ),
        ("GET", r"^/v1/people:batchGet$", "people.getBatchGet", "read", people_handlers.get_batch),
        (
            "GET",
            r"^/v1/people:searchContacts$",
            "people.searchContacts",
            "read",
            people_handlers.search,
        ),
        (
            "POST",
            r"^/v1/people:createContact$",
            "people.createContact",
            "write",
            people_handlers.create,
        ),
        (
            "POST",
            r"^/v1/people:batchCreateContacts$",
            "people.batchCreateContacts",
            "batch_write",
            people_handlers.batch_create,
        ),
        (
            "POST",
            r"^/v1/people:batchUpdateContacts$",
            "people.batchUpdateContacts",
            "batch_write",
            people_handlers.batch_update,
        ),
        (
            "POST",
            r"^/v1/people:batchDeleteContacts$",
            "people.batchDeleteContacts",
            "batch_write",
            people_handlers.batch_delete,
        ),
        (
            "PATCH",
            r"^/v1/(people/[^/:]+):updateContact$",
            "people.updateContact",
            "write",
            people_handlers.update,
        ),
        (
            "DELETE",
            r"^/v1/(people/[^/:]+):deleteContact$",
            "people.deleteContact",
            "write",
            people_handlers.delete,
        ),
        ("GET", r"^/v1/(people/[^/:]+)$", "people.get", "read", people_handlers.get),
        ("GET", r"^/v1/contactGroups$", "contactGroups.list", "read", groups_handlers.list_groups),
        ("POST", r"^/v1/contactGroups$", "contactGroups.create", "write", groups_handlers.create),
        (
            "GET",
            r"^/v1/contactGroups:batchGet$",
            "contactGroups.batchGet",
            "read",
            groups_handlers.batch_get,
        ),
        (
            "POST",
            r"^/v1/(contactGroups/[^/:]+)/members:modify$",
            "contactGroups.members.modify",
            "write",
            groups_handlers.modify_members,
        ),
        ("GET", r"^/v1/(contactGroups/[^/:]+)$", "contactGroups.get", "read", groups_handlers.get),
        (
            "PUT",
            r"^/v1/(contactGroups/[^/:]+)$",
            "contactGroups.update",
            "write",
            groups_handlers.update,
        ),
        (
            "DELETE",
            r"^/v1/(contactGroups/[^/:]+)$",
            "contactGroups.delete",
            "write",
            groups_handlers.delete,
        ),
        # Drive v3, appDataFolder only: the history store (drive_handlers.py)
        ("GET", r"^/drive/v3/files$", "drive.files.list", "read", drive_handlers.list_files),
        ("POST", r"^/drive/v3/files$", "drive.files.create", "write", drive_handlers.create),
        ("POST", r"^/upload/drive/v3/files$", "drive.files.create", "write", drive_handlers.create),
        ("GET", r"^/drive/v3/files/([^/]+)$", "drive.files.get", "read", drive_handlers.get),
        (
            "DELETE",
            r"^/drive/v3/files/([^/]+)$",
            "drive.files.delete",
            "write",
            drive_handlers.delete,
        ),
    ]
]

Response = tuple[int, dict[str, str], bytes]


def quota_category(method: str, http_method: str) -> str:
    """The per-minute quota a call of ``method`` counts against (people-api.md §5.1)."""
    if method.startswith("drive."):
        return "drive"  # Drive's own quotas, far above what the history store sends
    if method.startswith("contactGroups."):
        return "group_read" if http_method == "GET" else "write"
    if http_method == "GET":
        return "critical_read"
    if "elete" in method:  # deleteContact, batchDeleteContacts
        return "write"
    return "critical_write"


class Hold:
    """A request held at "received, not yet committed" (see ``Emulator.hold``).

    ``received`` is set when a matching request arrived and waits; ``release()``
    lets it go on (``commit=False``: it fails with a 503 and writes nothing, as
    a server that died mid-request); ``finished`` is set once it has ended.
    With ``after_commit`` the request is held after it was carried out, before
    its answer goes back (``received`` then means committed): the window of an
    answer lost after the write landed.
    """

    def __init__(self, method: str, *, after_commit: bool = False, skip: int = 0) -> None:
        self.method = method
        self.after_commit = after_commit
        self.skip = skip  # matching calls to let through before the one held
        self.received = threading.Event()
        self.finished = threading.Event()
        self._released = threading.Event()
        self.commit = True

    def release(self, *, commit: bool = True) -> None:
        """Let the held request go on (and commit, unless ``commit`` is False)."""
        self.commit = commit
        self._released.set()

    def wait_released(self, timeout: float | None = None) -> bool:
        return self._released.wait(timeout)


class Emulator:
    """A People-API-compatible account backed by SQLite.

    ``handle()`` answers one HTTP request. Knobs: ``settings`` (mutable),
    ``arm_conflict()``, ``device_edit()``, ``clock``. Observability:
    ``counters`` (calls per method name, e.g. ``"people.createContact"``;
    quota units as ``"quota.<category>"``; error answers as ``"status.<code>"``).
    """

    def __init__(
        self,
        db: str = ":memory:",
        settings: EmulatorSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = Store(db)
        self.settings = settings or EmulatorSettings()
        self.clock = clock
        self.counters: Counter[str] = Counter()
        self.quota = QuotaBook()
        self.search_index = SearchIndex()
        self.lock = threading.RLock()
        self._conflicts: dict[str, list[Any]] = {}
        if self.settings.seed is None:
            self.settings.seed = default_seed()
        self._rng = random.Random(self.settings.seed)
        self._rng_seed: int | None = self.settings.seed
        self._holds: list[Hold] = []
        self.admin_hold: Hold | None = None  # the hold set through /_emulator/hold
        self._active = 0  # requests being answered right now
        self._idle = threading.Condition()
        self._ensure_system_groups()

    @property
    def seed(self) -> int | None:
        """The fault-injection seed in use (give it back as ``seed`` to replay a run)."""
        return self.settings.seed

    # public knobs -------------------------------------------------------
    def reset_counters(self) -> None:
        """Zero the call and quota counters and the quota buckets."""
        with self.lock:
            self.counters.clear()
            self.quota.reset()

    def arm_conflict(
        self, resource_name: str, edit: Callable[[dict[str, Any]], None], times: int = 1
    ) -> None:
        """Make the next ``times`` updates of a contact stale: "another device" edits it first."""
        with self.lock:
            self._conflicts[resource_name] = [edit, times]

    def hold(self, method: str, *, after_commit: bool = False, skip: int = 0) -> Hold:
        """Hold the next call of ``method`` (e.g. ``"people.batchCreateContacts"``; ``"write"``:
        any call that writes) after it was received and before it is carried out
        (``after_commit``: after it was carried out, before the answer), until
        ``Hold.release()``; ``skip`` matching calls go through first.

        The window a client killed or timed out mid-request leaves: the server
        still has the request and will commit it. Other requests go on meanwhile.
        """
        hold = Hold(method, after_commit=after_commit, skip=skip)
        with self.lock:
            self._holds.append(hold)
        return hold

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no request is being answered (held ones included); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def _take_hold(self, name: str, write: bool) -> Hold | None:
        with self.lock:
            for hold in self._holds:
                if hold.method == name or (hold.method == "write" and write):
                    if hold.skip > 0:
                        hold.skip -= 1
                        continue
                    self._holds.remove(hold)
                    return hold
        return None

    def device_edit(
        self, resource_name: str, edit: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Edit a contact as another device would: new etags, a change visible to sync."""
        with self.lock, self.store.transaction():
            rec = self.store.get_person(resource_name)
            if rec is None or rec.deleted:
                raise KeyError(resource_name)
            data = {k: [dict(i) for i in v] for k, v in rec.data.items()}
            edit(data)
            rec = self.write_person(rec, data)
            return rec.data

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # request entry point ----------------------------------------------------
    def handle(
        self, method: str, uri: str, headers: dict[str, str], body: bytes | str | None
    ) -> Response:
        """Answer one request: (status, headers, body bytes)."""
        try:
            req = Request.parse(method, uri, headers, body)
        except ApiError as err:
            return self._error(err)
        if req.path.startswith("/_emulator/"):
            try:
                return admin.handle(self, req)
            except ApiError as err:
                return error_response(err)
        for route_method, pattern, name, kind, handler in _ROUTES:
            if route_method != req.method:
                continue
            match = pattern.match(req.path)
            if match:
                return self._dispatch(name, kind, handler, req, match)
        self.counters["unrouted"] += 1
        return self._error(not_found(f"Method not found: {req.method} {req.path}"))

    def _dispatch(
        self, name: str, kind: str, handler: Handler, req: Request, match: re.Match[str]
    ) -> Response:
        with self._idle:
            self._active += 1
        try:
            return self._answer(name, kind, handler, req, match)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def _answer(
        self, name: str, kind: str, handler: Handler, req: Request, match: re.Match[str]
    ) -> Response:
        with self.lock:
            self.counters[name] += 1
        delay = self.settings.latency_for(kind)
        if delay > 0:
            time.sleep(delay / 1000.0)
        hold = self._take_hold(name, req.method != "GET")
        try:
            if hold is not None and not hold.after_commit:
                hold.received.set()
                hold.wait_released()
                if not hold.commit:
                    return self._error(injected_error(503, self.settings))
            with self.lock:
                self._maybe_fail(quota_category(name, req.method))
                result = handler(self, req, match)
                if req.method != "GET" and self._lost_answer():
                    # The write happened, but the caller never learns it: the
                    # case a client must not answer by re-sending a create.
                    self.counters["lost_answers"] += 1
                    raise injected_error(500, self.settings)
            if hold is not None and hold.after_commit:
                hold.received.set()  # committed; the answer waits
                hold.wait_released()
                if not hold.commit:
                    return self._error(injected_error(503, self.settings))
        except ApiError as err:
            return self._error(err)
        finally:
            if hold is not None:
                hold.finished.set()
        if isinstance(result, drive_handlers.Raw):
            ctype = {"content-type": result.content_type} if result.content_type else {}
            return result.status, ctype, result.content
        return json_response(200, result)

    def _lost_answer(self) -> bool:
        rate = self.settings.fail_after_write_rate
        return rate > 0 and self._rng.random() < rate

    def _error(self, err: ApiError) -> Response:
        with self.lock:
            self.counters[f"status.{err.code}"] += 1
        return error_response(err)

    def _maybe_fail(self, category: str = "critical_read") -> None:
        settings = self.settings
        if settings.seed != self._rng_seed:
            self._rng = random.Random(settings.seed)
            self._rng_seed = settings.seed
        if settings.fail_rate <= 0 or not settings.fail_statuses:
            return
        if self._rng.random() >= settings.fail_rate:
            return
        status = self._rng.choice(list(settings.fail_statuses))
        self.counters["injected_failures"] += 1
        raise injected_error(status, settings, category)

    # helpers used by handlers ---------------------------------------------
    def charge(self, cost: dict[str, int]) -> None:
        """Take quota for a call (429 when over) and count the units."""
        self.quota.charge(cost, self.settings, self.clock())
        add_units(self.counters, cost)

    def take_conflict(self, rn: str) -> None:
        """If a conflict is armed for ``rn``, apply the other device's edit now."""
        armed = self._conflicts.get(rn)
        if not armed:
            return
        rec = self.store.get_person(rn)
        if rec is None or rec.deleted:
            return
        edit, times = armed
        if times <= 1:
            del self._conflicts[rn]
        else:
            armed[1] = times - 1
        self.device_edit(rn, edit)

    def write_person(
        self,
        rec: PersonRecord | None,
        fields: dict[str, Any],
        *,
        deleted: bool = False,
        changed: Collection[str] | None = None,
    ) -> PersonRecord:
        """Store a new version (or a tombstone) of a person with fresh etags and seq.

        ``changed`` names the fields that are new; the others come from ``rec``, already
        normalised (None: normalise every field).
        """
        now = self.clock()
        if rec is None:
            source_id = self.new_id("people")
            rec = PersonRecord(f"people/c{int(source_id, 16)}", source_id, 0, now, now, "", "")
        with self.store.transaction():  # the seq is taken under the write lock
            new = PersonRecord(
                rn=rec.rn,
                source_id=rec.source_id,
                seq=self.store.next_seq(),
                visible_at=now + max(self.settings.propagation_delay_s, 0.0),
                update_time=now,
                etag=new_etag("%", 15),
                source_etag=new_etag("#", 8),
                deleted=deleted,
                data={} if deleted else normalize(fields, rec.source_id, changed),
            )
            self.store.put_person(new)
        return new

    def new_id(self, kind: str) -> str:
        """A fresh id (16 hex digits) for a person or a group, unused in this account.

        It follows from the seed and the account's change counter, so a run given
        ``$CRM_EMULATOR_SEED`` makes the same ids every time (the README's examples);
        an id already taken (another process's write) is never given again.
        """
        for attempt in range(100):
            key = f"{self.settings.seed}:{kind}:{self.store.next_seq()}:{attempt}"
            n = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
            taken: object
            if kind == "people":
                value = f"{(n & ((1 << 63) - 1)) | (1 << 62):016x}"
                taken = self.store.get_person(f"people/c{int(value, 16)}")
            else:
                value = f"{n:016x}"
                taken = self.store.get_group(f"contactGroups/{value}")
            if taken is None:
                return value
        return f"{secrets.randbits(63) | (1 << 62):016x}"  # pragma: no cover

    def write_group(self, rec: GroupRecord, **changes: Any) -> GroupRecord:
        """Store a new version of a group with a fresh etag and seq."""
        now = self.clock()
        new = GroupRecord(**{**rec.__dict__, **changes})
        with self.store.transaction():  # the seq is taken under the write lock
            new.seq = self.store.next_seq()
            new.etag = new_etag("", 9)
            new.update_time = now
            new.visible_at = now + max(self.settings.propagation_delay_s, 0.0)
            self.store.put_group(new)
        return new

    def _ensure_system_groups(self) -> None:
        now = self.clock()
        with self.store.transaction():
            for gid, formatted in SYSTEM_GROUPS.items():
                rn = f"contactGroups/{gid}"
                if self.store.get_group(rn) is None:
                    self.store.put_group(
                        GroupRecord(
                            rn,
                            gid,
                            formatted,
                            "SYSTEM_CONTACT_GROUP",
                            [],
                            new_etag("", 9),
                            self.store.next_seq(),
                            now,
                            now,
                        )
                    )


def injected_error(
    status: int, settings: EmulatorSettings, category: str = "critical_read"
) -> ApiError:
    """The envelope of an injected failure with HTTP ``status``; a 429 names the
    quota ``category`` of the request (a write names a write quota)."""
    if status == 429:
        return quota_error(category, settings)
    if status == 503:
        return ApiError(
            503,
            "UNAVAILABLE",
            "The service is currently unavailable.",
            headers={"Retry-After": str(int(settings.retry_after_s) or 1)},
        )
    if status >= 500:
        return ApiError(status, "INTERNAL", "Internal error encountered.")
    return ApiError(status, "INVALID_ARGUMENT", "Injected failure.")
