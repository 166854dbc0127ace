"""Phone numbers: E.164 normalisation, several numbers in one cell, Excel damage.

Pure: no I/O. Android matches a caller to a contact by the stored number, and
E.164 (``+79161234567``) is the form that matches reliably in every region, so
that is what the tool writes. Everything here is built on ``phonenumbers``,
imported on the first number that must be parsed or formatted (about 15 ms):
looking a client up by name, or by a number already in E.164, does not load it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from contacts_crm.defaults import DEFAULT_REGION, PHONE_REGIONS
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _

# What separates several numbers typed into one spreadsheet cell.
_SPLIT = re.compile(
    r"\s*(?:\n|;|,(?!\d{3}\b)|/(?=\s*[+(\d])|\s:::\s|\s+(?:or|или|veya)\s+)\s*", re.I
)
# An extension written after the number: "доб. 12", "ext 12", "x12", "dahili 12".
_EXT = re.compile(
    r"\s*(?:ext\.?|extension|x|доб\.?|добавочный|вн\.?|dahili|dah\.?)\s*(\d{1,7})\s*$", re.I
)
# An extension alone, split off its number by a separator: "8-495-123-45-67, доб. 305".
_EXT_ONLY = re.compile(
    r"^(?:ext\.?|extension|x|доб\.?|добавочный|вн\.?|dahili|dah\.?)\s*\d{1,7}$", re.I
)
# A number Excel stored as a float: 79161234567.0, or in exponent form 7.9161234567E+10.
_FLOAT = re.compile(r"^\+?(\d+)\.0+$")
_EXPONENT = re.compile(r"^\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
_DIGITS = re.compile(r"\D+")
_E164 = re.compile(r"\+[1-9]\d{6,14}")


@dataclass(frozen=True)
class Phone:
    """One normalised phone number.

    ``e164`` is set when the number is valid for its region; otherwise it is
    ``None`` and ``problem`` says why (the raw text is always kept).
    """

    raw: str
    e164: str | None
    extension: str | None = None
    problem: str | None = None
    needs_review: bool = False
    # how the number was read: "international" (typed with + or 00), "national" (for the
    # region), "own-code" (the region's own country code typed without +: 79161234567 in RU),
    # "other-code" (digits read as another country's code without +: a guess)
    read_as: str = ""

    @property
    def value(self) -> str:
        """What to store in the contact: E.164 (with extension) or the raw text."""
        if self.e164 is None:
            return self.raw
        return f"{self.e164};ext={self.extension}" if self.extension else self.e164

    @property
    def ok(self) -> bool:
        return self.e164 is not None and not self.needs_review


def _repair_excel(text: str) -> tuple[str, str | None, bool]:
    """Undo what Excel does to long numbers; return (text, problem, needs_review)."""
    m = _FLOAT.match(text)
    if m:
        return m.group(1), None, False
    m = _EXPONENT.match(text.replace(" ", ""))
    if m:
        lead, frac, exp = m.group(1), m.group(2) or "", int(m.group(3))
        digits = lead + frac
        if len(digits) - 1 > exp:
            return text, "not a phone number (a fraction in exponent form)", True
        missing = exp - (len(digits) - 1)
        repaired = digits + "0" * missing
        if missing > 0:
            # Excel dropped trailing digits: the zeros are a guess, not the number.
            return (
                repaired,
                f"Excel stored this number in exponent form and lost its last {missing} digit(s)",
                True,
            )
        return repaired, None, False
    return text, None, False


@functools.lru_cache(maxsize=1 << 16)
def normalize(raw: str, region: str = DEFAULT_REGION) -> Phone:
    """Normalise one phone number to E.164 using ``region`` for national formats.

    Memoised by (raw text, region): an import, its plan and the cache see the
    same numbers again and again, and phonenumbers is the costly part.

    >>> normalize("8 (916) 123-45-67", "RU").e164
    '+79161234567'
    >>> normalize("7.9161234567E+10", "RU").e164
    '+79161234567'
    """
    text = " ".join(str(raw).split())
    if not text:
        return Phone(raw=str(raw), e164=None, problem="empty phone number")
    ext = None
    m = _EXT.search(text)
    if m:
        ext, text = m.group(1), text[: m.start()]
    text, problem, review = _repair_excel(text)
    if review and problem and "fraction" in problem:
        return Phone(raw=str(raw), e164=None, problem=problem, needs_review=True)
    import phonenumbers  # lazy: see the module's docstring

    digits = _DIGITS.sub("", text)
    plus = text.lstrip().startswith("+")
    intl = plus or text.startswith("00")
    candidates: list[tuple[str, str]] = []
    own = _calling_code(region)
    # The region's own country code typed without "+" (79161234567 in RU, 4915123456789
    # in DE): read as that, before the national reading makes +49 4915... of it.
    if not intl and own and digits.startswith(own) and len(digits) >= len(own) + 7:
        candidates.append(("+" + digits, "own-code"))
    candidates.append((text, "international" if intl else "national"))
    # "00" is the international prefix in most of the world ("0044 20 ..."),
    # even where the region's own prefix is another one (RU: 810).
    if text.startswith("00"):
        candidates.append(("+" + digits[2:], "international"))
    # Numbers saved without their "+" (e.g. 4915123456789 from Excel) may be international.
    if not plus and len(digits) >= 11:
        candidates.append(("+" + digits, "other-code"))
    for candidate, read_as in candidates:
        try:
            num = phonenumbers.parse(candidate, region.upper() if region else None)
        except phonenumbers.NumberParseException:
            continue
        if ext is None and num.extension:
            ext = num.extension
        if phonenumbers.is_valid_number(num):
            if review:  # the digits Excel dropped are unknown: never store a guess
                return Phone(
                    raw=str(raw), e164=None, extension=ext, problem=problem, needs_review=True
                )
            e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
            return Phone(raw=str(raw), e164=e164, extension=ext, read_as=read_as)
    why = problem or f"not a valid phone number for region {region}"
    return Phone(raw=str(raw), e164=None, extension=ext, problem=why, needs_review=review)


PROBLEM_TEMPLATES = (  # what ``normalize`` says, as templates (the English text is kept as data)
    (re.compile(r"^not a valid phone number for region (?P<region>\w*)$"),
     "not a valid phone number for region {region}"),
    (re.compile(r"^Excel stored this number in exponent form and lost its last (?P<n>\d+) "
                r"digit\(s\)(?P<rest>.*)$"),
     "Excel stored this number in exponent form and lost its last {n} digit(s){rest}"),
)  # fmt: skip


def local_problem(problem: str) -> str:
    """A problem ``normalize`` found, in the office's language (its English text is what
    ``--json`` and the journal keep)."""
    for pattern, template in PROBLEM_TEMPLATES:
        m = pattern.match(problem)
        if m:
            return _(template).format(**m.groupdict())
    return _(problem)


def _marked() -> None:  # pragma: no cover - never called: marks the problems for extraction
    for _word in (_("empty phone number"), _("not a phone number (a fraction in exponent form)"),
                  _("not a valid phone number for region {region}"), _("not a phone number"),
                  _("Excel stored this number in exponent form and lost its last {n} "
                    "digit(s){rest}")):  # fmt: skip
        pass


@functools.cache
def _calling_code(region: str) -> str:
    """The country calling code of ``region`` ("7" for RU), "" for an unknown region."""
    import phonenumbers  # lazy: see the module's docstring

    code = phonenumbers.country_code_for_region(region.upper()) if region else 0
    return str(code) if code else ""


def split_cell(cell: str) -> list[str]:
    """Split a cell that holds several numbers ("8916..., 8495...; +7...") into parts.

    An extension fragment after a separator stays with the number before it:
    "8-495-123-45-67, доб. 305" is one number with extension 305.
    """
    text = str(cell or "").strip()
    if not text:
        return []
    out: list[str] = []
    for part in (p.strip() for p in _SPLIT.split(text)):
        if not part:
            continue
        if out and _EXT_ONLY.match(part):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def normalize_cell(cell: str, region: str = DEFAULT_REGION) -> list[Phone]:
    """Every phone number in one spreadsheet cell, normalised."""
    return [normalize(part, region) for part in split_cell(cell)]


def lookup_keys(raw: str, region: str = DEFAULT_REGION) -> list[str]:
    """Index keys under which a number is found: its E.164 form and its digit tail.

    The tail (last 9 digits) lets "916 123 45 67" typed without a country
    match a number stored as +79161234567, whatever the default region.
    """
    return list(_lookup_keys(str(raw), region))


@functools.lru_cache(maxsize=1 << 16)
def _lookup_keys(raw: str, region: str) -> tuple[str, ...]:
    # pure and ~0.1 ms a number: a full sync re-indexes every number of the account
    if _E164.fullmatch(raw):  # what the tool writes: already the key, no parsing needed
        return (raw, "tail:" + raw[1:][-9:])
    keys: list[str] = []
    phone = normalize(raw, region)
    if phone.e164:
        keys.append(phone.e164)
    digits = _DIGITS.sub("", phone.e164 or str(raw))
    if len(digits) >= 7:
        keys.append("tail:" + digits[-9:])
    return tuple(keys)


def format_national(e164: str) -> str:
    """A human form of an E.164 number for display (``+7 916 123-45-67``)."""
    import phonenumbers  # lazy: see the module's docstring

    try:
        num = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    text = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return text.replace(" ext. ", " " + _("ext.") + " ")  # the office's word for it


def looks_like_phone(text: str) -> bool:
    """True when a search query is a phone number rather than a name or email."""
    t = text.strip()
    if not t or "@" in t:
        return False
    digits = _DIGITS.sub("", t)
    return len(digits) >= 5 and len(digits) >= 0.6 * len(re.sub(r"\s", "", t))


def check_region(code: str, option: str = "region") -> str:
    """The upper-case region code, or UsageError for one phonenumbers does not know."""
    region = code.strip().upper()
    if region not in PHONE_REGIONS:
        raise UsageError(
            f"{option}: {code!r} is not a phone region",
            hint="give a two-letter country code such as RU, TR, US, GB",
        )
    return region


def fits_region(raw: str, region: str) -> bool:
    """True when ``raw`` is a valid number read under ``region`` without guessing a country:
    national for the region, typed with "+" or "00", or the region's own code without "+"."""
    p = normalize(raw, region)
    return p.ok and p.read_as != "other-code"


