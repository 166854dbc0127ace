"""Credentials: token refresh against a loopback token endpoint, 0600 files, no leaks."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_helpers import run_crm as crm

from contacts_crm import config as cfg
from contacts_crm.account import auth
from contacts_crm.errors import AuthError, ConfigError

OLD_ACCESS = "ya29.old-access-token-SECRET-1"
NEW_ACCESS = "ya29.new-access-token-SECRET-2"
REFRESH = "1//refresh-token-SECRET-3"
CLIENT_SECRET = "client-secret-SECRET-4"


class TokenEndpoint:
    """A tiny OAuth token endpoint on 127.0.0.1 that records what it receives."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.answer: tuple[int, dict] = (
            200,
            {"access_token": NEW_ACCESS, "expires_in": 3599, "token_type": "Bearer"},
        )
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                endpoint.requests.append(form)
                status, body = endpoint.answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> TokenEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def token_endpoint():
    with TokenEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def google_profile(isolated_home) -> cfg.Profile:
    conf = cfg.load()
    prof = cfg.Profile(name="g", kind="google", auth="oauth", user="Olga")
    conf.profiles["g"] = prof
    cfg.save(conf)
    return prof


def write_expired_token(data_dir: Path, token_uri: str, mode: int = 0o600) -> Path:
    path = data_dir / "token.json"
    body = {
        "token": OLD_ACCESS,
        "refresh_token": REFRESH,
        "token_uri": token_uri,
        "client_id": "client-id.apps.googleusercontent.com",
        "client_secret": CLIENT_SECRET,
        "scopes": auth.SCOPES,
        "expiry": "2020-01-01T00:00:00Z",
    }
    cfg.atomic_write(path, json.dumps(body).encode(), mode=mode)
    return path


def file_mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


SECRETS = (OLD_ACCESS, NEW_ACCESS, REFRESH, CLIENT_SECRET)


def test_expired_token_is_refreshed_and_resaved_0600(google_profile, token_endpoint, caplog):
    caplog.set_level(logging.DEBUG)
    data_dir = cfg.profile_dir("g")
    path = write_expired_token(data_dir, token_endpoint.url)

    credentials = auth.load_credentials(google_profile, data_dir)

    assert credentials.valid and credentials.token == NEW_ACCESS
    assert len(token_endpoint.requests) == 1
    form = token_endpoint.requests[0]
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == [REFRESH]
    saved = json.loads(path.read_text())
    assert saved["token"] == NEW_ACCESS and saved["refresh_token"] == REFRESH
    assert file_mode(path) == 0o600
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".")] == []  # no temp left
    for secret in SECRETS:
        assert secret not in caplog.text

    # a valid token is used as is: no second refresh
    auth.load_credentials(google_profile, data_dir)
    assert len(token_endpoint.requests) == 1


def test_tokens_never_appear_in_cli_output(google_profile, token_endpoint, caplog):
    caplog.set_level(logging.DEBUG)
    write_expired_token(cfg.profile_dir("g"), token_endpoint.url)
    code, out, err = crm("--profile", "g", "status")
    assert code == 0, err
    assert len(token_endpoint.requests) == 1  # status opened the account: refreshed
    code2, out2, err2 = crm("--profile", "g", "config", "show")
    code3, out3, err3 = crm("--json", "--profile", "g", "config", "show")
    assert code2 == code3 == 0
    everything = "".join((out, err, out2, err2, out3, err3, caplog.text))
    for secret in SECRETS:
        assert secret not in everything


def test_world_readable_token_is_refused_with_chmod_hint(google_profile, token_endpoint):
    data_dir = cfg.profile_dir("g")
    path = write_expired_token(data_dir, token_endpoint.url, mode=0o644)
    with pytest.raises(AuthError) as info:
        auth.load_credentials(google_profile, data_dir)
    assert info.value.hint == f"run: chmod 600 {path}"
    assert token_endpoint.requests == []  # nothing was sent anywhere
    code, _, err = crm("--profile", "g", "status")
    assert code == 77
    assert "chmod 600" in err and "Traceback" not in err


def test_revoked_refresh_token_is_auth_error_77_with_login_hint(
    google_profile, token_endpoint, caplog
):
    caplog.set_level(logging.DEBUG)
    token_endpoint.answer = (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    data_dir = cfg.profile_dir("g")
    write_expired_token(data_dir, token_endpoint.url)
    with pytest.raises(AuthError) as info:
        auth.load_credentials(google_profile, data_dir)
    assert info.value.exit_code == 77
    assert "crm --profile g login" in (info.value.hint or "")
    code, out, err = crm("--profile", "g", "status")
    assert code == 77
    assert "Traceback" not in err
    assert [ln for ln in err.splitlines() if ln.startswith("Error: ")]
    assert "Hint: log in again: crm --profile g login" in err
    for secret in SECRETS:
        assert secret not in out + err + caplog.text


def test_not_logged_in_is_auth_error(google_profile):
    code, _, err = crm("--profile", "g", "status")
    assert code == 77
    assert "crm --profile g login" in err


def test_login_with_flow_runner_stores_the_token_0600(isolated_home, tmp_path, token_endpoint):
    from google.oauth2.credentials import Credentials

    secrets = tmp_path / "client_secret.json"
    secrets.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": "client-id.apps.googleusercontent.com",
                    "client_secret": CLIENT_SECRET,
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": token_endpoint.url,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    prof = cfg.Profile(name="g", kind="google", client_secrets=str(secrets))
    seen = []

    def runner(flow):
        seen.append(flow)
        return Credentials(
            token=NEW_ACCESS,
            refresh_token=REFRESH,
            token_uri=token_endpoint.url,
            client_id="client-id.apps.googleusercontent.com",
            client_secret=CLIENT_SECRET,
            scopes=auth.SCOPES,
        )

    data_dir = cfg.profile_dir("g")
    path = auth.login(prof, data_dir, flow_runner=runner)
    assert len(seen) == 1 and seen[0].oauth2session.scope == auth.SCOPES
    assert path == data_dir / "token.json"
    assert file_mode(path) == 0o600
    stored = json.loads(path.read_text())
    assert stored["refresh_token"] == REFRESH and stored["token"] == NEW_ACCESS
    assert [p.name for p in data_dir.iterdir()] == ["token.json"]


def test_login_without_client_secrets_is_config_error(isolated_home, tmp_path):
    data_dir = cfg.profile_dir("g")
    for secrets in (None, str(tmp_path / "missing.json")):
        prof = cfg.Profile(name="g", kind="google", client_secrets=secrets)
        with pytest.raises(ConfigError) as info:
            auth.login(prof, data_dir, flow_runner=lambda flow: pytest.fail("no flow"))
        assert "README" in (info.value.hint or "")
    bad = tmp_path / "bad.json"
    bad.write_text('{"web": 1}')
    with pytest.raises(ConfigError):
        auth.login(
            cfg.Profile(name="g", kind="google", client_secrets=str(bad)),
            data_dir,
            flow_runner=lambda flow: pytest.fail("no flow"),
        )
    with pytest.raises(ConfigError):  # a local profile does not log in
        auth.login(cfg.Profile(name="local"), data_dir)
    assert not (data_dir / "token.json").exists()


def test_login_command_without_client_secrets_exits_78(google_profile):
    code, _, err = crm("--profile", "g", "login", "--no-browser")
    assert code == 78
    assert "Traceback" not in err and "Hint: " in err
