"""Phone numbers: examples from real office files, and properties over every region."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from contacts_crm.contact.phones import (
    format_national,
    looks_like_phone,
    lookup_keys,
    normalize,
    normalize_cell,
    split_cell,
)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        # Russia: 8-prefix, +7, spaces, dashes, brackets, bare ten digits
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        ("+7 916 1234567", "RU", "+79161234567"),
        ("9161234567", "RU", "+79161234567"),
        ("8-916-123-45-67", "RU", "+79161234567"),
        ("+7(916)123-45-67", "RU", "+79161234567"),
        ("8 495 123 45 67", "RU", "+74951234567"),
        ("79161234567", "RU", "+79161234567"),  # the "+" lost in a spreadsheet
        ("8-10-44-20-7946-0958", "RU", "+442079460958"),  # RU international prefix
        # 00-prefix, whatever the office's region
        ("00 44 20 7946 0958", "RU", "+442079460958"),
        ("0044 20 7946 0958", "GB", "+442079460958"),
        ("00 90 532 123 45 67", "US", "+905321234567"),
        # Turkey
        ("0532 123 45 67", "TR", "+905321234567"),
        ("+90 (532) 123-45-67", "TR", "+905321234567"),
        ("0212 123 45 67", "TR", "+902121234567"),
        # United States
        ("(201) 555-0123", "US", "+12015550123"),
        ("+1 201-555-0123", "RU", "+12015550123"),
        ("201.555.0123", "US", "+12015550123"),
        # United Kingdom
        ("020 7946 0958", "GB", "+442079460958"),
        ("07400 123456", "GB", "+447400123456"),
        ("+44 (0)20 7946 0958", "RU", "+442079460958"),
        # Excel damage that can be repaired
        ("79161234567.0", "RU", "+79161234567"),
        ("7.9161234567E+10", "RU", "+79161234567"),
        ("7,9161234567E+10", "RU", "+79161234567"),
        ("  8 916\u00a0123 45 67 ", "RU", "+79161234567"),
    ],
)
def test_examples(raw: str, region: str, e164: str) -> None:
    phone = normalize(raw, region)
    assert phone.e164 == e164, phone
    assert phone.ok and phone.problem is None and phone.extension is None
    assert phone.value == e164
    assert phone.raw == raw  # the raw text is always kept


@pytest.mark.parametrize(
    ("raw", "region", "e164", "ext"),
    [
        ("8 916 123-45-67 доб. 123", "RU", "+79161234567", "123"),
        ("8 (495) 123-45-67 доб 7", "RU", "+74951234567", "7"),
        ("+1 201-555-0123 ext 45", "US", "+12015550123", "45"),
        ("(201) 555-0123 ext. 45", "US", "+12015550123", "45"),
        ("+7 (916) 123-45-67 x12", "RU", "+79161234567", "12"),
        ("0212 123 45 67 dahili 12", "TR", "+902121234567", "12"),
        ("0044 20 7946 0958 доб. 5", "RU", "+442079460958", "5"),
    ],
)
def test_extensions(raw: str, region: str, e164: str, ext: str) -> None:
    phone = normalize(raw, region)
    assert (phone.e164, phone.extension) == (e164, ext)
    assert phone.value == f"{e164};ext={ext}"
    assert normalize(phone.value, region).value == phone.value  # stored form reads back


def test_excel_exponent_that_lost_digits_needs_review_and_has_no_e164() -> None:
    phone = normalize("7.91612E+10", "RU")
    assert phone.e164 is None  # never store a guess
    assert phone.needs_review and not phone.ok
    assert "lost its last 5 digit(s)" in (phone.problem or "")
    assert phone.value == "7.91612E+10"


@pytest.mark.parametrize("raw", ["12", "abc", "8 916", "+7 123", "1.5E-3"])
def test_invalid_numbers_keep_raw_and_say_why(raw: str) -> None:
    phone = normalize(raw, "RU")
    assert phone.e164 is None and not phone.ok
    assert phone.problem
    assert phone.value == raw


def test_empty() -> None:
    assert normalize("   ", "RU").problem == "empty phone number"
    assert split_cell("") == [] and split_cell(None) == []  # type: ignore[arg-type]
    assert normalize_cell("  ") == []


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("8 916 123-45-67, 8 495 123-45-67", ["+79161234567", "+74951234567"]),
        ("8 916 123-45-67; +7 903 111 22 33", ["+79161234567", "+79031112233"]),
        ("+79161234567 ::: +74951234567", ["+79161234567", "+74951234567"]),  # Google CSV
        ("8 916 123-45-67\n8 495 123-45-67", ["+79161234567", "+74951234567"]),
        ("8 916 123 45 67 / 8 495 123 45 67", ["+79161234567", "+74951234567"]),
        ("89031112233 или 89031112234", ["+79031112233", "+79031112234"]),
        ("0532 123 45 67 veya 0212 123 45 67", ["+905321234567", "+902121234567"]),
        ("8 916 123-45-67 доб. 12, +1 201 555 0123", ["+79161234567;ext=12", "+12015550123"]),
    ],
)
def test_several_numbers_in_one_cell(cell: str, expected: list[str]) -> None:
    region = "TR" if "veya" in cell else "RU"
    assert [p.value for p in normalize_cell(cell, region)] == expected


def test_lookup_keys_and_helpers() -> None:
    assert lookup_keys("+79161234567") == ["+79161234567", "tail:161234567"]
    # typed without a country, in an office set to another region: the tail still matches
    assert lookup_keys("916 123 45 67", "US") == ["tail:161234567"]
    assert format_national("+79161234567") == "+7 916 123-45-67"
    assert format_national("not a number") == "not a number"
    assert looks_like_phone("8 (916) 123-45-67") and looks_like_phone("+7 916 1234567")
    assert not looks_like_phone("Petrov") and not looks_like_phone("a@b.com")
    assert not looks_like_phone("Order 17")


# ------------------------------------------------------------------ properties
_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)
EXAMPLES = sorted(
    {
        (region, phonenumbers.format_number(num, PhoneNumberFormat.E164))
        for region in phonenumbers.SUPPORTED_REGIONS
        for kind in _TYPES
        if (num := phonenumbers.example_number_for_type(region, kind)) is not None
        and phonenumbers.is_valid_number(num)
    }
)
FORMATS = (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.E164)


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str, str]:
    """(region, E.164, a human spelling of it) with random separators and brackets."""
    region, e164 = draw(st.sampled_from(EXAMPLES))
    num = phonenumbers.parse(e164)
    text = phonenumbers.format_number(num, draw(st.sampled_from(FORMATS)))
    tokens: list[str] = []
    for ch in text:
        if ch in " -" and tokens[-1:] != ["+"]:
            tokens.append(draw(st.sampled_from([" ", "-", "", "  ", " - "])))
        else:
            tokens.append(ch)
    spelled = "".join(tokens)
    digits_at = [i for i, ch in enumerate(spelled) if ch.isdigit()]
    if draw(st.booleans()) and len(digits_at) > 6 and "(" not in spelled:
        # brackets around a group of digits after the first one: "8 (916) 123..."
        start = draw(st.sampled_from(digits_at[1:4]))
        end = draw(st.integers(start + 1, min(start + 4, len(spelled))))
        spelled = f"{spelled[:start]} ({spelled[start:end]}) {spelled[end:]}"
    pad = draw(st.sampled_from(["", " ", "\t"]))
    return region, e164, f"{pad}{spelled}{pad}"


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(spellings())
def test_any_spelling_of_a_valid_number_normalises_to_its_e164(case) -> None:
    region, e164, spelled = case
    phone = normalize(spelled, region)
    assert phone.e164 == e164, (spelled, phone)
    assert phone.ok


@FAST
@given(spellings())
def test_normalize_is_idempotent_on_its_own_output(case) -> None:
    region, _, spelled = case
    once = normalize(spelled, region)
    twice = normalize(once.value, region)
    assert twice.value == once.value
    assert twice.e164 == once.e164
    # and the stored E.164 form means the same number from any office's region
    assert normalize(once.value, "US").value == once.value


@FAST
@given(spellings(), st.sampled_from(["RU", "TR", "US", "GB"]))
def test_lookup_keys_of_any_spelling_share_a_key_with_the_e164_form(case, office) -> None:
    region, e164, spelled = case
    assert set(lookup_keys(spelled, region)) & set(lookup_keys(e164, office))
    nsn = str(phonenumbers.national_significant_number(phonenumbers.parse(e164)))
    if len(nsn) >= 9:  # typed without any country code in an office elsewhere
        assert set(lookup_keys(nsn, office)) & set(lookup_keys(e164, office))


@FAST
@given(
    st.lists(st.sampled_from(EXAMPLES), min_size=1, max_size=4),
    st.sampled_from(["; ", ", ", "\n", " ::: ", " / "]),
)
def test_cells_with_several_international_numbers_split_back(examples, sep) -> None:
    numbers = [e164 for _, e164 in examples]
    cell = sep.join(
        phonenumbers.format_number(phonenumbers.parse(n), PhoneNumberFormat.INTERNATIONAL)
        for n in numbers
    )
    assert [p.e164 for p in normalize_cell(cell, "RU")] == numbers


def test_e164_fast_path_gives_the_keys_the_parser_would() -> None:
    """Stored E.164 numbers are indexed without phonenumbers; same keys as the slow path."""
    from contacts_crm.contact.phones import _DIGITS

    for raw in ["+79161234567", "+905321234567", "+4915123456789", "+12025550143"]:
        phone = normalize(raw, "RU")
        assert phone.e164 == raw
        slow = [raw, "tail:" + _DIGITS.sub("", raw)[-9:]]
        assert lookup_keys(raw) == slow
