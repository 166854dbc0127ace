"""Read vCard 2.1 / 3.0 / 4.0 files as phones and mail programs write them.

Pure: no I/O. A tolerant content-line reader (RFC 2425/6350 lines, vCard
2.1's habits) instead of vobject, which refuses or damages most real exports
(measured in docs/vcard.md): quoted-printable values with soft line breaks,
CHARSET parameters (windows-1251, ISO-8859-2, Shift_JIS...), UTF-16 files,
bare 2.1 types (``TEL;WORK;FAX``), type lists (``type=WORK;type=CELL``,
``TYPE=WORK,VOICE``), item groups (iOS ``item1.TEL`` + ``item1.X-ABLabel``),
base64 photos folded over lines, lower-case ``begin:vcard``. Nothing here
throws a value away: every property comes out as a ``VProp``; a card cut
short or a line that is no property is said in the card's ``problems``, and a
card that cannot be decoded at all is returned with ``unreadable`` set, the
rest of the file read on. What each property means for a contact is
``imports/vcard_record.py``'s business.
"""

from __future__ import annotations

import codecs
import quopri
import re
from dataclasses import dataclass, field

from contacts_crm.errors import InputError
from contacts_crm.files.csvfile import decode as decode_text
from contacts_crm.files.table import Row, Table

# Summary columns for --show-mapping (the contacts themselves are read from ``Table.cards``).
VCARD_COLUMNS = ("full_name", "phone", "email", "organization", "notes")
_ENCODINGS = {"quoted-printable", "base64", "b", "8bit", "7bit"}
_NAME = re.compile(r"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$")


@dataclass
class VProp:
    """One property of a card: ``name`` upper-case, ``types`` lower-case in the order written."""

    name: str
    value: str  # decoded text; 3.0/4.0 escapes still in (see ``text``/``parts``)
    group: str = ""
    types: list[str] = field(default_factory=list)
    params: dict[str, list[str]] = field(default_factory=dict)  # other parameters, upper keys
    pref: bool = False
    version: str = "3.0"
    binary: bool = False  # base64 (a photo, a sound, a key)

    def text(self) -> str:
        """The value as one text (escapes resolved)."""
        return _unescape(self.value, self.version)

    def parts(self) -> list[str]:
        """A structured value (N, ADR, ORG) split at its unescaped ';'."""
        return [_unescape(p, self.version) for p in _split(self.value, ";")]

    def items(self) -> list[str]:
        """A list value (CATEGORIES, NICKNAME) split at its unescaped ','."""
        return [t for p in _split(self.value, ",") if (t := _unescape(p, self.version).strip())]


@dataclass
class VCard:
    """One BEGIN:VCARD ... END:VCARD, numbered from 1 in file order."""

    number: int
    version: str = "3.0"
    props: list[VProp] = field(default_factory=list)
    problems: list[tuple[str, dict[str, object]]] = field(default_factory=list)  # template, args
    unreadable: str = ""  # why the card could not be read at all

    def by_group(self, group: str) -> list[VProp]:
        return [p for p in self.props if group and p.group == group]


def read_vcard(data: bytes, name: str) -> Table:
    """One row per card (summary cells), the cards themselves in ``Table.cards``."""
    cards = parse_vcards(data, name)
    rows = [Row(0, list(VCARD_COLUMNS))]
    for card in cards:
        rows.append(Row(card.number, _summary(card)))
    return Table(source=name, rows=rows, kind="vcard", encoding="utf-8", cards=cards)


