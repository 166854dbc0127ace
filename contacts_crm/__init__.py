"""contacts-crm: a small office's CRM inside one shared Google Contacts account.

>>> from contacts_crm import Account            # doctest: +SKIP
>>> with Account.open() as account:             # the default profile (local account)
...     account.sync()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Account", "__version__"]

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


def __getattr__(name: str) -> Any:
    # Lazy, so that `import contacts_crm` (and the CLI's start-up) stays cheap.
    if name == "Account":
        from contacts_crm.account.connected import Account

        return Account
    raise AttributeError(f"module 'contacts_crm' has no attribute {name!r}")
