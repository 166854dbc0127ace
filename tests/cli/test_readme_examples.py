"""The README's console examples run as written and print what the README shows.

scripts/readme_examples.py runs every ```console block in order for a new user (an empty
HOME, the local account, a fixed clock) and compares each command's output with the
lines under it; `--write` puts the real output in. A block marked not run (Google, a
server, a checkout) has its crm commands parsed, so their options exist.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_runner():
    spec = importlib.util.spec_from_file_location(
        "readme_examples", ROOT / "scripts/readme_examples.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_examples"] = module  # dataclasses look their module up
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


runner = load_runner()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="the examples are bash commands")
def test_every_readme_example_prints_what_the_readme_shows():
    problems = runner.check()
    assert problems == [], "\n\n".join(problems) + (
        "\n\nfix the README (or the command), or run scripts/readme_examples.py --write "
        "and review the diff"
    )


def test_the_story_is_run_and_only_marked_blocks_are_skipped():
    """The runner sees the README's story: a day at the office is run, not skipped."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").split("\n")
    blocks = runner.blocks(lines)
    run = [b for b in blocks if not b.not_run]
    commands = [e.shell for b in run for e in b.examples]
    assert any(c.startswith('crm add "Ivan Petrov"') and "--group Wholesale" in c for c in commands)
    assert "crm card Petrov" in commands
    assert sum(len(b.examples) for b in run) >= 50
    skipped = [b.not_run for b in blocks if b.not_run]
    # each names why: Google, a server, a checkout, a PIN asked on the terminal (users, roles)
    assert len(skipped) <= 9, skipped
    for block in run:
        for example in block.examples:
            assert example.shell.split()[0] == "crm", example.command


def test_a_difference_is_reported(tmp_path):
    """The check can fail: a README whose shown output is wrong is caught."""
    readme = tmp_path / "README.md"
    readme.write_text(
        "```console\n$ crm config set user Olga\nlocal: user = Masha\n```\n", encoding="utf-8"
    )
    problems = runner.check(readme=readme)
    assert len(problems) == 1 and "local: user = Olga" in problems[0]
    runner.check(write=True, readme=readme)
    assert "local: user = Olga" in readme.read_text(encoding="utf-8")
    assert runner.check(readme=readme) == []


def test_comments_and_continuations_are_read_like_bash():
    assert runner.strip_comment("crm find 916  # any spelling") == "crm find 916"
    assert runner.strip_comment('crm call A "x  # y"') == 'crm call A "x  # y"'
    assert runner.strip_comment("crm add A \\\n--note B") == "crm add A  --note B"
