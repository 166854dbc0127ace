"""Serving the office page: cheroot (pure Python, Windows and Linux), optional TLS.

``serve()`` refuses an address other than loopback while no user is defined
(the page would be open to the whole Wi-Fi), opens the account, fills the
local copy, starts the background sync and serves until interrupted.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from contacts_crm.account.connected import Account
from contacts_crm.errors import ConfigError, UsageError
from contacts_crm.logs import private_traceback
from contacts_crm.web.app import create_app
from contacts_crm.web.morning import Morning
from contacts_crm.web.office import Office
from contacts_crm.web.staff import Staff

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_can_serve(host: str, staff: Staff) -> None:
    """Refuse to open the page to the network while nobody can sign in."""
    if not is_loopback(host) and not staff.users():
        raise UsageError(
            f"no user is defined, so the page will not be served on {host}",
            hint="add the staff first: crm serve user add NAME  (or serve on 127.0.0.1)",
        )


def tls_adapter(cert: str | None, key: str | None) -> BuiltinSSLAdapter | None:
    if not cert and not key:
        return None
    if not (cert and key):
        raise UsageError("--cert and --key go together", hint="give both files, or neither")
    for what, path in (("certificate", cert), ("key", key)):
        if not Path(path).is_file():
            raise ConfigError(f"the TLS {what} file {path} does not exist")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            f"cannot use the TLS certificate {cert} with the key {key} ({exc})",
            hint="give a PEM certificate and its matching private key",
        ) from exc
    return BuiltinSSLAdapter(cert, key)


def cheroot_error_log(msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
    """cheroot's error log through ours: with a traceback, cheroot's message is the
    exception's repr (it may hold a request's data), so only where and which type."""
    exc = sys.exc_info()[1] if traceback else None
    if exc is not None:
        log.log(level, "cheroot: %s", private_traceback(exc).rstrip())
    else:
        log.log(level, "cheroot: %s", msg)


class Server:
    """The office page served on ``host:port`` (port 0: any free port)."""

    def __init__(
        self,
        office: Office,
        host: str = "127.0.0.1",
        port: int = 8765,
        *,
        tls: BuiltinSSLAdapter | None = None,
        threads: int = 8,
        **app_options: Any,
    ) -> None:
        self.office = office
        self.app = create_app(office, secure_cookies=tls is not None, **app_options)
        self.server = wsgi.Server((host, port), self.app, numthreads=threads,
                                  server_name="contacts-crm")  # fmt: skip
        self.server.error_log = cheroot_error_log  # type: ignore[method-assign]
        if tls is not None:
            self.server.ssl_adapter = tls
        self.scheme = "https" if tls is not None else "http"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.bind_addr[1])

    @property
    def url(self) -> str:
        host = self.server.bind_addr[0]
        return f"{self.scheme}://{host}:{self.port}"

    def start(self) -> Server:
        """Bind and serve in a background thread (tests, benchmarks)."""
        self.server.prepare()
        self._thread = threading.Thread(target=self.server.serve, name="crm-web", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.prepare()
        self.server.serve()

    def stop(self) -> None:
        self.server.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def settle_memory() -> None:
    """After start-up, keep the objects loaded so far out of later garbage collections.

    A full collection walks every tracked object; with the modules, templates and
    start-up data of a big account that took ~5 ms now and then, right in the
    middle of a caller-ID answer (p99). Frozen objects are still freed when
    nothing refers to them; only the collector stops walking them.
    """
    gc.collect()
    gc.freeze()


def office_addresses() -> list[str]:
    """This PC's addresses on the local network (what to type on the phone)."""
    found: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addr = str(info[4][0])
            if not addr.startswith("127.") and addr not in found:
                found.append(addr)
    except OSError:
        pass
    if not found:  # the address the PC would use towards the LAN (UDP connect sends nothing)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect(("10.255.255.255", 1))
                addr = str(probe.getsockname()[0])
            if not addr.startswith(("127.", "0.")):
                found.append(addr)
        except OSError:
            pass
    return found


def serve(
    account: Account,
    *,
    host: str,
    port: int,
    cert: str | None = None,
    key: str | None = None,
    sync_interval: float = 30.0,
    on_ready: Callable[[Server], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl+C); the caller owns ``account``."""
    office = Office(account, sync_interval=sync_interval)
    check_can_serve(host, office.staff)
    tls = tls_adapter(cert, key)
    office.start()
    morning = Morning(office)
    morning.start()  # the digest and alert rounds, in a thread: one now, then every minute
    server = Server(office, host, port, tls=tls)
    server.app.extensions["crm_warm_dashboard"]()  # the managers' first look is not a wait
    settle_memory()
    try:
        server.server.prepare()
        if on_ready:
            on_ready(server)
        server.server.serve()
    finally:
        server.server.stop()
        morning.close()
        office.close()
