"""Serve a ``SheetsEmulator`` over HTTP on loopback (``ThreadingHTTPServer``)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .api_error import ApiError
from .emulator import SheetsEmulator
from .model import Spreadsheet
from .quota import QuotaSettings


class _Handler(BaseHTTPRequestHandler):
    server_version = "SheetsEmulator/1"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # send each response at once (TCP_NODELAY)
    emulator: SheetsEmulator  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the CLI own the terminal."""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            resp_status, resp_body, headers = (
                400,
                ApiError(400, "Invalid JSON payload.").envelope(),
                {},
            )
        else:
            resp = self.emulator.handle(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                body,
                self.headers.get("Authorization"),
            )
            resp_status, resp_body, headers = resp.status, resp.body, resp.headers
        data = json.dumps(resp_body).encode()
        self.send_response(resp_status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class SheetsEmulatorServer:
    """The emulator on ``http://127.0.0.1:<port>``; use as a context manager.

    >>> with SheetsEmulatorServer() as server:
    ...     book = server.create_spreadsheet("Office", {"Summary": [["a"]]})
    """

    def __init__(
        self,
        emulator: SheetsEmulator | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        quota: QuotaSettings | None = None,
        latency_s: float = 0.0,
    ) -> None:
        self.emulator = emulator or SheetsEmulator(quota=quota, latency_s=latency_s)
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``); valid once started."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def _bind(self) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"emulator": self.emulator})
        httpd = ThreadingHTTPServer((self._host, self._port), handler)
        httpd.daemon_threads = True
        return httpd

    def start(self) -> SheetsEmulatorServer:
        """Bind and serve in a background thread."""
        self._httpd = self._bind()
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind (if needed) and serve in the calling thread until ``stop``."""
        if self._httpd is None:
            self._httpd = self._bind()
        self._httpd.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def create_spreadsheet(
        self, title: str, tabs: dict[str, list[list[Any]]] | list[str] | None = None
    ) -> Spreadsheet:
        """Pre-create a spreadsheet with tabs (see ``SheetsEmulator.create_spreadsheet``)."""
        return self.emulator.create_spreadsheet(title, tabs)

    def __enter__(self) -> SheetsEmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
