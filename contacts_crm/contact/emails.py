"""E-mail addresses: checked by email-validator (RFC 5322 syntax, IDNA domains).

Pure: no I/O (deliverability, which asks DNS, is never checked). The library
is imported on the first address checked.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1 << 14)
def valid_email(text: str) -> str | None:
    """The address lower-cased when it is one ("ivan@@mail", "ivan@mail" are not), else None."""
    import email_validator  # lazy: see the module's docstring

    value = text.strip()
    try:
        email_validator.validate_email(
            value, check_deliverability=False, allow_smtputf8=True, test_environment=True
        )
    except email_validator.EmailNotValidError:
        return None
    return value.lower()
