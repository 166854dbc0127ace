"""Who may use the office page: staff (name + PIN) and PBX tokens.

Both live in one JSON file, ``web-staff.json``, in the profile's data
directory, written atomically with mode 0600. PINs are kept as salted scrypt
hashes (stdlib ``hashlib.scrypt``), tokens as SHA-256 digests: the file never
holds a secret that could be used as it is. Each user has a ``generation``
that a reset or a removal changes, so the sessions signed with the old one
end at their next request.

Each user has a role (``ROLES``, each with everything the one before has):
staff use the call pages; managers also see the dashboard and everyone's
call-back lists; admins also see the alerts. A file written before roles
existed is read as follows: its only user is the admin (the person who set the
page up); with several users every one is staff, since nobody can tell the boss
from the file, and ``crm serve user role NAME admin`` names one. The role is
written on the file's next change.
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
ROLES = ("staff", "manager", "admin")  # each has everything the one before has
DEFAULT_ROLE = "staff"


def role_at_least(role: str, minimum: str) -> bool:
    """True when ``role`` may do what ``minimum`` may (an unknown role may do nothing)."""
    if role not in ROLES or minimum not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(minimum)


def parse_role(text: str) -> str:
    """A role from its name (any letter case); UsageError naming the roles otherwise."""
    role = text.strip().casefold()
    if role not in ROLES:
        raise UsageError(
            _("{role!r} is not a role").format(role=text),
            hint=_("use one of: {roles}").format(roles=", ".join(ROLES)),
        )
    return role


@dataclass(frozen=True)
class User:
    name: str
    generation: str
    created: str
    role: str = DEFAULT_ROLE


@dataclass(frozen=True)
class Token:
    name: str
    created: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _user(name: str, entry: dict[str, Any]) -> User:
    role = entry.get("role", DEFAULT_ROLE)
    return User(name, entry["generation"], entry.get("created", ""),
                role if role in ROLES else DEFAULT_ROLE)  # fmt: skip


def _migrate_roles(users: dict[str, Any]) -> None:
    """Roles for a file written before roles existed (see the module doc): in memory,
    written on the file's next change."""
    if not users or any("role" in u for u in users.values() if isinstance(u, dict)):
        return
    only = len(users) == 1
    for entry in users.values():
        if isinstance(entry, dict):
            entry["role"] = "admin" if only else DEFAULT_ROLE


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
        _migrate_roles(data["users"])
        return data

    def reload(self) -> None:
        """Re-read the file (another process, ``crm serve user …``, may have changed it)."""
        self._data = self._read()

    def _save(self) -> None:
        atomic_write(self.path, json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8"))

    # ----------------------------------------------------------------- users
    def users(self) -> list[User]:
        return [
            _user(name, u)
            for name, u in sorted(self._data["users"].items(), key=lambda kv: kv[0].casefold())
        ]

    def user(self, name: str) -> User | None:
        key = self._key(name)
        if key is None:
            return None
        return _user(key, self._data["users"][key])

    def with_role(self, minimum: str) -> list[User]:
        """The users whose role is ``minimum`` or above (``"admin"``: the admins)."""
        return [u for u in self.users() if role_at_least(u.role, minimum)]

    def _key(self, name: str) -> str | None:
        wanted = " ".join(name.split()).casefold()
        for key in self._data["users"]:
            if key.casefold() == wanted:
                return key
        return None

    def add_user(self, name: str, pin: str, role: str = DEFAULT_ROLE) -> User:
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
        role = parse_role(role)
        self._data["users"][clean] = {**self._pin_entry(pin), "role": role}
        self._save()
        return self.user(clean)  # type: ignore[return-value]

    def reset_user(self, name: str, pin: str) -> User:
        key = self._need(name)
        old = self._data["users"][key]
        self._data["users"][key] = {
            **self._pin_entry(pin),
            "created": old.get("created", _now()),
            "role": old.get("role", DEFAULT_ROLE),
        }
        self._save()
        return self.user(key)  # type: ignore[return-value]

    def set_role(self, name: str, role: str) -> User:
        """Give a user another role; their open sessions take it at their next request."""
        key = self._need(name)
        self._data["users"][key]["role"] = parse_role(role)
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

    def is_last_admin(self, name: str) -> bool:
        """True when ``name`` is the last admin (removing or demoting them leaves none)."""
        key = self._key(name)
        admins = [u.name for u in self.with_role("admin")]
        return key is not None and admins == [key]

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
