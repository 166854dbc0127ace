"""``--help`` in the office's language.

Click reads a command's help when its module is imported, before anyone knows
which profile (and so which language) runs. The English texts stay the
message ids: when help is shown, :func:`localize` sets every text of the
command tree (help, epilog, each option's help, the help option's) from the
catalog of the current language, keeping the English originals so that it can
switch back. :class:`CrmContext` gives every command a formatter that
translates click's own headings ("Usage:", "Options", "Commands").

``scripts/i18n.py`` puts :func:`help_texts` in the catalogs, so the
translators see exactly the texts the commands show.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from typing import Any

import click

from contacts_crm import i18n
from contacts_crm.i18n import _

_ENGLISH = "_crm_english"  # attribute: the command's English texts
_SHOWN = "_crm_language"  # attribute: the language its texts are in now


class HelpFormatter(click.HelpFormatter):
    """Click's formatter with its headings in the current language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=_("Usage:") + " " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        """Option rows, with click's own "[default: …]" and "[required]" translated."""
        if i18n.language() != "en":
            words = [(f"[{w}: ", f"[{_(w)}: ") for w in ("default", "env var")]
            words.append(("[required]", "[" + _("required") + "]"))
            rows = [(term, _replace_all(text, words)) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


def _replace_all(text: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


class CrmContext(click.Context):
    """A click context whose help pages use :class:`HelpFormatter`."""

    formatter_class = HelpFormatter


def msgid(text: str) -> str:
    """The message id of a help text: as click shows it (dedented, before any ``\\f``)."""
    return inspect.cleandoc(text).partition("\f")[0]


def _texts(command: click.Command, ctx: click.Context | None) -> Iterator[tuple[object, str]]:
    """(owner, attribute) of every help text a command shows."""
    for attr in ("help", "short_help", "epilog", "options_metavar"):
        yield command, attr
    if isinstance(command, click.Group):
        yield command, "subcommand_metavar"
    params: list[click.Parameter] = list(command.params)
    if ctx is not None:
        option = command.get_help_option(ctx)
        if option is not None:
            params.append(option)
    for param in params:
        if isinstance(param, click.Option):
            yield param, "help"


def _subcommands(command: click.Command, ctx: click.Context | None) -> list[click.Command]:
    """A group's subcommands: all of them (a lazy one loaded too), except for a group
    marked ``lazy_commands`` (the root), whose loaded ones only."""
    if not isinstance(command, click.Group):
        return []
    if getattr(command, "lazy_commands", False) or ctx is None:
        return list(command.commands.values())
    found = (command.get_command(ctx, name) for name in command.list_commands(ctx))
    return [sub for sub in found if sub is not None]


def localize(
    command: click.Command, ctx: click.Context | None = None, language: str | None = None
) -> None:
    """Show ``command`` and its subcommands in ``language`` (default: the current one)."""
    language = language or i18n.language()
    if language == "en" and _SHOWN not in command.__dict__:  # never translated: English
        loaded = command.commands.values() if isinstance(command, click.Group) else ()
        for sub in list(loaded):  # a subcommand may have been translated on its own
            localize(sub, ctx, language)
        return
    english: dict[tuple[int, str], tuple[object, Any]] = command.__dict__.setdefault(_ENGLISH, {})
    for owner, attr in _texts(command, ctx):
        english.setdefault((id(owner), attr), (owner, getattr(owner, attr, None)))
    if getattr(command, _SHOWN, "en") != language:
        for (_id, attr), (owner, original) in english.items():
            if original:
                setattr(owner, attr, original if language == "en" else _(msgid(original)))
        setattr(command, _SHOWN, language)
    if command.context_class is click.Context:  # a command's own context class stays
        command.context_class = CrmContext
    for sub in _subcommands(command, ctx):
        localize(sub, ctx, language)


def english(command: click.Command, owner: object, attr: str) -> Any:
    """The English text of ``owner.attr`` (the command or one of its options)."""
    kept = command.__dict__.get(_ENGLISH, {}).get((id(owner), attr))
    return kept[1] if kept is not None else getattr(owner, attr)


def help_texts(command: click.Command) -> Iterator[str]:
    """Every English help text of ``command`` and its subcommands (for the catalogs)."""
    ctx = click.Context(command)
    for owner, attr in _texts(command, ctx):
        text = english(command, owner, attr)
        if text:
            yield msgid(text)
    for sub in _subcommands(command, ctx):
        yield from help_texts(sub)


def _marked() -> None:  # pragma: no cover - never called: marks click's words for extraction
    for _word in (_("Usage:"), _("Options"), _("Commands"), _("Arguments"),
                  _("Positional arguments"), _("[OPTIONS]"), _("COMMAND [ARGS]..."),
                  _("default"), _("env var"), _("required")):  # fmt: skip
        pass
