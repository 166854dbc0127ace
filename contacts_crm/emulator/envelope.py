"""Google's JSON error envelope and the emulator's internal API error."""

from __future__ import annotations

import json
from typing import Any

JSON_TYPE = "application/json; charset=UTF-8"

_REASONS = {
    "INVALID_ARGUMENT": "badRequest",
    "FAILED_PRECONDITION": "failedPrecondition",
    "NOT_FOUND": "notFound",
    "ALREADY_EXISTS": "alreadyExists",
    "RESOURCE_EXHAUSTED": "rateLimitExceeded",
    "INTERNAL": "backendError",
    "UNAVAILABLE": "backendError",
    "PERMISSION_DENIED": "forbidden",
}

NOT_FOUND_MESSAGE = "Requested entity was not found."
MASK_DOCS = (
    "Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get."
)


class ApiError(Exception):
    """An error the emulator answers with Google's envelope (never raised to callers)."""

    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The ``{"error": {...}}`` document Google sends for this error."""
        err: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": self.status,
            "errors": [
                {
                    "message": self.message,
                    "domain": "global",
                    "reason": _REASONS.get(self.status, "badRequest"),
                }
            ],
        }
        if self.details:
            err["details"] = self.details
        return {"error": err}


def error_info(reason: str, domain: str, metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """A ``google.rpc.ErrorInfo`` detail."""
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": domain,
        "metadata": metadata or {},
    }


def bad_request(message: str, **kw: Any) -> ApiError:
    """400 INVALID_ARGUMENT."""
    return ApiError(400, "INVALID_ARGUMENT", message, **kw)


def failed_precondition(message: str, **kw: Any) -> ApiError:
    """400 FAILED_PRECONDITION."""
    return ApiError(400, "FAILED_PRECONDITION", message, **kw)


def not_found(message: str = NOT_FOUND_MESSAGE) -> ApiError:
    """404 NOT_FOUND."""
    return ApiError(404, "NOT_FOUND", message)


def json_response(
    status: int, obj: Any, extra: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Serialise ``obj`` as a response triple; ``None`` becomes ``{}``."""
    data = json.dumps({} if obj is None else obj, separators=(",", ":"), ensure_ascii=False)
    headers = {"content-type": JSON_TYPE}
    if extra:
        headers.update(extra)
    return status, headers, data.encode("utf-8")


def error_response(err: ApiError) -> tuple[int, dict[str, str], bytes]:
    """The response triple for an ``ApiError``."""
    return json_response(err.code, err.body(), err.headers)
