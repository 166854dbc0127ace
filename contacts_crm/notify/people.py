"""Who gets the digest where, and the channels' secrets (owner-only files).

``digest-people.json``: per person (the page's user name), an e-mail address
and/or a Telegram chat id. ``digest-secrets.json``: the SMTP password and the
Telegram bot token. Both in the profile's data directory, written atomically
0600; the secrets are never printed or logged (``Secrets.__repr__`` hides them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contacts_crm.config import atomic_write
from contacts_crm.errors import ConfigError, FieldError
from contacts_crm.i18n import _

PEOPLE_FILE = "digest-people.json"
SECRETS_FILE = "digest-secrets.json"
SECRET_NAMES = ("smtp_password", "telegram_token")
_CHAT = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str = ""
    telegram: str = ""  # the chat id


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            _("{path}: cannot read it ({why})").format(path=path, why=type(exc).__name__),
            hint=_("restore it from a backup, or delete it and set it again"),
        ) from exc
    return data if isinstance(data, dict) else {}


class Recipients:
    """Each person's address and chat id."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / PEOPLE_FILE
        self._data = _read(self.path)

    def all(self) -> list[Recipient]:
        return [self.get(name) for name in sorted(self._data, key=str.casefold)]

    def get(self, name: str) -> Recipient:
        for key, value in self._data.items():
            if key.casefold() == name.casefold():
                return Recipient(key, value.get("email", ""), value.get("telegram", ""))
        return Recipient(name)

    def set(self, name: str, *, email: str | None = None, telegram: str | None = None) -> Recipient:
        """Set (or with "" clear) a person's address and chat id."""
        if email and not _EMAIL.match(email):
            raise FieldError("email", "invalid", _("{value!r} is not an e-mail address")
                             .format(value=email), value=email)  # fmt: skip
        if telegram and not _CHAT.match(telegram):
            raise FieldError("telegram", "invalid", _(
                "{value!r} is not a Telegram chat id (a number such as 123456789, "
                "or @channel)").format(value=telegram), value=telegram)  # fmt: skip
        now = self.get(name)
        key = now.name
        entry = {"email": now.email if email is None else email.strip(),
                 "telegram": now.telegram if telegram is None else telegram.strip()}  # fmt: skip
        self._data = {k: v for k, v in self._data.items() if k.casefold() != key.casefold()}
        if entry["email"] or entry["telegram"]:
            self._data[key] = entry
        atomic_write(self.path, json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8"))
        return self.get(key)


class Secrets:
    """The SMTP password and the Telegram bot token; never shown."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SECRETS_FILE
        self._data = {k: v for k, v in _read(self.path).items() if k in SECRET_NAMES}

    def get(self, name: str) -> str:
        return str(self._data.get(name) or "")

    def has(self, name: str) -> bool:
        return bool(self._data.get(name))

    def set(self, name: str, value: str) -> None:
        if name not in SECRET_NAMES:
            raise FieldError("secret", "unknown", _("no secret named {name!r}").format(name=name),
                             name=name)  # fmt: skip
        if value:
            self._data[name] = value
        else:
            self._data.pop(name, None)
        atomic_write(self.path, json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8"))

    def __repr__(self) -> str:  # never the values
        return f"Secrets({', '.join(sorted(self._data))})"
