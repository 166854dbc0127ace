"""Read CSV text in any common encoding and delimiter into a Table.

Offices send UTF-8 (with or without BOM), Windows-1251 from a Russian Excel,
Windows-1254 from a Turkish one, UTF-16 "Unicode text"; delimiters are ",",
";", tab or "|". Both are detected from the content.
"""

from __future__ import annotations

import csv
import io
import re

import charset_normalizer

from contacts_crm.errors import InputError
from contacts_crm.files.table import Row, Table
from contacts_crm.i18n import _

_OFFICE_ENCODINGS = ("cp1251", "cp1254", "cp1252")
_CYR = re.compile(r"[А-Яа-яЁё]")
_WORD = re.compile(r"[^\W\d_]+")
# Characters a client list in en/ru/tr/western European languages is made of.
_PLAIN = re.compile(
    r"[\x20-\x7e\t\r\nА-Яа-яЁё«»№–—’“”…°€ÇĞİÖŞÜçğıöşüÄäßÉéÈèÀàÂâÊêÎîÔôÛûÑñÁáÍíÓóÚú]"
)
_DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(16 * 1024 * 1024)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode CSV bytes; return (text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if _binary(data[:4096]):
        raise InputError(
            _("{name}: this is a binary file, not a client list").format(name=name),
            hint=_("import an .xlsx, .xls, .ods, .csv or .vcf file"),
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = list(_OFFICE_ENCODINGS)
    guess = charset_normalizer.from_bytes(data[:200_000]).best()
    if guess is not None and guess.encoding not in candidates:
        candidates.append(guess.encoding)
    best, best_score = None, None
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _plausibility(text[:50_000])
        if best_score is None or score > best_score:
            best, best_score = (text, enc), score
    if best is None:
        raise InputError(
            _("{name}: the text encoding cannot be recognised").format(name=name),
            hint=_("save the file from Excel as 'CSV UTF-8'"),
        )
    return best


def _binary(sample: bytes) -> bool:
    """True for bytes full of control codes; a stray NUL in a text file is cleaned later."""
    bad = sum(sample.count(bytes([b])) for b in _BINARY_BYTES)
    return bad >= 3 and bad * 50 > len(sample)


_BINARY_BYTES = (*range(0, 9), *range(14, 27), *range(28, 32))


def _plausibility(sample: str) -> int:
    """Higher for text that reads as words: wrong code pages give odd letters and mixed scripts."""
    odd = len(sample) - len(_PLAIN.findall(sample))
    bad_words = 0
    for word in _WORD.findall(sample):
        cyr = len(_CYR.findall(word))
        ascii_letters = sum(ch.isascii() for ch in word)
        other = len(word) - cyr - ascii_letters
        if (cyr and (ascii_letters or other)) or other * 2 > len(word):
            bad_words += 1
    return -(3 * odd + 2 * bad_words)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent columns."""
    lines = text.splitlines()[:50]
    sample = "\n".join(lines)
    best, best_score = ",", -1.0
    for d in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if any(r)]
        except csv.Error:
            continue
        widths = [len(r) for r in rows]
        if not widths or max(widths) < 2:
            continue
        common = max(set(widths), key=widths.count)
        score = widths.count(common) * min(common, 50) + 0.1 * sum(w > 1 for w in widths)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(data: bytes, name: str) -> Table:
    """Read a CSV file's bytes into a Table; quoted cells may span lines."""
    text, encoding = decode(data, name)
    delimiter = sniff_delimiter(text)
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Excel shows one row per record, even when a quoted cell spans lines.
        for number, cells in enumerate(reader, start=1):
            rows.append(Row(number, cells))
    except csv.Error as e:
        raise InputError(
            _("{name}: line {line}: the CSV cannot be parsed ({why})").format(
                name=name, line=reader.line_num, why=e
            ),
            hint=_("check the quotes on that line or re-save the file from Excel"),
        ) from None
    return Table(source=name, rows=rows, kind="csv", encoding=encoding, delimiter=delimiter)
