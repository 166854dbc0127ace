"""Google's JSON error envelope, as the Sheets and Drive APIs send it."""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_REASON = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}


class ApiError(Exception):
    """An error the emulator answers with; ``envelope()`` is the response body."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = _STATUS.get(code, "UNKNOWN")
        self.reason = reason or _REASON.get(code, "unknown")
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        """``{"error": {"code", "message", "status", "errors": [...]}}``."""
        domain = "usageLimits" if self.code == 429 else "global"
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "status": self.status,
                "errors": [{"message": self.message, "domain": domain, "reason": self.reason}],
            }
        }


def bad_range(text: str) -> ApiError:
    """The 400 the API gives for an unparsable range or an unknown sheet."""
    return ApiError(400, f"Unable to parse range: {text}")


def not_found(spreadsheet_id: str) -> ApiError:
    """The 404 for an unknown spreadsheet or file."""
    return ApiError(404, f"Requested entity was not found. (spreadsheet {spreadsheet_id})")
