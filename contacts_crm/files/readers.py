"""Open any client-list file as Tables: the format is read from the content."""

from __future__ import annotations

import stat
from pathlib import Path

from contacts_crm.errors import InputError, NotFoundError
from contacts_crm.files.csvfile import read_csv
from contacts_crm.files.detect import sniff
from contacts_crm.files.table import Table
from contacts_crm.files.vcard import read_vcard
from contacts_crm.files.workbook import read_workbook
from contacts_crm.i18n import _

MAX_FILE_BYTES = 200 * 1024 * 1024


def read_tables(path: Path | str) -> list[Table]:
    """Every sheet of ``path`` (one for CSV and vCard)."""
    return read_bytes(read_source(path), Path(path).name)


def read_source(path: Path | str) -> bytes:
    """The bytes of ``path``; InputError / NotFoundError when it is too big or unreadable."""
    path = Path(path)
    name = path.name
    try:
        info = path.stat()
        size = info.st_size
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            raise InputError(  # a FIFO or a device: reading it could wait for ever
                _("{path}: not a regular file (a pipe or a device)").format(path=path),
                hint=_("save the client list as a file and import that file"),
            )
        if size > MAX_FILE_BYTES:
            raise InputError(
                _("{name}: the file is {mb} MB; the limit is 200 MB").format(
                    name=name, mb=size // 2**20
                ),
                hint=_(
                    "split the list into several files, or save only the sheet with the clients"
                ),
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(
            _("{path}: no such file").format(path=path),
            hint=_("check the file's name and folder"),
        ) from None
    except IsADirectoryError:
        raise InputError(
            _("{path}: this is a folder, not a file").format(path=path),
            hint=_("give the client-list file inside it"),
        ) from None
    except PermissionError:
        raise InputError(
            _("{path}: the file cannot be read (permission denied)").format(path=path),
            hint=_("close it in Excel or copy it to a folder you can read, then retry"),
        ) from None
    return data


def read_bytes(data: bytes, name: str) -> list[Table]:
    """Like ``read_tables`` for bytes already in memory; ``name`` is used in messages."""
    kind = sniff(data, name)
    if kind in ("xlsx", "xls", "ods"):
        tables = read_workbook(data, name, kind)
    elif kind == "vcard":
        tables = [read_vcard(data, name)]
    else:
        tables = [read_csv(data, name)]
    return tables
