"""Import use cases: what ``crm import`` calls.

read a file -> find the header and map the columns -> normalise every row ->
plan against the account (dry run stops here) -> apply in batches -> undo.
A re-run of the same file resumes an unfinished import under the same id, or
plans a new one in which every row already imported is a skip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.journal import now
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact
from contacts_crm.defaults import DEFAULT_REGION
from contacts_crm.errors import FieldError, InputError, UsageError
from contacts_crm.files.readers import read_bytes, read_source, read_tables
from contacts_crm.files.table import Row, Table
from contacts_crm.i18n import _
from contacts_crm.imports import collector
from contacts_crm.imports.apply import ImportState, apply_plan, recover_in_flight, settle, states
from contacts_crm.imports.columns import (
    Mapping,
    check_has_data,
    choose_table,
    data_rows,
    detect_mapping,
    load_mapping_file,
)
from contacts_crm.imports.normalize import ImportRecord, Notice, normalize_row
from contacts_crm.imports.plan import (
    DUPLICATE_POLICIES,
    IMPORT_KEY,
    ImportPlan,
    PlanOptions,
    plan_import,
)
from contacts_crm.imports.report import problem_summary, write_report
from contacts_crm.imports.said import said
from contacts_crm.imports.undo import UndoReport, undo_import


@dataclass
class ImportOptions:
    """Options of ``crm import``: region None means the profile's default region."""

    region: str | None = None
    on_duplicate: str = "skip"
    sheet: str | None = None
    mapping_file: Path | None = None


@dataclass
class ImportOutcome:
    """What an import planned (and, unless a dry run, did)."""

    plan: ImportPlan
    mapping: Mapping
    state: ImportState | None  # None for a dry run
    resumed: bool = False
    # import key -> resource names, where a row of this import exists more than once
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # the files' names, when several
    # the counts of an interrupted run this one answers with (its plan, not today's skips)
    answered: dict[str, int] | None = None

    def summary(self) -> dict[str, Any]:
        """Counts for the CLI (and ``--json``)."""
        out: dict[str, Any] = {
            "import_id": self.plan.import_id,
            "file": ", ".join(self.files) or self.mapping.source,
            "sheet": self.mapping.sheet,
            "dry_run": self.state is None,
            "resumed": self.resumed,
            "rows": len(self.plan.rows),
            **(self.answered if self.answered is not None else self.plan.counts()),
            "review": sum(1 for r in self.plan.rows if r.review),
            "problems": problem_summary(self.plan),
        }
        if self.state is not None:
            out["created"] = len(self.state.created)
            out["updated"] = len(self.state.updated)
        out["duplicates"] = sum(len(v) - 1 for v in self.duplicates.values())
        return out


SHEET_URL = "https://docs.google.com/spreadsheets/"


def is_sheet_url(path: Path | str) -> bool:
    """True for a Google Sheet link (``crm import`` reads it through the Sheets API)."""
    return str(path).startswith(SHEET_URL)


def read_sheet(sheets: Any, url: str, sheet: str | None = None) -> list[Table]:
    """One tab of a Google Sheet (the first unless ``sheet``) as a table to import."""
    values = sheets.read_tab(url, sheet)
    table = Table(
        source=url,
        rows=[Row(n, cells) for n, cells in enumerate(values, start=1)],
        sheet=sheet,
        kind="sheet",
    )
    return [table]


def read_file(
    path: Path | str,
    *,
    sheet: str | None = None,
    mapping_file: Path | str | None = None,
    tables: list[Table] | None = None,
) -> tuple[Table, Mapping]:
    """Read ``path`` (or use ``tables`` already read), choose the sheet, map the columns."""
    user = load_mapping_file(mapping_file) if mapping_file else None
    table = choose_table(tables if tables is not None else read_tables(path), sheet, user)
    mapping = detect_mapping(table, user)
    check_has_data(table, mapping)
    return table, mapping


def show_mapping(
    path: Path | str,
    *,
    sheet: str | None = None,
    mapping_file: Path | str | None = None,
    account: Account | None = None,
) -> Mapping:
    """What ``crm import --show-mapping`` prints: sheet, header row, column -> field.

    A Google Sheet URL needs the ``account`` whose profile reaches Sheets.
    """
    if is_sheet_url(path) and account is not None:
        from contacts_crm.sheets.connect import sheets_client_for

        tables = read_sheet(sheets_client_for(account), str(path), sheet)
        return read_file(path, mapping_file=mapping_file, tables=tables)[1]
    return read_file(path, sheet=sheet, mapping_file=mapping_file)[1]


