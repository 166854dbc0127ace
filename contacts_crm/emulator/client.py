"""``build_service``: a googleapiclient People v1 Resource for an emulator."""

from __future__ import annotations

import functools
import json
import os
from typing import TYPE_CHECKING, Any

from googleapiclient.discovery import build_from_document

if TYPE_CHECKING:
    from .app import Emulator
    from .server import EmulatorServer


@functools.lru_cache(maxsize=2)
def _discovery(name: str = "people.v1") -> dict[str, Any]:
    import googleapiclient

    path = os.path.join(
        os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents", f"{name}.json"
    )
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _no_proxy_loopback() -> None:
    for var in ("NO_PROXY", "no_proxy"):
        current = [p for p in os.environ.get(var, "").split(",") if p]
        for host in ("127.0.0.1", "localhost"):
            if host not in current:
                current.append(host)
        os.environ[var] = ",".join(current)


def build_service(target: Emulator | EmulatorServer | str, *, timeout: float = 60.0) -> Any:
    """People v1 service for an Emulator (in-process) or a URL / EmulatorServer (HTTP).

    A URL may be any People-API-compatible endpoint (a profile of kind
    ``endpoint``); ``timeout`` bounds each HTTP request.

    Uses the discovery document bundled with google-api-python-client; never
    configures googleapiclient retries (callers use ``execute()`` with the default 0),
    and talks HTTP through ``SessionHttp``, which never re-sends a request by itself.
    """
    from .app import Emulator
    from .transport import InProcessHttp

    doc = _discovery()
    if isinstance(target, Emulator):
        return build_from_document(
            doc,
            http=InProcessHttp(target),
            client_options={"api_endpoint": "http://emulator.invalid/"},
        )
    from contacts_crm.transport import SessionHttp

    url = target if isinstance(target, str) else target.url
    _no_proxy_loopback()
    http = SessionHttp(timeout=timeout)  # anonymous: the emulator takes any caller
    return build_from_document(doc, http=http, client_options={"api_endpoint": url})


def build_drive_service(target: Emulator | EmulatorServer | str, *, timeout: float = 60.0) -> Any:
    """Drive v3 service (the history store in appDataFolder) for the same targets as
    ``build_service``: one emulator plays both. Google's own discovery document
    (bundled), with its ``rootUrl`` pointed at the emulator so media uploads
    (``upload/drive/v3/files``) go there too; over ``SessionHttp`` (never re-sends).
    """
    from .app import Emulator
    from .transport import InProcessHttp

    doc = dict(_discovery("drive.v3"))
    if isinstance(target, Emulator):
        doc["rootUrl"] = "http://emulator.invalid/"
        return build_from_document(doc, http=InProcessHttp(target))
    from contacts_crm.transport import SessionHttp

    url = target if isinstance(target, str) else target.url
    doc["rootUrl"] = url if url.endswith("/") else url + "/"
    _no_proxy_loopback()
    return build_from_document(doc, http=SessionHttp(timeout=timeout))
