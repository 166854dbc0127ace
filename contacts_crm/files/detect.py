"""Tell what a file really is from its first bytes, whatever its extension says."""

from __future__ import annotations

import io
import zipfile

from contacts_crm.errors import InputError
from contacts_crm.i18n import _

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_NOT_SPREADSHEETS = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x1f\x8b": "a gzip archive",
}


def sniff(data: bytes, name: str) -> str:
    """Return "xlsx", "xls", "ods", "vcard" or "text" for the file's bytes.

    Raises InputError (naming the file) for an empty file, an encrypted or
    damaged workbook, and anything that is not a client list at all.
    """
    if not data.strip(b" \t\r\n\x00"):
        raise InputError(_("{name}: the file is empty").format(name=name),
                         hint=_("export the client list again"))  # fmt: skip
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data, name)
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise InputError(
                _("{name}: the workbook is password-protected").format(name=name),
                hint=_(
                    "open it in Excel, remove the password (File > Info > Protect), save, retry"
                ),
            )
        return "xls"
    for magic, what in _NOT_SPREADSHEETS.items():
        if data.startswith(magic):
            raise _not_a_list(name, _(what))
    head = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if head.startswith(b"b\x00e\x00g\x00i\x00n\x00:") or head.startswith(b"begin:vcard"):
        return "vcard"
    if head.startswith((b"<?xml", b"<html", b"<!doctype", b"<table")):
        raise _not_a_list(
            name,
            _("an HTML/XML page (some programs save those as .xls)"),
            _("open it in Excel and save it as .xlsx or .csv"),
        )
    return "text"


def _zip_kind(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as e:
        raise InputError(
            _("{name}: the workbook is damaged or incomplete ({why})").format(name=name, why=e),
            hint=_("copy the file again (it may have been cut short) or re-save it in Excel"),
        ) from None
    if "opendocument.spreadsheet" in mimetype:
        return "ods"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names) or "opendocument.text" in mimetype:
        raise _not_a_list(name, _("a text document, not a spreadsheet"))
    raise _not_a_list(name, _("a zip archive that holds no spreadsheet"))


def _not_a_list(name: str, what: str, hint: str | None = None) -> InputError:
    return InputError(
        _("{name}: this is {what}, not a client list").format(name=name, what=what),
        hint=hint or _("import an .xlsx, .xls, .ods, .csv or .vcf file"),
    )


def _marked() -> None:  # pragma: no cover - never called: marks _NOT_SPREADSHEETS for extraction
    for _what in (
        _("a PDF document"), _("a PNG image"), _("a JPEG image"), _("a GIF image"),
        _("a RAR archive"), _("a 7-Zip archive"), _("a gzip archive"),
    ):  # fmt: skip
        pass
