"""The office's language for what people read: gettext catalogs shipped in the package.

Messages are marked ``_("...")`` where they are built (at run time, never at
import time), and translated with the catalogs in ``contacts_crm/locale``
(``<lang>/LC_MESSAGES/contacts_crm.po`` and the compiled ``.mo``, both
committed, so an install needs no build step). ``use(language)`` switches the
language; the CLI calls it with the profile's language. Unknown languages and
untranslated messages fall back to English.

Maintainers: ``scripts/i18n.py`` extracts the messages (Babel), updates the
``.po`` files and compiles them.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

DOMAIN = "contacts_crm"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ru", "tr")

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def use(language: str | None) -> None:
    """Translate from now on into ``language`` (en, ru, tr; anything else: English)."""
    global _current, _language
    code = (language or "en").lower()
    code = code if code in LANGUAGES else "en"
    if code == "en":  # the messages are English: no catalog to look for
        _language, _current = code, gettext.NullTranslations()
        return
    _language = code
    _current = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_language], fallback=True)


def language() -> str:
    """The language messages are translated into now."""
    return _language


def _(message: str) -> str:
    """``message`` in the current language."""
    return _current.gettext(message)


def group_name(name: str) -> str:
    """A group the tool creates or reads by name (``Call back``, ``Customer``…) in the
    current language; names an office chose itself come back unchanged."""
    return _current.pgettext("group", name)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as used in ``context`` (a word that is
    translated differently in a spreadsheet's header than in a sentence)."""
    return _current.pgettext(context, message)


def decimal_symbol(language: str | None = None) -> str:
    """The decimal mark of ``language`` (default: the current one) by the locale's data
    (Babel/CLDR): ``.`` in English, ``,`` in Russian and Turkish. Amounts are written
    like the card writes them: groups of three with a space, then this mark."""
    return _decimal_symbol(language or _language)


@functools.lru_cache(maxsize=8)
def _decimal_symbol(language: str) -> str:
    from babel.numbers import get_decimal_symbol  # lazy: only amounts need it

    return str(get_decimal_symbol(language))


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language."""
    return _current.ngettext(singular, plural, n)


def _shipped_names() -> None:  # pragma: no cover - never called: marks names for extraction
    """The shipped templates' names, so the extractor puts them in the catalogs."""
    for _name in (
        _current.pgettext("group", "Call back"),
        _current.pgettext("group", "Customer"),
        _current.pgettext("group", "Returning"),
        _current.pgettext("group", "New"),
        _current.pgettext("group", "Leads"),
        _("Summary"), _("Open orders"), _("Employees"), _("Callbacks"), _("Activity"),
        _("Journal"), _("(all)"), _("(no group)"),
    ):  # fmt: skip
        pass
