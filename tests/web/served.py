"""A real ``crm serve`` process on loopback and a phone's session with it (urllib).

For tests that need the server as its own process beside ``crm`` commands:
the local account, the cache and the journal are then shared files, as on the
office PC.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


def start_server(*args: str) -> tuple[subprocess.Popen[str], str]:
    """``crm serve --port 0 ARGS`` in its own process; (process, base URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "contacts_crm", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server says where it listens
    found = re.search(r"(https?://[\d.]+:\d+)/", line)
    assert found, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, found.group(1)


def stop_server(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, wait; (exit code, everything it wrote on stderr: its log)."""
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@dataclass
class Answer:
    status: int
    url: str
    body: str


class Phone:
    """One phone's browser: cookies, the CSRF field, the one-time op ids of forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> Answer:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        data = urllib.parse.urlencode(fields).encode()
        return self._send(urllib.request.Request(self.base + path, data=data))

    def _send(self, req: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(req, timeout=120) as resp:
                return Answer(resp.status, resp.url, resp.read().decode())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.url, exc.read().decode())

    def sign_in(self, name: str, pin: str) -> None:
        page = self.get("/signin")
        answer = self.post("/signin", {"name": name, "pin": pin, "csrf": csrf_of(page.body)})
        assert answer.status == 200, answer

    def card_id(self, number: str) -> str:
        """The card a number opens (``/n/NUMBER`` redirects to it)."""
        answer = self.get(f"/n/{number}")
        assert answer.status == 200 and "/c/" in answer.url, answer.status
        return answer.url.rsplit("/c/", 1)[1].split("?")[0]

    def log_call(self, cid: str, comment: str) -> Answer:
        """Open the card and save a call on it, as the page's form does."""
        card = self.get(f"/c/{cid}")
        if card.status != 200:
            return card
        op = re.search(r'action="/c/[^"]+/call".*?name="op" value="([^"]+)"', card.body, re.S)
        fields = {"csrf": csrf_of(card.body), "comment": comment, "direction": "in"}
        if op:
            fields["op"] = op.group(1)
        return self.post(f"/c/{cid}/call", fields)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)
