"""Benchmark: ``crm list --format csv`` and ``crm export x.xlsx`` of 25,000 contacts, as
whole processes, against the short streaming script a competent engineer writes.

The account: ``--contacts`` clients with realistic cards (made by the real card
operations, drawn from ``--variants`` histories; bench_reports.card_variants),
a phone, an e-mail and a company each, in 8 groups; its local copy in a CRM home
of its own, as old as the default ``sync_minutes`` allows (nothing synced just
before timing: a listing reads the copy as it is).

Each command runs as a whole process (``scripts/_bench.run_process``: wall and
the process's own peak RSS from wait4), output to a file.

Baselines, same run, same local copy, each a whole process too:
- the list: ``LIST_SCRIPT`` — sqlite3 over the copy in name order, each Person's
  JSON decoded, the same six columns written with the csv module;
- the export: ``EXPORT_SCRIPT`` — sqlite3 over the copy in name order, each
  Person decoded into a Contact, the same table row (the same cells, the card's
  status, last contact and open orders read by the project's card parser, as a
  script would call it) written with XlsxWriter in its streaming mode.
Ours and the script run interleaved (A B, B A, …; ``--runs`` pairs of lists
after a warm-up pair, ``--export-runs`` pairs of exports) and each ratio is the
median of the pairs' ratios, so load on the machine hits both alike. Their
outputs must hold the same rows (else the run stops: the baselines would not be
comparable).

Goals: each command within 1.5x its streaming script (wall, interleaved
median) and under 100 MB peak RSS. The last line is one JSON object.

    .venv/bin/python scripts/bench_listings.py [--contacts 25000] [--runs 5] [--export-runs 3]
"""

from __future__ import annotations

import argparse
import compileall
import csv
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
from _bench import Goals, Run, interleaved, run_process
from bench_reports import CARD_VARIANTS, GROUPS, card_variants

import contacts_crm
from contacts_crm import config as cfg
from contacts_crm.account.cache import Cache

_ENTRY = Path(sys.executable).with_name("crm")
CRM = [str(_ENTRY)] if _ENTRY.exists() else [sys.executable, "-m", "contacts_crm"]
LIMIT_RATIO = 1.5
LIMIT_MB = 100.0

LIST_SCRIPT = """
import csv, json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
names = dict(db.execute("SELECT resource_name, name FROM groups"))
out = csv.writer(sys.stdout, lineterminator="\\n")
out.writerow(["Name", "Phones", "Emails", "Company", "Groups", "Id"])
def cell(v):
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\\t", "\\r") else v
for rn, shown, text in db.execute(
        "SELECT resource_name, display_name, json FROM persons ORDER BY display_name"):
    p = json.loads(text)
    groups = [m["contactGroupMembership"]["contactGroupResourceName"]
              for m in p.get("memberships", []) if "contactGroupMembership" in m]
    out.writerow([cell(v) for v in (
        shown, ", ".join(x.get("value", "") for x in p.get("phoneNumbers", [])),
        ", ".join(x.get("value", "") for x in p.get("emailAddresses", [])),
        (p.get("organizations") or [{}])[0].get("name", ""),
        ", ".join(names.get(g, g) for g in groups if g != "contactGroups/myContacts"), rn)])
"""

EXPORT_SCRIPT = """
import json, sqlite3, sys
import xlsxwriter
from contacts_crm.contact.model import Contact
from contacts_crm.files.writers import table_columns, table_row
from contacts_crm.office.templates import load_labels
from contacts_crm.usecases.export import DERIVED, card_columns
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
names = dict(db.execute("SELECT resource_name, name FROM groups"))
labels = load_labels()
wb = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True})
ws = wb.add_worksheet("Contacts")
for col, name in enumerate(table_columns(DERIVED)):
    ws.write_string(0, col, name)
row = 0
for (text,) in db.execute("SELECT json FROM persons ORDER BY display_name"):
    c = Contact.from_person(json.loads(text))
    row += 1
    for col, v in enumerate(table_row(c, names, card_columns(c.notes, labels))):
        if v:
            ws.write_string(row, col, v)
wb.close()
"""


def fill(data: Path, contacts: int, variants: int, rng: random.Random) -> None:
    """The local copy: ``contacts`` clients with cards, phones, e-mails, companies, groups."""
    cache = Cache(data / "cache.sqlite")
    groups = [{"resourceName": f"contactGroups/g{i}", "name": g, "formattedName": g,
               "groupType": "USER_CONTACT_GROUP"} for i, g in enumerate(GROUPS)]  # fmt: skip
    cache.set_groups(groups)
    cards = card_variants(rng, variants)
    batch = []
    for i in range(contacts):
        members = [
            "contactGroups/myContacts",
            *(g["resourceName"] for g in rng.sample(groups, rng.choice([0, 1, 1, 2]))),
        ]
        batch.append({
            "resourceName": f"people/c{i}", "etag": f"e{i}",
            "names": [{"givenName": f"Client{i}", "familyName": rng.choice(
                ["Petrov", "Ivanova", "Yılmaz", "Smith", "Кузнецов"])}],
            "phoneNumbers": [{"value": f"+7916{i:07d}", "type": "mobile"}],
            "emailAddresses": [{"value": f"client{i}@example.com", "type": "work"}],
            "organizations": [{"name": f"Firm {i % 900}", "title": "buyer"}],
            "biographies": [{"value": cards[i % len(cards)] + f"\n--\nClient {i}: a note.",
                             "contentType": "TEXT_PLAIN"}],
            "memberships": [{"contactGroupMembership": {"contactGroupResourceName": g}}
                            for g in members],
        })  # fmt: skip
        if len(batch) == 5000:
            cache.upsert(batch)
            batch = []
    cache.upsert(batch)
    cache.close()


