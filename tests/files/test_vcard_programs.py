"""vCard files in the shapes phones and mail programs write (tests/fixtures/vcard, written for
these tests by hand after the programs' real exports): every field read, nothing dropped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contacts_crm.files.vcard import parse_vcards
from contacts_crm.imports.run import read_records
from contacts_crm.imports.vcard_record import phone_type

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vcard"


def _read(name: str, region: str = "RU"):
    return read_records(FIXTURES / name, region=region)[1]


def _phones(rec):
    return [(p.value, p.type) for p in rec.phones]


def _emails(rec):
    return [(e.value, e.type) for e in rec.emails]


def _addresses(rec):
    return [(a.type, a.street, a.city, a.region, a.postal_code, a.country) for a in rec.addresses]


def _kinds(rec):
    out: dict[str, str] = {}
    for n in rec.notices:
        out[n.kind] = f"{out[n.kind]} | {n.text}" if n.kind in out else n.text
    return out


def test_android_21_export_quoted_printable_cyrillic_photo_and_bare_types(capfd):
    elena, igor = _read("android_21.vcf")
    assert (elena.given_name, elena.middle_name, elena.family_name) == (
        "Елена", "Викторовна", "Павлова")  # fmt: skip
    assert (elena.organization, elena.title) == ("ООО Ромашка", "Главный бухгалтер")
    assert _phones(elena) == [
        ("+79161234567", "mobile"), ("+74951234567", "workFax"), ("+74957654321", "home"),
        ("+74951112233", "pager"),
    ]  # fmt: skip
    assert _emails(elena) == [
        ("elena.pavlova@example.ru", "home"),
        ("e.pavlova@romashka.example", "work"),
    ]
    # the note was quoted-printable over four lines with soft breaks: every line arrives
    assert elena.notes == "Клиент с 2019 года.\nЗвонить после обеда.\nСклад на Лесной"
    assert "PHOTO skipped" in _kinds(elena)["vcard-skipped"]
    # a PREF number comes first; FN that says more than N goes to the notes, with a word
    assert _phones(igor) == [("+79031234567", "mobile"), ("+79037654321", "mobile")]
    assert igor.given_name == "Игорь" and igor.notes == "Full name: Игорь Сантехник"
    assert "FN kept in the notes" in _kinds(igor)["vcard-notes"]
    assert capfd.readouterr().err == ""  # no library's log line instead of a report


def test_nokia_name_folded_by_a_soft_break():
    [rec] = _read("nokia_21.vcf")
    assert (rec.given_name, rec.family_name) == ("Александр", "Константинопольский")
    assert _phones(rec) == [("+79161112233", "mobile")]


def _more(rec):
    """The People API fields beyond the tool's first ones: nicknames, urls, birthday,
    department, job description."""
    return (rec.nicknames, [(u.value, u.type) for u in rec.urls], rec.birthday, rec.department,
            rec.job_description)  # fmt: skip


def test_icloud_30_item_labels_type_lists_and_everything_else_in_the_notes():
    [rec] = _read("icloud_30.vcf", region="US")
    assert (rec.given_name, rec.middle_name, rec.family_name) == ("John", "Quincy", "Smith")
    assert (rec.organization, rec.title) == ("Acme Corp", "Sales Manager")
    assert _phones(rec) == [
        ("+12025550143", "mobile"), ("+12025550178", "workMobile"), ("+12025550110", "work"),
        ("+12025550155", "homeFax"), ("+12025550199", "Office"),
    ]  # fmt: skip
    assert _emails(rec) == [("john@home.example", "home"), ("john.smith@acme.example", "work")]
    assert _addresses(rec) == [
        ("home", "1 Main St Apt 4", "Springfield", "IL", "62701", "USA"),
        ("work", "500 Market St", "San Francisco", "CA", "94105", "USA"),
    ]
    assert rec.groups == ["Clients", "VIP"]
    assert _more(rec) == (["Johnny"], [("https://acme.example", "homePage")], "1980-05-17",
                          "Sales", "Key account")  # fmt: skip
    assert rec.notes.splitlines() == [
        "Met at the trade fair, booth 12.", "Prefers e-mail.", "Spouse: Jane Smith",
        "Social profile (twitter): https://twitter.com/jqsmith",
    ]  # fmt: skip
    said = _kinds(rec)["vcard-notes"]
    assert said == "card 1: X-ABRELATEDNAMES, X-SOCIALPROFILE kept in the notes"
    assert "PHOTO" in _kinds(rec)["vcard-skipped"]


def test_outlook_2003_cp1252_and_2007_folded_note():
    hans, jane = _read("outlook_2003_2007.vcf", region="DE")
    assert (hans.given_name, hans.family_name) == ("Hans", "Müller")
    assert (hans.organization, hans.title) == ("Müller & Söhne GmbH", "Leiter Einkauf")
    assert _phones(hans) == [
        ("+49301234567", "work"), ("+49307654321", "home"), ("+4915123456789", "mobile"),
        ("+49301234568", "workFax"),
    ]  # fmt: skip
    assert _emails(hans) == [("hans.mueller@mueller-soehne.example", "other")]
    assert _addresses(hans) == [
        ("work", "Hauptstraße 1", "Berlin", "", "10115", "Deutschland"),
        ("home", "Gartenweg 5", "Potsdam", "", "14467", "Deutschland"),
    ]
    assert hans.addresses[0].formatted == "Hauptstraße 1 Berlin 10115"  # its LABEL
    assert _more(hans) == ([], [("http://www.mueller-soehne.example", "work")], "", "Einkauf", "")
    assert hans.notes == ""
    assert _more(jane) == ([], [], "1975-02-03", "", "")
    assert jane.notes.splitlines() == [
        "Line one", "Line two", "Line three", "Line four: Müller & Söhne", "IM: jane@im.example",
    ]  # fmt: skip


def test_thunderbird_40():
    [rec] = _read("thunderbird_40.vcf", region="TR")
    assert (rec.given_name, rec.middle_name, rec.family_name) == ("Mehmet", "Ali", "Yılmaz")
    assert (rec.organization, rec.title) == ("Firma A.Ş.", "Müdür")
    assert _phones(rec) == [
        ("+902125551234", "work"),
        ("+905321234567", "mobile"),
        ("+902125551235", "workFax"),
    ]
    assert _emails(rec) == [
        ("mehmet@example.com.tr", "other"),
        ("mehmet.yilmaz@posta.example", "home"),
    ]
    assert _addresses(rec) == [("work", "Büyükdere Cd. 10", "İstanbul", "", "34394", "Türkiye")]
    assert _more(rec) == ([], [("https://firma.example.com.tr", "work")], "--04-12", "İhracat", "")
    assert rec.notes.splitlines() == ["İhracat müdürü", "Salı günleri ofiste"]


def test_evolution_30():
    [rec] = _read("evolution_30.vcf")
    assert (rec.given_name, rec.family_name) == ("Анна", "Сидорова")
    assert (rec.organization, rec.title) == ("ИП Сидорова", "Директор")
    assert _phones(rec) == [
        ("+79123456789", "mobile"),
        ("+73431234567", "work"),
        ("+73431234500", "main"),
    ]
    assert _emails(rec) == [("anna@sidorova.example", "work"), ("anna.s@mail.example", "other")]
    assert _addresses(rec) == [("work", "ул. Ленина, д. 5, оф. 12", "Екатеринбург",
                                "Свердловская обл.", "620014", "Россия")]  # fmt: skip
    assert rec.groups == ["Оптовики", "Постоянные"]
    assert _more(rec) == (["Аня"], [("https://sidorova.example", "other")], "1985-11-30", "",
                          "Владелец")  # fmt: skip
    assert rec.notes.splitlines() == ["Скидка 5%", "Доставка по средам"]


def test_thebat_latin2():
    [rec] = _read("thebat_latin2.vcf", region="PL")
    assert (rec.given_name, rec.family_name, rec.organization) == (
        "Łukasz", "Wiśniewski", "Żółta Łódź Sp. z o.o.")  # fmt: skip
    assert _phones(rec) == [("+48221234567", "work"), ("+48601234567", "mobile")]
    assert _addresses(rec) == [("work", "ul. Świętokrzyska 12", "Warszawa", "", "00-916",
                                "Polska")]  # fmt: skip
    assert rec.notes == "Zamówienia tylko e-mailem.\nGość od 2015."


def test_utf16_file():
    [rec] = _read("macos_utf16.vcf", region="TR")
    assert (rec.given_name, rec.family_name, rec.organization) == ("Zeynep", "Kaya", "Kaya Tekstil")
    assert _phones(rec) == [("+905337654321", "mobile")]
    assert _emails(rec) == [("zeynep@kayatekstil.example", "work")]
    assert _addresses(rec) == [("work", "Atatürk Cd. 5", "İzmir", "", "35210", "Türkiye")]
    assert rec.notes == "Kumaş siparişleri"


def test_lotus_notes_lowercase_and_comma_type_lists():
    [rec] = _read("lotus_notes.vcf", region="GB")
    assert (rec.given_name, rec.family_name) == ("Robert", "Brown")
    assert (rec.organization, rec.title) == ("Brown Consulting Ltd", "Chief Scientist")
    assert _phones(rec) == [
        ("+441614960000", "work"),
        ("+447911123456", "mobile"),
        ("+441614960001", "workFax"),
    ]
    assert _emails(rec) == [("robert.brown@brown-consulting.example", "other")]
    assert rec.notes.splitlines() == ["Name prefix: Dr."]
    assert rec.department == "Research"


def test_damaged_file_reports_cards_by_number_and_imports_the_rest():
    olga, half, pavel = _read("damaged.vcf")
    assert (olga.given_name, olga.family_name) == ("Olga", "Nikolaeva")  # N:;;;; keeps FN
    assert "card 2: no END:VCARD" in _kinds(half)["vcard-damaged"]
    assert _phones(half) == [("+79160001133", "mobile")]
    assert _emails(pavel) == [("pavel@orlov.example", "other")]


def test_wrong_charset_stray_text_and_broken_lines_are_read_and_reported(tmp_path):
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=CF=E5=F2=F0=EE=E2\r\n"
        b"END:VCARD\r\ngarbage between cards\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ivan Petrov\r\nNOTE:Calls\r\n"
        b"no colon here\r\nEND:VCARD\r\n"
    )
    path = tmp_path / "x.vcf"
    path.write_bytes(data)
    first, second = read_records(path, region="RU")[1]
    assert first.family_name == "Петров"  # the writer said UTF-8 for windows-1251: read
    assert "text outside any card" in _kinds(second)["vcard-damaged"]
    assert second.notes == "Calls\nno colon here"
    assert "line 10 is not a vCard property" in _kinds(second)["vcard-damaged"]
    cards = parse_vcards(data, "x.vcf")
    assert [c.number for c in cards] == [1, 2]


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["work", "cell"], "workMobile"), (["cell", "work"], "workMobile"),
        (["home", "fax"], "homeFax"), (["fax"], "otherFax"), (["work", "pager"], "workPager"),
        (["voice"], "other"), (["home", "voice"], "home"), (["x-evolution-company"], "main"),
    ],
)  # fmt: skip
def test_type_precedence(types, expected):
    assert phone_type(types) == expected


_SCRIPT = """
import json, sys
from contacts_crm.imports.run import read_records
out = []
for name in sys.argv[1:]:
    for r in read_records(name, region="US")[1]:
        out.append([[p.type for p in r.phones], [e.type for e in r.emails],
                    [a.type for a in r.addresses], r.notes])
print(json.dumps(out))
"""


def test_same_types_under_any_hash_seed():
    files = [str(FIXTURES / n) for n in ("icloud_30.vcf", "android_21.vcf", "lotus_notes.vcf")]
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", _SCRIPT, *files], env=env, check=True,
                             capture_output=True, text=True)  # fmt: skip
        assert out.stderr == ""
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1]
    assert runs[0][0][0][:2] == ["mobile", "workMobile"]
