"""Every field of the real programs' vCards (tests/fixtures/vcard) goes into the account's own
People API fields (over HTTP, through the real client, to the emulator) and comes back out of
every export: vCard, Google CSV, xlsx, csv, and a JSON backup restored."""

from __future__ import annotations

from pathlib import Path

import pytest

from contacts_crm.account.connected import Account
from contacts_crm.emulator import Emulator, EmulatorServer, build_service
from contacts_crm.imports.run import ImportOptions, import_file, read_records
from contacts_crm.usecases.export import export_account, restore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vcard"
# Each file with the region its numbers belong to.
FILES = {
    "android_21.vcf": "RU", "nokia_21.vcf": "RU", "icloud_30.vcf": "US",
    "outlook_2003_2007.vcf": "DE", "thunderbird_40.vcf": "TR", "evolution_30.vcf": "RU",
    "thebat_latin2.vcf": "PL", "macos_utf16.vcf": "TR", "lotus_notes.vcf": "GB",
    "damaged.vcf": "RU",
}  # fmt: skip


def _fields(r) -> tuple:
    """Every field the tool stores, of an ImportRecord or a Contact alike."""
    return (
        r.given_name, r.middle_name, r.family_name, r.organization, r.title, r.department,
        r.job_description, list(r.nicknames), [(u.value, u.type) for u in r.urls], r.birthday,
        [(p.value, p.type) for p in r.phones], [(e.value, e.type) for e in r.emails],
        [(a.type, a.formatted, a.street, a.city, a.region, a.postal_code, a.country, a.po_box,
          a.extended) for a in r.addresses],
        r.notes,
    )  # fmt: skip


def _key(fields: tuple) -> tuple:
    return fields[0], fields[2], fields[3]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The ten files imported into one account; (account, what the files said, emulator)."""
    tmp = tmp_path_factory.mktemp("fields")
    emu = Emulator()
    with EmulatorServer(emu) as server:
        account = Account.from_service(build_service(server.url), tmp / "data")
        said = {}
        for name, region in FILES.items():
            for rec in read_records(FIXTURES / name, region=region)[1]:
                if not rec.reject:
                    said[_key(_fields(rec))] = (_fields(rec), sorted(rec.groups))
            import_file(account, FIXTURES / name, ImportOptions(region=region))
        account.sync()
        yield account, said, tmp
        account.close()
    emu.close()


def test_the_files_fields_land_in_the_peoples_own_fields(imported):
    account, said, _ = imported
    held = {_key(_fields(c)): c for c in account.contacts.all()}
    assert set(held) == set(said)
    for key, (fields, _groups) in said.items():
        assert _fields(held[key]) == fields, key
    john = held[("John", "Smith", "Acme Corp")].raw
    assert john["nicknames"][0]["value"] == "Johnny"
    assert john["birthdays"][0]["date"] == {"year": 1980, "month": 5, "day": 17}
    assert (john["urls"][0]["type"], john["urls"][0]["formattedType"]) == ("homePage", "Home Page")
    org = john["organizations"][0]
    assert (org["department"], org["jobDescription"]) == ("Sales", "Key account")


@pytest.mark.parametrize("fmt", ["vcard", "google-csv", "xlsx", "csv"])
def test_every_field_comes_back_out_of_every_export(imported, fmt):
    account, said, tmp = imported
    path = tmp / f"out.{fmt}"
    export_account(account, path, fmt)
    back = {}
    for rec in read_records(path, region="RU")[1]:
        back[_key(_fields(rec))] = (_fields(rec), sorted(rec.groups))
    if fmt in ("xlsx", "csv"):  # a column per phone and e-mail type: each type in its column
        back, said = _by_column(back), _by_column(said)
    assert back == said


def _by_column(records: dict) -> dict:
    out = {}
    for key, (fields, groups) in records.items():
        out[key] = ((*fields[:10], sorted(fields[10]), sorted(fields[11]), *fields[12:]), groups)
    return out


def test_a_json_backup_restored_holds_every_field(imported, tmp_path):
    account, said, tmp = imported
    path = tmp / "backup.json"
    export_account(account, path, "json")
    emu = Emulator()
    fresh = Account.from_service(build_service(emu), tmp_path / "fresh")
    assert restore(fresh, path) == len(said)
    fresh.sync()
    back = {_key(_fields(c)): _fields(c) for c in fresh.contacts.all()}
    assert back == {k: v[0] for k, v in said.items()}
    fresh.close()
    emu.close()
