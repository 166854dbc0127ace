"""The ``crm`` command (placeholder until the CLI lands)."""


def main() -> None:
    print("crm")
