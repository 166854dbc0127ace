"""The ``crm`` command: parsing, output and exit codes only (no business logic)."""

from contacts_crm.cli.main import cli, main

__all__ = ["cli", "main"]
