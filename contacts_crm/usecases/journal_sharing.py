"""Share the journal between PCs through a "Journal" tab of a Google Sheet.

Each event is one row keyed by ``op_id:seq`` (the same on every PC, unlike the
local row id). ``push_journal`` appends the events not in the tab yet, in one
request; ``pull_journal`` records the tab's events this PC does not have, so
summaries and histories on every PC include what the others did. Both are
idempotent: running them twice, or from several PCs, duplicates nothing. Only
operations that reached the account (applied) are shared.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contacts_crm.account.journal import APPLIED, JournalEvent
from contacts_crm.errors import NotFoundError
from contacts_crm.sheets.client import SheetsClient
from contacts_crm.sheets.connect import sheets_client_for

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

TAB = "Journal"
KEY = "Key"
HEADER = [KEY, "At", "Who", "Kind", "Client", "Contact", "Order", "Stage", "Amount",
          "Outcome", "Text", "Data"]  # fmt: skip


def event_key(e: JournalEvent) -> str:
    """The event's key in the tab: ``op_id:seq``."""
    return f"{e.op_id}:{e.seq}"


def event_row(e: JournalEvent) -> list[Any]:
    return [event_key(e), e.at, e.who or "", e.kind, e.contact_name, e.contact,
            e.order_no if e.order_no is not None else "", e.stage or "", e.amount or "",
            e.outcome or "", e.text,
            json.dumps(e.data, ensure_ascii=False, sort_keys=True, default=str)]  # fmt: skip


def push_journal(
    account: Account, sheet_ref: str, *, sheets_client: SheetsClient | None = None, tab: str = TAB
) -> int:
    """Append the applied journal events not yet in the tab; return how many were appended.

    Amounts are written as text, exactly as the journal keeps them.
    """
    client = sheets_client or sheets_client_for(account)
    rows = [event_row(e) for e in account.journal.events() if e.state == APPLIED]
    if not rows:
        return 0
    return client.append_rows_idempotent(sheet_ref, tab, HEADER, rows, KEY)


def pull_journal(
    account: Account, sheet_ref: str, *, sheets_client: SheetsClient | None = None, tab: str = TAB
) -> int:
    """Record the tab's events this PC's journal lacks; return how many were new."""
    client = sheets_client or sheets_client_for(account)
    try:
        values = client.read_tab(sheet_ref, tab)
    except NotFoundError:
        return 0  # no Journal tab yet: nobody has pushed
    if not values:
        return 0
    events = [e for e in (_event(values[0], row) for row in values[1:]) if e is not None]
    before = account.journal.count()
    account.journal.record(events)
    for op_id in dict.fromkeys(e.op_id for e in events):
        account.journal.mark_applied(op_id)
    return account.journal.count() - before


def _event(header: list[str], row: list[str]) -> JournalEvent | None:
    cell = dict(zip(header, [*row, *[""] * (len(header) - len(row))], strict=False))
    op_id, _, seq = cell.get(KEY, "").rpartition(":")
    if not op_id or not seq.isdigit():
        return None  # a row someone typed by hand, or damaged: not ours to guess
    try:
        data = json.loads(cell.get("Data") or "{}")
    except ValueError:
        data = {}
    order = cell.get("Order", "")
    return JournalEvent(
        op_id=op_id, seq=int(seq), at=cell.get("At", ""), who=cell.get("Who") or None,
        kind=cell.get("Kind", ""), contact=cell.get("Contact", ""),
        contact_name=cell.get("Client", ""), order_no=int(order) if order.isdigit() else None,
        stage=cell.get("Stage") or None, amount=cell.get("Amount") or None,
        outcome=cell.get("Outcome") or None, text=cell.get("Text", ""),
        data=data if isinstance(data, dict) else {}, state=APPLIED,
    )  # fmt: skip