def parse_vcards(data: bytes, name: str) -> list[VCard]:
    """Every card of the file, in order."""
    text = _as_byte_text(data, name)
    fallback = _fallback_decoder(data)
    cards: list[VCard] = []
    current: VCard | None = None
    raw: list[tuple[int, str]] = []
    stray: list[int] = []
    depth = 0
    for number, line in _unfold(text):
        key = line.strip().upper()
        if key == "BEGIN:VCARD":
            if current is not None and depth == 0:
                current.problems.append((
                    "card {n}: no END:VCARD before line {line} (the file may be cut short); "
                    "read up to there", {"line": number}))  # fmt: skip
                _finish(current, raw, fallback)
                cards.append(current)
                current = None
            if current is None:
                current, raw, depth = VCard(len(cards) + 1), [], 0
                if stray:
                    current.problems.append(_stray(stray))
                    stray = []
            else:
                depth += 1  # an AGENT card inside (vCard 2.1): kept as lines of this one
                raw.append((number, line))
            continue
        if key == "END:VCARD" and current is not None:
            if depth:
                depth -= 1
                raw.append((number, line))
                continue
            _finish(current, raw, fallback)
            cards.append(current)
            current = None
            continue
        if current is None:
            if line.strip():
                stray.append(number)
            continue
        raw.append((number, line))
    if current is not None:
        current.problems.append((
            "card {n}: no END:VCARD at the end of the file (the file may be cut short); "
            "read up to there", {}))  # fmt: skip
        _finish(current, raw, fallback)
        cards.append(current)
    if stray and cards:
        cards[-1].problems.append(_stray(stray))
    if not cards:
        from contacts_crm.i18n import _

        raise InputError(
            _("{name}: no BEGIN:VCARD ... END:VCARD card in the file").format(name=name),
            hint=_("export the contacts again as vCard"),
        )
    return cards


def _stray(lines: list[int]) -> tuple[str, dict[str, object]]:
    shown = ", ".join(str(n) for n in lines[:5]) + (" ..." if len(lines) > 5 else "")
    return ("card {n}: text outside any card before it (lines {lines}) was not read",
            {"lines": shown})  # fmt: skip