def age_copy(data: Path) -> None:
    """The local copy as old as the default ``sync_minutes`` allows, less a minute."""
    import sqlite3

    minutes = cfg.Profile(name="default").sync_minutes
    at = datetime.now(UTC) - timedelta(minutes=minutes) + timedelta(seconds=60)
    with sqlite3.connect(data / "cache.sqlite") as db:
        db.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (at.isoformat(),))
    db.close()


def csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def xlsx_rows(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=25_000)
    ap.add_argument("--runs", type=int, default=5, help="interleaved pairs after a warm-up pair")
    ap.add_argument("--export-runs", type=int, default=3, help="interleaved pairs of exports")
    ap.add_argument("--variants", type=int, default=CARD_VARIANTS)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    compileall.compile_dir(str(Path(contacts_crm.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as home:
        os.chmod(home, 0o700)
        tmp = Path(home)
        env = {**os.environ, "CRM_HOME": home, "COLUMNS": "120"}
        os.environ["CRM_HOME"] = home
        conf = cfg.load()
        conf.profiles["local"] = cfg.Profile(name="local", user="Olga")  # default sync_minutes
        conf.default_profile = "local"
        cfg.save(conf)
        data = cfg.profile_dir("local")
        t = time.perf_counter()
        fill(data, args.contacts, args.variants, random.Random(args.seed))
        print(f"{args.contacts:,} clients written to the local copy in "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip
        copy = str(data / "cache.sqlite")
        out = {name: str(tmp / name) for name in
               ("ours.csv", "script.csv", "ours.xlsx", "script.xlsx")}  # fmt: skip

        def crm(*argv: str, stdout: str = os.devnull) -> Run:
            age_copy(data)
            return run_process([*CRM, *argv], env, stdout)

        def script(text: str, *argv: str, stdout: str = os.devnull) -> Run:
            return run_process([sys.executable, "-c", text, copy, *argv], env, stdout)

        lists = interleaved(
            lambda: crm("list", "--format", "csv", stdout=out["ours.csv"]),
            lambda: script(LIST_SCRIPT, stdout=out["script.csv"]), args.runs)  # fmt: skip
        exports = interleaved(  # no warm-up pair: the lists above warmed the same copy
            lambda: crm("export", out["ours.xlsx"], "--force"),  # the script overwrites too
            lambda: script(EXPORT_SCRIPT, out["script.xlsx"]), args.export_runs,
            warmup=0)  # fmt: skip
        rows = {"list": (csv_rows(Path(out["ours.csv"])), csv_rows(Path(out["script.csv"]))),
                "export": (xlsx_rows(Path(out["ours.xlsx"])),
                           xlsx_rows(Path(out["script.xlsx"])))}  # fmt: skip
    for what, (ours, base) in rows.items():
        if ours != base or ours != args.contacts + 1:
            sys.exit(f"{what}: ours wrote {ours} rows, the script {base}, for {args.contacts} "
                     "contacts and a header: the baseline is not comparable")  # fmt: skip
    goals = Goals("bench_listings")
    figures = {}
    for what, pairs, cmd in (("list", lists, "crm list --format csv"),
                             ("export", exports, "crm export x.xlsx")):  # fmt: skip
        wall = pairs.ratio(lambda r: r.wall_s)
        ours_s, base_s = (
            pairs.median("ours", lambda r: r.wall_s),
            pairs.median("base", lambda r: r.wall_s),
        )
        ours_mb, base_mb = max(r.peak_mb for r in pairs.ours), max(r.peak_mb for r in pairs.base)
        each = ", ".join(f"{a.wall_s:.2f}/{b.wall_s:.2f}"
                         for a, b in zip(pairs.ours, pairs.base, strict=True))  # fmt: skip
        print(f"{cmd}: median {ours_s:.2f} s, peak {ours_mb:.0f} MB; the streaming script "
              f"median {base_s:.2f} s, peak {base_mb:.0f} MB; interleaved ratio {wall:.2f}x "
              f"(pairs ours/script: {each} s)")  # fmt: skip
        against = (f"the {args.contacts:,}-contact streaming script: {base_s:.2f} s, "
                   f"{base_mb:.0f} MB (ours {ours_s:.2f} s)")  # fmt: skip
        goals.ratio_at_most(f"{cmd}, {args.contacts:,} contacts, whole process: wall / the "
                            "streaming script's (interleaved)", ratio=wall, most=LIMIT_RATIO,
                            against=against)  # fmt: skip
        goals.at_most(f"{cmd}, {args.contacts:,} contacts: peak RSS of the process", ours_mb,
                      LIMIT_MB, "MB", against=f"the streaming script's {base_mb:.0f} MB",
                      )  # fmt: skip
        figures[what] = {"ours_s": round(ours_s, 3), "script_s": round(base_s, 3),
                         "ratio": round(wall, 3), "ours_peak_mb": round(ours_mb, 1),
                         "script_peak_mb": round(base_mb, 1)}  # fmt: skip
    goals.finish({"contacts": args.contacts, "runs": args.runs, "card_variants": args.variants,
                  **figures})  # fmt: skip


if __name__ == "__main__":
    main()
