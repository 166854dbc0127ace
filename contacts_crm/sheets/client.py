"""Google Sheets through gspread: the project's only module that talks to Sheets.

``connect_sheets`` gives a ``SheetsClient`` for a real account (google-auth
credentials) or for any Sheets-compatible endpoint such as the emulator: the
endpoint is reached by a requests transport adapter that forwards gspread's
fixed ``https://sheets.googleapis.com`` and ``https://www.googleapis.com``
URLs to it, so both paths run the same gspread code.

Formula safety: values are always written with ``valueInputOption=RAW``, so
Sheets stores text as text and never parses a formula. Because people also
download the tab as CSV/XLSX and open it in other programs, a text cell that
starts with ``=``, ``+``, ``-``, ``@``, tab or CR is additionally prefixed with
``'`` (OWASP's advice against CSV injection). Plain signed numbers and phone
numbers (``+7 916 123-45-67``, ``-12.5``) are left as they are: they hold only
digits and punctuation and cannot call a function. ``read_tab`` removes the
prefix again, so export then import gives back the original text.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import gspread
import requests
from google.auth.credentials import Credentials
from gspread.exceptions import APIError, SpreadsheetNotFound, WorksheetNotFound
from gspread.utils import InsertDataOption, ValueInputOption, rowcol_to_a1
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from contacts_crm.account.retrying import backoff_wait
from contacts_crm.errors import (
    AuthError,
    CrmError,
    InputError,
    NotFoundError,
    Problem,
    RateLimitedError,
    ServiceError,
    UnavailableError,
    UsageError,
)
from contacts_crm.files.safe_cells import looks_like_formula

SHEETS_SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.metadata.readonly",  # open by name
)
GOOGLE_PREFIXES = ("https://sheets.googleapis.com/", "https://www.googleapis.com/")

_PLAIN_NUMBER = re.compile(r"^[+-][\d\s().-]*\d[\d\s().-]*$")
_URL_KEY = re.compile(r"/spreadsheets/d/([a-zA-Z0-9_-]+)|[?&]key=([a-zA-Z0-9_-]+)")
_BARE_KEY = re.compile(r"^[a-zA-Z0-9_-]{30,}$")
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
_NOT_FOUND_HINT = (
    "Check the URL or name, and share the spreadsheet with the account the tool "
    "uses (Editor access)."
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries on 429/5xx/connection errors: exponential backoff with jitter."""

    attempts: int = 5
    base_s: float = 0.5
    max_wait_s: float = 32.0


@dataclass(frozen=True)
class SpreadsheetInfo:
    """An opened spreadsheet: its key, title, browser URL and tab titles."""

    id: str
    title: str
    url: str
    tabs: list[str]


@dataclass(frozen=True)
class WriteResult:
    """What ``write_tab`` did."""

    spreadsheet_id: str
    tab: str
    rows: int  # data rows, header excluded
    columns: int
    created: bool  # the tab did not exist before
    api_calls: int  # HTTP requests made, retries included
    url: str


class EndpointAdapter(HTTPAdapter):
    """Send requests for Google's API hosts to another base URL (e.g. the emulator)."""

    def __init__(self, endpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        base = urlsplit(endpoint)
        if base.scheme not in ("http", "https") or not base.netloc:
            raise UsageError(f"Not an http(s) endpoint URL: {endpoint!r}")
        self._base = base

    def send(  # type: ignore[override]  # forwards requests' keyword arguments as they are
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        """Rewrite scheme and host (keeping path and query), then send."""
        parts = urlsplit(request.url or "")
        path = self._base.path.rstrip("/") + parts.path
        request.url = urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))
        return super().send(request, **kwargs)


