"""Loopback stand-ins for the digest's channels: a real SMTP server (aiosmtpd) and
a Telegram Bot API (``POST /bot<TOKEN>/sendMessage``) on 127.0.0.1.

Both keep what they received and can be told to refuse (SMTP: a reply code;
Telegram: a list of answers to give first, e.g. 500, then 429 with retry_after).
``hold`` makes the SMTP server keep a message (received, not yet answered) until
``release``: the point a test kills the sender at.
"""

from __future__ import annotations

import email
import json
import socket
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, box: SmtpBox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        box = self.box
        if box.refuse:
            box.refused += 1
            return box.refuse
        with box.lock:
            box.messages.append(
                (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
            )
            box.arrived.notify_all()
        if box.hold is not None:
            box.held.set()
            box.hold.wait(120)  # the sender waits for our answer; the test kills it now
        return "250 OK"


class SmtpBox:
    """An SMTP server on loopback; ``messages``: (recipients, parsed message)."""

    def __init__(self, password: str = "") -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse = ""  # e.g. "451 4.3.0 try again later"
        self.refused = 0
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.hold: threading.Event | None = None
        self.held = threading.Event()
        self.port = free_port()
        self.password = password
        self.logins: list[str] = []
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port,
            authenticator=self._authenticate, auth_require_tls=False,
        )  # fmt: skip

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == self.password
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def start(self) -> SmtpBox:
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.controller.stop()

    def wait_for(self, n: int, timeout: float = 60) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.messages) >= n, timeout)

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


class TelegramBox:
    """The Bot API's sendMessage on loopback; ``sent``: (token, chat_id, text)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []  # given first, in order
        self.requests = 0
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                box.requests += 1
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                token = (
                    self.path.split("/bot", 1)[1].split("/", 1)[0] if "/bot" in self.path else ""
                )
                if box.answers:
                    status, answer = box.answers.pop(0)
                elif not self.path.endswith("/sendMessage"):
                    status, answer = 404, {"ok": False, "error_code": 404}
                else:
                    box.sent.append((token, str(body.get("chat_id")), str(body.get("text"))))
                    status, answer = 200, {"ok": True, "result": {"message_id": len(box.sent)}}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> TelegramBox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
