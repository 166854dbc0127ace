"""A message of the import kept as its English template and its values.

English where it is data (``--json``, the journal); the current language where a
person reads it (the terminal summary, the xlsx report). Templates are marked for
the catalogs where they are written (``_marked`` blocks), values may be ``Said``
themselves (a reason inside a reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contacts_crm.i18n import _


@dataclass(frozen=True, eq=False)
class Said:
    template: str
    args: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """The English text."""
        return self.template.format(**{k: str(v) if isinstance(v, Said) else v
                                        for k, v in self.args.items()})  # fmt: skip

    def local(self) -> str:
        """The text in the current language."""
        return _(self.template).format(**{k: v.local() if isinstance(v, Said) else v
                                          for k, v in self.args.items()})  # fmt: skip


def said(template: str, **args: Any) -> Said:
    return Said(template, args)
