"""The project's exception tree and its stable exit codes.

Core modules raise these; ``cli`` and ``web`` word them for their people
(cli/wording.py with the command line's option names, web/app.py for staff)
and ``cli`` turns them into exit codes. Each error carries a ``hint``: the
next thing to do. Use cases name no option: a refused value is a
``FieldError`` (which field, why, the values) and a problem of the input
names its ``field``; the faces say which option or form field that is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of the ``crm`` command (documented in the README)."""

    OK = 0
    FAILURE = 1  # an unexpected internal error (a bug: please report it)
    USAGE = 2  # bad command line
    DECLINED = 3  # a confirmation prompt was answered "no" (or not answered): nothing done
    DATA = 65  # bad input data (file, row, column, card)
    NOT_FOUND = 66  # no such contact / group / file
    UNAVAILABLE = 69  # the service cannot be reached, quota exhausted
    SOFTWARE = 70  # the service answered something we do not understand
    CANT_CREATE = 73  # an output file cannot be written (missing directory, no permission)
    IO_ERROR = 74  # a file could not be read or written (disk full, damaged database)
    CONFLICT = 75  # conflict or partial work: safe to run again
    AUTH = 77  # not logged in, credentials refused
    CONFIG = 78  # bad configuration
    INTERRUPTED = 130  # Ctrl-C: work done so far is kept; the same command continues


@dataclass(frozen=True)
class Problem:
    """One specific problem in the input: where it is and what is wrong."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    contact: str | None = None
    field: str | None = None  # a request's field (phone, email, group…), worded by the faces

    def __str__(self) -> str:
        where = []
        if self.field and not self.column:
            where.append(self.field)
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        if self.contact:
            where.append(f"contact {self.contact}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class CrmError(Exception):
    """Base of every error the tool expects and explains."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly form of the error for ``--json`` output."""
        out: dict[str, object] = {
            "error": type(self).__name__,
            "message": self.message,
            "exit_code": int(self.exit_code),
        }
        if self.hint:
            out["hint"] = self.hint
        return out


class UsageError(CrmError):
    """The request itself does not make sense (bad option value, missing argument)."""

    exit_code = ExitCode.USAGE


class FieldError(UsageError):
    """A value given for one field of a request is refused: which field, why, the values.

    ``field`` is the request's field (``callback_on``, ``outcome``, ``at``, ``by``,
    ``limit``…), ``reason`` a stable code of why (``before_call``, ``future``…),
    ``values`` what a wording needs. ``message`` and ``hint`` are plain words
    naming no option (a library caller, the office page); the command line
    words it with its option names (cli/wording.py).
    """

    def __init__(
        self, field: str, reason: str, message: str, *, hint: str | None = None, **values: object
    ) -> None:
        super().__init__(message, hint=hint)
        self.field = field
        self.reason = reason
        self.values = values

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["field"] = self.field
        out["reason"] = self.reason
        return out


class DeclinedError(CrmError):
    """The user answered "no" to a confirmation: nothing was changed."""

    exit_code = ExitCode.DECLINED


class InputError(CrmError):
    """Bad input data; carries the list of specific problems (row 12: …).

    ``reason``: a stable code the faces may word it by (``shared_phone``), with
    ``values`` (what such a wording needs)."""

    exit_code = ExitCode.DATA

    def __init__(
        self,
        message: str,
        problems: list[Problem] | None = None,
        *,
        hint: str | None = None,
        reason: str | None = None,
        values: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])
        self.reason = reason
        self.values = dict(values or {})

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["problems"] = [
            {k: v for k, v in vars(p).items() if v is not None} for p in self.problems
        ]
        return out


class ConfigError(CrmError):
    """The configuration file or a profile is wrong."""

    exit_code = ExitCode.CONFIG

    def __init__(
        self, message: str, problems: list[str] | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])


class AuthError(CrmError):
    """Missing, expired or refused credentials."""

    exit_code = ExitCode.AUTH


class NotFoundError(CrmError):
    """A contact, group, order or file that does not exist."""

    exit_code = ExitCode.NOT_FOUND


class OutputFileError(CrmError):
    """A file the user asked for cannot be written: missing directory, no permission."""

    exit_code = ExitCode.CANT_CREATE


class StorageError(CrmError):
    """A file of the tool's own could not be read or written (disk full, damaged)."""

    exit_code = ExitCode.IO_ERROR


class AmbiguousError(UsageError):
    """A query matched more than one contact where exactly one was needed."""

    def __init__(self, message: str, candidates: list[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.candidates = candidates


class ConflictError(CrmError):
    """A write lost against concurrent writers more times than we retry."""

    exit_code = ExitCode.CONFLICT


class QueuedError(CrmError):
    """The account could not be reached: the write is kept on this PC as an open
    operation, and the next command (or ``crm serve``) writes it, once."""

    exit_code = ExitCode.CONFLICT

    def __init__(self, message: str, *, op_id: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.op_id = op_id


class ServiceError(CrmError):
    """The People/Sheets API answered with an error we cannot work around."""

    exit_code = ExitCode.SOFTWARE

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.reason = reason


class UnavailableError(ServiceError):
    """The service cannot be reached or keeps failing (5xx after retries)."""

    exit_code = ExitCode.UNAVAILABLE


class RateLimitedError(UnavailableError):
    """Quota exhausted and retries did not get through."""


class LimitExceededError(ServiceError):
    """An account limit (e.g. 25,000 contacts) would be exceeded."""

    exit_code = ExitCode.DATA


class StaleEtagError(ServiceError):
    """The etag sent with an update is not the current one (internal: retried)."""

    exit_code = ExitCode.CONFLICT


class SyncTokenExpiredError(ServiceError):
    """The sync token is too old; a full sync is needed (internal: handled)."""
