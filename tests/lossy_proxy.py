"""LossyProxy: a loopback TCP proxy that loses answers after the server committed.

The office's Wi-Fi drops a connection after Google has done a write but
before its answer reaches the PC. The proxy reproduces exactly that, and
nothing else, in front of an ``EmulatorServer``::

    with EmulatorServer(emu) as server, LossyProxy(server.url, rate=0.2, seed=7) as proxy:
        service = build_service(proxy.url)   # the real client stack, over the proxy
        ...
    proxy.received["POST"], proxy.lost        # requests forwarded, answers lost

For every request it reads the whole request (HTTP/1.1, Content-Length
bodies), forwards it on its own upstream connection, reads the emulator's
whole answer, and then either passes the answer on or, for a write (any
method but GET/HEAD) picked by the seeded ``rate`` or by ``lose_next()``,
closes the client's connection without a byte of it: the write is committed,
the client never learns it. Reads always pass. Deterministic for a
sequential client: one ``random.Random(seed)`` draw per write, in order.

Counters: ``received`` (requests per HTTP method), ``paths`` (per method and
path without the query), ``lost`` (answers dropped), ``lost_paths``.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from collections import Counter
from typing import Self
from urllib.parse import urlsplit

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class LossyProxy:
    """Forward to ``upstream`` (a base URL); lose write answers after commit.

    ``rate``: share of writes whose answer is lost (seeded by ``seed``).
    ``only``: lose answers only for request paths containing one of these
    (e.g. ``":batchCreateContacts"``); default every write.
    ``abort``: reset the connection (RST) instead of closing it (FIN).
    """

    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.0,
        seed: int = 0,
        only: tuple[str, ...] = (),
        abort: bool = False,
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rate = rate
        self.only = only
        self.abort = abort
        self._rng = random.Random(seed)
        self._lose_next = 0
        self._lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.lost = 0
        self.lost_paths: Counter[str] = Counter()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()

    # ------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        if self._listener is None:
            raise RuntimeError("proxy not started")
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/"

    def start(self) -> Self:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.2)
        self._listener = listener
        thread = threading.Thread(target=self._accept, name="lossy-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for sock in list(self._open):
                _close(sock)
        for thread in self._threads:
            thread.join(5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def lose_next(self, count: int = 1) -> None:
        """Lose the answers of the next ``count`` writes (that ``only`` admits), rate aside."""
        with self._lock:
            self._lose_next += count

    # ---------------------------------------------------------------- serving
    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream)
        with self._lock:
            self._open.update((client, upstream))
        client_in = client.makefile("rb")
        upstream_in = upstream.makefile("rb")
        try:
            while not self._stopping.is_set():
                request = _read_message(client_in)
                if request is None:
                    return
                method, path = _request_line(request)
                upstream.sendall(request)
                answer = _read_message(upstream_in, head=method == "HEAD")
                if answer is None:
                    return
                if self._lose(method, path):
                    if self.abort:
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          b"\x01\x00\x00\x00\x00\x00\x00\x00")  # fmt: skip
                    return  # the write is committed upstream; the client gets nothing
                client.sendall(answer)
        except OSError:
            return
        finally:
            with self._lock:
                self._open.difference_update((client, upstream))
            _close(client)
            _close(upstream)

    def _lose(self, method: str, path: str) -> bool:
        with self._lock:
            self.received[method] += 1
            self.paths[f"{method} {path}"] += 1
            if method not in WRITE_METHODS:
                return False
            if self.only and not any(part in path for part in self.only):
                return False
            lose = self._rng.random() < self.rate
            if self._lose_next:
                self._lose_next -= 1
                lose = True
            if lose:
                self.lost += 1
                self.lost_paths[f"{method} {path}"] += 1
            return lose


def _read_message(stream: object, *, head: bool = False) -> bytes | None:
    """One whole HTTP/1.1 message (head + Content-Length body); None at end of stream."""
    lines = []
    while True:
        line = stream.readline(65537)  # type: ignore[attr-defined]
        if not line:
            return None
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            break
    length = 0
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
            raise NotImplementedError("chunked bodies: the emulator and client send lengths")
    body = stream.read(length) if length and not head else b""  # type: ignore[attr-defined]
    if len(body) < (0 if head else length):
        return None
    return b"".join(lines) + body


def _request_line(message: bytes) -> tuple[str, str]:
    first = message.split(b"\r\n", 1)[0].decode("latin-1").split()
    method = first[0] if first else ""
    target = first[1] if len(first) > 1 else ""
    return method, target.split("?", 1)[0]


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
