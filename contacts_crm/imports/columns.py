"""Find the header row and map columns to contact fields.

Synonyms (en/ru/tr) come from ``templates/import/columns.toml`` (an office's
own ``import/columns.toml`` adds to them); a mapping file (TOML, see
``load_mapping_file``) overrides them. A header no synonym names is read by
meaning: a field word ("телефон", "phone", "cep", "e-mail"...) plus kind
qualifiers ("моб", "work", "fax"...) plus an optional number ("Телефон 2").
Columns that map to nothing are kept: the importer writes them into the notes
as "Header: value", except values that are export defaults or placeholders.
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
from contacts_crm.i18n import _

FIELDS = (
    "full_name", "given_name", "family_name", "middle_name", "organization", "title",
    "phone", "phone.mobile", "phone.work", "phone.home", "phone.other", "phone.main",
    "phone.workFax", "phone.homeFax", "phone.otherFax", "phone.pager", "phone.workMobile",
    "phone.workPager", "phone.label",
    "email", "email.work", "email.home", "email.other", "email.label",
    "address", "address.label", "street", "city", "region", "postal_code", "country",
    "po_box", "extended_address", "nickname", "birthday", "department", "job_description",
    "url", "url.label", "custom", "custom.label", "groups", "notes", "note_line", "ignore",
)  # fmt: skip
# Fields that hold one value per contact: a second column for them goes to the notes.
SINGLE = {
    "full_name", "given_name", "family_name", "middle_name", "organization", "title",
    "street", "city", "region", "postal_code", "country", "po_box", "extended_address",
    "birthday", "department", "job_description",
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
    source: str = "synonym"  # synonym, pattern, meaning, mapping-file, flavor, field-id,
    # ignore-list, defaults, unmapped
    why: str = ""  # for --show-mapping: why the column went where it did

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
    placeholders: frozenset[str] = frozenset()  # cell texts that mean "no value"
    defaults: dict[str, frozenset[str]] = field(default_factory=dict)  # header -> defaults

    def skips(self, header: str, value: str) -> bool:
        """True when ``value`` of an unmapped column is a placeholder or an export default."""
        v = " ".join(value.casefold().split())
        return v in self.placeholders or v in self.defaults.get(normalize_header(header), ())

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
                    "field": c.field
                    or ("nothing" if c.source == "defaults" else "notes (as 'Header: value')"),
                    "slot": c.slot,
                    "source": c.source,
                    "why": c.why,
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
    ignore: set[str] = field(default_factory=set)  # normalised headers to leave out


@dataclass
class _Meaning:
    """Words that make up a header read by meaning (``[meaning]`` in columns.toml)."""

    fields: dict[str, str] = field(default_factory=dict)  # word -> "phone" | "email"
    kinds: dict[str, str] = field(default_factory=dict)  # qualifier word -> kind
    implies_phone: set[str] = field(default_factory=set)  # kinds that alone mean a phone
    noise: set[str] = field(default_factory=set)  # words that change nothing ("number")


@dataclass
class _Synonyms:
    words: dict[str, str]
    patterns: list[tuple[re.Pattern[str], str]]
    flavors: dict[str, tuple[list[str], dict[str, str]]]
    meaning: _Meaning = field(default_factory=_Meaning)
    ignore: set[str] = field(default_factory=set)  # the office's columns to leave out
    placeholders: frozenset[str] = frozenset()
    defaults: dict[str, frozenset[str]] = field(default_factory=dict)


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


def header_words(text: str) -> list[str]:
    """The words of a header: "Моб. телефон 2" -> ["моб", "телефон", "2"]; "E-mail" -> ["email"]."""
    t = normalize_header(text).replace("'s ", " ").replace("’s ", " ")
    t = _E_WORD.sub(lambda m: "e" + m.group(1), t)
    return _WORDS.findall(t)


_E_WORD = re.compile(r"\be[\s-]?(mail|posta)\b")
_WORDS = re.compile(r"[^\W_]+")
# Kinds that combine: "Business Fax" -> workFax, "Work mobile" -> workMobile.
_COMBINED = {
    frozenset({"work", "fax"}): "workFax", frozenset({"home", "fax"}): "homeFax",
    frozenset({"other", "fax"}): "otherFax", frozenset({"fax"}): "workFax",
    frozenset({"work", "mobile"}): "workMobile", frozenset({"work", "pager"}): "workPager",
    frozenset({"company", "main"}): "main", frozenset({"company"}): "work",
}  # fmt: skip


@lru_cache(maxsize=4)
def load_synonyms(path: str | None = None) -> _Synonyms:
    """Parse the shipped ``templates/import/columns.toml``, plus the office's file at ``path``.

    The office's words are added to the shipped ones (and win where both name
    the same header); its ``ignore = [...]`` lists columns to leave out.
    """
    shipped = (
        resources.files("contacts_crm.templates").joinpath("import/columns.toml").read_text("utf-8")
    )
    docs = [tomllib.loads(shipped)]
    if path is not None:
        try:
            docs.insert(0, tomllib.loads(Path(path).read_text("utf-8-sig")))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(
                f"{path}: the office's column words cannot be used ({type(e).__name__}: {e})",
                hint="fix that file (see README, 'Import and export') or remove it",
            ) from None
    try:
        return _parse(docs)
    except (AttributeError, TypeError, ValueError, re.error) as exc:
        if path is None:
            raise
        raise ConfigError(
            f"{path}: the office's column words cannot be used ({type(exc).__name__}: {exc})",
            hint='fix it ([fields.NAME] with synonyms = ["…"], patterns = ["regex"]) '
            "or remove it to use the shipped words",
        ) from exc


def _parse(docs: list[dict[str, Any]]) -> _Synonyms:
    """The words of the column files, the office's first (its words win)."""
    words: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    flavors: dict[str, tuple[list[str], dict[str, str]]] = {}
    meaning = _Meaning()
    ignore: set[str] = set()
    placeholders: set[str] = set()
    defaults: dict[str, set[str]] = {}
    for data in docs:  # the office's file first: its words win
        for name, spec in data.get("fields", {}).items():
            for w in spec.get("synonyms", []):
                words.setdefault(normalize_header(w), name)
            for p in spec.get("patterns", []):
                patterns.append((re.compile(p), name))
        for name, spec in data.get("flavors", {}).items():
            flavors.setdefault(
                name,
                (
                    [normalize_header(d) for d in spec.get("detect", [])],
                    {normalize_header(k): v for k, v in spec.get("columns", {}).items()},
                ),
            )
        m = data.get("meaning", {})
        for name, ws in m.get("fields", {}).items():
            for w in ws:
                meaning.fields.setdefault(_word(w), name)
        for kind, ws in m.get("kinds", {}).items():
            for w in ws:
                meaning.kinds.setdefault(_word(w), kind)
        meaning.implies_phone.update(m.get("implies_phone", []))
        meaning.noise.update(_word(w) for w in m.get("noise", []))
        ignore.update(normalize_header(h) for h in data.get("ignore", []))
        unmapped = data.get("unmapped", {})
        placeholders.update(
            " ".join(v.casefold().split()) for v in unmapped.get("placeholders", ())
        )
        for header, values in unmapped.get("defaults", {}).items():
            defaults.setdefault(normalize_header(header), set()).update(
                " ".join(v.casefold().split()) for v in values
            )
    return _Synonyms(
        words, patterns, flavors, meaning, ignore, frozenset(placeholders),
        {k: frozenset(v) for k, v in defaults.items()},
    )  # fmt: skip


