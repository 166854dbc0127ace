"""Reports to Google Sheets: refreshing one tab with a report view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts_crm.reports.tables import Percent, View
from contacts_crm.sheets.client import SheetsClient, WriteResult
from contacts_crm.sheets.connect import sheets_client_for

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


def refresh_tab(
    account: Account,
    sheet_ref: str,
    tab: str,
    view: View,
    *,
    sheets_client: SheetsClient | None = None,
) -> WriteResult:
    """Replace tab ``tab`` of ``sheet_ref`` with the view (other tabs untouched).

    A constant number of API calls whatever the number of rows (one more when the
    view has percentages, formatted as such).
    """
    client = sheets_client or sheets_client_for(account)
    percent = [i for i in range(len(view.header))
               if any(i < len(r) and isinstance(r[i], Percent) for r in view.rows)]  # fmt: skip
    return client.write_tab(sheet_ref, tab, view.header, view.rows, percent_columns=percent)