def read_records(
    path: Path | str,
    *,
    region: str = DEFAULT_REGION,
    sheet: str | None = None,
    mapping_file: Path | str | None = None,
    tables: list[Table] | None = None,
) -> tuple[Mapping, list[ImportRecord]]:
    """Every data row of the file, normalised."""
    table, mapping = read_file(path, sheet=sheet, mapping_file=mapping_file, tables=tables)
    if table.kind == "vcard":
        from contacts_crm.imports.vcard_record import card_record

        return mapping, [card_record(c, region, mapping.placeholders) for c in table.cards]
    csv = table.kind == "csv"
    return mapping, [normalize_row(r, mapping, region, csv=csv) for r in data_rows(table, mapping)]


def read_many(
    paths: Sequence[Path | str],
    *,
    region: str = DEFAULT_REGION,
    sheet: str | None = None,
    mapping_file: Path | str | None = None,
) -> tuple[Mapping, list[ImportRecord], bytes]:
    """Several files read as one list: (the first file's mapping, every record, the content).

    Records are numbered 1, 2, ... across the files (the plan's rows); each keeps
    where it came from in ``origin`` ("phone2.vcf, card 3"; "old.xlsx, row 5").
    The content (every file's bytes and name) makes the import's id.
    """
    records: list[ImportRecord] = []
    parts: list[bytes] = []
    first: Mapping | None = None
    for p in paths:
        if is_sheet_url(p):
            raise UsageError(
                _("a Google Sheet is imported on its own, not with other files"),
                hint=_("run one crm import for the sheet and one for the files"),
            )
        name = Path(p).name
        content = read_source(p)
        parts.append(hashlib.sha256(content).digest() + name.encode())
        tables = read_bytes(content, name)
        mapping, recs = read_records(p, region=region, sheet=sheet, mapping_file=mapping_file,
                                     tables=tables)  # fmt: skip
        first = first or mapping
        unit = "card" if any(t.kind == "vcard" for t in tables) else "row"
        for rec in recs:
            rec.origin = f"{name}, {unit} {rec.row}"  # data (the journal, --json): English
            rec.row = len(records) + 1
            rec.notices = [
                Notice(n.kind, f"{name}: {n.text}", said("{file}: {said}", file=name, said=n.said))
                if n.said is not None else n
                for n in rec.notices
            ]  # fmt: skip
            records.append(rec)
    assert first is not None
    return first, records, b"\0".join(parts)


def plan_records(
    records: Iterable[ImportRecord],
    existing: Iterable[Contact],
    *,
    import_id: str = "import",
    on_duplicate: str = "skip",
    groups: dict[str, str] | None = None,
    load: Callable[[str], Contact | None] | None = None,
) -> ImportPlan:
    """Plan without an account: ``groups`` maps existing label names to resource names;
    ``load`` gives the whole contact when ``existing`` are light copies (plan_import)."""
    options = PlanOptions(import_id, on_duplicate, dict(groups or {}))
    return plan_import(records, existing, options, load=load)


