"""Choosing the Sheets connection of a profile.

A Google profile uses its stored credentials (the spreadsheets scope); a
'local' or 'endpoint' profile uses its ``sheets_endpoint`` (e.g. the Sheets
emulator) with no credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts_crm.errors import ConfigError
from contacts_crm.sheets.client import SheetsClient, connect_sheets

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


def sheets_client_for(account: Account) -> SheetsClient:
    """The Sheets client of the account's profile; ConfigError when it has none."""
    profile = account.profile
    endpoint = getattr(profile, "sheets_endpoint", None)
    if profile.kind == "google":
        from contacts_crm.account import auth

        return connect_sheets(auth.load_credentials(profile, account.data_dir), endpoint)
    if not endpoint:
        raise ConfigError(
            f"profile {profile.name!r} has no Google Sheets to write to",
            hint="crm config set sheets_endpoint URL (or use a Google profile)",
        )
    return connect_sheets(endpoint=endpoint)
