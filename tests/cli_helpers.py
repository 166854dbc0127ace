"""Running the real ``crm`` CLI in-process from tests."""

from __future__ import annotations

import contextlib
import io

import pytest

from contacts_crm.cli.main import main


def crm(*args: str) -> tuple[int, str]:
    """Run ``crm ARGS`` in-process through ``main`` (exit codes included); (code, stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0), out.getvalue()