def import_file(
    account: Account,
    path: Path | str | Sequence[Path | str],
    options: ImportOptions | None = None,
    *,
    dry_run: bool = False,
    report: Path | str | None = None,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    on_start: Callable[[str], None] | None = None,
) -> ImportOutcome:
    """Plan the import of ``path`` and, unless ``dry_run``, apply it (one durable
    operation: ``on_start`` hears its id before the first write). The same
    import run again after a kill answers with the interrupted run, finished.

    Several paths are one import (``read_many``): the same client in two phones'
    files is one contact, every name kept, each row saying the file it came from.

    ``report`` writes the per-row xlsx report (also on a dry run). ``progress``
    is called with the number of rows done after every batch, ``total`` once
    with the number of rows the run will write (for a bar's total). Input problems
    raise InputError before anything is written.
    """
    opts = options or ImportOptions()
    if opts.on_duplicate not in DUPLICATE_POLICIES:
        choices = ", ".join(DUPLICATE_POLICIES)
        raise FieldError("on_duplicate", "choices", _("what to do with a duplicate must be one "
                         "of {choices}").format(choices=choices), choices=choices)  # fmt: skip
    region = opts.region or account.profile.region
    paths = [path] if isinstance(path, str | Path) else list(path)
    files = [Path(p).name for p in paths] if len(paths) > 1 else []
    with collector.paused():  # read, normalise, plan: the CPU phase
        if len(paths) > 1:
            mapping, records, content = read_many(paths, region=region, sheet=opts.sheet,
                                                  mapping_file=opts.mapping_file)  # fmt: skip
            path = ", ".join(Path(p).name for p in paths)
        elif is_sheet_url(paths[0]):
            from contacts_crm.sheets.connect import sheets_client_for

            path = paths[0]
            tables = read_sheet(sheets_client_for(account), str(path), opts.sheet)
            content = _sheet_content(tables)
            mapping, records = read_records(path, region=region, mapping_file=opts.mapping_file,
                                            tables=tables)  # fmt: skip
            del tables  # the records hold what the import needs of the cells
        else:
            path = paths[0]
            content = read_source(path)  # read once: parsed here, hashed for the import id
            tables = read_bytes(content, Path(path).name)
            mapping, records = read_records(
                path, region=region, sheet=opts.sheet, mapping_file=opts.mapping_file,
                tables=tables,
            )  # fmt: skip
            del tables
        check_region(records, region, mapping.source, given=opts.region is not None)
        account.sync()  # incremental with a token kept: dedupe sees others' edits
        import_id, state = _import_id(account, mapping, content)
        resumed = state is not None
        if state is not None and not dry_run:
            ops.finish_pending(account)  # the interrupted run's operation (the CLI did already)
            state = settle(account, state)
            recover_in_flight(account, state)  # a record made before operations
        groups = {g.get("name", ""): g["resourceName"] for g in account.groups.all()}
        plan = plan_records(
            records, account.contacts.light(), import_id=import_id,
            on_duplicate=opts.on_duplicate, groups=groups, load=account.contacts.get,
        )  # fmt: skip
    if report:
        write_report(plan, report)
    doubles = import_duplicates(account, import_id)
    if dry_run:
        return ImportOutcome(plan, mapping, None, resumed, doubles, files)
    if state is not None and state.status == "done":  # an interrupted run, finished since
        counts = _op_counts(account, state)
        return ImportOutcome(plan, mapping, state, resumed, doubles, files, counts)
    if state is None:
        state = ImportState(id=import_id, source=str(path), started=now())
    else:
        state.op = ""  # its operation never began: planned again, under the same id
    if total:
        total(len(plan.creates) + len(plan.updates))
    apply_plan(account, plan, state, progress=progress, on_start=on_start)
    return ImportOutcome(plan, mapping, state, resumed, doubles, files)


def _op_counts(account: Account, state: ImportState) -> dict[str, int] | None:
    op = ops.store(account).get(state.op) if state.op else None
    return dict(op.params.get("counts", {})) if op is not None else None


def import_duplicates(account: Account, import_id: str | None = None) -> dict[str, list[str]]:
    """Rows that exist more than once in the account (one import key on several contacts).

    Only for ``import_id`` (and its re-runs ``ID-2``...) when given. ``crm doctor``
    offers to delete the extra copies (usecases/import_copies.py).
    """
    base = import_id.split("-")[:2] if import_id else None
    out = {}
    for key, names in account.contacts.marker_duplicates(IMPORT_KEY).items():
        if base is None or key.split(":")[0].split("-")[:2] == base:
            out[key] = names
    return out


def undo(
    account: Account,
    import_id: str,
    *,
    force: bool = False,
    on_start: Callable[[str], None] | None = None,
) -> UndoReport:
    """``crm import undo ID``: take the import back without losing later work
    (``ID``: the import's id, or the id of its operation)."""
    op = ops.store(account).get(import_id)
    if op is not None and op.kind == "import":
        import_id = str(op.params["import"])
    report = undo_import(account, import_id, force=force, on_start=on_start)
    if not report.already_undone:
        state = ImportState.load(account.data_dir, import_id)
        assert state is not None
        _journal(account, state, None, report)
    return report


REGIONS = {
    "RU": "Russian", "TR": "Turkish", "UA": "Ukrainian", "KZ": "Kazakh", "BY": "Belarusian",
    "AZ": "Azerbaijani", "UZ": "Uzbek", "GE": "Georgian", "AM": "Armenian", "KG": "Kyrgyz",
    "DE": "German", "GB": "British", "US": "American", "FR": "French", "IT": "Italian",
    "ES": "Spanish", "NL": "Dutch", "PL": "Polish", "CY": "Cypriot", "IL": "Israeli",
}  # fmt: skip
REGION_SAMPLE = 400
REGION_SCAN = 40  # numbers tried under every region when the default does not fit


def _marked() -> None:  # pragma: no cover - never called: marks REGIONS for extraction
    """The adjectives of REGIONS ("most numbers look Turkish"), for the catalogs."""
    _("{file}: {said}")
    for _adjective in (
        _("Russian"), _("Turkish"), _("Ukrainian"), _("Kazakh"), _("Belarusian"),
        _("Azerbaijani"), _("Uzbek"), _("Georgian"), _("Armenian"), _("Kyrgyz"), _("German"),
        _("British"), _("American"), _("French"), _("Italian"), _("Spanish"), _("Dutch"),
        _("Polish"), _("Cypriot"), _("Israeli"),
    ):  # fmt: skip
        pass


