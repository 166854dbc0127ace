"""HTTP transport for googleapiclient that never re-sends a request on its own.

httplib2, googleapiclient's default transport, sends a request a second time
by itself when the connection closes before the answer (its "stale
connection" retry after a ``BadStatusLine``/``RemoteDisconnected``, whatever
``httplib2.RETRIES`` says). For a create whose answer was lost after the
server committed it, that second send is a second contact. ``SessionHttp``
speaks the part of ``httplib2.Http`` googleapiclient uses (``request``) over
a ``requests`` session whose urllib3 retries are all 0: every request goes out
exactly once, and a connection lost before the answer is an error the caller
sees (PeopleClient then looks a create up by its marker before any re-send).

Errors are builtin ones (``TimeoutError``, ``ConnectionError``) whose text
names the host, never the URL: a search URL carries what was searched for.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


class SessionHttp:
    """The duck type googleapiclient needs from ``httplib2.Http``, over requests.

    ``session``: a ``requests.Session`` (google-auth's ``AuthorizedSession``
    for a Google account, which adds the token and refreshes it on a 401,
    an answer that says nothing was done). ``timeout``: seconds per request.
    """

    def __init__(self, session: Any = None, *, timeout: float = 60.0) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        # Nothing below us re-sends: no connect, read, status or redirect retry.
        never = Retry(total=0, connect=0, read=False, redirect=0, status=0, other=0)
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, HTTPAdapter(max_retries=never))

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[Any, bytes]:
        """Send once; (httplib2.Response, content bytes) as googleapiclient expects."""
        import httplib2
        import requests

        where = urlsplit(uri).netloc
        try:
            resp = self.session.request(
                method,
                uri,
                data=body,
                headers=headers or {},
                timeout=self.timeout,
                allow_redirects=method in ("GET", "HEAD") and redirections > 0,
            )
        except requests.Timeout:
            raise TimeoutError(f"no answer from {where} within {self.timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise ConnectionError(f"connection to {where} lost before the answer "
                                  f"({_cause(exc)})") from None  # fmt: skip
        except requests.RequestException as exc:
            raise ConnectionError(f"request to {where} failed ({type(exc).__name__})") from None
        info = {k.lower(): v for k, v in resp.headers.items()}
        info.pop("content-encoding", None)  # requests has decoded the body already
        info["status"] = str(resp.status_code)
        return httplib2.Response(info), resp.content

    def close(self) -> None:
        self.session.close()


def _cause(exc: BaseException) -> str:
    """The innermost cause's class name (RemoteDisconnected, ConnectionRefusedError...)."""
    seen = exc
    while True:
        inner = seen.__cause__ or seen.__context__
        if inner is None and seen.args and isinstance(seen.args[0], BaseException):
            inner = seen.args[0]
        if inner is None or inner is seen:
            break
        seen = inner
    reason = getattr(seen, "reason", None)
    if isinstance(reason, BaseException):
        seen = reason
    return type(seen).__name__
