"""The server's morning round: the digest at the profile's time, alerts as they come.

``Morning.tick(now)`` does one round: claims left by a killed sender become
``unknown``; once the profile's ``digest_time`` has come, today's digest goes to
every user with an address (each once a day: the sent-record in
``digest.sqlite`` says who got it, across restarts); failed sends whose retry
time has come go again; new alerts go to the admins. ``crm serve`` runs the
rounds in a thread: one at start-up, then one every ``interval`` seconds (a
slow or unreachable mail server never holds up the page). Each round ends by
writing its time and count in the record (``last_round``, ``rounds``). Tests
call ``tick`` with the time they mean (or set ``$CRM_NOW`` for the server
process): nothing sleeps.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from contacts_crm import dates
from contacts_crm.errors import CrmError
from contacts_crm.logs import private_traceback
from contacts_crm.notify.record import SentRecord
from contacts_crm.usecases import digest as digest_uc
from contacts_crm.web.staff import Staff

if TYPE_CHECKING:
    from contacts_crm.web.office import Office

log = logging.getLogger(__name__)


def people_of(staff: Staff) -> list[tuple[str, str]]:
    """(name, role) of each user of the page."""
    out = []
    for u in staff.users():
        role = getattr(u, "role", None)
        if role is None:  # until the roles land on every user (web/staff.py)
            role = staff._data["users"].get(u.name, {}).get("role", "staff")
        out.append((u.name, str(role)))
    return out


def digest_due(now: datetime, at: str) -> bool:
    hour, minute = (int(x) for x in at.split(":"))
    return (now.hour, now.minute) >= (hour, minute)


class Morning:
    """One server's digest and alert rounds."""

    def __init__(
        self, office: Office, *, clock: Callable[[], datetime] = dates.now,
        interval: float = 60.0,
    ) -> None:  # fmt: skip
        self.office = office
        self.clock = clock
        self.interval = interval
        self.record = SentRecord(office.account.data_dir)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: list[digest_uc.Sent] = []

    def tick(self, now: datetime | None = None) -> list[digest_uc.Sent]:
        """One round (see the module doc); what was sent or tried."""
        moment = now or self.clock()
        acc = self.office.reader()
        people = people_of(self.office.staff_now())
        chans = digest_uc.Channels(acc)
        people = [(n, r) for n, r in people
                  if chans.address(n, "email") or chans.address(n, "telegram")]  # fmt: skip
        out: list[digest_uc.Sent] = []
        if people and digest_due(moment, acc.profile.digest_time):
            today = moment.date()
            waiting = [(n, r) for n, r in people
                       if self._waiting(f"digest:{today}", n, moment, chans)]  # fmt: skip
            if waiting:
                digests = digest_uc.build(acc, waiting, day=today, now=moment, record=self.record)
                out += digest_uc.send(acc, digests, self.record, now=moment, channels=chans,
                                      alerts=False)  # fmt: skip
        admins = [n for n, r in people if digest_uc.at_least(r, "admin")]
        if admins:
            out += digest_uc.send_alerts(acc, admins, self.record, now=moment, channels=chans)
        counts = Counter(s.state for s in out if s.state != "already")
        if counts:  # counts only: no name, address or message in the log
            said = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            log.info("digest and alerts: %s", said)
        self.last = out
        self.record.set_meta("last_round", _utc(moment))
        self.record.set_meta("rounds", str(int(self.record.meta("rounds") or 0) + 1))
        return out

    def _waiting(self, key: str, person: str, now: datetime, chans: digest_uc.Channels) -> bool:
        """Something of ``key`` still to send to ``person`` (never sent, or a retry due)."""
        for channel in digest_uc.CHANNELS:
            if not (chans.address(person, channel) and chans.ready(channel)):
                continue
            row = self.record.get(key, person, channel)
            if row is None or (row.state == "failed" and (row.next_at or "") <= _utc(now)):
                return True
        return False

    def start(self) -> None:
        """The rounds in a thread: one now, then one every ``interval`` seconds."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="crm-morning", daemon=True)
            self._thread.start()

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except CrmError as exc:
            log.warning("the digest round failed: %s", exc.message)
        except Exception as exc:  # never let the round kill the server
            log.error("the digest round crashed\n%s", private_traceback(exc).rstrip())

    def _loop(self) -> None:
        self._safe_tick()
        while self.interval > 0 and not self._stop.wait(self.interval):
            self._safe_tick()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        self.record.close()


def _utc(moment: datetime) -> str:
    from datetime import UTC

    return moment.astimezone(UTC).isoformat(timespec="seconds")
