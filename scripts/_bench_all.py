"""Run the benchmarks, collect each one's goals (its JSON last line), print a summary.

Used by ``scripts/bench``; ``--write-readme`` rewrites the README's performance
table (between the ``bench:start``/``bench:end`` markers) from this run's goals,
so the figures quoted there are ones a run gave, not typed ones.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def goals_of(result: dict, output: str) -> list[dict]:
    """A benchmark's goals: its JSON's ``goals`` (scripts/_bench.py), else its
    ``PASS …`` / ``FAIL …`` lines (benchmarks that print their own)."""
    listed = result.get("goals")
    if isinstance(listed, list) and listed and isinstance(listed[0], dict):
        return listed
    out = []
    for line in output.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word in ("PASS", "FAIL") and rest.strip():  # no figure: never a PASS
            out.append({"name": rest.strip(), "passed": False})
    return out


def run_one(path: Path, tighten: float) -> tuple[dict, float, int, str]:
    env = {**os.environ, "CRM_BENCH_TIGHTEN": str(tighten)}
    # The previous benchmark's files (a 25,000-row import, its journal, exports) are
    # written back to disk first, so that writeback is not billed to this one.
    os.sync()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    last = (done.stdout.strip().splitlines() or [""])[-1]
    try:
        result = json.loads(last)
    except json.JSONDecodeError:
        result = {}
    return result, took, done.returncode, done.stdout + done.stderr


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def _number(value: float) -> str:
    """A figure as the table shows it: whole numbers whole (24,500), others to 4 digits."""
    whole = math.isfinite(value) and value == int(value)
    return f"{int(value):,}" if whole else f"{value:,.4g}"


def write_readme(results: dict[str, dict], loads: list[float] | None = None) -> None:
    rows = ["| benchmark | goal | measured | baseline (same run) | verdict |",
            "|---|---|---|---|---|"]  # fmt: skip
    for bench, result in results.items():
        for g in result.get("goals", []):
            verdict = "PASS" if g["passed"] else "FAIL"
            if "kind" not in g:  # a goal with no figure is a benchmark to mend
                rows.append(f"| {bench} | {g['name']} | no figure | | FAIL |")
                continue
            sign = {"at_most": "≤", "at_least": "≥", "equal": "="}[g["kind"]]
            goal = f"{g['name']} {sign} {g['limit']:g} {g['unit']}".rstrip()
            measured = f"{_number(g['value'])} {g['unit']}".rstrip()
            against = g.get("against", "").replace("|", "/")
            rows.append(f"| {bench} | {goal} | {measured} | {against} | {verdict} |")
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} … {END} markers for the table")
    head, rest = text.split(START, 1)
    old, tail = rest.split(END, 1)
    # rows of benchmarks not run this time stay as the last run wrote them
    kept = [
        line
        for line in old.splitlines()
        if line.startswith("| bench_") and line.split("|")[1].strip() not in results
    ]
    rows[2:2] = kept
    stamp = time.strftime("%Y-%m-%d")
    busy = (f", load average {min(loads):.0f} to {max(loads):.0f} while it ran (other work on "
            "the same cores: absolute times are the machine's, ratios are measured interleaved)"
            if loads else "")  # fmt: skip
    note = f"_Written by `scripts/bench --write-readme` on {stamp}, on a 2-core machine{busy}._"
    body = f"{START}\n{note}\n\n"
    README.write_text(head + body + "\n".join(rows) + "\n" + END + tail, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description="Run the benchmarks and check their goals.")
    ap.add_argument("names", nargs="*", help="which benchmarks (e.g. startup cards); default all")
    ap.add_argument("--tighten", type=float, default=1.0, help="make every goal F times harder")
    ap.add_argument("--write-readme", action="store_true", help="rewrite README's table")
    args = ap.parse_args()
    paths = sorted((ROOT / "scripts").glob("bench_*.py"))
    if args.names:
        wanted = {n.removeprefix("bench_").removesuffix(".py") for n in args.names}
        paths = [p for p in paths if p.stem.removeprefix("bench_") in wanted]
        if not paths:
            sys.exit(f"no benchmark named {', '.join(sorted(wanted))}")
    rows = [["benchmark", "goals", "passed", "failed", "exit", "seconds"]]
    results: dict[str, dict] = {}
    failed_any = False
    loads = [os.getloadavg()[0]]
    for path in paths:
        print(f"== {path.name}", flush=True)
        result, took, code, output = run_one(path, args.tighten)
        goals = goals_of(result, output)
        result = {**result, "goals": goals}
        bad = [g for g in goals if not g["passed"]]
        ok = code == 0 and goals and not bad
        failed_any |= not ok
        for g in goals:
            figure = f": {_number(g['value'])} {g.get('unit', '')}".rstrip() if "value" in g else ""
            base = f" (baseline: {g['against']})" if g.get("against") else ""
            print(("PASS  " if g["passed"] else "FAIL  ") + g["name"] + figure + base)
        for c in result.get("checks", []):
            if not c["ok"]:  # the run measured was broken: its figures mean nothing
                print(f"BROKEN  {c['name']}: {c['value']:g} (expected {c['expected']:g})")
        if not goals:
            print("FAIL  no goals reported (the last line must be the JSON with 'goals')")
            print(output[-2000:])
        results[path.stem] = result
        loads.append(os.getloadavg()[0])
        rows.append([path.stem, str(len(goals)), str(len(goals) - len(bad)), str(len(bad)),
                     str(code), f"{took:.0f}"])  # fmt: skip
    print()
    print(table(rows))
    if args.write_readme:
        if args.tighten != 1.0:
            sys.exit("--write-readme takes the real goals: run without --tighten")
        write_readme(results, loads)
        print("README.md performance table rewritten")
    sys.exit(1 if failed_any else 0)


if __name__ == "__main__":
    main()