def connect_sheets(
    credentials: Credentials | None = None,
    endpoint: str | None = None,
    *,
    retry: RetryPolicy | None = None,
    timeout_s: float = 60.0,
) -> SheetsClient:
    """A client for a real account (``credentials``) or a compatible ``endpoint``.

    With an endpoint and no credentials, requests go unauthenticated (the emulator).
    """
    if credentials is None and endpoint is None:
        raise AuthError(
            "No Google credentials for Sheets.",
            hint="Log in with the profile's account (the spreadsheets scope is needed).",
        )
    if credentials is not None:
        from google.auth.transport.requests import AuthorizedSession

        session: requests.Session = AuthorizedSession(credentials)
    else:
        session = requests.Session()
    if endpoint:
        adapter = EndpointAdapter(endpoint)
        for prefix in GOOGLE_PREFIXES:
            session.mount(prefix, adapter)
    return SheetsClient(session, retry=retry or RetryPolicy(), timeout_s=timeout_s)


def neutralise(value: str) -> str:
    """Prefix ``'`` to text that a spreadsheet program could read as a formula."""
    if looks_like_formula(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise``."""
    if value.startswith("'") and looks_like_formula(value[1:]):
        return value[1:]
    return value


def to_cell(value: Any) -> str | int | float | bool:
    """A Python value as a safe RAW cell: numbers stay numbers, text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):  # a Percent too: the number (the tab's format shows %)
        number = float(value)
        return number if number == number and abs(number) != float("inf") else str(number)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return neutralise(str(value))


