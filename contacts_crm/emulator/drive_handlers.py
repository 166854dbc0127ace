"""Drive v3, the appDataFolder subset the history store uses.

Checked against Drive's discovery document (drive.v3.json, bundled with
google-api-python-client): ``files.create`` (POST ``drive/v3/files``, media
upload at ``upload/drive/v3/files`` with ``uploadType=multipart|media``),
``files.list`` (GET ``drive/v3/files``: ``spaces``, ``q``, ``orderBy``,
``pageSize``, ``pageToken``, ``fields``), ``files.get`` (GET
``drive/v3/files/{fileId}``, ``alt=media`` for the content) and
``files.delete`` (DELETE, answered 204 with no body). Only files in the
``appDataFolder`` space exist here; ``q`` understands the terms this tool
sends: ``name = '…'``, ``name contains '…'``, ``'appDataFolder' in parents``,
``trashed = false``, ``createdTime > '…'`` / ``<``, joined by ``and``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import sqlite3
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from .envelope import ApiError, bad_request
from .request import Request

if TYPE_CHECKING:
    from .app import Emulator

SPACE = "appDataFolder"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS drive_files ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, mime TEXT NOT NULL,"
    " created TEXT NOT NULL, seq INTEGER NOT NULL, content BLOB NOT NULL,"
    " app_properties TEXT NOT NULL DEFAULT '{}')"
)
_DEFAULT_FIELDS = ("kind", "id", "name", "mimeType")
MAX_PAGE = 1000


class Raw:
    """A handler's answer that is not JSON: the bytes of a file, or 204 No Content."""

    def __init__(self, status: int, content: bytes, content_type: str = "") -> None:
        self.status = status
        self.content = content
        self.content_type = content_type


def _table(emu: Emulator) -> sqlite3.Connection:
    conn = emu.store.conn
    if not getattr(emu, "_drive_ready", False):
        with emu.store.lock:
            conn.execute(_SCHEMA)
        emu._drive_ready = True  # type: ignore[attr-defined]
    return conn


