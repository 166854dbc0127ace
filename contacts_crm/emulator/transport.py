"""In-process transport: an httplib2 stand-in that hands requests to an Emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httplib2

if TYPE_CHECKING:
    from .app import Emulator


class InProcessHttp:
    """The duck type googleapiclient needs from ``httplib2.Http`` (only ``request``)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        """Answer a request without a socket; content is always bytes."""
        status, resp_headers, content = self.emulator.handle(method, uri, headers or {}, body)
        info = {k.lower(): v for k, v in resp_headers.items()}
        info["status"] = str(status)
        return httplib2.Response(info), content

    def close(self) -> None:
        """Nothing to close."""
