"""The shared defaults agree with the libraries they stand in for."""

from __future__ import annotations

import phonenumbers

from contacts_crm.defaults import DEFAULT_REGION, PHONE_REGIONS


def test_phone_regions_are_the_ones_phonenumbers_knows() -> None:
    # written out so a profile's region is checked without loading phonenumbers;
    # a phonenumbers upgrade that adds or drops a region must update the list
    assert frozenset(phonenumbers.SUPPORTED_REGIONS) == PHONE_REGIONS
    assert DEFAULT_REGION in PHONE_REGIONS
