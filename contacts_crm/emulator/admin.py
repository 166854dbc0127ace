"""The ``/_emulator/`` admin surface, for tests and benchmarks in other processes.

- ``GET  /_emulator/health``          -> ``{"ok": true}``
- ``GET  /_emulator/counters``        -> the counters (calls per method, ``quota.*``, ``status.*``)
- ``POST /_emulator/reset-counters``  -> ``{}``
- ``GET  /_emulator/settings``        -> the settings
- ``POST /_emulator/settings``        -> apply a JSON patch of settings fields, answer the settings
- ``POST /_emulator/device-edit``     -> ``{resourceName, biographyAppend?, set?: {field: value}}``
- ``POST /_emulator/hold``            -> ``{method, afterCommit?, skip?}``: hold its next call at
  "received, not yet committed" (``afterCommit``: committed, the answer held) after ``skip``
  such calls; ``method`` "write" is any write (``Emulator.hold``);
  ``GET /_emulator/hold`` -> ``{method, received, finished}``
- ``POST /_emulator/release``         -> ``{commit?: true}``: let the held call go on
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .envelope import bad_request, json_response, not_found
from .request import Request

if TYPE_CHECKING:
    from .app import Emulator, Response


def _device_edit(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    rn = body.get("resourceName")
    append = body.get("biographyAppend")
    fields = body.get("set") or {}
    if not isinstance(rn, str) or not isinstance(fields, dict):
        raise bad_request("device-edit needs resourceName and an optional 'set' object.")

    def edit(person: dict[str, Any]) -> None:
        for name, value in fields.items():
            if value:
                person[name] = value
            else:
                person.pop(name, None)
        if append:
            bios = person.get("biographies") or [{"value": "", "contentType": "TEXT_PLAIN"}]
            bios[0]["value"] = (bios[0].get("value") or "") + str(append)
            person["biographies"] = bios[:1]

    try:
        emu.device_edit(rn, edit)
    except KeyError:
        raise not_found() from None
    rec = emu.store.get_person(rn)
    assert rec is not None
    return {"resourceName": rn, "etag": rec.etag}


def _hold(emu: Emulator, req: Request, action: str) -> dict[str, Any]:
    held = emu.admin_hold
    if action == "hold" and req.method == "POST":
        body = req.json_body()
        method, skip = body.get("method"), body.get("skip", 0)
        if not isinstance(method, str) or not isinstance(skip, int):
            raise bad_request("hold needs a method name, e.g. people.batchCreateContacts.")
        held = emu.admin_hold = emu.hold(
            method, after_commit=bool(body.get("afterCommit")), skip=skip
        )
    elif held is None:
        raise not_found("No hold was set.")
    elif action == "release" and req.method == "POST":
        held.release(commit=bool(req.json_body().get("commit", True)))
    elif req.method != "GET":
        raise not_found(f"No admin action {req.method} /_emulator/{action}")
    return {
        "method": held.method,
        "received": held.received.is_set(),
        "finished": held.finished.is_set(),
    }


def handle(emu: Emulator, req: Request) -> Response:
    """Answer one admin request."""
    action = req.path[len("/_emulator/") :].strip("/")
    if req.method == "GET" and action == "health":
        return json_response(200, {"ok": True})
    if req.method == "GET" and action == "counters":
        return json_response(200, dict(emu.counters))
    if req.method == "POST" and action == "reset-counters":
        emu.reset_counters()
        return json_response(200, {})
    if action == "settings" and req.method in ("GET", "POST"):
        if req.method == "POST":
            try:
                with emu.lock:
                    emu.settings.apply_patch(req.json_body())
            except (KeyError, ValueError, TypeError) as exc:
                raise bad_request(f"Bad settings patch: {exc}") from exc
        return json_response(200, emu.settings.to_dict())
    if action in ("hold", "release"):
        return json_response(200, _hold(emu, req, action))
    if req.method == "POST" and action == "device-edit":
        return json_response(200, _device_edit(emu, req.json_body()))
    raise not_found(f"No admin action {req.method} /_emulator/{action}")
