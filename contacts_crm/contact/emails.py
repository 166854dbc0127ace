"""E-mail addresses: checked by email-validator (RFC 5322 syntax, IDNA domains).

Pure: no I/O (deliverability, which asks DNS, is never checked). The library
is imported on the first address that needs it: the plain ASCII addresses most
lists hold ("ivan.petrov@mail.ru") are a subset email-validator accepts whole,
told by one regular expression (25,000 of them cost milliseconds, not a second);
everything else ("ivan@@mail", "ivan@mail", IDN domains, quoted local parts) is
the library's call.
"""

from __future__ import annotations

import functools
import re

# Plain ASCII: dot-atoms without empty parts, a dotted domain of LDH labels, a letter TLD.
_PLAIN = re.compile(
    r"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
# Special-use names email-validator refuses (RFC 6761 and friends), for the plain path too.
_SPECIAL_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "home", "lan", "internal"}


@functools.lru_cache(maxsize=1 << 14)
def valid_email(text: str) -> str | None:
    """The address lower-cased when it is one ("ivan@@mail", "ivan@mail" are not), else None."""
    value = text.strip()
    low = value.lower()
    local, _, domain = low.rpartition("@")
    if (
        _PLAIN.match(low)
        and len(local) <= 64
        and len(low) <= 254
        and "--" not in domain  # "xn--" and kin: IDNA rules, the library's call
        and domain.rsplit(".", 1)[-1] not in _SPECIAL_TLDS
    ):
        return low
    import email_validator  # lazy: see the module's docstring

    try:
        email_validator.validate_email(
            value, check_deliverability=False, allow_smtputf8=True, test_environment=True
        )
    except email_validator.EmailNotValidError:
        return None
    return low
