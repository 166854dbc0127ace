"""``python -m contacts_crm`` runs the ``crm`` command."""

from contacts_crm.cli import main

if __name__ == "__main__":
    main()
