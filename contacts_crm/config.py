"""Configuration: one TOML file of profiles, found with platformdirs.

``CRM_HOME`` puts config, data and cache under one directory (tests, portable
installs); ``CRM_PROFILE`` picks the profile. Secrets never live in the
config: tokens sit in their own 0600 files next to each profile's data.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from contacts_crm.defaults import DEFAULT_REGION, PHONE_REGIONS
from contacts_crm.errors import ConfigError, NotFoundError, StorageError, UsageError
from contacts_crm.i18n import _

# platformdirs, tomllib, tomli_w and tempfile are imported where they are used:
# every `crm` start reads this module, and the call-screen commands must start fast.

APP = "contacts-crm"
KINDS = ("local", "endpoint", "google")
AUTH_KINDS = ("oauth", "service_account")
LANGUAGES = ("en", "ru", "tr")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_MODE = re.compile(r"^0?[0-7]{3}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SMTP_SECURITY = ("starttls", "ssl", "none")
PRIVATE_DIR = 0o700  # every directory the tool creates under its home
PRIVATE_FILE = 0o600  # every file the tool creates under its home


@dataclass
class Profile:
    """One account the tool can work on, and how this user works with it."""

    name: str
    kind: str = "local"  # local | endpoint | google
    endpoint: str | None = None  # for kind=endpoint: a People-API-compatible URL
    auth: str = "oauth"  # for kind=google: oauth | service_account
    client_secrets: str | None = None  # path to the OAuth client JSON (kind=google, oauth)
    service_account_file: str | None = None  # path (kind=google, service_account)
    subject: str | None = None  # user to impersonate with domain-wide delegation
    region: str = DEFAULT_REGION  # default phone region (ISO 3166 alpha-2)
    user: str = ""  # the name that signs each step and call
    language: str = "en"  # card labels: en | ru | tr
    card_max_lines: int = 12
    card_max_chars: int = 1000
    sync_minutes: int = 5  # reads refresh a local copy older than this (0: only 'crm sync')
    sheets_endpoint: str | None = None  # a Sheets-API-compatible URL (tests, emulator)
    # People API quota units per minute by category (critical_read, critical_write,
    # write, group_read) the client paces itself under. None: Google's observed
    # limits for 'google' and 'endpoint' profiles, no pacing for 'local'; {}: off.
    quotas: dict[str, int] | None = None
    # a sync that would remove more than this share of the local copy (and at least
    # sync_guard_min contacts) stops and asks for --force
    sync_guard_percent: int = 20
    sync_guard_min: int = 50
    export_mode: str = "600"  # permissions of exports and report files (octal)
    # the morning digest (crm digest --send, crm serve): when, and how it is sent. The
    # SMTP password and the Telegram bot token are not here: digest-secrets.json (0600)
    digest_time: str = "08:00"  # local time crm serve sends the day's digest
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none
    smtp_user: str | None = None
    smtp_from: str | None = None  # the sender's address (default: smtp_user)
    telegram_api: str = "https://api.telegram.org"  # the Bot API's base URL

    def to_toml(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("name")
        defaults = Profile(name=self.name)
        return {k: v for k, v in data.items() if v is not None and v != getattr(defaults, k)} | {
            "kind": self.kind
        }


@dataclass
class Config:
    """The whole configuration file."""

    default_profile: str = "local"
    profiles: dict[str, Profile] = field(default_factory=dict)
    path: Path | None = None

    def profile(self, name: str | None = None) -> Profile:
        """The named profile, or ``CRM_PROFILE``, or the default one."""
        wanted = name or os.environ.get("CRM_PROFILE") or self.default_profile
        if wanted in self.profiles:
            return self.profiles[wanted]
        if wanted == "local":
            return Profile(name="local")
        raise NotFoundError(
            _("no profile named {name!r}").format(name=wanted),
            hint=_("list them with 'crm profile list', or add one with 'crm profile add'"),
        )


# The People API's quota categories (people-api.md §5.1), as account/pacing.py counts them.
QUOTA_CATEGORIES = ("critical_read", "critical_write", "write", "group_read")


def config_dir() -> Path:
    home = os.environ.get("CRM_HOME")
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    home = os.environ.get("CRM_HOME")
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def profile_dir(profile: str) -> Path:
    """Where a profile's cache, journal, local account and token live (created 0700)."""
    home = data_dir()
    path = home / "profiles" / profile
    try:
        private_dir(home, tighten=not _is_crm_home(home))
        private_dir(home / "profiles")
        private_dir(path)
    except OSError as exc:
        raise home_error(path, exc) from exc
    return path