def check_region(
    records: list[ImportRecord], region: str, source: str, *, given: bool = True
) -> None:
    """InputError when most phone numbers do not fit the profile's default ``region``.

    Checked before anything is written (and on a dry run): a Turkish file
    imported with the default region RU would put every number in the notes. A
    region the admin gave (``given``) is obeyed: numbers that do not fit it go
    to the notes, each reported. A number fits when it is valid for the region
    as typed, or carries its own country code ("+49...", "0049...", or the
    region's own code without "+": "79161234567" in RU); "13123456789" read as
    an American number in a Russian file does not fit: it may be a Chinese
    mobile. The hint names the one country whose national numbers most of the
    others are (every region phonenumbers knows is tried, and regions that
    read the numbers the same way, such as US and CA, count as one), or none.
    """
    if given:
        return
    texts = [t for r in records for t in r.phone_texts][:REGION_SAMPLE]
    if len(texts) < 2:
        return
    misfits = [t for t in texts if not phones.fits_region(t, region)]
    if len(misfits) * 2 <= len(texts):
        return
    best = phones.likely_region(misfits[:REGION_SCAN], exclude=region)
    which = _("region {region} (the profile's default)").format(region=region)
    bad, n = len(misfits), len(texts)
    if best is None:
        raise InputError(
            _(
                "{source}: {bad} of {n} phone numbers are not valid for {which}, and no one "
                "country fits most of them"
            ).format(source=source, bad=bad, n=n, which=which),
            hint=_(
                "nothing was written; check the phone column, or give the country as the "
                "import's region (numbers that do not fit it are then kept in the notes, each "
                "reported)"
            ),
            reason="no_region_fits",
        )
    code, fit = best
    country = (
        _("most numbers look {country}").format(country=_(REGIONS[code]))
        if code in REGIONS
        else _("most numbers are national numbers of region {code}").format(code=code)
    )
    values = {"source": source, "bad": bad, "n": n, "which": which, "country": country,
              "best": code}  # fmt: skip
    raise InputError(
        _("{source}: {bad} of {n} phone numbers are not valid for {which}; {country}: import "
          "them with the region {best}").format(**values),
        hint=_(
            "nothing was written; {valid} of the {n} numbers are valid for {best} (set the "
            "profile's region to {best} to make it the default)"
        ).format(valid=fit, n=len(misfits[:REGION_SCAN]), best=code),
        reason="wrong_region", values=values,
    )  # fmt: skip


def list_imports(account: Account) -> list[ImportState]:
    """Every import on record for this profile, oldest first."""
    return states(account)


def _sheet_content(tables: list[Table]) -> bytes:
    return json.dumps([r.cells for t in tables for r in t.rows], ensure_ascii=False).encode()


def _import_id(
    account: Account, mapping: Mapping, content: bytes
) -> tuple[str, ImportState | None]:
    """A stable id per file content and sheet; an unfinished import of it is resumed."""
    digest = hashlib.sha256(content + str(mapping.sheet).encode()).hexdigest()
    base = "imp-" + digest[:10]
    n = 1
    while True:
        import_id = base if n == 1 else f"{base}-{n}"
        state = ImportState.load(account.data_dir, import_id, logs=False)
        if state is None:
            return import_id, None
        if state.status == "running":  # resumed: its whole record
            return import_id, ImportState.load(account.data_dir, import_id)
        n += 1


def _journal(
    account: Account, state: ImportState, plan: ImportPlan | None, undone: UndoReport | None = None
) -> None:
    from contacts_crm.card.events import JournalEvent

    kind = "import" if plan is not None else "import-undo"
    data: dict[str, Any] = {
        "import_id": state.id,
        "file": state.source,
        "created": len(state.created),
        "updated": len(state.updated),
    }
    if plan is not None:
        data.update(plan.counts())
    op_id = f"{kind}:{state.id}"
    if undone is not None:
        data.update(removed=len(undone.removed), restored=len(undone.restored),
                    kept=len(undone.kept), status=undone.status)  # fmt: skip
        op_id = f"{kind}:{state.id}:{state.finished}"  # an undo in parts journals each part
    account.journal.record(
        [JournalEvent(op_id=op_id, seq=0, at=now(), who=account.profile.user or None, kind=kind,
                      text=f"{kind} {state.id} of {Path(state.source).name}", data=data)]
    )  # fmt: skip
    account.journal.mark_applied(op_id)
