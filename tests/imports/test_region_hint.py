"""The region hint names the country the numbers belong to, or none; never another's.

Over libphonenumber's own example numbers (every kind a region has, written the
national way, with and without spaces) of 40 regions, imported under the
profile's default region RU.
"""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from contacts_crm.contact.phones import normalize
from contacts_crm.errors import InputError
from contacts_crm.imports.normalize import ImportRecord
from contacts_crm.imports.run import check_region

REGIONS = (
    "AE", "AR", "AT", "AU", "BE", "BR", "CA", "CH", "CN", "CZ", "DE", "EG", "ES", "FR", "GB",
    "GE", "GR", "IL", "IN", "IT", "JP", "KR", "KZ", "MX", "NL", "NO", "PL", "PT", "SA", "SE",
    "TH", "TR", "UA", "US", "UZ", "VN", "ZA", "AZ", "BY", "ID",
)  # fmt: skip


KINDS = (
    PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER, PhoneNumberType.UAN,
)  # fmt: skip


def _examples(region: str) -> list[tuple[str, str]]:
    """(as typed, true E.164) for the region's example numbers of every kind it has."""
    out = []
    for kind in KINDS:
        number = phonenumbers.example_number_for_type(region, kind)
        if number is None:
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        out += [(national, e164), ("".join(ch for ch in national if ch.isdigit()), e164)]
    return out


def _records(texts: list[str]) -> list[ImportRecord]:
    return [ImportRecord(row=i, phone_texts=[t]) for i, t in enumerate(texts, start=2)]


@pytest.mark.parametrize("region", REGIONS)
def test_the_hint_names_the_numbers_country_or_none(region):
    examples = _examples(region)
    texts = [t for t, _ in examples]
    try:
        check_region(_records(texts), "RU", "x.csv", given=False)
    except InputError as e:
        if e.reason != "wrong_region":
            assert "no one country fits" in e.message  # none named: never a wrong one
            return
        named = e.values["best"]
        # the region named reads every number as the country it belongs to
        assert [normalize(t, named).e164 for t in texts] == [e for _, e in examples], named
        return
    # no stop: the numbers are stored as they are under RU, each as its own country's
    for t, e164 in examples:
        p = normalize(t, "RU")
        assert p.e164 in (e164, None), (t, p.e164)


def test_a_given_region_is_obeyed():
    texts = [t for t, _ in _examples("CN")]
    check_region(_records(texts), "RU", "x.csv", given=True)  # no stop: the admin said so


def test_numbers_with_their_own_country_code_need_no_region():
    texts = ["+49 30 123456", "+90 532 123 45 67", "0044 20 7946 0958", "+1 202 555 0143"]
    check_region(_records(texts), "RU", "x.csv", given=False)


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("4915123456789", "DE", "+4915123456789"), ("4915123456789", "RU", "+4915123456789"),
        ("79161234567", "RU", "+79161234567"), ("905321234567", "TR", "+905321234567"),
        ("4930123456", "DE", "+4930123456"), ("030 123456", "DE", "+4930123456"),
    ],
)  # fmt: skip
def test_a_country_code_typed_without_plus_is_recognised(typed, region, e164):
    assert normalize(typed, region).e164 == e164