def _rfc3339(emu: Emulator) -> str:
    moment = datetime.fromtimestamp(emu.clock(), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _resource(row: tuple[Any, ...]) -> dict[str, Any]:
    fid, name, mime, created, _seq, content, props = row
    return {
        "kind": "drive#file",
        "id": fid,
        "name": name,
        "mimeType": mime,
        "parents": [SPACE],
        "spaces": [SPACE],
        "createdTime": created,
        "modifiedTime": created,
        "size": str(len(content)),
        "trashed": False,
        "appProperties": json.loads(props),
    }


def _select(resource: dict[str, Any], fields: str | None, default: tuple[str, ...]) -> dict:
    if not fields:
        return {k: resource[k] for k in default if k in resource}
    if fields.strip() == "*":
        return resource
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    return {k: resource[k] for k in wanted if k in resource}


def _split_fields(fields: str | None) -> tuple[set[str], str | None]:
    """``fields`` of files.list: top-level names and the ``files(...)`` selection."""
    if not fields:
        return {"kind", "nextPageToken", "incompleteSearch", "files"}, None
    top: set[str] = set()
    inner: str | None = None
    depth, start = 0, 0
    parts: list[str] = []
    for i, ch in enumerate(fields + ","):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(fields[start:i].strip())
            start = i + 1
    for part in filter(None, parts):
        m = re.fullmatch(r"(\w+)(?:\((.*)\)|/(.*))?", part)
        if not m:
            raise bad_request(f"Invalid field selection {part}")
        top.add(m.group(1))
        if m.group(1) == "files":
            inner = m.group(2) or m.group(3) or "*"
    return top, inner


# -- the request body of an upload ---------------------------------------------
def _upload(req: Request, headers: dict[str, str]) -> tuple[dict[str, Any], bytes]:
    kind = req.one("uploadType") or ""
    ctype = headers.get("content-type", "")
    raw = req.raw or b""
    if kind == "media":
        return {}, raw
    if kind != "multipart" or not ctype.startswith("multipart/related"):
        raise bad_request(f"Invalid uploadType {kind!r} for this request")
    message = BytesParser(policy=HTTP).parsebytes(
        b"content-type: " + ctype.encode("latin-1") + b"\r\n\r\n" + raw
    )
    parts = list(message.iter_parts())  # type: ignore[attr-defined,unused-ignore]
    if len(parts) != 2:
        raise bad_request("A multipart upload has a metadata part and a media part")
    meta_bytes = parts[0].get_payload(decode=True)
    media = parts[1].get_payload(decode=True)
    if not isinstance(meta_bytes, bytes) or not isinstance(media, bytes):
        raise bad_request("A multipart upload has a metadata part and a media part")
    meta = json.loads(meta_bytes or b"{}")
    return meta, media


def create(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """files.create: a new file in appDataFolder (metadata only, or uploaded)."""
    if req.path.startswith("/upload/"):
        meta, content = _upload(req, req.headers)
    else:
        meta, content = req.json_body(), b""
    parents = meta.get("parents") or []
    if parents != [SPACE]:
        raise ApiError(
            403,
            "PERMISSION_DENIED",
            "The granted scopes do not give access to all of the requested spaces.",
        )
    name = str(meta.get("name") or "Untitled")
    mime = str(meta.get("mimeType") or "application/octet-stream")
    props = meta.get("appProperties") or {}
    conn = _table(emu)
    fid = "1" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")[:32]
    with emu.store.transaction():
        seq = emu.store.next_seq()
        created = _rfc3339(emu)
        conn.execute(
            "INSERT INTO drive_files VALUES (?,?,?,?,?,?,?)",
            (fid, name, mime, created, seq, content, json.dumps(props)),
        )
    row = (fid, name, mime, created, seq, content, json.dumps(props))
    return _select(_resource(row), req.one("fields"), _DEFAULT_FIELDS)


_TERM = re.compile(
    r"\s*(?:'appDataFolder'\s+in\s+parents"
    r"|trashed\s*=\s*(?P<trashed>true|false)"
    r"|name\s*(?P<nop>=|!=|contains)\s*'(?P<name>(?:[^'\\]|\\.)*)'"
    r"|createdTime\s*(?P<top><=|>=|<|>|=)\s*'(?P<time>[^']*)')\s*",
)


def _where(q: str) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for term in re.split(r"\s+and\s+", q.strip()) if q.strip() else []:
        m = _TERM.fullmatch(term)
        if not m:
            raise bad_request("Invalid Value: q")
        if m.group("trashed") == "true":
            clauses.append("0")
        elif m.group("nop"):
            value = re.sub(r"\\(.)", r"\1", m.group("name"))
            if m.group("nop") == "contains":
                clauses.append("instr(name, ?) > 0")
            else:
                clauses.append(f"name {m.group('nop')} ?")
            args.append(value)
        elif m.group("top"):
            clauses.append(f"created {m.group('top')} ?")
            args.append(m.group("time"))
    return (" AND ".join(clauses) or "1"), args


_ORDER = {"createdTime": "created", "name": "name", "modifiedTime": "created"}


def _order(order_by: str | None) -> str:
    keys: list[str] = []
    for part in (order_by or "").split(","):
        words = part.split()
        if not words:
            continue
        column = _ORDER.get(words[0])
        if column is None:
            raise bad_request("Invalid Value: orderBy")
        desc = len(words) > 1 and words[1].lower() == "desc"
        keys.append(f"{column} {'DESC' if desc else 'ASC'}")
    return ", ".join([*keys, "seq ASC"])


def list_files(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """files.list over appDataFolder (``spaces=appDataFolder`` is required)."""
    if SPACE not in (req.one("spaces") or "drive").split(","):
        raise ApiError(
            403,
            "PERMISSION_DENIED",
            "The granted scopes do not give access to all of the requested spaces.",
        )
    size = min(max(req.integer("pageSize", 100), 1), MAX_PAGE)
    offset = 0
    token = req.one("pageToken")
    if token:
        try:
            offset = int(base64.urlsafe_b64decode(token.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Invalid Value: pageToken") from None
    where, args = _where(req.one("q") or "")
    conn = _table(emu)
    rows = conn.execute(
        f"SELECT id, name, mime, created, seq, x'', app_properties FROM drive_files"
        f" WHERE {where} ORDER BY {_order(req.one('orderBy'))} LIMIT ? OFFSET ?",
        [*args, size + 1, offset],
    ).fetchall()
    marks = ",".join("?" * len(rows))
    sizes = dict(
        conn.execute(
            f"SELECT id, length(content) FROM drive_files WHERE id IN ({marks})",
            [r[0] for r in rows],
        ).fetchall()
    )
    top, inner = _split_fields(req.one("fields"))
    files = []
    for row in rows[:size]:
        resource = _resource(row)
        resource["size"] = str(sizes.get(row[0], 0))
        files.append(_select(resource, inner, _DEFAULT_FIELDS))
    answer: dict[str, Any] = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": files,
    }
    if len(rows) > size:
        answer["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
    return {k: v for k, v in answer.items() if k in top}


def _row(emu: Emulator, fid: str) -> tuple[Any, ...]:
    row = (
        _table(emu)
        .execute(
            "SELECT id, name, mime, created, seq, content, app_properties"
            " FROM drive_files WHERE id=?",
            (fid,),
        )
        .fetchone()
    )
    if row is None:
        raise ApiError(404, "NOT_FOUND", f"File not found: {fid}.")
    return tuple(row)


def get(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any] | Raw:
    """files.get: the metadata, or the content with ``alt=media``."""
    row = _row(emu, match.group(1))
    if req.one("alt") == "media":
        return Raw(200, row[5], row[2])
    return _select(_resource(row), req.one("fields"), _DEFAULT_FIELDS)


def delete(emu: Emulator, req: Request, match: re.Match[str]) -> Raw:
    """files.delete: gone for good (204, no body)."""
    fid = match.group(1)
    with emu.store.transaction():
        cur = _table(emu).execute("DELETE FROM drive_files WHERE id=?", (fid,))
    if cur.rowcount == 0:
        raise ApiError(404, "NOT_FOUND", f"File not found: {fid}.")
    return Raw(204, b"")
