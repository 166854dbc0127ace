"""Click's own messages (usage errors, "Missing argument", "is not one of") in the
office's language.

Click marks its messages with the standard library's ``gettext`` (each module
binds ``_`` and ``ngettext`` when imported), which would look for a catalog of
its own. :func:`install` points those names at our catalogs instead, so that
"No such command", "Missing argument" or a bad choice are worded like every
other message; :func:`_marked` lists the messages so that ``scripts/i18n.py``
puts them in the catalogs (English stays click's own words).
"""

from __future__ import annotations

import importlib

from contacts_crm import i18n
from contacts_crm.i18n import _, ngettext

_MODULES = ("core", "exceptions", "parser", "types", "decorators", "termui", "formatting")


def _gettext(message: str) -> str:
    return i18n._(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(singular, plural, n)


def install() -> None:
    """Translate click's messages with the current language's catalog from now on."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


def _marked() -> None:  # pragma: no cover - never called: marks click's words for extraction
    n = 1
    for _word in (
        _("Error: {message}"), _("Try '{command} {option}' for help."),
        _("Invalid value: {message}"), _("Invalid value for {param_hint}: {message}"),
        _("Missing argument"), _("Missing option"), _("Missing parameter"),
        _("Missing {param_type}"), _("Missing parameter: {param_name}"),
        _("No such option {name!r}."), _("No such command {name!r}."), _("Missing command."),
        ngettext("Did you mean {possibility}?",
                      "(Did you mean one of: {possibilities}?)", n),
        _("Option {name!r} does not take a value."),
        ngettext("Option {name!r} requires an argument.",
                      "Option {name!r} requires {nargs} arguments.", n),
        _("Argument {name!r} takes {nargs} values."),
        ngettext("Got unexpected extra argument ({args})",
                      "Got unexpected extra arguments ({args})", n),
        ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", n),
        ngettext("{value!r} does not match the format {format}.",
                      "{value!r} does not match the formats {formats}.", n),
        _("{value} is not in the range {range}."), _("{value!r} is not a valid {number_type}."),
        _("{value!r} is not a valid boolean. Recognized values: {states}"),
        _("{name} {filename!r} does not exist."), _("{name} {filename!r} is a file."),
        _("{name} {filename!r} is a directory."), _("{name} {filename!r} is not readable."),
        _("{name} {filename!r} is not writable."), _("Could not open file {filename!r}: {message}"),
        _("file"), _("directory"), _("path"), _("Aborted!"), _("unknown error"),
        _("Choose from:\n\t{choices}"),
    ):  # fmt: skip
        pass