def _word(text: str) -> str:
    return " ".join(header_words(text))


def placeholders() -> frozenset[str]:
    """Cell texts that mean "no value" ("-", "нет", "yok", "n/a"...), case-folded."""
    return load_synonyms(_office_columns()).placeholders


def by_meaning(header: str) -> tuple[str | None, int, str]:
    """(field, slot, why) for a header read as field word + qualifiers + number."""
    m = load_synonyms(_office_columns()).meaning
    field_name: str | None = None
    kinds: list[str] = []
    slot = 0
    said: list[str] = []
    for w in header_words(header):
        if w.isdigit():
            if slot or len(w) > 2:
                return None, 0, ""
            slot = int(w)
            said.append(f"number {w}")
        elif w in m.fields:
            if field_name not in (None, m.fields[w]):
                return None, 0, ""
            field_name = m.fields[w]
            said.insert(0, f"field word {w!r}")
        elif w in m.kinds:
            if m.kinds[w] not in kinds:
                kinds.append(m.kinds[w])
            said.append(f"{w!r} ({m.kinds[w]})")
        elif w not in m.noise:
            return None, 0, ""  # a word we do not know: "Телефон менеджера" is not the client's
    if field_name is None and any(k in m.implies_phone for k in kinds):
        field_name = "phone"
        said.insert(0, "a phone kind")
    if field_name is None:
        return None, 0, ""
    kind = _kind(field_name, kinds)
    target = f"{field_name}.{kind}" if kind else field_name
    return target, slot, "read by meaning: " + " + ".join(said)