def home_error(path: Path, exc: OSError) -> ConfigError:
    """The error for a data directory the tool cannot create or write."""
    where = "CRM_HOME" if os.environ.get("CRM_HOME") else _("the data directory")
    return ConfigError(
        _("cannot write {path}: {reason}").format(path=exc.filename or path,
                                                  reason=exc.strerror or exc),
        hint=_("the tool keeps its data under {folder} ({where}); make it writable, "
               "or set CRM_HOME to a directory you can write").format(folder=data_dir(),
                                                                      where=where),
    )  # fmt: skip


def office_templates_dir() -> Path | None:
    """The office's own templates (``templates/`` in the config dir), if it has any.

    A file there wins over the shipped one with the same relative path.
    """
    path = config_dir() / "templates"
    return path if path.is_dir() else None


def config_path() -> Path:
    return config_dir() / "config.toml"


def shown_path(path: Path | str) -> str:
    """A path as a person reads it: under the home folder it starts with ``~``."""
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


def load(path: Path | None = None) -> Config:
    """Read and validate the config file; a missing file means the defaults."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return Config(profiles={"local": Profile(name="local")}, path=path)
    except IsADirectoryError as exc:
        raise ConfigError(
            _("{path} is a directory, not a configuration file").format(path=path),
            hint=_("move it away; 'crm profile add' or 'crm config set' write a new one"),
        ) from exc
    except OSError as exc:
        raise ConfigError(
            _("{path}: cannot read the configuration ({reason})").format(
                path=path, reason=exc.strerror or exc
            ),
            hint=_("make it readable for you (chmod 600 {path}) or move it away").format(path=path),
        ) from exc
    import tomllib

    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("{path}: not valid TOML ({reason})").format(path=path, reason=exc),
            hint=_("fix the file or delete it to start over"),
        ) from exc
    problems: list[str] = []
    profiles: dict[str, Profile] = {}
    known = {f.name for f in fields(Profile)} - {"name"}
    table = raw.get("profiles") or {}
    if not isinstance(table, dict):
        problems.append("profiles: must be a table of [profiles.NAME] sections")
        table = {}
    for name, body in table.items():
        if not isinstance(body, dict):
            problems.append(f"profiles.{name}: must be a table")
            continue
        for key in body:
            if key not in known:
                problems.append(f"profiles.{name}.{key}: " + _("unknown setting"))
        clean = {k: v for k, v in body.items() if k in known}
        try:
            profile = Profile(name=name, **clean)
        except TypeError as exc:  # pragma: no cover - guarded by the key check above
            problems.append(f"profiles.{name}: {exc}")
            continue
        problems.extend(validate_profile(profile))
        profiles[name] = profile
    for key in raw:
        if key not in ("default_profile", "profiles"):
            problems.append(f"{key}: " + _("unknown setting"))
    default = raw.get("default_profile", "local")
    if not isinstance(default, str):
        problems.append(f"default_profile: must be a profile name, not {default!r}")
        default = "local"
    if default != "local" and default not in profiles:
        problems.append("default_profile: " + _("no profile named {name!r}").format(name=default))
    if problems:
        raise ConfigError(
            _("{path}: {n} problem(s) in the configuration").format(path=path, n=len(problems)),
            problems,
            hint=_("fix them in the file, or use 'crm config set' / 'crm profile add'"),
        )
    profiles.setdefault("local", Profile(name="local"))
    return Config(default_profile=default, profiles=profiles, path=path)


def validate_profile(p: Profile) -> list[str]:
    """Every problem with one profile, as 'profiles.NAME.KEY: what is wrong'."""
    out: list[str] = []
    at = f"profiles.{p.name}"
    if not _NAME.match(p.name):
        out.append(f"{at}: " + _("a profile name is letters, digits, '.', '_' or '-' (max 40)"))
    for key in ("kind", "endpoint", "auth", "client_secrets", "service_account_file",
                "subject", "region", "user", "language", "sheets_endpoint"):  # fmt: skip
        value = getattr(p, key)
        if value is not None and not isinstance(value, str):
            out.append(f"{at}.{key}: " + _("must be text, not {value!r}").format(value=value))
    if not all(isinstance(v, str) for v in (p.kind, p.endpoint or "", p.region, p.language)):
        return out  # the checks below compare text
    if p.kind not in KINDS:
        out.append(f"{at}.kind: " + _("{value!r} is not one of {choices}").format(
            value=p.kind, choices=", ".join(KINDS)))  # fmt: skip
    if p.kind == "endpoint" and not (p.endpoint or "").startswith(("http://", "https://")):
        out.append(f"{at}.endpoint: " + _("an http(s) URL is required for kind 'endpoint'"))
    if p.kind == "google":
        if p.auth not in AUTH_KINDS:
            out.append(f"{at}.auth: " + _("{value!r} is not one of {choices}").format(
                value=p.auth, choices=", ".join(AUTH_KINDS)))  # fmt: skip
        if p.auth == "service_account" and not p.service_account_file:
            out.append(f"{at}.service_account_file: "
                       + _("required for auth 'service_account'"))  # fmt: skip
    if not isinstance(p.region, str) or p.region.upper() not in PHONE_REGIONS:
        out.append(f"{at}.region: " + _("{value!r} is not a phone region such as RU, TR, US, "
                                          "GB").format(value=p.region))  # fmt: skip
    if p.language not in LANGUAGES:
        out.append(f"{at}.language: " + _("{value!r} is not one of {choices}").format(
            value=p.language, choices=", ".join(LANGUAGES)))  # fmt: skip
    if p.quotas is not None:
        if not isinstance(p.quotas, dict):
            out.append(f"{at}.quotas: " + _("a table of category = units per minute is required"))
        else:
            for cat, units in p.quotas.items():
                if cat not in QUOTA_CATEGORIES:
                    out.append(f"{at}.quotas.{cat}: " + _("not one of {choices}").format(
                        choices=", ".join(QUOTA_CATEGORIES)))  # fmt: skip
                elif not isinstance(units, int) or isinstance(units, bool) or units < 1:
                    out.append(f"{at}.quotas.{cat}: "
                               + _("a whole number of at least 1 is required"))  # fmt: skip
    if p.user and (len(p.user) > 60 or not p.user.isprintable() or "(" in p.user
                   or ")" in p.user):  # fmt: skip
        out.append(f"{at}.user: " + _("a name of at most 60 characters on one line, without "
                   "parentheses, is required (it signs the card lines)"))  # fmt: skip
    for key, least, most in (
        ("card_max_lines", 3, 10**6), ("card_max_chars", 3, 10**7), ("sync_minutes", 0, 10**7),
        ("sync_guard_percent", 0, 100), ("sync_guard_min", 1, 10**7),
    ):  # fmt: skip
        value = getattr(p, key)
        if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most:
            out.append(f"{at}.{key}: " + _("a whole number from {least} to {most} is "
                                           "required").format(least=least, most=most))  # fmt: skip
    if not isinstance(p.digest_time, str) or not _HHMM.match(p.digest_time):
        out.append(f"{at}.digest_time: " + _("a time of day such as 08:00 is required"))
    if p.smtp_security not in SMTP_SECURITY:
        out.append(f"{at}.smtp_security: " + _("{value!r} is not one of {choices}").format(
            value=p.smtp_security, choices=", ".join(SMTP_SECURITY)))  # fmt: skip
    if (
        not isinstance(p.smtp_port, int)
        or isinstance(p.smtp_port, bool)
        or not (1 <= p.smtp_port <= 65535)
    ):
        out.append(f"{at}.smtp_port: " + _("a port number from 1 to 65535 is required"))
    if not isinstance(p.telegram_api, str) or not p.telegram_api.startswith(
        ("https://", "http://127.", "http://localhost")
    ):
        out.append(f"{at}.telegram_api: "
                   + _("an https:// URL is required (http only on loopback)"))  # fmt: skip
    if not isinstance(p.export_mode, str) or not _MODE.match(p.export_mode):
        out.append(f"{at}.export_mode: "
                   + _("an octal file mode such as 600 or 640 is required"))  # fmt: skip
    elif int(p.export_mode, 8) & 0o600 != 0o600 or int(p.export_mode, 8) & 0o111:
        wrong = _("{mode} must let you read and write the file and must not make it "
                  "executable (600, 640, 644…)").format(mode=p.export_mode)  # fmt: skip
        out.append(f"{at}.export_mode: {wrong}")
    return out


def save(config: Config, path: Path | None = None) -> Path:
    """Write the config atomically (0600: it names paths to credentials)."""
    import tomli_w

    path = path or config.path or config_path()
    data: dict[str, Any] = {"default_profile": config.default_profile, "profiles": {}}
    for name, profile in sorted(config.profiles.items()):
        data["profiles"][name] = profile.to_toml()
    try:
        atomic_write(path, tomli_w.dumps(data).encode("utf-8"))
    except OSError as exc:
        raise home_error(path, exc) from exc
    return path


# Settings 'crm config set' accepts, with their types.
SETTABLE: dict[str, type] = {
    "user": str,
    "region": str,
    "language": str,
    "card_max_lines": int,
    "card_max_chars": int,
    "sync_minutes": int,
    "endpoint": str,
    "sheets_endpoint": str,
    "sync_guard_percent": int,
    "sync_guard_min": int,
    "export_mode": str,
    "digest_time": str,
    "smtp_host": str,
    "smtp_port": int,
    "smtp_security": str,
    "smtp_user": str,
    "smtp_from": str,
    "telegram_api": str,
}


_LANGUAGE_NAMES = {
    "ru": ("russian", "русский", "рус", "rus", "ru_ru", "ru-ru", "rusça", "rusca"),
    "tr": ("turkish", "türkçe", "turkce", "турецкий", "tur", "tr_tr", "tr-tr"),
    "en": ("english", "английский", "ingilizce", "İngilizce", "eng", "en_us", "en-us", "en_gb"),
}


def language_code(value: str) -> str | None:
    """The code (ru, tr, en) of a language named in words ("russian", "Türkçe"), if known."""
    key = value.strip().casefold()
    for code, names in _LANGUAGE_NAMES.items():
        if key == code or key in (n.casefold() for n in names):
            return code
    return None


def setting_key(key: str) -> str:
    """``key`` if it is a setting ``crm config set`` knows; else a usage error that names
    the nearest one ("lang": language)."""
    if key in SETTABLE:
        return key
    import difflib

    near = [k for k in sorted(SETTABLE) if k.startswith(key.casefold())] if key else []
    near = near or difflib.get_close_matches(key.casefold(), sorted(SETTABLE), n=1, cutoff=0.6)
    hint = (_("did you mean {key}?").format(key=repr(near[0])) + " " if len(near) == 1 else "") + _(
        "settable: {keys}").format(keys=", ".join(repr(k) for k in sorted(SETTABLE)))  # fmt: skip
    raise UsageError(_("unknown setting {key!r}").format(key=key), hint=hint)


def set_value(config: Config, profile: str, key: str, value: str) -> Profile:
    """Set one setting of a profile, validated; returns the changed profile."""
    key = setting_key(key)
    current = config.profiles.get(profile) or config.profile(profile)
    typed: Any = value
    if SETTABLE[key] is int:
        try:
            typed = int(value)
        except ValueError as exc:
            raise UsageError(_("{key} takes a whole number, not {value!r}").format(
                key=key, value=value)) from exc  # fmt: skip
    if key == "language" and value not in LANGUAGES:
        code = language_code(value)
        raise ConfigError(
            _("{value!r} is not a language code: write one of {choices}").format(
                value=value, choices=", ".join(LANGUAGES)),
            hint=_("crm config set language {code}").format(code=code) if code else None,
        )  # fmt: skip
    if key == "region":
        typed = value.upper()
    updated = Profile(**{**asdict(current), key: typed})
    problems = validate_profile(updated)
    if problems:
        raise ConfigError(problems[0], problems[1:])
    config.profiles[profile] = updated
    return updated


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically with permissions ``mode`` from the start.

    Missing parent directories are created private (0700).
    """
    import tempfile

    private_dir(path.parent, tighten=not _is_crm_home(path.parent))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file is the user's by its ACL
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` and its missing parents with mode 0700.

    An existing directory of ours that others can read is tightened to 0700
    (``tighten``); on Windows the user's profile ACL already keeps it private.
    """
    missing: list[Path] = []
    probe = Path(path)
    while not probe.is_dir() and probe != probe.parent:
        if probe.exists() or probe.is_symlink():
            raise NotADirectoryError(errno.ENOTDIR, "a file is in the way", str(probe))
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        _chmod(directory, PRIVATE_DIR)
    if tighten and not missing:
        _tighten(Path(path), PRIVATE_DIR)
    return Path(path)


def use_wal(conn: sqlite3.Connection, timeout: float = 30.0) -> None:
    """Put a database in WAL mode, waiting (bounded) while another process holds it.

    SQLite does not run its busy handler for this switch: several crm processes
    opening a new file at once get "database is locked" at once, so wait here.
    """
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def private_db(path: Path | str) -> Path:
    """Keep a SQLite file of the tool and its -wal, -shm and -journal owner-only (0600),
    by their paths; the folder is made (0700) when missing.

    The file is never opened here: closing any descriptor of a database file
    drops every POSIX lock the process holds on it, so another process may then
    checkpoint and delete the WAL under a live connection (SQLite's "How To
    Corrupt An SQLite Database File", 2.2). ``connect_db`` creates new files 0600.
    """
    path = Path(path)
    private_dir(path.parent, tighten=False)
    for each in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        _tighten(each, PRIVATE_FILE)
    return path


def connect_db(
    path: Path | str, *, timeout: float = 30.0, check_same_thread: bool = True
) -> sqlite3.Connection:
    """A connection to one of the tool's SQLite files, safe beside other processes.

    A new file is created 0600 (under a 0077 umask; SQLite gives its -wal and
    -shm files the database file's mode); WAL; a busy timeout, so writers wait
    for each other; autocommit: each write is one explicit ``BEGIN IMMEDIATE``
    transaction (``write_transaction``). Raises sqlite3.DatabaseError (callers
    word it with ``open_storage_error``).
    """
    memory = str(path) == ":memory:"
    if not memory:
        private_db(path)
    with owner_only_files(not memory):
        conn = sqlite3.connect(
            path, timeout=timeout, isolation_level=None, check_same_thread=check_same_thread
        )
    try:
        if not memory:
            use_wal(conn, timeout)
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


@contextmanager
def owner_only_files(active: bool = True) -> Iterator[None]:
    """Files created meanwhile are owner-only (umask 0077): how a SQLite file of the
    tool is created 0600 without opening it first. The umask is the process's:
    files other threads create meanwhile are only the more private for it."""
    old = os.umask(0o077) if active and os.name == "posix" else None
    try:
        yield
    finally:
        if old is not None:
            os.umask(old)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error) on an autocommit
    connection: the write lock is taken first, so what is read inside is what
    the writes build on, whichever other process writes the file."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _is_crm_home(path: Path) -> bool:
    """True for the directory CRM_HOME names: the user chose it, so it is not chmod-ed."""
    home = os.environ.get("CRM_HOME")
    if not home:
        return False
    try:
        return Path(home).resolve() == Path(path).resolve()
    except OSError:
        return False


def _tighten(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` when it is ours and more open than that."""
    if os.name != "posix":
        return
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o777 & ~mode:
            os.chmod(path, mode)
    except OSError:
        return


def _chmod(path: Path, mode: int) -> None:
    if os.name == "posix":
        os.chmod(path, mode)


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 64 * 1024
    except OSError:
        return False


def open_storage_error(path: Path | str, exc: Exception) -> StorageError:
    """The error for a database file of the tool's own that cannot be opened."""
    if (
        getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL"
        or "disk is full" in str(exc)
        or _disk_full(Path(path))  # SQLite says "disk I/O error" when its -shm cannot grow
    ):
        return StorageError(
            _("{path}: cannot open this file of the tool's: the disk is full").format(path=path),
            hint=_("free some disk space, then run the command again; nothing was changed"),
        )
    return StorageError(
        _("{path}: cannot open this file of the tool's ({reason})").format(path=path, reason=exc),
        hint=_(
            "it may be damaged, or another program holds it; move it away to start it anew "
            "(for cache.sqlite that only costs a 'crm sync')"
        ),
    )
