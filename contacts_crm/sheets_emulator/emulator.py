"""The Sheets v4 / Drive v3 emulator: state, counters, quotas and one ``handle`` entry point."""

from __future__ import annotations

import copy
import re
import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from . import fields
from .a1 import parse_range
from .api_error import ApiError, not_found
from .model import Sheet, Spreadsheet
from .quota import QuotaSettings, QuotaTracker
from .values import (
    values_append,
    values_batch_clear,
    values_batch_get,
    values_batch_update,
    values_clear,
    values_get,
    values_update,
)

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"
_KEY_ALPHABET = string.ascii_letters + string.digits + "-_"
_NAME_IN_QUERY = re.compile(r"""name\s*=\s*(["'])((?:\\.|(?!\1).)*)\1""")


@dataclass
class Response:
    """What the HTTP layer sends back."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SheetsEmulator:
    """In-memory Sheets/Drive state behind Google's wire protocol.

    ``calls`` counts requests per API method (e.g. ``spreadsheets.values.update``),
    rejected ones included; ``quota`` limits them; ``latency_s`` delays each one.
    """

    def __init__(
        self,
        quota: QuotaSettings | None = None,
        latency_s: float = 0.0,
        required_token: str | None = None,
    ) -> None:
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.calls: Counter[str] = Counter()
        self.quota = QuotaTracker(quota or QuotaSettings())
        self.latency_s = latency_s
        self.required_token = required_token
        self._faults: list[int] = []
        self._lock = threading.RLock()

    # -- helpers for tests ---------------------------------------------------

    def create_spreadsheet(
        self, title: str, tabs: dict[str, list[list[Any]]] | list[str] | None = None
    ) -> Spreadsheet:
        """Create a spreadsheet with tabs (``{"Tab": rows}`` or titles); default ``Sheet1``."""
        tabs = tabs or ["Sheet1"]
        content = tabs if isinstance(tabs, dict) else {t: [] for t in tabs}
        key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(44))
        with self._lock:
            book = Spreadsheet(key, title, _now(), _now())
            for i, (name, rows) in enumerate(content.items()):
                sheet_id = 0 if i == 0 else self._new_sheet_id(book)
                sheet = Sheet(sheet_id=sheet_id, title=name, index=i)
                sheet.row_count = max(sheet.row_count, len(rows))
                sheet.col_count = max([sheet.col_count, *(len(r) for r in rows)])
                sheet.write(0, 0, rows, "RAW")
                book.sheets.append(sheet)
            self.spreadsheets[key] = book
        return book

    def tab_values(self, spreadsheet_id: str, tab: str, render: str = "FORMULA") -> list[list[Any]]:
        """A whole tab's values (formulas as text by default), for assertions."""
        with self._lock:
            book = self._book(spreadsheet_id)
            sheet = book.sheet(tab)
            return sheet.read(parse_range(f"'{tab}'", []), render)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Make the next ``times`` requests fail with ``status`` (e.g. 503)."""
        with self._lock:
            self._faults.extend([status] * times)

    def reset_counters(self) -> None:
        """Forget the call counters."""
        self.calls.clear()

    @property
    def total_calls(self) -> int:
        """All requests counted so far."""
        return sum(self.calls.values())

    # -- the wire entry point ------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, auth: str | None
    ) -> Response:
        """Serve one request; errors come back as Google's envelope."""
        name = "unknown"
        try:
            name, kind, call = self._route(method, path, query, body)
            with self._lock:
                self.calls[name] += 1
            if self.latency_s:
                time.sleep(self.latency_s)
            self._check_auth(auth)
            with self._lock:
                if self._faults:
                    code = self._faults.pop(0)
                    raise ApiError(code, "The service is currently unavailable (injected).")
            self.quota.charge(kind, auth or "anonymous")
            mask = self._fields_mask(query)
            with self._lock:
                return Response(200, fields.apply(call(), mask), {})
        except ApiError as err:
            headers = {"Retry-After": str(err.retry_after)} if err.retry_after else {}
            if name == "unknown":
                with self._lock:
                    self.calls[name] += 1
            return Response(err.code, err.envelope(), headers)

    @staticmethod
    def _fields_mask(query: dict[str, list[str]]) -> fields.Mask:
        """The ``fields`` parameter (a partial response); 400 when it cannot be read."""
        text = (query.get("fields") or [""])[-1]
        try:
            return fields.parse(text) if text else {}
        except ValueError:
            raise ApiError(400, f"Invalid field selection {text}") from None

    def _check_auth(self, auth: str | None) -> None:
        if self.required_token is None:
            return
        if auth != f"Bearer {self.required_token}":
            raise ApiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any):
        q = {k: v[-1] for k, v in query.items()}
        body = body or {}
        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if m:
            key, rest = unquote(m.group(1)), m.group(2)
            return self._route_sheets(method, key, rest, q, query, body)
        m = re.fullmatch(r"/drive/v3/files(?:/([^/]+))?", path)
        if m:
            file_id = unquote(m.group(1)) if m.group(1) else None
            if method == "GET" and file_id is None:
                return "drive.files.list", "read", lambda: self._files_list(q)
            if method == "POST" and file_id is None:
                return "drive.files.create", "write", lambda: self._files_create(body)
            fid: str = file_id or ""
            if method == "GET" and fid:
                return "drive.files.get", "read", lambda: self._files_get(fid)
            if method == "DELETE" and fid:
                return "drive.files.delete", "write", lambda: self._files_delete(fid)
        raise ApiError(404, f"Method not found: {method} {path}")

    def _route_sheets(self, method, key, rest, q, query, body):
        def book() -> Spreadsheet:
            return self._book(key)

        if rest == "" and method == "GET":
            return "spreadsheets.get", "read", lambda: book().metadata()
        if rest == ":batchUpdate" and method == "POST":
            return "spreadsheets.batchUpdate", "write", lambda: self._batch_update(key, body)
        if rest == "/values:batchGet" and method == "GET":
            ranges = query.get("ranges", [])
            return (
                "spreadsheets.values.batchGet",
                "read",
                lambda: values_batch_get(book(), ranges, q),
            )
        if rest == "/values:batchUpdate" and method == "POST":
            return (
                "spreadsheets.values.batchUpdate",
                "write",
                lambda: self._touch(values_batch_update(book(), body)),
            )
        if rest == "/values:batchClear" and method == "POST":
            return (
                "spreadsheets.values.batchClear",
                "write",
                lambda: self._touch(values_batch_clear(book(), body)),
            )
        m = re.fullmatch(r"/values/([^:]+)(?::(append|clear))?", rest)
        if m:
            rng, verb = unquote(m.group(1)), m.group(2)
            if verb is None and method == "GET":
                return "spreadsheets.values.get", "read", lambda: values_get(book(), rng, q)
            if verb is None and method == "PUT":
                return (
                    "spreadsheets.values.update",
                    "write",
                    lambda: self._touch(values_update(book(), rng, q, body)),
                )
            if verb == "append" and method == "POST":
                return (
                    "spreadsheets.values.append",
                    "write",
                    lambda: self._touch(values_append(book(), rng, q, body)),
                )
            if verb == "clear" and method == "POST":
                return (
                    "spreadsheets.values.clear",
                    "write",
                    lambda: self._touch(values_clear(book(), rng)),
                )
        raise ApiError(404, f"Method not found: {method} /v4/spreadsheets/{key}{rest}")

    # -- Drive ---------------------------------------------------------------

    def _book(self, key: str) -> Spreadsheet:
        book = self.spreadsheets.get(key)
        if book is None:
            raise not_found(key)
        return book

    def _touch(self, result: dict[str, Any]) -> dict[str, Any]:
        book = self.spreadsheets.get(result.get("spreadsheetId", ""))
        if book is not None:
            book.modified = _now()
        return result

    @staticmethod
    def _file(book: Spreadsheet) -> dict[str, Any]:
        return {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": SHEETS_MIME,
            "createdTime": book.created,
            "modifiedTime": book.modified,
        }

    def _files_list(self, q: dict[str, str]) -> dict[str, Any]:
        query = q.get("q", "")
        m = _NAME_IN_QUERY.search(query)
        name = m.group(2).replace('\\"', '"').replace("\\'", "'") if m else None
        files = [
            self._file(b) for b in self.spreadsheets.values() if name is None or b.title == name
        ]
        return {"kind": "drive#fileList", "incompleteSearch": False, "files": files}

    def _files_create(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("mimeType") != SHEETS_MIME:
            raise ApiError(400, "The emulator only creates Google Sheets files.")
        book = self.create_spreadsheet(body.get("name") or "Untitled spreadsheet")
        return self._file(book)

    def _files_get(self, file_id: str) -> dict[str, Any]:
        return self._file(self._book(file_id))

    def _files_delete(self, file_id: str) -> dict[str, Any]:
        self._book(file_id)
        del self.spreadsheets[file_id]
        return {}

    # -- spreadsheets.batchUpdate --------------------------------------------

    def _new_sheet_id(self, book: Spreadsheet) -> int:
        used = {s.sheet_id for s in book.sheets}
        while True:
            candidate = secrets.randbelow(2**31 - 1) + 1
            if candidate not in used:
                return candidate

    def _batch_update(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        book = self._book(key)
        draft = copy.deepcopy(book)  # all requests apply, or none
        replies = []
        for i, request in enumerate(body.get("requests", [])):
            if len(request) != 1:
                raise ApiError(400, f"Invalid requests[{i}]: exactly one kind of request expected.")
            ((kind, args),) = request.items()
            handler = getattr(self, f"_req_{kind}", None)
            if handler is None:
                raise ApiError(400, f"Invalid requests[{i}]: {kind} is not supported here.")
            replies.append(handler(draft, args))
        draft.check_cell_limit()
        draft.modified = _now()
        self.spreadsheets[key] = draft
        return {"spreadsheetId": key, "replies": replies}

    def _req_addSheet(self, book: Spreadsheet, args: dict[str, Any]) -> dict[str, Any]:
        props = args.get("properties", {})
        title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
        if any(s.title.lower() == title.lower() for s in book.sheets):
            raise ApiError(
                400,
                f'Invalid requests[0].addSheet: A sheet with the name "{title}" already '
                "exists. Please enter another name.",
            )
        grid = props.get("gridProperties", {})
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_sheet_id(book)
        elif any(s.sheet_id == sheet_id for s in book.sheets):
            raise ApiError(400, f"Invalid requests[0].addSheet: sheet id {sheet_id} exists.")
        index = props.get("index", len(book.sheets))
        for s in book.sheets:
            if s.index >= index:
                s.index += 1
        sheet = Sheet(sheet_id, title, index)
        sheet.resize(grid.get("rowCount", 1000), grid.get("columnCount", 26))
        sheet.hidden = bool(props.get("hidden", False))
        book.sheets.append(sheet)
        book.reindex()
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_repeatCell(self, book: Spreadsheet, args: dict[str, Any]) -> dict[str, Any]:
        """Set a cell format on every cell of a range (only numberFormat is kept)."""
        rng = args.get("range", {})
        sheet_id = rng.get("sheetId")
        sheet = book.sheet_by_id(sheet_id if isinstance(sheet_id, int) else -1)
        fields = str(args.get("fields", ""))
        if "numberFormat" not in fields and fields not in ("*", "userEnteredFormat"):
            return {}
        fmt = args.get("cell", {}).get("userEnteredFormat", {}).get("numberFormat")
        r0, r1 = rng.get("startRowIndex", 0), rng.get("endRowIndex", sheet.row_count)
        c0, c1 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex", sheet.col_count)
        if r1 > sheet.row_count or c1 > sheet.col_count or r0 < 0 or c0 < 0:
            raise ApiError(400, "Invalid requests[0].repeatCell: range exceeds grid limits.")
        for r in range(r0, r1):
            for c in range(c0, c1):
                if fmt:
                    sheet.number_formats[(r, c)] = dict(fmt)
                else:
                    sheet.number_formats.pop((r, c), None)
        return {}

    def _req_deleteSheet(self, book: Spreadsheet, args: dict[str, Any]) -> dict[str, Any]:
        sheet_id = args.get("sheetId")
        sheet = book.sheet_by_id(sheet_id if isinstance(sheet_id, int) else -1)
        if len(book.sheets) == 1:
            raise ApiError(400, "Invalid requests[0].deleteSheet: You can't remove all the sheets.")
        book.sheets.remove(sheet)
        book.reindex()
        return {}

    def _req_updateSheetProperties(self, book: Spreadsheet, args: dict[str, Any]) -> dict:
        props = args.get("properties", {})
        fields = [f.strip() for f in args.get("fields", "").split(",") if f.strip()]
        if not fields:
            raise ApiError(400, "Invalid requests[0].updateSheetProperties: fields is required.")
        sheet = book.sheet_by_id(props.get("sheetId"))
        grid = props.get("gridProperties", {})
        rows, cols = sheet.row_count, sheet.col_count
        for f in fields:
            if f == "title":
                title = props.get("title", "")
                if any(s.title == title and s is not sheet for s in book.sheets) or not title:
                    raise ApiError(400, f'A sheet with the name "{title}" already exists.')
                sheet.title = title
            elif f == "index":
                sheet.index = props.get("index", sheet.index) - 0.5
                book.reindex()
            elif f == "hidden":
                sheet.hidden = bool(props.get("hidden", False))
            elif f == "gridProperties/rowCount":
                rows = grid.get("rowCount", rows)
            elif f == "gridProperties/columnCount":
                cols = grid.get("columnCount", cols)
            elif f == "gridProperties/frozenRowCount":
                sheet.frozen_rows = grid.get("frozenRowCount", 0)
            elif f == "gridProperties/frozenColumnCount":
                sheet.frozen_cols = grid.get("frozenColumnCount", 0)
            else:
                raise ApiError(400, f"Invalid requests[0].updateSheetProperties: field {f}")
        if rows <= sheet.frozen_rows and rows != sheet.row_count:
            raise ApiError(400, "You can't delete all the rows in the sheet that are not frozen.")
        sheet.resize(rows, cols)
        return {}

    def _req_updateSpreadsheetProperties(self, book: Spreadsheet, args: dict[str, Any]) -> dict:
        props = args.get("properties", {})
        for f in args.get("fields", "").split(","):
            f = f.strip()
            if f == "title":
                book.title = props.get("title", book.title)
            elif f == "timeZone":
                book.time_zone = props.get("timeZone", book.time_zone)
            elif f == "locale":
                book.locale = props.get("locale", book.locale)
        return {}


__all__ = ["Response", "SheetsEmulator"]
