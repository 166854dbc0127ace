"""Mirror the journal to a "Journal" tab of a Google Sheet: append-only, idempotent.

Each event is one row keyed by ``op_id:seq`` (the same on every PC, unlike the
local row id), so pushing from several PCs, or twice, never duplicates a row:
only events whose key is not in the tab yet are appended, in one request.
"""

from __future__ import annotations

from typing import Any

from contacts_crm.io.sheets import SheetsClient
from contacts_crm.journal import JournalEvent
from contacts_crm.reports_sheets import sheets_client_for

TAB = "Journal"
KEY = "Key"
HEADER = [KEY, "At", "Who", "Kind", "Client", "Contact", "Order", "Stage", "Amount",
          "Outcome", "Text"]  # fmt: skip


def event_key(e: JournalEvent) -> str:
    """The event's key in the tab: ``op_id:seq``."""
    return f"{e.op_id}:{e.seq}"


def event_row(e: JournalEvent) -> list[Any]:
    return [event_key(e), e.at, e.who or "", e.kind, e.contact_name, e.contact,
            e.order_no if e.order_no is not None else "", e.stage or "", e.amount or "",
            e.outcome or "", e.text]  # fmt: skip


def push_journal(
    account: Any, sheet_ref: str, *, sheets_client: SheetsClient | None = None, tab: str = TAB
) -> int:
    """Append the journal events not yet in the tab; return how many were appended.

    Amounts are written as text, exactly as the journal keeps them.
    """
    client = sheets_client or sheets_client_for(account)
    rows = [event_row(e) for e in account.journal.events()]
    if not rows:
        return 0
    return client.append_rows_idempotent(sheet_ref, tab, HEADER, rows, KEY)
