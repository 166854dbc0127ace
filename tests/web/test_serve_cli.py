"""``crm serve`` on the command line: users, tokens, the refusal, a real server process."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import ssl
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cli_helpers import crm, run_crm

from contacts_crm import config as cfg


def staff_file() -> Path:
    return cfg.profile_dir("local") / "web-staff.json"


def add_user(monkeypatch, name, pin):
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    return crm("serve", "user", "add", name, "--pin-stdin")


def test_users_are_added_listed_reset_and_removed(monkeypatch):
    code, out = add_user(monkeypatch, "Olga", "2468")
    assert code == 0 and "Olga added" in out and "2468" not in out
    path = staff_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    body = path.read_text()
    assert '"hash"' in body and '"salt"' in body
    # Random hex (salt, hash, token digests) may hold any four digits: look past it.
    assert "2468" not in re.sub(r'"[0-9a-f]{16,}"', '""', body)
    assert add_user(monkeypatch, "olga", "1111")[0] == 2  # the same name, any case
    assert add_user(monkeypatch, "Ivan", "12")[0] == 2  # PIN too short
    code, out = crm("--json", "serve", "user", "list")
    assert [u["user"] for u in json.loads(out)] == ["Olga"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("9999\n"))
    assert crm("serve", "user", "reset", "Olga", "--pin-stdin")[0] == 0
    assert path.read_text() != body
    assert crm("serve", "user", "remove", "Olga")[0] == 0
    assert crm("serve", "user", "remove", "Olga")[0] == 66
    assert json.loads(crm("--json", "serve", "user", "list")[1]) == []


def test_tokens_are_shown_once_and_kept_as_digests():
    code, out = crm("--json", "serve", "token", "add", "pbx")
    assert code == 0
    token = json.loads(out)["value"]
    assert len(token) >= 24
    assert token not in staff_file().read_text()
    assert stat.S_IMODE(staff_file().stat().st_mode) == 0o600
    listed = crm("serve", "token", "list")[1]
    assert "pbx" in listed and token not in listed
    assert crm("serve", "token", "add", "pbx")[0] == 2
    assert crm("serve", "token", "add", "bad name!")[0] == 2
    assert crm("serve", "token", "remove", "pbx")[0] == 0
    assert crm("serve", "token", "remove", "pbx")[0] == 66


def test_refuses_the_network_while_no_user_is_defined():
    code, _, err = run_crm("serve", "--host", "0.0.0.0", "--port", "0")
    assert code == 2
    assert "no user is defined" in err and "crm serve user add" in err


def test_tls_needs_both_files(monkeypatch, tmp_path):
    refused = run_crm("serve", "--port", "0", "--cert", str(tmp_path / "c.pem"))
    assert refused.code == 2
    assert "--cert and --key go together" in refused.err


def _start(args, env=None):
    proc = subprocess.Popen(
        [sys.executable, "-m", "contacts_crm", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or os.environ.copy(),
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server says where it listens
    found = re.search(r"(https?://[\d.]+:\d+)/", line)
    assert found, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, found.group(1)


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.slow
def test_a_real_server_process_on_loopback(monkeypatch):
    add_user(monkeypatch, "Olga", "2468")
    proc, url = _start([])
    try:
        page = urllib.request.urlopen(f"{url}/signin", timeout=30)
        assert page.status == 200 and "Olga" in page.read().decode()
        with pytest.raises(urllib.error.HTTPError) as no_token:
            urllib.request.urlopen(f"{url}/cid?number=89161234567", timeout=30)
        assert no_token.value.code == 403
    finally:
        code, err = _stop(proc)
    assert code == 0 and "Stopped." in err
    assert "GET /signin 200" in err and "GET /cid 403" in err  # the access log, no numbers
    assert "9161234567" not in err


@pytest.mark.slow
def test_serves_https_with_cert_and_key(monkeypatch, tmp_path):
    openssl = "/usr/bin/openssl"
    if not os.path.exists(openssl):
        pytest.skip("no openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    add_user(monkeypatch, "Olga", "2468")
    proc, url = _start(["--cert", str(cert), "--key", str(key)])
    try:
        assert url.startswith("https://")
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        page = urllib.request.urlopen(f"{url}/signin", timeout=30, context=context)
        assert page.status == 200
        assert "Secure" in page.headers["Set-Cookie"]
    finally:
        _stop(proc)
