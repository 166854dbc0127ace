"""Opaque page and sync tokens: base64url JSON the emulator alone reads back."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .envelope import bad_request


def fingerprint(params: list[tuple[str, str]]) -> str:
    """A short stable hash of request parameters (order-insensitive)."""
    text = json.dumps(sorted(params), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode(kind: str, payload: dict[str, Any]) -> str:
    """Wrap ``payload`` as an opaque token of ``kind`` ("page" or "sync")."""
    raw = json.dumps({"k": kind, **payload}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(kind: str, token: str, param: str) -> dict[str, Any]:
    """Read back a token; 400 INVALID_ARGUMENT when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or payload.get("k") != kind:
            raise ValueError(kind)
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"Invalid {param}.") from exc
    return payload
