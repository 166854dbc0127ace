"""contacts-crm: a small office's CRM inside one shared Google Contacts account."""

__version__ = "0.1.0"
