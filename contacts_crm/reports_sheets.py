"""Reports to Google Sheets: the profile's Sheets client and refreshing one tab.

A Google profile uses its stored credentials (the spreadsheets scope); a
'local' or 'endpoint' profile uses its ``sheets_endpoint`` (e.g. the Sheets
emulator) with no credentials.
"""

from __future__ import annotations

from typing import Any

from contacts_crm.errors import ConfigError
from contacts_crm.io.sheets import SheetsClient, WriteResult, connect_sheets
from contacts_crm.reports_tables import View


def sheets_client_for(account: Any) -> SheetsClient:
    """The Sheets client of the account's profile; ConfigError when it has none."""
    profile = account.profile
    endpoint = getattr(profile, "sheets_endpoint", None)
    if profile.kind == "google":
        from contacts_crm import auth

        return connect_sheets(auth.load_credentials(profile, account.data_dir), endpoint)
    if not endpoint:
        raise ConfigError(
            f"profile {profile.name!r} has no Google Sheets to write to",
            hint="crm config set sheets_endpoint URL (or use a Google profile)",
        )
    return connect_sheets(endpoint=endpoint)


def refresh_tab(
    account: Any,
    sheet_ref: str,
    tab: str,
    view: View,
    *,
    sheets_client: SheetsClient | None = None,
) -> WriteResult:
    """Replace tab ``tab`` of ``sheet_ref`` with the view (other tabs untouched).

    A constant number of API calls whatever the number of rows.
    """
    client = sheets_client or sheets_client_for(account)
    return client.write_tab(sheet_ref, tab, view.header, view.rows)