def likely_region(texts: list[str], exclude: str = "") -> tuple[str, int] | None:
    """(region, how many of ``texts`` it fits) for the one country most ``texts`` are national
    numbers of; None when no region fits more than half, or two countries tie.

    Ranked by how many numbers are valid national numbers of the region, then by
    how many are written exactly as the region writes them ("0532 123 45 67" is
    Turkish grouping, "05321 234567" German). Regions that give every number the
    same E.164 (US and CA, RU and KZ) are one country here; the region
    phonenumbers names first for its code stands for them.
    """
    import phonenumbers  # lazy: see the module's docstring

    if not texts:
        return None
    spelled = [" ".join(t.split()) for t in texts]
    scores: dict[tuple[str | None, ...], tuple[int, int, list[str]]] = {}
    for code in sorted(PHONE_REGIONS):
        if code == exclude.upper():
            continue
        read = [normalize(t, code) for t in texts]
        key = tuple(p.e164 if p.ok and p.read_as == "national" else None for p in read)
        fit = sum(1 for e in key if e)
        if fit * 2 <= len(texts):
            continue
        styled = sum(
            1 for e, typed in zip(key, spelled, strict=True)
            if e and _national_form(e, code) == typed
        )  # fmt: skip
        _fit, old_styled, codes = scores.get(key, (fit, styled, []))
        scores[key] = (fit, max(styled, old_styled), [*codes, code])
    if not scores:
        return None
    ranked = sorted(scores.values(), key=lambda x: (-x[0], -x[1]))
    if len(ranked) > 1 and ranked[1][:2] == ranked[0][:2]:
        return None  # two countries read the numbers differently, equally well
    fit, _styled, codes = ranked[0]
    e164 = next(p.e164 for p in (normalize(t, codes[0]) for t in texts) if p.e164)
    country = phonenumbers.parse(e164, None).country_code or 0
    main = phonenumbers.region_code_for_country_code(country)
    return (main if main in codes else codes[0]), fit


@functools.lru_cache(maxsize=1 << 14)
def _national_form(e164: str, region: str) -> str:
    """How ``region`` writes the number nationally ("0532 123 45 67"), spaces collapsed."""
    import phonenumbers  # lazy: see the module's docstring

    num = phonenumbers.parse(e164, None)
    text = phonenumbers.format_out_of_country_calling_number(num, region)
    return " ".join(text.split())
