"""Who may use the office page: staff (name + PIN) and PBX tokens.

Both live in one JSON file, ``web-staff.json``, in the profile's data
directory, written atomically with mode 0600. PINs are kept as salted scrypt
hashes (stdlib ``hashlib.scrypt``), tokens as SHA-256 digests: the file never
holds a secret that could be used as it is. Each user has a ``generation``
that a reset or a removal changes, so the sessions signed with the old one
end at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contacts_crm.config import atomic_write
from contacts_crm.errors import ConfigError, NotFoundError, UsageError
from contacts_crm.i18n import _

STAFF_FILE = "web-staff.json"
MIN_PIN = 4
# scrypt cost: ~50 ms per check on a small office PC (and 16 MiB of memory).
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


@dataclass(frozen=True)
class User:
    name: str
    generation: str
    created: str


@dataclass(frozen=True)
class Token:
    name: str
    created: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_pin(pin: str, salt: bytes | None = None) -> tuple[str, str]:
    """(salt hex, scrypt hash hex) of a PIN."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, **SCRYPT)
    return salt.hex(), digest.hex()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Staff:
    """The staff and token file of one profile."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STAFF_FILE
        self._data = self._read()

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"users": {}, "tokens": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                _("{path}: cannot read the staff file ({why})").format(path=self.path, why=exc),
                hint=_("restore it from a backup, or delete it and add the users again"),
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(_("{path}: not a staff file").format(path=self.path))
        data.setdefault("users", {})
        data.setdefault("tokens", {})
        return data

    def reload(self) -> None:
        """Re-read the file (another process, ``crm serve user …``, may have changed it)."""
        self._data = self._read()

    def _save(self) -> None:
        atomic_write(self.path, json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8"))

    # ----------------------------------------------------------------- users
    def users(self) -> list[User]:
        return [
            User(name, u["generation"], u.get("created", ""))
            for name, u in sorted(self._data["users"].items(), key=lambda kv: kv[0].casefold())
        ]

    def user(self, name: str) -> User | None:
        key = self._key(name)
        if key is None:
            return None
        u = self._data["users"][key]
        return User(key, u["generation"], u.get("created", ""))

    def _key(self, name: str) -> str | None:
        wanted = " ".join(name.split()).casefold()
        for key in self._data["users"]:
            if key.casefold() == wanted:
                return key
        return None

    def add_user(self, name: str, pin: str) -> User:
        clean = " ".join(name.split())
        if not clean or len(clean) > 40 or any(c in clean for c in "()\n"):
            raise UsageError(
                _("{name!r} cannot be a user name").format(name=name),
                hint=_("a short name as it signs the card, e.g. Olga (no brackets)"),
            )
        if self._key(clean) is not None:
            raise UsageError(
                _("there already is a user {name!r}").format(name=clean),
                hint=_("set a new PIN with: crm serve user reset {name!r}").format(name=clean),
            )
        self._data["users"][clean] = self._pin_entry(pin)
        self._save()
        return self.user(clean)  # type: ignore[return-value]

    def reset_user(self, name: str, pin: str) -> User:
        key = self._need(name)
        self._data["users"][key] = {
            **self._pin_entry(pin),
            "created": self._data["users"][key].get("created", _now()),
        }
        self._save()
        return self.user(key)  # type: ignore[return-value]

    def remove_user(self, name: str) -> str:
        key = self._need(name)
        del self._data["users"][key]
        self._save()
        return key

    def check_pin(self, name: str, pin: str) -> User | None:
        """The user when the PIN is right; None otherwise (same cost either way)."""
        key = self._key(name)
        entry = self._data["users"].get(key) if key else None
        salt = bytes.fromhex(entry["salt"]) if entry else b"\0" * 16
        _, digest = hash_pin(pin, salt)
        if entry is None or not hmac.compare_digest(digest, entry["hash"]):
            return None
        return self.user(key or "")

    def _need(self, name: str) -> str:
        key = self._key(name)
        if key is None:
            raise NotFoundError(
                _("no user named {name!r}").format(name=name),
                hint=_("list them with: crm serve user list"),
            )
        return key

    @staticmethod
    def _pin_entry(pin: str) -> dict[str, str]:
        if len(pin) < MIN_PIN or pin != pin.strip():
            raise UsageError(
                _("a PIN needs at least {n} characters (no spaces around it)").format(n=MIN_PIN),
                hint=_("pick a PIN of 4 or more digits, or a password"),
            )
        salt, digest = hash_pin(pin)
        return {"salt": salt, "hash": digest, "generation": secrets.token_hex(8),
                "created": _now()}  # fmt: skip

    # ---------------------------------------------------------------- tokens
    def tokens(self) -> list[Token]:
        return [
            Token(name, t.get("created", "")) for name, t in sorted(self._data["tokens"].items())
        ]

    def add_token(self, name: str) -> str:
        """A new token for a PBX (returned once; only its digest is kept)."""
        clean = name.strip()
        if not clean or len(clean) > 40 or not all(c.isalnum() or c in "-_." for c in clean):
            raise UsageError(
                _("{name!r} cannot be a token name").format(name=name),
                hint=_("use letters, digits, '-', '_' or '.'"),
            )
        if clean in self._data["tokens"]:
            raise UsageError(
                _("there already is a token {name!r}").format(name=clean),
                hint=_("remove it first: crm serve token remove {name}").format(name=clean),
            )
        token = secrets.token_urlsafe(24)
        self._data["tokens"][clean] = {"sha256": _token_digest(token), "created": _now()}
        self._save()
        return token

    def remove_token(self, name: str) -> None:
        if name not in self._data["tokens"]:
            raise NotFoundError(
                _("no token named {name!r}").format(name=name),
                hint=_("list them with: crm serve token list"),
            )
        del self._data["tokens"][name]
        self._save()

    def token_ok(self, token: str) -> bool:
        return self.token_name(token) is not None

    def token_name(self, token: str) -> str | None:
        """The name of the device or PBX this token was made for (None: no such token)."""
        if not token:
            return None
        digest = _token_digest(token)
        found = None
        for name, t in self._data["tokens"].items():  # every one compared: same time either way
            if hmac.compare_digest(digest, t.get("sha256", "")):
                found = name
        return found
