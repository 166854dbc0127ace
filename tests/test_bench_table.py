"""README's performance table is the one ``scripts/bench --write-readme`` writes.

The table sits between the ``bench:start``/``bench:end`` markers; each row names a
goal of a ``scripts/bench_*.py`` (read from the benchmarks' source: each
``goals.at_most/at_least/equal/ratio_*`` call), with that goal's limit, and every
goal a benchmark states has its row: a goal added, renamed or re-limited without a
new run shows here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SCRIPTS = ROOT / "scripts"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
KINDS = {"at_most": "≤", "at_least": "≥", "equal": "=", "ratio_at_most": "≤",
         "ratio_at_least": "≥"}  # fmt: skip
LIMIT_ARG = {"ratio_at_most": "most", "ratio_at_least": "least"}


class Declared:
    """One goal as a benchmark's source states it: its name (a pattern when the name
    is an f-string), its sign and its limit (None when the source computes it)."""

    def __init__(self, pattern: str, sign: str, limit: float | None, line: int) -> None:
        self.pattern, self.sign, self.limit, self.line = re.compile(pattern), sign, limit, line

    def fits(self, name: str, sign: str, limit: float) -> bool:
        return bool(
            self.pattern.fullmatch(name) and sign == self.sign
            and (self.limit is None or abs(self.limit - limit) <= 1e-9 * max(1, self.limit))
        )  # fmt: skip


def _patterns(node: ast.expr) -> list[str]:
    """The regular expressions a goal's name expression can produce."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [re.escape(node.value)]
    if isinstance(node, ast.JoinedStr):
        return ["".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".+?"
                        for v in node.values)]  # fmt: skip
    if isinstance(node, ast.IfExp):
        return _patterns(node.body) + _patterns(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _patterns(node.left) for b in _patterns(node.right)]
    raise AssertionError(f"a goal name the test cannot read: {ast.dump(node)}")


def _value(node: ast.expr | None, constants: dict[str, float]) -> float | None:
    """A limit the source states: a number, a module constant, or arithmetic of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, constants), _value(node.right, constants)
        if left is None or right is None:
            return None
        ops = {ast.Mult: left * right, ast.Div: left / right if right else None,
               ast.Add: left + right, ast.Sub: left - right}  # fmt: skip
        return ops.get(type(node.op))
    return None


def declared_goals(path: Path) -> list[list[Declared]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        t.id: float(n.value.value)
        for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
        and isinstance(n.value.value, int | float)
        for t in n.targets if isinstance(t, ast.Name)
    }  # fmt: skip
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in KINDS and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "goals"):  # fmt: skip
            continue
        kind = node.func.attr
        if kind in LIMIT_ARG:
            limit_node = next((k.value for k in node.keywords if k.arg == LIMIT_ARG[kind]), None)
        else:
            limit_node = node.args[2] if len(node.args) > 2 else None
        limit = _value(limit_node, constants)
        # one goal; a name chosen by a condition (IfExp) is any one of its spellings
        out.append([Declared(p, KINDS[kind], limit, node.lineno) for p in _patterns(node.args[0])])
    for node in tree.body:  # goals a helper module of scripts/ adds (from _bench_history import,
        # import _bench_dashboard as ...)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("_bench_"):
            out += declared_goals(SCRIPTS / f"{node.module}.py")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("_bench_"):
                    out += declared_goals(SCRIPTS / f"{alias.name}.py")
    return out


def table_rows() -> list[tuple[str, str, str, float]]:
    """(benchmark, goal name, sign, limit) of each row between the markers."""
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "README needs one pair of markers"
    body = text.split(START, 1)[1].split(END, 1)[0]
    assert "scripts/bench --write-readme" in body  # the run's own note, not a typed one
    rows = []
    for line in body.splitlines():
        if not line.startswith("| bench_"):
            continue
        bench, goal = (c.strip() for c in line.split("|")[1:3])
        m = re.fullmatch(r"(.+) (≤|≥|=) ([\d,.e+-]+)(?: \S+)?", goal)
        assert m, f"a row whose goal has no limit: {line}"
        rows.append((bench, m.group(1), m.group(2), float(m.group(3).replace(",", ""))))
    return rows


def benchmarks() -> list[Path]:
    return sorted(SCRIPTS.glob("bench_*.py"))


def test_the_table_is_between_its_markers_and_covers_every_benchmark():
    rows = table_rows()
    assert {bench for bench, *_ in rows} == {p.stem for p in benchmarks()}


@pytest.mark.parametrize("path", benchmarks(), ids=lambda p: p.stem)
def test_the_tables_goals_are_the_benchmarks_goals(path):
    declared = declared_goals(path)
    assert declared, f"{path.name} states no goal"
    rows = [r for r in table_rows() if r[0] == path.stem]
    unknown = [r for r in rows if not any(d.fits(*r[1:]) for g in declared for d in g)]
    assert not unknown, f"rows that are no goal of {path.name} (run scripts/bench --write-readme)"
    missing = [g[0].pattern.pattern for g in declared
               if not any(d.fits(*r[1:]) for d in g for r in rows)]  # fmt: skip
    assert not missing, f"goals of {path.name} not in the table: {missing}"