class SheetsClient:
    """Opens spreadsheets and reads, refreshes and appends to their tabs."""

    def __init__(
        self, session: requests.Session, *, retry: RetryPolicy, timeout_s: float = 60.0
    ) -> None:
        self._session = session
        self._retry = retry
        self.requests_made = 0
        session.hooks.setdefault("response", []).append(self._count)
        self._gc = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
        self._gc.set_timeout(timeout_s)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.requests_made += 1

    # -- public operations ---------------------------------------------------

    def open(self, url_or_name: str) -> SpreadsheetInfo:
        """Open by browser URL, key or exact name; ``NotFoundError`` when missing."""

        def run() -> SpreadsheetInfo:
            sh = self._open(url_or_name)
            tabs = [ws.title for ws in sh.worksheets()]
            return SpreadsheetInfo(sh.id, sh.title, sh.url, tabs)

        return self._run(run, url_or_name)

    def write_tab(
        self,
        spreadsheet_ref: str,
        tab: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        percent_columns: Sequence[int] = (),
    ) -> WriteResult:
        """Replace one tab's contents with ``header`` + ``rows`` (created if missing).

        Four requests whatever the number of rows (five when opening by name):
        metadata, tab list, one resize or add-sheet, one RAW values update; one
        more batchUpdate when ``percent_columns`` (0-based) are to be shown as
        percentages (the values stay numbers). Other tabs are never touched.
        """
        width = max([len(header), *(len(r) for r in rows), 1])
        values = [_padded(header, width), *(_padded(r, width) for r in rows)]
        before = self.requests_made

        def run() -> WriteResult:
            sh = self._open(spreadsheet_ref)
            ws = _find_tab(sh.worksheets(), tab)
            created = ws is None
            if ws is None:
                ws = self._add_tab(sh, tab, len(values), width)
            else:
                ws.resize(rows=len(values), cols=width)
            ws.update(values=values, range_name="A1", value_input_option=ValueInputOption.raw)
            if percent_columns:
                sh.batch_update({"requests": [_percent_format(ws.id, col, len(values))
                                              for col in percent_columns]})  # fmt: skip
            return WriteResult(
                sh.id, tab, len(rows), width, created, self.requests_made - before, ws.url
            )

        return self._run(run, spreadsheet_ref)

    def read_tab(self, spreadsheet_ref: str, tab: str | None = None) -> list[list[str]]:
        """All values of ``tab`` (the first tab by default) as text, rows padded."""

        def run() -> list[list[str]]:
            sh = self._open(spreadsheet_ref)
            ws = sh.get_worksheet(0) if tab is None else sh.worksheet(tab)
            values = ws.get_all_values()
            if values == [[]]:  # gspread's shape for an empty tab
                return []
            return [[unneutralise(str(v)) for v in row] for row in values]

        return self._run(run, spreadsheet_ref)

    def append_rows_idempotent(
        self,
        spreadsheet_ref: str,
        tab: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        key_column: str,
    ) -> int:
        """Append the rows whose ``key_column`` value is not in the tab yet; return how many.

        Reads the key column once and appends once, so pushing the same rows
        twice appends nothing the second time. A retry re-reads the keys, so a
        retried append that had landed does not duplicate rows either.
        """
        if key_column not in header:
            raise UsageError(f"Key column {key_column!r} is not in the header.")
        key_at = list(header).index(key_column)
        problems = [
            Problem(f"empty {key_column}", row=i + 1, column=key_column)
            for i, r in enumerate(rows)
            if key_at >= len(r) or str(r[key_at] if r[key_at] is not None else "") == ""
        ]
        if problems:
            raise InputError(f"Rows without a {key_column} cannot be appended.", problems)

        def run() -> int:
            sh = self._open(spreadsheet_ref)
            ws = _find_tab(sh.worksheets(), tab)
            sheet_header: list[str]
            keys: set[str]
            if ws is None:
                ws = self._add_tab(sh, tab, 1, len(header))
                sheet_header, keys = [], set()
            else:
                sheet_header, keys = self._header_and_keys(sh, tab, key_column, key_at)
            new, seen = [], set(keys)
            for row in rows:
                key = str(row[key_at])
                if key not in seen:
                    seen.add(key)
                    new.append(row)
            payload = ([] if sheet_header else [list(header)]) + new
            if payload:
                width = max(len(header), *(len(r) for r in payload))
                ws.append_rows(
                    [_padded(r, width) for r in payload],
                    value_input_option=ValueInputOption.raw,
                    insert_data_option=InsertDataOption.insert_rows,
                    table_range="A1",
                )
            return len(new)

        return self._run(run, spreadsheet_ref)

    def delete_tab(self, spreadsheet_ref: str, tab: str) -> bool:
        """Delete one tab; ``False`` if there was no such tab."""

        def run() -> bool:
            sh = self._open(spreadsheet_ref)
            ws = _find_tab(sh.worksheets(), tab)
            if ws is None:
                return False
            sh.del_worksheet(ws)
            return True

        return self._run(run, spreadsheet_ref)

    # -- internals -----------------------------------------------------------

    def _open(self, ref: str) -> gspread.Spreadsheet:
        ref = ref.strip()
        m = _URL_KEY.search(ref)
        if m:
            return self._gc.open_by_key(m.group(1) or m.group(2))
        if _BARE_KEY.match(ref):
            return self._gc.open_by_key(ref)
        return self._gc.open(ref)

    @staticmethod
    def _add_tab(sh: gspread.Spreadsheet, tab: str, rows: int, cols: int) -> gspread.Worksheet:
        try:
            return sh.add_worksheet(title=tab, rows=rows, cols=cols)
        except APIError as err:
            if err.code != 400 or "already exists" not in str(err.error.get("message", "")):
                raise
            ws = sh.worksheet(tab)  # another PC created it meanwhile
            ws.resize(rows=rows, cols=cols)
            return ws

    @staticmethod
    def _header_and_keys(
        sh: gspread.Spreadsheet, tab: str, key_column: str, key_at: int
    ) -> tuple[list[str], set[str]]:
        title = "'" + tab.replace("'", "''") + "'"

        def column(index: int) -> str:
            letter = rowcol_to_a1(1, index + 1)[:-1]
            return f"{title}!{letter}:{letter}"

        got = sh.values_batch_get([f"{title}!1:1", column(key_at)])["valueRanges"]
        head = [unneutralise(str(v)) for v in (got[0].get("values") or [[]])[0]]
        if not head:
            return [], set()
        cells = got[1].get("values") or []
        if key_column in head and head.index(key_column) != key_at:
            cells = sh.values_get(column(head.index(key_column))).get("values") or []
        elif key_column not in head:
            raise InputError(
                f"Tab {tab!r} has no {key_column!r} column.",
                [Problem(f"header is {head}", row=1)],
                hint="Use another tab name, or add the column to the tab's first row.",
            )
        return head, {unneutralise(str(c[0])) for c in cells[1:] if c}

    def _run(self, fn: Callable[[], T], ref: str) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            reraise=True,
        )
        try:
            return retrying(fn)
        except CrmError:
            raise
        except Exception as exc:
            mapped = _map_error(exc, ref)
            if mapped is None:
                raise
            raise mapped from exc

    def _wait(self, state: RetryCallState) -> float:
        """The People client's wait: full jitter, or Retry-After (capped at max_wait_s)."""

        def after(exc: BaseException | None) -> float | None:
            asked = _retry_after(exc)
            return None if asked is None else min(asked, self._retry.max_wait_s)

        wait = backoff_wait(self._retry.base_s, self._retry.max_wait_s, random.random, after)
        return wait(state)


