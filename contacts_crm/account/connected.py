"""Account: a connected account, reached through its stores.

``account.contacts`` (ContactStore: find, read, the one read-modify-write, the
one create path, delete), ``account.groups`` (GroupStore: list, ensure,
rename, delete), ``account.journal`` (the append-only journal) and the sync
(``sync``, ``ensure_synced``, ``sync_status``). The People client and the local
cache under them are this package's own: nothing outside ``account/`` touches
them (an import-linter contract and tests/test_architecture.py say so).

``Account.open()`` gives the one for a configured profile (the embedded
local account when nothing is configured); ``Account.from_service`` wraps
any googleapiclient People service (tests and benchmarks hand one in that
talks to the emulator). Either way, the same PeopleClient code runs.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contacts_crm import config as cfg
from contacts_crm.account.cache import Cache
from contacts_crm.account.contacts import ContactStore
from contacts_crm.account.groups import GroupStore
from contacts_crm.account.pacing import OBSERVED_LIMITS, Pacer
from contacts_crm.account.people import (
    PeopleClient,
    RetryPolicy,
)
from contacts_crm.errors import ConflictError, CrmError, SyncTokenExpiredError, UnavailableError

if TYPE_CHECKING:
    from contacts_crm.account.calls import CallStore
    from contacts_crm.account.changes import ChangeWatch
    from contacts_crm.account.damage import JournalRebuilt
    from contacts_crm.account.history import HistoryReport
    from contacts_crm.account.journal import Journal
    from contacts_crm.account.replica import Replica


# The journal is replicated through the account (replica.py) unless this is "0"
# (an opt-out for tests that count People requests only)
REPLICA_ENV = "CRM_JOURNAL_IN_ACCOUNT"

# A sync that finds no contacts while the cache holds at least this many is
# refused without --force: an account does not empty itself by accident.
EMPTY_GUARD = 10

# How long a create with no answer may still run on the server (the HTTP timeout
# of build_service) and how long a write takes to show in reads, per profile
# kind (PeopleClient.find_landed). The local account runs in this process: a
# request cannot outlive it, and its reads are consistent. Google's read delay
# is not published: 30 s is our assumption (people-api.md §3.1).
CREATE_RECOVERY: dict[str, dict[str, float]] = {
    "local": {"request_timeout": 0.0, "read_settle_s": 0.0},
    "endpoint": {"request_timeout": 60.0, "read_settle_s": 2.0},
    "google": {"request_timeout": 60.0, "read_settle_s": 30.0},
}


@dataclass
class SyncReport:
    full: bool
    contacts: int
    changed: int
    deleted: int
    calls: int
    expired_token: bool = False
    compared: int = 0  # changed contacts compared with their cached version
    hand_events: int = 0  # edits made outside the tool, journalled by this sync
    history_calls: int = 0  # requests to the history store (replica.py)
    history_events: int = 0  # other PCs' journal events this sync brought
    history_s: float = 0.0  # time spent comparing versions and journalling them

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class SyncStatus:
    """How fresh the local copy is."""

    contacts: int  # contacts in the local copy
    synced_at: str | None  # when it was last synced (ISO time), None if never
    incremental: bool  # a sync token is kept: the next sync fetches only changes


class Account:
    """One account as the tool works with it: its stores and its sync."""

    def __init__(
        self, client: PeopleClient, cache: Cache, profile: cfg.Profile, data_dir: Path
    ) -> None:
        self._client = client
        self._cache = cache
        self.profile = profile
        self.data_dir = data_dir
        self.contacts = ContactStore(self, client, cache)
        self.groups = GroupStore(self, client, cache)
        self._journal: Journal | None = None
        self._calls: CallStore | None = None
        # the history store (Drive appDataFolder): a factory of its Drive service
        self.history_service: Callable[[], Any] | None = None
        self.history_lock = threading.Lock()  # one Drive request at a time (all threads)
        self._replica: Replica | None = None
        self.journal_rebuilt: JournalRebuilt | None = None  # set when the journal opens
        self._fresh = False  # the cache was checked for freshness in this session
        # call-screen reads (crm card, find, show, journal) answer from the local copy
        # at once: a stale copy is not synced first; its age is kept in ``stale_for``
        # (seconds) for the caller to say and to refresh in the background
        self.answer_from_copy = False
        self.stale_for: float | None = None
        self._closers: list[Any] = []
        self._landed: dict[str, dict[str, Any]] | None = None  # see finish_creates

    # Under the stores: for account/ and tests only (tests/test_architecture.py
    # fails on any use elsewhere in the package).
    @property
    def client(self) -> PeopleClient:
        return self._client

    @property
    def cache(self) -> Cache:
        return self._cache

    def reader(self, profile: cfg.Profile | None = None) -> Account:
        """A twin of this account for reading from another thread: the same client,
        its own connection to the local copy (``profile`` replaces the profile)."""
        prof = profile or self.profile
        return Account(self._client, Cache(self._cache.path, region=prof.region), prof,
                       self.data_dir)  # fmt: skip

    def twin(self, *, retry: RetryPolicy | None = None) -> Account:
        """A twin of this account for another writer thread: its own API client over
        the same service and pacer (its own write lock: a request the account holds
        holds only this twin), its own connections to the local copy and the
        journal (opened on first use, by the thread that uses them)."""
        c = self._client
        client = PeopleClient(c.service, pacer=c.pacer, retry=retry or c.retry,
                              conflict_attempts=c.conflict_attempts, page_size=c.page_size,
                              request_timeout=c.request_timeout,
                              read_settle_s=c.read_settle_s)  # fmt: skip
        twin = Account(client, Cache(self._cache.path, region=self.profile.region),
                       self.profile, self.data_dir)  # fmt: skip
        twin.history_service = self.history_service
        return twin

    @property
    def synced(self) -> bool:
        """True once a full sync has filled the local copy."""
        return self._cache.synced

    def sync_status(self) -> SyncStatus:
        return SyncStatus(
            contacts=self._cache.count(),
            synced_at=self._cache.meta("synced_at"),
            incremental=self._cache.sync_token is not None,
        )

    # ---------------------------------------------------------- construction
    @classmethod
    def open(cls, profile: str | None = None, config: cfg.Config | None = None) -> Account:
        """The account of a configured profile (default: the local one)."""
        conf = config or cfg.load()
        prof = conf.profile(profile)
        data = cfg.profile_dir(prof.name)
        for own in ("local-account.sqlite", "local-history.sqlite"):
            if prof.kind == "local" and (data / own).exists():
                # the local account opens on its first request: keep its files private now
                cfg.private_db(data / own)
        service = LazyService(lambda: build_service(prof, data))
        recovery = CREATE_RECOVERY.get(prof.kind, CREATE_RECOVERY["google"])
        account = cls.from_service(
            service,
            data,
            profile=prof,
            pacer=pacer_for(prof),
            request_timeout=recovery["request_timeout"],
            read_settle_s=recovery["read_settle_s"],
        )
        account._closers.append(service.close)
        if os.environ.get(REPLICA_ENV, "1") != "0":
            # the office memory: the journal in the account (replica.py)
            history = LazyService(lambda: build_history_service(prof, data))
            account.history_service = history.build
            account._closers.append(history.close)
        return account

    @classmethod
    def from_service(
        cls,
        service: Any,
        data_dir: Path,
        *,
        profile: cfg.Profile | None = None,
        pacer: Pacer | None = None,
        retry: RetryPolicy | None = None,
        drive: Any = None,
        **client_kwargs: Any,
    ) -> Account:
        """An account over any People v1 service (real Google or the emulator);
        ``drive``: a Drive v3 service for the history store (None: not replicated)."""
        prof = profile or cfg.Profile(name="local")
        try:
            cfg.private_dir(data_dir)
        except OSError as exc:
            raise cfg.home_error(data_dir, exc) from exc
        client = PeopleClient(service, pacer=pacer, retry=retry, **client_kwargs)
        cache = Cache(data_dir / "cache.sqlite", region=prof.region)
        account = cls(client, cache, prof, data_dir)
        if drive is not None:
            account.history_service = lambda: drive
        return account

    def connect(self) -> None:
        """Build the API connection now (credentials loaded, a stale token refreshed)
        instead of on the first request; AuthError when the profile is not logged in."""
        service = self._client.service
        if isinstance(service, LazyService):
            service.build()

    @property
    def journal(self) -> Journal:
        """The profile's journal (opened on first use)."""
        if self._journal is None:
            from contacts_crm.account import damage
            from contacts_crm.account.journal import Journal, now

            # never a silent new start over lost history: rebuilt from the account's
            # copy (the office memory), or refused
            rebuild = self.rebuild_journal if self.history_service is not None else None
            self.journal_rebuilt = damage.check_journal(self.data_dir, rebuild)
            self._journal = Journal(self.data_dir / damage.JOURNAL)
            damage.note_journal(self.data_dir, now())
        return self._journal

    def rebuild_journal(self, path: Path | None = None) -> int | None:
        """A new journal (at ``path``, default the profile's) from the account's copy:
        its events, None when there is no such copy (replica.rebuild)."""
        from contacts_crm.account import damage
        from contacts_crm.account.replica import HistoryStore, rebuild

        if self.history_service is None:
            return None
        store = HistoryStore(self.history_service(), self.history_lock)
        return rebuild(path or self.data_dir / damage.JOURNAL, store)

    def wrote(self) -> bool:
        """Whether this session sent a write to the account or changed the journal
        (a command that did neither can safely run again from the start)."""
        journal = self._journal is not None and self._journal.changes() > 0
        return self._client.writes > 0 or journal

    def rebuild_cache(self) -> int:
        """Throw the local copy away and fill it again from the account; how many contacts.

        For a damaged cache.sqlite: everything in it is in the account."""
        from contacts_crm.account import damage

        path = Path(self._cache.path)
        self._cache.close()
        damage.remove_cache(path)
        self._cache = Cache(path, region=self.profile.region)
        self.contacts = ContactStore(self, self._client, self._cache)
        self.groups = GroupStore(self, self._client, self._cache)
        self.sync(full=True, force=True)
        self._fresh = True
        return self._cache.count()

    @property
    def calls(self) -> CallStore:
        """Calls that happened (events, calls to log, missed calls), opened on first use."""
        if self._calls is None:
            from contacts_crm.account.calls import CallStore

            self._calls = CallStore(self.data_dir)
        return self._calls

    def change_watch(self) -> ChangeWatch:
        """What tells a cache of figures that the local copy, the journal or the calls
        file changed, by any process (``account/changes.py``)."""
        from contacts_crm.account import damage
        from contacts_crm.account.calls import CALLS_FILE
        from contacts_crm.account.changes import ChangeWatch

        return ChangeWatch([Path(self._cache.path), self.data_dir / damage.JOURNAL,
                            self.data_dir / CALLS_FILE])  # fmt: skip

    @property
    def replica(self) -> Replica | None:
        """The journal's replica in the account (None when this account has no
        history store), opened on first use."""
        if self._replica is None and self.history_service is not None:
            self._replica = self.new_replica()
        return self._replica

    def new_replica(self) -> Replica | None:
        """A replica over its own connection to the journal (for another thread: the
        server's uploader); its Drive service is built on its first request."""
        if self.history_service is None:
            return None
        from contacts_crm.account.replica import HistoryStore, Replica

        factory, lock = self.history_service, self.history_lock
        return Replica(self.journal.path, lambda: HistoryStore(factory(), lock))

    def push_history(self) -> int:
        """Upload the journal events the account lacks (one request; none when
        nothing is new): the end of every command. Events uploaded."""
        if self._journal is None and not (self.data_dir / "journal.sqlite").exists():
            return 0
        replica = self.replica
        return replica.push() if replica is not None else 0

    def close(self) -> None:
        if self._replica is not None:
            self._replica.close()
            self._replica = None
        self._cache.close()
        if self._journal is not None:
            self._journal.close()
        if self._calls is not None:
            self._calls.close()
            self._calls = None
        for closer in self._closers:
            closer()

    def __enter__(self) -> Account:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sync
    def sync(
        self,
        *,
        full: bool = False,
        force: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> SyncReport:
        """Bring the cache up to date: incremental when a token is kept, else full.

        An expired token falls back to a full sync by itself. A sync that would
        remove more of the local copy than the profile's guard allows (more than
        ``sync_guard_percent`` % and at least ``sync_guard_min`` contacts), or
        empty a copy of EMPTY_GUARD or more, is refused unless ``force``
        (ConflictError, exit 75); the local copy is left as it was.
        """
        token = None if full else self._cache.sync_token
        expired = False
        try:
            # the changes this copy already holds as they are (e.g. an import's own
            # writes, remembered from the responses) are dropped page by page
            result = self._client.list_all(
                sync_token=token, progress=progress, keep=self._cache.differs if token else None
            )
        except SyncTokenExpiredError:
            expired = True
            result = self._client.list_all(progress=progress)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        before = self._cache.count()
        if result.full:
            gone = self._cache.missing({p["resourceName"] for p in result.persons})
            removed = len(gone)
        else:
            removed = len(self._cache.etags(result.deleted)) if result.deleted else 0
        if not force:
            self._guard_removal(removed, before, full=result.full)
        if result.full:
            seen = self._outside_edits(result.persons, gone)
            self._cache.replace_all(result.persons, result.sync_token, now)
            changed, deleted = len(result.persons), removed
        else:
            deleted = len(result.deleted)
            seen = self._outside_edits(result.persons, result.deleted)
            changed = self._cache.apply_changes(
                result.persons, result.deleted, result.sync_token, now
            )
        calls = result.calls
        history = self.replica.pull() if self.replica is not None else None
        if result.full or self._unknown_groups(result.persons):
            # groups change rarely: an incremental sync re-lists them only when a
            # contact names one the cache does not know ('crm group list' always does)
            self._cache.set_groups(self._client.list_groups())
            calls += 1
        return SyncReport(
            full=result.full,
            contacts=self._cache.count(),
            changed=changed,
            deleted=deleted,
            calls=calls,
            expired_token=expired,
            compared=seen.compared,
            hand_events=seen.events,
            history_s=round(seen.seconds, 4),
            history_calls=history.calls if history else 0,
            history_events=history.events if history else 0,
        )

    def _guard_removal(self, removed: int, before: int, *, full: bool) -> None:
        """Refuse (ConflictError) a sync that would remove too much of the local copy."""
        share = self.profile.sync_guard_percent
        too_many = removed >= self.profile.sync_guard_min and removed * 100 > share * before
        emptied = removed >= before >= EMPTY_GUARD
        if not removed or not (too_many or emptied):
            return
        percent = removed * 100 // before if before else 100
        self._journal_guard_stop(removed, before, full=full)
        raise ConflictError(
            f"this {'full' if full else 'incremental'} sync would remove {removed:,} of the "
            f"{before:,} contacts in the local copy ({percent}%); nothing was changed",
            hint="if they really were deleted in the account, run 'crm sync --force'; "
            f"the guard stops a sync removing more than {share}% and at least "
            f"{self.profile.sync_guard_min} contacts "
            "(crm config set sync_guard_percent / sync_guard_min)",
        )

    def _journal_guard_stop(self, removed: int, before: int, *, full: bool) -> None:
        """The stop is a fact for the office (an alert to the admins): journalled once a
        day for the same numbers (the server's sync meets it again every interval)."""
        from contacts_crm.account.journal import now as journal_now
        from contacts_crm.card.events import JournalEvent

        at = journal_now()
        op_id = f"sync-stopped:{at[:10]}:{removed}:{before}"
        data = {"removed": removed, "before": before, "full": full}
        event = JournalEvent(op_id=op_id, seq=0, at=at, who=self.profile.user or None,
                             kind="sync_stopped", text=f"sync stopped: {removed} of {before}",
                             data=data)  # fmt: skip
        try:
            self.journal.record([event], applied=True)
        except CrmError:  # the stop itself is what must be said; the journal's trouble next
            import logging

            logging.getLogger(__name__).warning("the sync guard stop was not journalled")

    def _unknown_groups(self, persons: list[dict[str, Any]]) -> bool:
        known = {g["resourceName"] for g in self._cache.groups()}
        return (
            any(
                m.get("contactGroupMembership", {}).get("contactGroupResourceName") not in known
                for p in persons
                for m in p.get("memberships", [])
            )
            or not known
        )

    def ensure_synced(self) -> None:
        """Fill the cache on first use; refresh it when older than ``sync_minutes``.

        Reads come from the cache. So that a client added on another PC a few
        minutes ago is found during a call, a cache older than the profile's
        ``sync_minutes`` gets one incremental sync first (once per Account) --
        unless ``answer_from_copy``: then the read answers from the copy as it
        is, ``stale_for`` says how old it is, and a read that finds nothing
        calls ``catch_up``. Offline, the local copy is used as it is.
        """
        if not self._cache.synced:
            self.sync(full=True)
            self._fresh = True
            self._finish_creates_if_online()
            return
        if self._fresh:
            return
        self._fresh = True
        if not self.answer_from_copy:  # a call-screen read never waits on it
            self._finish_creates_if_online()
        age = self.copy_age()
        max_age = self.profile.sync_minutes * 60
        if max_age <= 0 or age is None or age <= max_age:
            return
        if self.answer_from_copy:
            self.stale_for = age
            return
        self._sync_or_warn()

    def copy_age(self) -> float | None:
        """Seconds since the local copy was last synced (None: never)."""
        synced_at = self._cache.meta("synced_at")
        if synced_at is None:
            return None
        return (datetime.now(UTC) - datetime.fromisoformat(synced_at)).total_seconds()

    def catch_up(self) -> bool:
        """A read that found nothing in a copy it answered from stale: sync now (the
        client may have been added on another PC since) and say whether it did."""
        if self.stale_for is None or not self._sync_or_warn():
            return False
        self.stale_for = None
        return True

    def _sync_or_warn(self) -> bool:
        try:
            self.sync()
        except UnavailableError as exc:
            import logging  # here, not at start-up: a read rarely meets an outage

            logging.getLogger(__name__).warning("working from the local copy: %s", exc.message)
            return False
        return True

    # ------------------------------------------------------------- writes
    def finish_creates(self) -> dict[str, dict[str, Any]]:
        """Finish the creates an earlier run left half done (account/pending.py), once
        per session: digest of what was created -> the contact that landed."""
        if self._landed is None:
            from contacts_crm.account import pending

            self._landed = pending.finish(self)
        return self._landed

    def _finish_creates_if_online(self) -> None:
        """finish_creates for a command that reads: offline, the local copy is used as it
        is and the records wait (a create checks them again, strictly)."""
        try:
            self.finish_creates()
        except UnavailableError as exc:
            import logging

            logging.getLogger(__name__).warning("creates left unfinished: %s", exc.message)

    def remember(
        self, persons: list[dict[str, Any]], *, outside_edits: bool = True
    ) -> list[dict[str, Any]]:
        """Put a write's response into the cache (sync is not read-after-write).

        A response can show hand edits this PC had not seen yet (the write was
        re-applied to a fresher copy): they are journalled first, as a sync
        would. ``outside_edits=False`` when the change is the tool's own but
        carries no stamp (group membership changes through members.modify).
        """
        if outside_edits:
            self._outside_edits(persons)
        self._cache.upsert(persons)
        return persons

    def _outside_edits(
        self, persons: list[dict[str, Any]], deleted: list[str] | None = None
    ) -> HistoryReport:
        """Journal the hand edits ``persons`` and ``deleted`` show (account/history.py,
        loaded when a sync or a write first needs it: it pulls in the card diff,
        which reading a card from the local copy does not need)."""
        from contacts_crm.account.history import record_outside_edits

        return record_outside_edits(self._cache, lambda: self.journal, self.profile, persons,
                                    deleted or ())  # fmt: skip


def pacer_for(profile: cfg.Profile) -> Pacer:
    """The pacer for a profile's quotas: its own ``quotas`` if set, else Google's
    observed per-minute limits for anything that talks to a People endpoint
    (google, endpoint), and none for the local account on this PC."""
    if profile.quotas is not None:
        return Pacer(profile.quotas, 60.0)
    return Pacer(OBSERVED_LIMITS, 60.0) if profile.kind in ("google", "endpoint") else Pacer()


class LazyService:
    """A People service built on its first use, so commands that answer from the
    local copy never load googleapiclient, httplib2 or the emulator."""

    def __init__(self, factory: Callable[[], tuple[Any, list[Any]]]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._service: Any = None
        self._closers: list[Any] = []

    def build(self) -> Any:
        with self._lock:  # the server's threads may ask at once: built once
            if self._service is None:
                self._service, self._closers = self._factory()
        return self._service

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.build(), name)

    @property
    def built(self) -> bool:
        return self._service is not None

    def close(self) -> None:
        for closer in self._closers:
            closer()


def _local_emulator(path: Path) -> Any:
    """The local account's emulator over its own file (owner-only, and so its -wal and -shm)."""
    from contacts_crm.emulator import Emulator

    db = cfg.private_db(path)
    try:
        with cfg.owner_only_files():
            return Emulator(db=str(db))
    except sqlite3.DatabaseError as exc:
        raise cfg.open_storage_error(db, exc) from exc


def build_history_service(profile: cfg.Profile, data_dir: Path) -> tuple[Any, list[Any]]:
    """The Drive v3 service holding the replicated journal, and what to close after:
    the same emulator (endpoint) or Google account as the contacts; the local
    account keeps its history in its own file (local-history.sqlite)."""
    from contacts_crm.emulator import build_drive_service

    if profile.kind == "local":
        emulator = _local_emulator(data_dir / "local-history.sqlite")
        return build_drive_service(emulator), [emulator.close]
    if profile.kind == "endpoint":
        return build_drive_service(str(profile.endpoint)), []
    from contacts_crm.account import auth

    credentials = auth.load_credentials(profile, data_dir)
    return auth.build_google_drive(credentials), []


def build_service(profile: cfg.Profile, data_dir: Path) -> tuple[Any, list[Any]]:
    """The googleapiclient People service for a profile, and what to close after."""
    from contacts_crm.emulator import build_service as build_compatible

    if profile.kind == "local":
        emulator = _local_emulator(data_dir / "local-account.sqlite")
        return build_compatible(emulator), [emulator.close]
    if profile.kind == "endpoint":
        return build_compatible(str(profile.endpoint)), []
    from contacts_crm.account import auth

    credentials = auth.load_credentials(profile, data_dir)
    return auth.build_google_service(credentials), []
