"""Credentials for a Google profile: the OAuth installed-app flow or a service account.

Tokens live in the profile's data dir as ``token.json``, written atomically
with mode 0600, and are never printed or logged. The OAuth flow is a
parameter (``flow_runner``) so tests can drive it without a browser.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contacts_crm.config import Profile, atomic_write
from contacts_crm.errors import AuthError, ConfigError, UnavailableError

SCOPES = [
    "https://www.googleapis.com/auth/contacts",
    "https://www.googleapis.com/auth/spreadsheets",  # summaries, journal push, Sheet import
    "https://www.googleapis.com/auth/drive.metadata.readonly",  # open a Sheet by its name
    "https://www.googleapis.com/auth/drive.appdata",  # the journal's replica (history store)
]
TOKEN_FILE = "token.json"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def save_token(credentials: Any, data_dir: Path) -> Path:
    """Store OAuth user credentials (refresh token included) with mode 0600."""
    path = token_path(data_dir)
    atomic_write(path, credentials.to_json().encode("utf-8"), mode=0o600)
    return path


def login(
    profile: Profile,
    data_dir: Path,
    *,
    flow_runner: Callable[[Any], Any] | None = None,
) -> Path:
    """Run the installed-app OAuth flow (loopback redirect) and store the token.

    ``flow_runner(flow) -> credentials`` defaults to opening a browser on a
    local port; the user's own OAuth client JSON is ``profile.client_secrets``.
    """
    if profile.kind != "google" or profile.auth != "oauth":
        raise ConfigError(
            f"profile {profile.name!r} does not use OAuth login",
            hint="only profiles of kind 'google' with auth 'oauth' log in",
        )
    secrets = Path(profile.client_secrets or "")
    if not profile.client_secrets or not secrets.is_file():
        raise ConfigError(
            f"OAuth client file not found: {profile.client_secrets or '(not set)'}",
            hint="create an OAuth client (Desktop app) as the README explains and give its "
            "JSON with 'crm profile add NAME --google --client-secrets FILE'",
        )
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(secrets), SCOPES)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{secrets}: not an OAuth client file ({type(exc).__name__}: {exc})",
            hint="download the JSON of a 'Desktop app' OAuth client",
        ) from exc
    runner = flow_runner or (lambda f: f.run_local_server(port=0, open_browser=True))
    credentials = runner(flow)
    return save_token(credentials, data_dir)


def load_credentials(profile: Profile, data_dir: Path) -> Any:
    """Credentials for a Google profile, refreshed and re-saved when expired."""
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request

    if profile.auth == "service_account":
        return _service_account(profile)
    path = token_path(data_dir)
    if not path.exists():
        raise AuthError(
            f"profile {profile.name!r} is not logged in",
            hint=f"run: crm --profile {profile.name} login",
        )
    check_private(path)
    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        credentials = Credentials.from_authorized_user_info(info, SCOPES)
    except (ValueError, AttributeError, json.JSONDecodeError) as exc:
        raise AuthError(
            f"{path}: the stored token is unreadable ({type(exc).__name__})",
            hint=f"log in again: crm --profile {profile.name} login",
        ) from None
    # google-auth always points a stored token at Google's token endpoint; a
    # token minted by a loopback endpoint (the local test double) keeps its own.
    stored_uri = info.get("token_uri")
    if isinstance(stored_uri, str) and _is_loopback(stored_uri):
        expiry = credentials.expiry  # with_token_uri's copy forgets it
        credentials = credentials.with_token_uri(stored_uri)
        credentials.expiry = expiry
    if not credentials.valid:
        if not credentials.refresh_token:
            raise AuthError(
                "the stored token has expired and cannot be refreshed",
                hint=f"log in again: crm --profile {profile.name} login",
            )
        try:
            credentials.refresh(Request())
        except RefreshError:
            raise AuthError(
                "Google refused to refresh the token (revoked or expired)",
                hint=f"log in again: crm --profile {profile.name} login",
            ) from None
        except TransportError as exc:
            raise UnavailableError(
                f"cannot reach Google's token endpoint ({exc})", hint="check the network connection"
            ) from None
        save_token(credentials, data_dir)
    return credentials


def _is_loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _service_account(profile: Profile) -> Any:
    from google.oauth2 import service_account

    path = Path(profile.service_account_file or "")
    if not path.is_file():
        raise ConfigError(
            f"service account file not found: {path}",
            hint="give the key file with --service-account FILE",
        )
    check_private(path)
    try:
        creds = service_account.Credentials.from_service_account_file(str(path), scopes=SCOPES)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: not a service account key ({type(exc).__name__})") from None
    # Contacts belong to a user: a service account acts as one through
    # domain-wide delegation (Google Workspace), named by --subject.
    return creds.with_subject(profile.subject) if profile.subject else creds


def check_private(path: Path) -> None:
    """Refuse credential files others can read; say how to fix it.

    On Windows mode bits say nothing about other users (ACLs do): not checked.
    """
    if os.name == "nt":
        return
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise AuthError(
            f"{path} is readable by other users (mode {oct(mode)})", hint=f"run: chmod 600 {path}"
        )


def build_google_service(credentials: Any) -> Any:
    """A People v1 service for real Google (bundled discovery, 60 s timeouts).

    Over ``SessionHttp``: no request is ever re-sent by the transport itself."""
    from google.auth.transport.requests import AuthorizedSession
    from googleapiclient.discovery import build

    from contacts_crm.transport import SessionHttp

    http = SessionHttp(AuthorizedSession(credentials), timeout=60)
    return build("people", "v1", http=http, static_discovery=True)


def build_google_drive(credentials: Any) -> Any:
    """A Drive v3 service (the history store in appDataFolder, scope drive.appdata),
    bundled discovery, over ``SessionHttp``."""
    from google.auth.transport.requests import AuthorizedSession
    from googleapiclient.discovery import build

    from contacts_crm.transport import SessionHttp

    http = SessionHttp(AuthorizedSession(credentials), timeout=60)
    return build("drive", "v3", http=http, static_discovery=True)


def check_key_file(path: Path, kind: str) -> None:
    """Refuse (ConfigError) a file that is not an OAuth client JSON / service account key.

    ``kind`` is "oauth" (``--client-secrets``: a Desktop-app client with
    client_id and client_secret) or "service_account" (``--service-account``).
    """
    what = "an OAuth client file" if kind == "oauth" else "a service account key"
    hint = (
        "download the JSON of a 'Desktop app' OAuth client (APIs & Services → Credentials)"
        if kind == "oauth"
        else "create a key (JSON) for the service account in the Cloud console"
    )
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})", hint=hint) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(f"{path}: not {what} (not JSON)", hint=hint) from None
    if kind == "oauth":
        body = doc.get("installed") or doc.get("web") if isinstance(doc, dict) else None
        needed: tuple[str, ...] = ("client_id", "client_secret", "auth_uri", "token_uri")
    else:
        body = doc if isinstance(doc, dict) and doc.get("type") == "service_account" else None
        needed = ("client_email", "private_key", "token_uri")
    missing = [k for k in needed if not isinstance(body, dict) or not body.get(k)]
    if missing:
        raise ConfigError(f"{path}: not {what} (no {', '.join(missing)})", hint=hint)
