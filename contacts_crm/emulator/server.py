"""Loopback HTTP server for an Emulator (http.server.ThreadingHTTPServer)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()}
        status, resp_headers, content = self.server.emulator.handle(
            self.command, self.path, headers, body
        )
        try:
            self.send_response(status)
            for key, value in resp_headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            # The caller is gone (killed, or it timed out): what it asked was done anyway.
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: request lines may carry contact data."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(addr, _Handler)


class EmulatorServer:
    """Serves ``emulator`` on ``host:port`` (0 = a free port) in a background thread."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765/``."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}/"

    def start(self) -> EmulatorServer:
        """Bind and start serving in a daemon thread."""
        if self._httpd is None:
            self._httpd = _Server((self.host, self.port), self.emulator)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="emulator-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``shutdown`` is called from another."""
        if self._httpd is None:
            self._httpd = _Server((self.host, self.port), self.emulator)
        self._httpd.serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        """Ask a ``serve_forever`` loop to return."""
        if self._httpd is not None:
            self._httpd.shutdown()

    def stop(self) -> None:
        """Stop serving, join the thread, close the socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd.server_close()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