def _percent_format(sheet_id: int, col: int, rows: int) -> dict[str, Any]:
    """A repeatCell request: column ``col`` below the header shown as ``0%``."""
    return {"repeatCell": {
        "range": {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": max(rows, 1),
                  "startColumnIndex": col, "endColumnIndex": col + 1},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}},
        "fields": "userEnteredFormat.numberFormat",
    }}  # fmt: skip


def _padded(row: Sequence[Any], width: int) -> list[Any]:
    cells = [to_cell(v) for v in row]
    return cells + [""] * (width - len(cells))


def _find_tab(tabs: list[gspread.Worksheet], title: str) -> gspread.Worksheet | None:
    return next((ws for ws in tabs if ws.title == title), None)


def _api_error(exc: BaseException | None) -> APIError | None:
    while exc is not None:
        if isinstance(exc, APIError):
            return exc
        exc = exc.__cause__
    return None


def _reasons(err: APIError) -> set[str]:
    return {str(e.get("reason")) for e in err.error.get("errors", []) if isinstance(e, dict)}


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    err = _api_error(exc)
    if err is None:
        return False
    code = err.response.status_code
    return (
        code in (408, 429) or code >= 500 or (code == 403 and bool(_reasons(err) & _RATE_REASONS))
    )


def _retry_after(exc: BaseException | None) -> float | None:
    err = _api_error(exc)
    if err is None:
        return None
    try:
        return float(err.response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _map_error(exc: BaseException, ref: str) -> CrmError | None:
    """Our exception for a gspread/requests one; ``None`` if it is not one of those."""
    if isinstance(exc, SpreadsheetNotFound):
        return NotFoundError(
            f"No spreadsheet {ref!r} is visible to this account.", hint=_NOT_FOUND_HINT
        )
    if isinstance(exc, WorksheetNotFound):
        return NotFoundError(
            f"Spreadsheet {ref!r} has no tab {str(exc)!r}.", hint="Check the tab name."
        )
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return UnavailableError(
            f"Cannot reach Google Sheets: {exc}", hint="Check the network, then run it again."
        )
    err = _api_error(exc)
    if err is None:
        return None
    code = err.response.status_code
    message = str(err.error.get("message", "")) or err.response.reason
    reason = next(iter(_reasons(err)), None) or str(err.error.get("status", "")) or None
    if code == 404:
        return NotFoundError(f"No spreadsheet {ref!r}: {message}", hint=_NOT_FOUND_HINT)
    if code == 429 or (code == 403 and _reasons(err) & _RATE_REASONS):
        return RateLimitedError(
            f"Google Sheets quota exhausted: {message}",
            status=code,
            reason=reason,
            hint="Wait a minute and run it again.",
        )
    if code in (401, 403):
        return AuthError(
            f"Google Sheets refused the credentials ({code}): {message}",
            hint="Log in again with the spreadsheets scope, and share the spreadsheet "
            "with the account.",
        )
    if code >= 500 or code == 408:
        return UnavailableError(
            f"Google Sheets is unavailable ({code}): {message}",
            status=code,
            reason=reason,
            hint="Run it again later.",
        )
    return ServiceError(
        f"Google Sheets refused the request ({code}): {message}", status=code, reason=reason
    )
