"""Find the header row and map columns to contact fields.

Synonyms (en/ru/tr) come from ``templates/import/columns.toml``; a mapping
file (TOML, see ``load_mapping_file``) overrides them. Columns that map to
nothing are kept: the importer writes them into the notes as "Header: value".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from contacts_crm.errors import ConfigError, InputError, Problem
from contacts_crm.files.table import Table, column_letter

FIELDS = (
    "full_name", "given_name", "family_name", "middle_name", "organization", "title",
    "phone", "phone.mobile", "phone.work", "phone.home", "phone.other", "phone.label",
    "email", "email.work", "email.home", "email.other", "email.label",
    "address", "street", "city", "region", "postal_code", "country",
    "groups", "notes", "note_line", "ignore",
)  # fmt: skip
# Fields that hold one value per contact: a second column for them goes to the notes.
SINGLE = {
    "full_name", "given_name", "family_name", "middle_name", "organization", "title",
    "street", "city", "region", "postal_code", "country",
}  # fmt: skip
KEY_FIELDS = {"full_name", "given_name", "family_name", "organization"}
HEADER_SCAN_ROWS = 30
_PUNCT = " .:*-–—_\t\n\r\"'()[]"


@dataclass(frozen=True)
class ColumnMap:
    """Where one column goes: ``field`` is None for an unmapped column (kept in notes)."""

    index: int
    header: str
    field: str | None
    slot: int = 0
    source: str = "synonym"  # synonym, pattern, mapping-file, flavor, field-id, unmapped

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Mapping:
    """The detected layout of one sheet."""

    source: str
    sheet: str | None
    header_row: int
    columns: list[ColumnMap]
    flavor: str = "generic"

    def fields(self) -> set[str]:
        return {c.field for c in self.columns if c.field}

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly description for ``crm import --show-mapping``."""
        return {
            "file": self.source,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "flavor": self.flavor,
            "columns": [
                {
                    "column": c.letter,
                    "header": c.header,
                    "field": c.field or "notes (as 'Header: value')",
                    "slot": c.slot,
                    "source": c.source,
                }
                for c in self.columns
            ],
        }


@dataclass
class MappingFile:
    """A user's mapping: header text -> field, plus optional header row and sheet."""

    columns: dict[str, str] = field(default_factory=dict)  # normalised header -> field
    header_row: int | None = None
    sheet: str | None = None


@dataclass
class _Synonyms:
    words: dict[str, str]
    patterns: list[tuple[re.Pattern[str], str]]
    flavors: dict[str, tuple[list[str], dict[str, str]]]


def normalize_header(text: str) -> str:
    """Comparable form of a header: case-folded, spaces collapsed, punctuation trimmed."""
    t = str(text).casefold().replace("\u0307", "").replace("ё", "е").replace("_", " ")
    t = t.replace(".", " ")
    return " ".join(t.split()).strip(_PUNCT)


def _office_columns() -> str | None:
    """The office's own column names (templates/import/columns.toml in the config dir)."""
    from contacts_crm.config import office_templates_dir

    office = office_templates_dir()
    path = office / "import" / "columns.toml" if office else None
    return str(path) if path and path.is_file() else None