def _kind(field_name: str, kinds: list[str]) -> str:
    if not kinds:
        return ""
    if field_name == "email":
        return next((k for k in kinds if k in ("work", "home", "other")), "")
    combined = _COMBINED.get(frozenset(kinds))
    if combined:
        return combined
    return next((k for k in kinds if k != "company"), kinds[0])


def load_mapping_file(path: Path | str) -> MappingFile:
    """Read a mapping file; every bad entry is reported with the file name."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(
            _("{path}: mapping file not found").format(path=path),
            hint=_("check the mapping file's name"),
            reason="mapping_missing",
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(
            _("{path}: the mapping file is not valid TOML ({why})").format(path=path, why=e),
            hint=_('fix that line; entries look like "Header" = "field" (see README)'),
        ) from None
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
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(h, str) for h in ignore):
        problems.append(Problem('ignore must be a list of headers: ignore = ["Manager"]',
                                file=str(path)))  # fmt: skip
        ignore = []
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        problems.append(Problem("header_row must be a row number (1, 2, ...)", file=str(path)))
        header_row = None
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(Problem("sheet must be a sheet name", file=str(path)))
        sheet = None
    unknown = set(data) - {"columns", "header_row", "sheet", "ignore"}
    if unknown:
        problems.append(Problem(f"unknown keys: {', '.join(sorted(unknown))}", file=str(path)))
    if problems:
        raise InputError(
            _("{path}: the mapping file has errors").format(path=path), problems,
            hint=_("fix the entries named above (see README, 'Mapping file')"),
        )  # fmt: skip
    return MappingFile(
        columns=columns, header_row=header_row, sheet=sheet,
        ignore={normalize_header(h) for h in ignore},
    )  # fmt: skip


def match_header(
    header: str, flavor: str = "generic", user: MappingFile | None = None
) -> tuple[str | None, int, str]:
    """Return (field, slot, source) for one header text."""
    name, slot, source, _ = explain_header(header, flavor, user)
    return name, slot, source


def explain_header(
    header: str, flavor: str = "generic", user: MappingFile | None = None
) -> tuple[str | None, int, str, str]:
    """Return (field, slot, source, why) for one header text."""
    syn = load_synonyms(_office_columns())
    key = normalize_header(header)
    if not key:
        return None, 0, "unmapped", "no header"
    if user and key in user.columns:
        return user.columns[key], 0, "mapping-file", "your mapping file"
    if user and key in user.ignore:
        return "ignore", 0, "mapping-file", "your mapping file's ignore list"
    if key in syn.ignore:
        return "ignore", 0, "ignore-list", "listed under ignore in import/columns.toml"
    if flavor in syn.flavors and key in syn.flavors[flavor][1]:
        return syn.flavors[flavor][1][key], 0, "flavor", f"a {flavor} column"
    exact = " ".join(str(header).split())
    if exact in FIELDS:
        return exact, 0, "field-id", "the field's own name"
    for pattern, name in syn.patterns:
        m = pattern.match(key)
        if m:
            slot = int(m.group(1)) if m.groups() and m.group(1) else 0
            return name, slot, "pattern", "a numbered Google CSV column"
    if key in syn.words:
        return syn.words[key], 0, "synonym", f"known column name {key!r}"
    found, slot, why = by_meaning(header)
    if found:
        return found, slot, "meaning", why
    return None, 0, "unmapped", "no field word in the header: kept in the notes as 'Header: value'"


def _flavor(headers: list[str]) -> str:
    keys = {normalize_header(h) for h in headers}
    for name, (detect, _words) in load_synonyms(_office_columns()).flavors.items():
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
            _("{file}: no header row found in the first {n} rows").format(
                file=f"{table.source}{_sheet(table)}", n=HEADER_SCAN_ROWS
            ),
            hint=_(
                "the header needs columns such as Name, Phone, E-mail (ФИО, Телефон; "
                "Ad Soyad, Telefon), or a mapping file"
            ),
            reason="no_header",
        )
    header = table.rows[at]
    flavor = _flavor(header.cells)
    syn = load_synonyms(_office_columns())
    columns: list[ColumnMap] = []
    seen_single: set[tuple[str, int]] = set()
    below = table.rows[at + 1 :]
    used = {i for r in below for i, c in enumerate(r.cells) if c.strip()}
    for i, text in enumerate(header.cells):
        if not text.strip():
            if i in used:
                columns.append(
                    ColumnMap(i, f"Column {column_letter(i)}", None, 0, "unmapped",
                              "no header: kept in the notes as 'Column X: value'")
                )  # fmt: skip
            continue
        name, slot, source, why = explain_header(text, flavor, user)
        if name in SINGLE and (name, slot) in seen_single:
            name, source = None, "unmapped"  # a second column for a one-value field
            why = "a second column for a one-value field: kept in the notes"
        if name in SINGLE:
            seen_single.add((name, slot))
        columns.append(ColumnMap(i, text.strip(), name, slot, source, why))
    mapping = Mapping(table.source, table.sheet, header.number, columns, flavor,
                      syn.placeholders, syn.defaults)  # fmt: skip
    for n, c in enumerate(mapping.columns):
        if c.field is None and c.index in used:
            values = {r.get(c.index).strip() for r in below} - {""}
            if values and all(mapping.skips(c.header, v) for v in values):
                mapping.columns[n] = ColumnMap(
                    c.index, c.header, None, 0, "defaults",
                    "every value is an export default or a placeholder: nothing goes to notes",
                )  # fmt: skip
    return mapping


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
        if all(t.sheet is None for t in tables):
            file, kind = tables[0].source, tables[0].kind
            raise InputError(
                _("{file}: a {kind} file has no sheets (sheet {sheet!r} asked for)").format(
                    file=file, kind=kind, sheet=wanted),
                hint=_("ask for no sheet in this file"), reason="no_sheets",
                values={"file": file, "kind": kind, "sheet": wanted},
            )  # fmt: skip
        names = ", ".join(repr(t.sheet) for t in tables)
        raise InputError(
            _("{file}: no sheet {sheet!r}; the sheets are {names}").format(
                file=tables[0].source, sheet=wanted, names=names
            ),
            hint=_("name one of them (or give its number, 1, 2...)"),
            reason="no_such_sheet",
        )
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
            _("{file}: only a header (row {row}), no clients").format(
                file=f"{table.source}{_sheet(table)}", row=mapping.header_row
            ),
            hint=_("check that this is the right file and sheet"),
            reason="only_header",
        )


def _sheet(table: Table) -> str:
    if table.sheet and len(table.sheets) > 1:
        return _(", sheet {sheet!r}").format(sheet=table.sheet)
    return ""
