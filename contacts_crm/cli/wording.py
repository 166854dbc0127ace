"""The use cases' typed errors worded for the command line: with its option names.

A use case says which field was refused and why (``FieldError``: ``field``,
``reason``, the values), and which field a problem of its input is in
(``Problem.field``); it names no option. Here they become the option names
people typed (``--callback-on``, ``--phone``) and hints that say which option
to add or drop. The office page words the same errors for staff (web/app.py).
"""

from __future__ import annotations

from contacts_crm.errors import CrmError, FieldError, InputError, Problem
from contacts_crm.i18n import _
from contacts_crm.usecases import contacts as contacts_uc

# Request fields -> the option that gives them.
OPTIONS = {
    "phone": "--phone",
    "email": "--email",
    "group": "--group",
    "callback_on": "--callback-on",
    "outcome": "--outcome",
    "at": "--at",
    "by": "--by",
    "limit": "--limit",
    "into": "--into",
    "region": "--region",
    "format": "--format",
    "on_duplicate": "--on-duplicate",
    "days": "--days",
}


def for_cli(exc: CrmError) -> CrmError:
    """``exc`` with its message, hint and problems in the command line's words
    (the same object: its message and hint are replaced where the CLI says more)."""
    if isinstance(exc, FieldError):
        worded = _field_error(exc)
        if worded is not None:
            exc.message, exc.hint = worded
    if isinstance(exc, InputError):
        exc.problems = [_problem(p) for p in exc.problems]
        _input_error(exc)
    return exc


def _input_error(exc: InputError) -> None:
    v = exc.values
    match exc.reason:
        case "shared_phone":
            exc.hint = _("use --allow-duplicate if the phone really is shared")
        case "shared_phone_undelete":
            exc.hint = _("merge by hand, or pass --allow-duplicate to restore it anyway")
        case "no_header":
            exc.hint = _(
                "the header needs columns such as Name, Phone, E-mail (ФИО, Телефон; "
                "Ad Soyad, Telefon), or give a mapping file with --mapping"
            )
        case "wrong_region":
            exc.message = _(
                "{source}: {bad} of {n} phone numbers are not valid for {which}; {country}: run "
                "again with --region {best}"
            ).format(**v)
        case "no_region_fits":
            exc.hint = _(
                "nothing was written; check the phone column, or give the country with --region "
                "XX (numbers that do not fit it are then kept in the notes, each reported)"
            )
        case "mapping_missing":
            exc.hint = _("check the name given to --mapping")
        case "no_sheets":
            exc.message = _("{file}: a {kind} file has no sheets (--sheet {sheet})").format(**v)
            exc.hint = _("leave out --sheet for this file")
        case "no_such_sheet":
            exc.hint = _("give one of them with --sheet NAME (or its number, 1, 2...)")
        case "only_header":
            exc.hint = _("check that this is the right file and sheet (--sheet)")


def _problem(problem: Problem) -> Problem:
    if problem.field is None or problem.column is not None:
        return problem
    option = OPTIONS.get(problem.field)
    if option is None:
        return problem
    return Problem(problem.message, file=problem.file, row=problem.row, column=option,
                   contact=problem.contact, field=problem.field)  # fmt: skip


def _field_error(e: FieldError) -> tuple[str, str | None] | None:
    v = e.values
    match (e.field, e.reason):
        case ("by", "unknown"):
            return e.message, _("pass --by NAME, or set your name once: crm config set user NAME")
        case ("at", "future"):
            return (
                _("--at {at} is in the future: log what has happened").format(**v),
                _("leave --at out for now, or give a past date or time"),
            )
        case ("callback_on", "missing"):
            return (
                _("--outcome callback needs the day to call back"),
                _("add --callback-on DATE (e.g. tomorrow, friday, +3d)"),
            )
        case ("callback_on", "not_callback"):
            return (
                _("--callback-on contradicts --outcome {outcome}: a call-back date "
                  "means the outcome is callback").format(**v),
                _("drop --outcome, or drop --callback-on"),
            )  # fmt: skip
        case ("callback_on", "before_call"):
            return (
                _("--callback-on {date} is before the call ({day}): a call-back date "
                  "is today or later").format(**v),
                e.hint,
            )  # fmt: skip
        case ("outcome", "missed"):
            return _("a missed call has no outcome (got --outcome {outcome})").format(**v), e.hint
        case ("limit", "range"):
            return _("--limit must be from 1 to {high:,}, got {got}").format(**v), e.hint
        case ("into", "not_either"):
            return _("--into {into!r} is neither of the two contacts").format(**v), e.hint
        case ("region", "unknown"):
            return _("--region {region!r} is not a country code").format(**v), e.hint
        case ("reasons", "unknown"):
            return _("--by {text!r}: unknown reason {bad}").format(**v), e.hint
        case ("period", "reversed"):
            return e.message, _("swap --since and --until")
        case ("days", "negative"):
            return _("--days must be 0 or more, got {got}").format(**v), e.hint
        case ("force", "not_empty"):
            return e.message, _(
                "restore into an empty account, or pass --force to add the backup's contacts"
            )
        case ("force", "many_deletes"):
            return e.message, _("check the list, then add --force to delete them all")
        case ("format", "choices"):
            return _("--format must be one of {choices}").format(**v), e.hint
        case ("on_duplicate", "choices"):
            return _("--on-duplicate must be one of {choices}").format(**v), e.hint
    return None


def name_guess_note(name: str) -> str | None:
    """What to tell the person who typed ``name`` when its words did not say which is which."""
    parts = contacts_uc.split_name(name)
    if parts.sure or not parts.family:
        return None
    return _(
        "Note: the words of {name!r} do not tell which is the given name; saved with given "
        "name {given!r} and family name {family!r} (if that is wrong: crm edit --name "
        '"GIVEN FAMILY")'
    ).format(name=" ".join(name.split()), given=parts.given, family=parts.family)
