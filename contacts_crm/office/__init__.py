"""What an office customises without code, read from templates.

The only code that reads ``contacts_crm/templates`` (and an office's own
template folder); it hands pure settings objects to ``card`` and the others.
"""
