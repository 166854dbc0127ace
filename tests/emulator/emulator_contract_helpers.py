"""Helpers of the emulator contract suite (errors, bulk creation)."""

from __future__ import annotations

import json
from typing import Any

from googleapiclient.errors import HttpError


def error_of(exc: HttpError) -> dict[str, Any]:
    """The ``error`` object of Google's envelope."""
    return json.loads(exc.content)["error"]


def detail_reasons(exc: HttpError) -> list[str]:
    """``details[].reason`` of an error response."""
    return [d.get("reason") for d in error_of(exc).get("details", [])]


def make_people(svc: Any, n: int, prefix: str = "P") -> list[dict[str, Any]]:
    """Create ``n`` contacts with batchCreateContacts (chunks of 200)."""
    out: list[dict[str, Any]] = []
    for start in range(0, n, 200):
        body = {
            "contacts": [
                {"contactPerson": {"names": [{"givenName": f"{prefix}{i:05d}"}]}}
                for i in range(start, min(n, start + 200))
            ],
            "readMask": "names,metadata,memberships",
        }
        resp = svc.people().batchCreateContacts(body=body).execute()
        out.extend(r["person"] for r in resp["createdPeople"])
    return out
