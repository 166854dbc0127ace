"""``/alerts``, for admins: the alerts of the last 7 days and what the digest and
alert sends did (sent, failed and when retried, maybe delivered).

Every other user gets 403. The link is in the header for admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, g

from contacts_crm import dates
from contacts_crm.notify.record import SentRecord
from contacts_crm.usecases import alerts as alerts_uc
from contacts_crm.usecases import digest as digest_uc
from contacts_crm.web.morning import people_of
from contacts_crm.web.office import Office


def add_alerts_page(
    app: Flask, office: Office, w: dict[str, str], page: Callable[..., Response]
) -> None:
    def is_admin() -> bool:
        me = (g.get("user") or "").casefold()
        roles = {name.casefold(): role for name, role in people_of(office.staff_now())}
        return bool(me) and digest_uc.at_least(roles.get(me, "staff"), "admin")

    @app.context_processor
    def _admin() -> dict[str, Any]:
        return {"is_admin": is_admin()}

    @app.get("/alerts")
    def alerts() -> Response:
        if not is_admin():
            return page("error.html", 403, message=w["admins_only"])
        now = dates.now()
        acc = office.reader()
        record = SentRecord(acc.data_dir)
        try:
            alerts_uc.scan(acc, record, now=now)
            found = record.alerts(since=_utc(now - timedelta(days=7)))
            sends = digest_uc.status(record, now=now)
        finally:
            record.close()
        rows = [{"when": _local(a.at), "text": alerts_uc.words(a)} for a in found]
        return page("alerts.html", alerts=rows, sends=sends)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _local(at: str) -> str:
    return f"{datetime.fromisoformat(at).astimezone():%Y-%m-%d %H:%M}"
