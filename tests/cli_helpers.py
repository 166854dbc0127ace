"""Running the real ``crm`` CLI in-process from tests: the one runner every test uses."""

from __future__ import annotations

import contextlib
import io
from typing import NamedTuple

import pytest

from contacts_crm.cli.main import main


class CliResult(NamedTuple):
    code: int  # the exit code main() ended with
    out: str
    err: str


def run_crm(*args: str) -> CliResult:
    """Run ``crm ARGS`` in-process through ``main`` (exit codes and error mapping
    included, as the installed command has them); (code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.raises(SystemExit) as exit_info,
    ):
        main(list(args))
    return CliResult(int(exit_info.value.code or 0), out.getvalue(), err.getvalue())


def crm(*args: str) -> tuple[int, str]:
    """``run_crm`` when only the exit code and stdout matter."""
    result = run_crm(*args)
    return result.code, result.out