def _as_byte_text(data: bytes, name: str) -> str:
    """The file as text whose characters are its bytes (latin-1), UTF-16 re-encoded as UTF-8.

    Values are decoded one by one later: a 2.1 card may hold several charsets.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    elif data[:2000].count(b"\x00") > len(data[:2000]) // 4:  # UTF-16 without a BOM
        data = data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", "replace").encode()
    return data.decode("latin-1")


def _fallback_decoder(data: bytes) -> str:
    """The encoding of values that name no CHARSET: UTF-8 when the file is, else a guess."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return decode_text(data, "vcard")[1]
    except InputError:
        return "cp1252"


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the number of their first physical line.

    A line starting with a space or TAB continues the one before (one blank
    removed); a quoted-printable value ending in '=' goes on to the next line.
    """
    out: list[tuple[int, str]] = []
    qp_open = False
    for number, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if qp_open and out:
            n, prev = out[-1]
            out[-1] = (n, prev[:-1] + line)
            qp_open = line.endswith("=")
            continue
        if line[:1] in (" ", "\t") and out:
            n, prev = out[-1]
            out[-1] = (n, prev + line[1:])
        else:
            out.append((number, line))
        last = out[-1][1]
        qp_open = last.endswith("=") and _is_qp(last)
    return out


def _is_qp(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def _finish(card: VCard, lines: list[tuple[int, str]], fallback: str) -> None:
    try:
        for number, line in lines:
            if not line.strip():
                continue
            prop = _parse_line(line, fallback, card.version)
            if prop is None:
                if card.props and not card.props[-1].binary:
                    last = card.props[-1]
                    last.value += "\\n" + _decode_plain(line, fallback).strip()
                    card.problems.append((
                        "card {n}: line {line} is not a vCard property: read as the rest of "
                        "{prop}", {"line": number, "prop": last.name}))  # fmt: skip
                else:
                    card.problems.append((
                        "card {n}: line {line} is not a vCard property: kept in the notes",
                        {"line": number}))  # fmt: skip
                    card.props.append(VProp("X-UNREADABLE-LINE", _decode_plain(line, fallback)))
                continue
            if prop.name == "VERSION":
                card.version = prop.value.strip() or card.version
                for p in card.props:
                    p.version = card.version
                continue
            card.props.append(prop)
    except (ValueError, LookupError, UnicodeError) as e:  # a value no charset can read
        card.unreadable = f"{type(e).__name__}: {str(e)[:80]}"


def _parse_line(line: str, fallback: str, version: str) -> VProp | None:
    head, sep, value = _partition_colon(line)
    if not sep:
        return None
    pieces = _split(head, ";")
    m = _NAME.match(pieces[0].strip())
    if not m:
        return None
    group, name = (m.group(1) or "").lower(), m.group(2).upper()
    types: list[str] = []
    params: dict[str, list[str]] = {}
    pref = False
    encoding = charset = ""
    for piece in pieces[1:]:
        key, eq, val = piece.partition("=")
        key = key.strip().upper()
        values = [v.strip().strip('"') for v in _split(val.strip().strip('"'), ",")] if eq else []
        if not eq:  # vCard 2.1: a bare type or encoding
            low = key.lower()
            if low in _ENCODINGS:
                encoding = low
            elif low == "pref":
                pref = True
            elif low:
                types.append(low)
        elif key == "TYPE":
            for v in values:
                if v.lower() == "pref":
                    pref = True
                elif v:
                    types.append(v.lower())
        elif key == "PREF":
            pref = True
        elif key == "ENCODING":
            encoding = (values[0] if values else "").lower()
        elif key == "CHARSET":
            charset = values[0] if values else ""
        else:
            params.setdefault(key, []).extend(values)
    binary = encoding in ("base64", "b")
    if binary:
        text = value.strip()
    else:
        raw = value.encode("latin-1")
        if encoding == "quoted-printable":
            raw = quopri.decodestring(raw)
        text = _decode(raw, charset, fallback)
        if encoding == "quoted-printable":
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            text = text.replace("\\", "\\\\") if version != "2.1" else text
            text = text.replace("\n", "\\n")  # QP line breaks read back by ``text()``
    return VProp(name, text, group, list(dict.fromkeys(types)), params, pref, version, binary)


def _decode(raw: bytes, charset: str, fallback: str) -> str:
    if charset:
        try:
            codecs.lookup(charset)
            return raw.decode(charset)
        except LookupError:
            pass  # a charset Python does not know: read as the file's
        except UnicodeDecodeError:
            pass  # the writer lied about the charset: read as the file's
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if fallback == "utf-8":  # a UTF-8 (or ASCII) file with one value in another charset
        try:
            return decode_text(raw, "vcard")[0]
        except InputError:
            fallback = "cp1252"
    return raw.decode(fallback, "replace")


def _decode_plain(line: str, fallback: str) -> str:
    return _decode(line.encode("latin-1"), "", fallback)


def _partition_colon(line: str) -> tuple[str, str, str]:
    """Split at the first ':' outside double quotes (a parameter value may hold one)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], ":", line[i + 1 :]
    return line, "", ""


def _split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` not preceded by a backslash (escapes are kept for ``_unescape``)."""
    out, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}


def _unescape(text: str, version: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            if version == "2.1" and text[i + 1] not in (";", "n", "N", "\\"):
                out.append(ch)  # 2.1 escapes only ';' (and our own QP line breaks)
                i += 1
                continue
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _summary(card: VCard) -> list[str]:
    def first(name: str) -> list[VProp]:
        return [p for p in card.props if p.name == name]

    fn = next((p.text() for p in first("FN")), "")
    if not fn:
        fn = " ".join(x for p in first("N") for x in reversed(p.parts()[:2]) if x.strip())
    return [
        fn.strip(),
        "\n".join(p.text() for p in first("TEL")),
        "\n".join(p.text() for p in first("EMAIL")),
        next((p.parts()[0] for p in first("ORG")), ""),
        "\n".join(p.text() for p in first("NOTE")),
    ]
