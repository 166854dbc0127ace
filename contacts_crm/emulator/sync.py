"""people.connections.list: paging, full and incremental sync, token expiry.

Page tokens carry the sort key of the last item returned (not an offset) and a
fingerprint of every other request parameter. Sync tokens carry a watermark:
the highest change sequence up to which every change was visible when the
token was made, so a write hidden by the propagation delay is never skipped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import tokens
from .envelope import ApiError, bad_request, error_info
from .persons import PERSON_FIELDS, parse_mask, render
from .request import Request

if TYPE_CHECKING:
    from .app import Emulator

SORT_ORDERS = {
    "LAST_MODIFIED_ASCENDING": "seq",
    "LAST_MODIFIED_DESCENDING": "seq_desc",
    "FIRST_NAME_ASCENDING": "first",
    "LAST_NAME_ASCENDING": "last",
}
EXPIRED_MESSAGE = "Sync token is expired. Clear local cache and retry call without the sync token."
PAGE_MISMATCH = (
    "Parameters provided with a page token must match the call that provided the page token."
)


def page_size(req: Request, default: int, maximum: int = 1000) -> int:
    """``pageSize`` with its default (also for 0) and range check."""
    size = req.integer("pageSize", 0)
    if size < 0 or size > maximum:
        raise bad_request(f"pageSize must be between 0 and {maximum}.")  # [NF] text is ours
    return size or default


def expired_error(emu: Emulator) -> ApiError:
    """EXPIRED_SYNC_TOKEN with the configured HTTP status (400 as observed, or 410)."""
    code = emu.settings.expired_token_status
    status = "FAILED_PRECONDITION" if code == 400 else "ABORTED"
    return ApiError(
        code,
        status,
        EXPIRED_MESSAGE,
        details=[error_info("EXPIRED_SYNC_TOKEN", "people.googleapis.com")],
    )


def read_sync_token(
    emu: Emulator, token: str, binding: str, param: str = "syncToken"
) -> dict[str, Any]:
    """Decode a sync token, check its binding and its age."""
    payload = tokens.decode("sync", token, param)
    if payload.get("b") != binding:
        raise bad_request("The sync token does not match the request parameters.")  # [NF]
    if emu.clock() - float(payload.get("t", 0)) > emu.settings.sync_token_ttl_s:
        raise expired_error(emu)
    return payload


def read_page_token(token: str, fp: str) -> dict[str, Any]:
    """Decode a page token and check the other parameters did not change."""
    payload = tokens.decode("page", token, "pageToken")
    if payload.get("f") != fp:
        raise bad_request(PAGE_MISMATCH)
    return payload


def connections_list(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.connections.list (people/me only)."""
    emu.charge({"critical_read": 1})
    mask = parse_mask(req.one("personFields"), "personFields", PERSON_FIELDS)
    size = page_size(req, 100)
    sort_name = req.one("sortOrder") or "LAST_MODIFIED_ASCENDING"
    if sort_name not in SORT_ORDERS:
        raise bad_request(f"Invalid value at 'sort_order', \"{sort_name}\"")
    order = SORT_ORDERS[sort_name]
    binding = tokens.fingerprint(
        [
            ("personFields", req.one("personFields") or ""),
            ("sortOrder", sort_name),
            *(("sources", s) for s in sorted(req.all("sources"))),
        ]
    )
    fp = tokens.fingerprint(req.params(exclude=("pageToken",)))
    page_token, sync_token = req.one("pageToken"), req.one("syncToken")
    now = emu.clock()
    if page_token:
        state = read_page_token(page_token, fp)
        if sync_token and state.get("m") != "inc":
            raise bad_request(PAGE_MISMATCH)
    elif sync_token:
        prev = read_sync_token(emu, sync_token, binding)
        since = int(prev["w"])
        state = {
            "m": "inc",
            "s": since,
            "n": max(since, emu.store.watermark(now)),
            "t": prev["t"],
            "c": emu.store.count_changes(since, now),
            "a": None,
        }
    else:
        emu.charge({"full_sync_first_page": 1})
        state = {
            "m": "full",
            "n": emu.store.watermark(now),
            "t": now,
            "c": emu.store.count_live_persons(),
            "a": None,
        }
    if state["m"] == "inc":
        after = int(state["a"][0]) if state.get("a") else 0
        recs = emu.store.changes(int(state["s"]), now, after, size + 1)
        key_order = "seq"
    else:
        recs = emu.store.list_live(order, tuple(state["a"]) if state.get("a") else None, size + 1)
        key_order = order
    more = len(recs) > size
    recs = recs[:size]
    out: dict[str, Any] = {}
    if recs:
        out["connections"] = [render(r, mask, capped=True) for r in recs]
    if more:
        state["a"] = emu.store.sort_key(recs[-1], key_order)
        out["nextPageToken"] = tokens.encode("page", {**state, "f": fp})
    elif req.flag("requestSyncToken"):
        out["nextSyncToken"] = tokens.encode(
            "sync", {"w": state["n"], "t": state["t"], "b": binding}
        )
    out["totalItems"] = state["c"]
    out["totalPeople"] = state["c"]
    return out
