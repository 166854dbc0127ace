"""A parsed HTTP request as the handlers see it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .envelope import bad_request

# Standard params valid on every method (people-api.md §1): accepted and ignored.
STANDARD_PARAMS = frozenset(
    [
        "alt",
        "fields",
        "prettyPrint",
        "quotaUser",
        "key",
        "access_token",
        "oauth_token",
        "$.xgafv",
        "callback",
        "uploadType",
        "upload_protocol",
    ]
)


@dataclass
class Request:
    """Method, decoded path, query parameters (repeated keys kept) and JSON body."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    raw: bytes | None = None  # the body as sent (uploads: not JSON)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @classmethod
    def parse(
        cls, method: str, uri: str, headers: dict[str, str], body: bytes | str | None
    ) -> Request:
        """Build a request, applying the POST + ``x-http-method-override: GET`` form."""
        parts = urlsplit(uri)
        query = parse_qs(parts.query, keep_blank_values=True)
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        raw = body.encode("utf-8") if isinstance(body, str) else body
        if parts.path.startswith("/upload/"):  # media: bytes, never JSON
            return cls(method.upper(), unquote(parts.path), query, None, raw, lower)
        text = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
        override = lower.get("x-http-method-override", "").upper()
        if method.upper() == "POST" and override == "GET":
            for key, values in parse_qs(text, keep_blank_values=True).items():
                query.setdefault(key, []).extend(values)
            method, text = "GET", ""
        parsed: Any = None
        if text.strip():
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise bad_request(f"Invalid JSON payload received. {exc.msg}.") from exc
        return cls(method.upper(), unquote(parts.path), query, parsed, raw, lower)

    def one(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default

    def all(self, name: str) -> list[str]:
        """Every value of a repeated query parameter."""
        return list(self.query.get(name, []))

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``true``/``false``)."""
        value = (self.one(name) or "false").lower()
        if value not in ("true", "false", "1", "0"):
            raise bad_request(f"Invalid value at '{name}' (TYPE_BOOL), \"{value}\"")
        return value in ("true", "1")

    def integer(self, name: str, default: int = 0) -> int:
        """An integer query parameter."""
        value = self.one(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise bad_request(f"Invalid value at '{name}' (TYPE_INT32), \"{value}\"") from exc

    def params(self, *, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """All non-standard parameters except ``exclude``, as (name, value) pairs."""
        return [
            (k, v)
            for k, values in self.query.items()
            if k not in STANDARD_PARAMS and k not in exclude
            for v in values
        ]

    def json_body(self) -> dict[str, Any]:
        """The body as an object (``{}`` when empty); 400 when it is not an object."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        return self.body
