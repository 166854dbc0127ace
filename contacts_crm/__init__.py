"""contacts-crm: a small office's CRM inside one shared Google Contacts account.

The public API, what a script may import from ``contacts_crm`` itself (every
name is loaded on first use, so ``import contacts_crm`` stays cheap):

- ``Account``: a connected account (``Account.open(profile=None)``);
- contacts: ``find``, ``resolve``, ``add_contact``;
- cards: ``log_call``, ``open_order``, ``step_order``, ``close_order``,
  ``show_card``, ``history``, ``doctor``;
- imports and exports: ``import_file``, ``ImportOptions``, ``export_account``;
- ``CrmError``: the base of every error the tool raises (``message``,
  ``hint``, ``exit_code``).

>>> from contacts_crm import Account, log_call  # doctest: +SKIP
>>> with Account.open() as account:             # the default profile (local account)
...     log_call(account, "8 916 123-45-67", "asks about delivery", by="Olga")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "Account": "contacts_crm.account.connected",
    "CrmError": "contacts_crm.errors",
    "find": "contacts_crm.usecases.contacts",
    "resolve": "contacts_crm.usecases.contacts",
    "add_contact": "contacts_crm.usecases.contacts",
    "log_call": "contacts_crm.usecases.cards",
    "open_order": "contacts_crm.usecases.cards",
    "step_order": "contacts_crm.usecases.cards",
    "close_order": "contacts_crm.usecases.cards",
    "show_card": "contacts_crm.usecases.cards",
    "history": "contacts_crm.usecases.cards",
    "doctor": "contacts_crm.usecases.cards",
    "import_file": "contacts_crm.imports.run",
    "ImportOptions": "contacts_crm.imports.run",
    "export_account": "contacts_crm.usecases.export",
}
__all__ = [  # the same names as _PUBLIC (a test checks)
    "Account",
    "CrmError",
    "ImportOptions",
    "__version__",
    "add_contact",
    "close_order",
    "doctor",
    "export_account",
    "find",
    "history",
    "import_file",
    "log_call",
    "open_order",
    "resolve",
    "show_card",
    "step_order",
]

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account
    from contacts_crm.errors import CrmError
    from contacts_crm.imports.run import ImportOptions, import_file
    from contacts_crm.usecases.cards import (
        close_order,
        doctor,
        history,
        log_call,
        open_order,
        show_card,
        step_order,
    )
    from contacts_crm.usecases.contacts import add_contact, find, resolve
    from contacts_crm.usecases.export import export_account


def __getattr__(name: str) -> Any:
    # Lazy, so that `import contacts_crm` (and the CLI's start-up) stays cheap.
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'contacts_crm' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
