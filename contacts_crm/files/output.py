"""Files the tool writes for the user (exports, reports): checked first, written private.

``check_output`` finds what would make a write fail — an empty or overlong
name, a missing or unwritable directory, a directory in the file's place —
before any work is done, so the error names the path and what to do.
``write_output`` writes the bytes atomically with the profile's
``export_mode`` (0600 unless the user asked otherwise).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contacts_crm.errors import OutputFileError, UsageError
from contacts_crm.i18n import _

DEFAULT_MODE = 0o600


def check_output(path: Path | str, option: str = "FILE") -> Path:
    """The path, or OutputFileError (exit 73) / UsageError saying why it cannot be written."""
    text = os.fspath(path)
    if not text.strip():
        raise UsageError(_("{option}: the file name is empty").format(option=option),
                         hint=_("give the file to write"))  # fmt: skip
    target = Path(text)
    limit = _name_max(target.parent)
    if any(len(os.fsencode(part)) > limit for part in target.parts):
        raise OutputFileError(
            _("{path}: the file name is too long (at most {limit} bytes per name)").format(
                path=_short(target), limit=limit
            ),
            hint=_("choose a shorter name"),
        )
    if target.is_dir():
        raise OutputFileError(_("{path} is a directory").format(path=_short(target)),
                              hint=_("give a file name inside it"))  # fmt: skip
    parent = target.parent
    if not parent.is_dir():
        raise OutputFileError(
            _("{path}: the directory {folder} does not exist").format(
                path=_short(target), folder=_short(parent)
            ),
            hint=_("create it first (mkdir -p {folder}) or choose another place").format(
                folder=_short(parent)
            ),
        )
    if not os.access(parent, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise OutputFileError(
            _("{path}: no permission to write here").format(path=_short(target)),
            hint=_("choose a directory you can write, or fix its permissions"),
        )
    return target


def write_output(path: Path | str, data: bytes, mode: int = DEFAULT_MODE) -> Path:
    """Write ``data`` to ``path`` atomically, with permissions ``mode`` from the start."""
    with output_path(path, mode) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


@contextmanager
def output_path(path: Path | str, mode: int = DEFAULT_MODE) -> Iterator[Path]:
    """A private temporary file beside ``path`` for a writer that needs a file name
    (a streaming xlsx writer); it becomes ``path`` atomically when the block ends
    without an error, and is removed otherwise."""
    target = check_output(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}.", suffix=".tmp")
        os.close(fd)
        if hasattr(os, "chmod"):
            os.chmod(tmp, mode)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(target, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_mode(text: str | None) -> int:
    """The octal mode of a profile's ``export_mode`` ("600", "0640"); 0600 if unset."""
    return int(text, 8) if text else DEFAULT_MODE


def _write_error(target: Path, exc: OSError) -> OutputFileError:
    hint = (
        _("free some disk space and run it again")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT)
        else _("choose another place, or fix its permissions")
    )
    return OutputFileError(
        _("{path}: cannot write ({why})").format(path=_short(target), why=exc.strerror or exc),
        hint=hint,
    )


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory if directory.is_dir() else ".", "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


def _short(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 120 else f"{text[:60]}…{text[-40:]}"