@lru_cache(maxsize=4)
def load_synonyms(path: str | None = None) -> _Synonyms:
    """Parse the synonyms file (default: the shipped ``templates/import/columns.toml``).

    An office's file that cannot be read or understood is a ConfigError naming it.
    """
    if path is None:
        text = (
            resources.files("contacts_crm.templates")
            .joinpath("import/columns.toml")
            .read_text("utf-8")
        )
        return _synonyms(tomllib.loads(text))
    try:
        return _synonyms(tomllib.loads(Path(path).read_text("utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError, TypeError,
            re.error) as exc:  # fmt: skip
        raise ConfigError(
            f"{path}: the office's column names cannot be used ({type(exc).__name__}: {exc})",
            hint='fix it ([fields.NAME] with synonyms = ["…"], patterns = ["regex"]) '
            "or remove it to use the shipped names",
        ) from exc


def _synonyms(data: dict[str, Any]) -> _Synonyms:
    words: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for name, spec in data.get("fields", {}).items():
        for w in spec.get("synonyms", []):
            words.setdefault(normalize_header(w), name)
        for p in spec.get("patterns", []):
            patterns.append((re.compile(p), name))
    flavors = {
        name: (
            [normalize_header(d) for d in spec.get("detect", [])],
            {normalize_header(k): v for k, v in spec.get("columns", {}).items()},
        )
        for name, spec in data.get("flavors", {}).items()
    }
    return _Synonyms(words, patterns, flavors)


def load_mapping_file(path: Path | str) -> MappingFile:
    """Read a mapping file; every bad entry is reported with the file name."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path}: mapping file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: the mapping file is not valid TOML ({e})") from None
    problems: list[Problem] = []
    columns: dict[str, str] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict):
        problems.append(Problem('[columns] must be a table of "Header" = "field"', file=str(path)))
        raw_columns = {}
    for header, target in raw_columns.items():
        if not isinstance(target, str) or target not in FIELDS:
            problems.append(
                Problem(
                    f"unknown field {target!r} for column {header!r}; use one of: "
                    + ", ".join(FIELDS),
                    file=str(path),
                )
            )
            continue
        columns[normalize_header(header)] = target
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        problems.append(Problem("header_row must be a row number (1, 2, ...)", file=str(path)))
        header_row = None
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(Problem("sheet must be a sheet name", file=str(path)))
        sheet = None
    unknown = set(data) - {"columns", "header_row", "sheet"}
    if unknown:
        problems.append(Problem(f"unknown keys: {', '.join(sorted(unknown))}", file=str(path)))
    if problems:
        raise InputError(f"{path}: the mapping file has errors", problems)
    return MappingFile(columns=columns, header_row=header_row, sheet=sheet)


def match_header(
    header: str, flavor: str = "generic", user: MappingFile | None = None
) -> tuple[str | None, int, str]:
    """Return (field, slot, source) for one header text."""
    syn = load_synonyms(_office_columns())
    key = normalize_header(header)
    if not key:
        return None, 0, "unmapped"
    if user and key in user.columns:
        return user.columns[key], 0, "mapping-file"
    if flavor in syn.flavors and key in syn.flavors[flavor][1]:
        return syn.flavors[flavor][1][key], 0, "flavor"
    exact = " ".join(str(header).split())
    if exact in FIELDS:
        return exact, 0, "field-id"
    for pattern, name in syn.patterns:
        m = pattern.match(key)
        if m:
            return name, int(m.group(1)) if m.groups() and m.group(1) else 0, "pattern"
    if key in syn.words:
        return syn.words[key], 0, "synonym"
    return None, 0, "unmapped"


def _flavor(headers: list[str]) -> str:
    keys = {normalize_header(h) for h in headers}
    for name, (detect, _) in load_synonyms(_office_columns()).flavors.items():
        if detect and all(d in keys for d in detect):
            return name
    return "generic"


def _row_score(cells: list[str], user: MappingFile | None) -> int:
    return sum(1 for c in cells if c.strip() and match_header(c, "generic", user)[0])


def find_header_row(table: Table, user: MappingFile | None = None) -> int | None:
    """Index (into ``table.rows``) of the header row among the first rows, or None."""
    if user and user.header_row:
        for i, row in enumerate(table.rows):
            if row.number == user.header_row:
                return i
        return None
    best, best_score = None, 0
    for i, row in enumerate(table.rows[:HEADER_SCAN_ROWS]):
        score = _row_score(row.cells, user)
        if score > best_score:
            best, best_score = i, score
        if score >= 3:
            break
    return best if best_score >= 1 else None


def detect_mapping(table: Table, user: MappingFile | None = None) -> Mapping:
    """Find the header row of ``table`` and map its columns; InputError when there is none."""
    at = find_header_row(table, user)
    if at is None:
        raise InputError(
            f"{table.source}{_sheet(table)}: no header row found in the first "
            f"{HEADER_SCAN_ROWS} rows",
            hint="the header needs columns such as Name, Phone, E-mail (ФИО, Телефон; "
            "Ad Soyad, Telefon), or give a mapping file with --mapping",
        )
    header = table.rows[at]
    flavor = _flavor(header.cells)
    columns: list[ColumnMap] = []
    seen_single: set[tuple[str, int]] = set()
    for i, text in enumerate(header.cells):
        if not text.strip():
            if any(r.get(i).strip() for r in table.rows[at + 1 :]):
                columns.append(ColumnMap(i, f"Column {column_letter(i)}", None, 0, "unmapped"))
            continue
        name, slot, source = match_header(text, flavor, user)
        if name in SINGLE and (name, slot) in seen_single:
            name, source = None, "unmapped"  # a second column for a one-value field
        if name in SINGLE:
            seen_single.add((name, slot))
        columns.append(ColumnMap(i, text.strip(), name, slot, source))
    return Mapping(table.source, table.sheet, header.number, columns, flavor)


def data_rows(table: Table, mapping: Mapping) -> list:
    """The non-blank rows below the header row."""
    return [r for r in table.rows if r.number > mapping.header_row and not r.blank]


def choose_table(tables: list[Table], sheet: str | None, user: MappingFile | None) -> Table:
    """The sheet named by ``sheet`` (name or 1-based number), else the one that holds clients."""
    wanted = sheet or (user.sheet if user else None)
    if wanted:
        for i, t in enumerate(tables, start=1):
            if (t.sheet or "").casefold() == wanted.casefold() or wanted == str(i):
                return t
        names = ", ".join(repr(t.sheet) for t in tables if t.sheet)
        if not names:  # a CSV or vCard: one table, no sheet names
            raise InputError(
                f"{tables[0].source}: no sheet {wanted!r}; this file has no sheets",
                hint="leave out --sheet (and 'sheet' in the mapping file) for CSV and vCard",
            )
        raise InputError(f"{tables[0].source}: no sheet {wanted!r}; the sheets are {names}")
    if len(tables) == 1:
        return tables[0]
    best, best_score = tables[0], -1
    for t in tables:
        at = find_header_row(t, user)
        if at is None:
            continue
        mapped = {match_header(c, "generic", user)[0] for c in t.rows[at].cells if c.strip()}
        has_key = bool(mapped & KEY_FIELDS) + any(
            m and m.startswith(("phone", "email")) for m in mapped
        )
        rows = sum(1 for r in t.rows[at + 1 :] if not r.blank)
        score = has_key * 1_000_000 + len(mapped) * 10_000 + min(rows, 9_999)
        if score > best_score:
            best, best_score = t, score
    return best


def check_has_data(table: Table, mapping: Mapping) -> None:
    """InputError for a file that has a header but no data rows."""
    if not data_rows(table, mapping):
        raise InputError(
            f"{table.source}{_sheet(table)}: only a header (row {mapping.header_row}), no clients",
            hint="check that this is the right file and sheet (--sheet)",
        )


def _sheet(table: Table) -> str:
    return f", sheet {table.sheet!r}" if table.sheet and len(table.sheets) > 1 else ""
