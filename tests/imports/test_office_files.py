"""Real office files import exactly: each test writes its own xlsx/csv, imports it into the
emulator and asserts the contacts that land (E.164 phones, names, groups, notes) and the
exact lines the admin is shown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import crm, run_crm

from contacts_crm.cli.wording import for_cli
from contacts_crm.contact.model import MY_CONTACTS
from contacts_crm.errors import InputError
from contacts_crm.imports.report import problem_summary
from contacts_crm.imports.run import ImportOptions, import_file, read_records


def _landed(account) -> dict[str, tuple]:
    """display name -> (phones {value: type}, e-mails, group names, notes) in the account."""
    account.sync()
    names = {g["resourceName"]: g.get("name", "") for g in account.cache.groups()}
    out = {}
    for c in account.cache.contacts():
        groups = {names.get(g, g) for g in c.groups if g != MY_CONTACTS}
        out[c.display_name] = (
            {p.value: p.type for p in c.phones},
            {e.value for e in c.emails},
            groups,
            c.notes,
        )
    return out


def _xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _lines(outcome) -> dict[str, list[str]]:
    return {p["kind"]: p["first"] for p in problem_summary(outcome.plan, first=99)}


# 1. Header matching by meaning -------------------------------------------------------------


def test_russian_header_variants_are_phones(tmp_path, local_account):
    account, _ = local_account
    header = ["ФИО", "Телефон", "Моб. телефон", "Сот. телефон", "Раб. телефон", "Дом. телефон",
              "Телефон моб.", "Мобильный тел.", "Телефон 2", "Эл. почта", "E-mail 2"]  # fmt: skip
    row = ["Петров Иван", "8 495 111-11-11", "8 916 111-11-11", "8 916 222-22-22",
           "8 495 222-22-22", "8 495 333-33-33", "8 916 333-33-33", "8 916 444-44-44",
           "8 495 444-44-44", "ivan@mail.ru", "ivan2@mail.ru"]  # fmt: skip
    path = _xlsx(tmp_path / "ru.xlsx", [header, row])
    outcome = import_file(account, path, ImportOptions(region="RU"))
    assert _landed(account) == {
        "Иван Петров": (
            {
                "+74951111111": "mobile", "+79161111111": "mobile", "+79162222222": "mobile",
                "+74952222222": "work", "+74953333333": "home", "+79163333333": "mobile",
                "+79164444444": "mobile", "+74954444444": "mobile",
            },
            {"ivan@mail.ru", "ivan2@mail.ru"},
            set(),
            "",
        )
    }  # fmt: skip
    assert _lines(outcome) == {}


def test_english_and_turkish_header_variants(tmp_path, local_account):
    account, _ = local_account
    en = _csv(tmp_path / "en.csv", [
        ["Name", "Mobile Number", "Cell #", "Phone (mobile)", "Phone 2", "Work Phone", "Email"],
        ["John Smith", "+44 7911 123401", "+44 7911 123402", "+44 7911 123403",
         "+44 20 7946 0001", "+44 20 7946 0002", "JOHN@x.co.uk"],
    ])  # fmt: skip
    tr = _csv(tmp_path / "tr.csv", [
        ["Ad Soyad", "Cep Tel.", "İş Telefonu 2", "Telefon 2", "E-posta"],
        ["Mehmet Yılmaz", "0532 111 22 33", "0212 111 22 33", "0533 111 22 33", "m@x.com.tr"],
    ])  # fmt: skip
    import_file(account, en, ImportOptions(region="GB"))
    import_file(account, tr, ImportOptions(region="TR"))
    assert _landed(account) == {
        "John Smith": (
            {"+447911123401": "mobile", "+447911123402": "mobile", "+447911123403": "mobile",
             "+442079460001": "mobile", "+442079460002": "work"},
            {"john@x.co.uk"}, set(), "",
        ),
        "Mehmet Yılmaz": (
            {"+905321112233": "mobile", "+902121112233": "work", "+905331112233": "mobile"},
            {"m@x.com.tr"}, set(), "",
        ),
    }  # fmt: skip


OUTLOOK = [
    "First Name", "Last Name", "Title", "Company", "E-mail Address", "E-mail Type",
    "E-mail Display Name", "Assistant's Phone", "Business Fax", "Business Phone",
    "Business Phone 2", "Callback", "Car Phone", "Company Main Phone", "Home Fax", "Home Phone",
    "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax", "Other Phone", "Pager", "Primary Phone",
    "Radio Phone", "TTY/TDD Phone", "Telex", "Gender", "Birthday", "Anniversary", "Sensitivity",
    "Private", "Priority", "Initials", "Notes",
]  # fmt: skip


def test_outlook_csv_every_phone_column_and_no_default_junk(tmp_path, local_account):
    account, _ = local_account
    numbers = [f"+1 212 555 01{n:02d}" for n in range(19)]
    row = ["Jane", "Doe", "Ms.", "Acme", "jane@acme.com", "SMTP", "Jane Doe (jane@acme.com)",
           *numbers[:15], numbers[11], *numbers[15:18], "Unspecified", "0/0/00", "0/0/00",
           "Normal", "False", "Normal", "J.D.", "Met at the fair"]  # fmt: skip
    path = _csv(tmp_path / "outlook.csv", [OUTLOOK, row])
    outcome = import_file(account, path, ImportOptions(region="US"))
    [(name, (phones, emails, groups, notes))] = _landed(account).items()
    assert name == "Jane Doe" and emails == {"jane@acme.com"} and groups == set()
    kinds = [
        "assistant",
        "workFax",
        "work",
        "work",
        "callback",
        "car",
        "work",
        "homeFax",
        "home",
        "home",
        "isdn",
        "mobile",
        "otherFax",
        "other",
        "pager",
        "radio",
        "TTY/TDD",
        "telex",
    ]
    # Primary Phone repeats the mobile number: one number, typed as the mobile it is
    assert phones == {f"+121255501{n:02d}": k for n, k in enumerate(kinds)}
    assert notes == "Met at the fair\nTitle: Ms."  # no Gender/Birthday/Sensitivity/Initials
    assert _lines(outcome) == {}


def test_show_mapping_says_why(tmp_path):
    path = _csv(tmp_path / "m.csv", [
        ["ФИО", "Моб. телефон", "Телефон менеджера", "Пол", "Initials"],
        ["Петров Иван", "89161234567", "89160000000", "-", "ИП"],
    ])  # fmt: skip
    code, out = crm("--json", "import", "--show-mapping", str(path))
    assert code == 0
    got = [(c["header"], c["field"], c["why"]) for c in json.loads(out)["columns"]]
    assert got == [
        ("ФИО", "full_name", "known column name 'фио'"),
        ("Моб. телефон", "phone.mobile", "read by meaning: field word 'телефон' + 'моб' (mobile)"),
        ("Телефон менеджера", "notes (as 'Header: value')",
         "no field word in the header: kept in the notes as 'Header: value'"),
        ("Пол", "nothing",
         "every value is an export default or a placeholder: nothing goes to notes"),
        ("Initials", "ignore", "listed under ignore in import/columns.toml"),
    ]  # fmt: skip


def test_office_adds_words_and_columns_to_ignore(tmp_path, isolated_home, local_account):
    account, _ = local_account
    office = isolated_home / "templates" / "import"
    office.mkdir(parents=True)
    (office / "columns.toml").write_text(
        'ignore = ["Менеджер"]\n[meaning.kinds]\nmobile = ["мобилка"]\n', "utf-8"
    )
    path = _csv(
        tmp_path / "o.csv",
        [
            ["ФИО", "Мобилка", "Менеджер", "Телефон"],
            ["Петров Иван", "89161234567", "Ольга", "84951234567"],
        ],
    )
    import_file(account, path, ImportOptions(region="RU"))
    assert _landed(account) == {
        "Иван Петров": ({"+79161234567": "mobile", "+74951234567": "mobile"}, set(), set(), "")
    }


# 2. Cleaning instead of refusing -----------------------------------------------------------


def test_control_nul_and_bidi_characters_are_cleaned_and_counted(tmp_path, local_account):
    account, _ = local_account
    data = ("ФИО,Телефон,Примечание\r\n"
            "Петров\x07 Иван\u200b,8 916\x1b 123-45-67,ok\x7f\r\n"
            "Сидоров\x00 Олег,\u202e89161234568,\x0bновый\r\n").encode()  # fmt: skip
    path = tmp_path / "ctl.csv"
    path.write_bytes(data)
    outcome = import_file(account, path, ImportOptions(region="RU"))
    assert _landed(account) == {
        "Иван Петров": ({"+79161234567": "mobile"}, set(), set(), "ok"),
        "Олег Сидоров": ({"+79161234568": "mobile"}, set(), set(), "новый"),
    }
    assert _lines(outcome) == {
        "cleaned": [
            "A2 (ФИО): removed 2 control or invisible character(s)",
            "B2 (Телефон): removed 1 control or invisible character(s)",
            "C2 (Примечание): removed 1 control or invisible character(s)",
            "A3 (ФИО): removed 1 control or invisible character(s)",
            "B3 (Телефон): removed 1 control or invisible character(s)",
            "C3 (Примечание): removed 1 control or invisible character(s)",
        ]
    }


def test_long_note_is_cut_and_absurd_phone_rejects_only_its_row(tmp_path, local_account):
    account, _ = local_account
    path = _xlsx(tmp_path / "big.xlsx", [
        ["ФИО", "Телефон", "Примечание"],
        ["Петров Иван", "89161234567", "я" * 32_000],
        ["Козлов Олег", "7" * 30_000, "x"],
        ["Сидоров Олег", "89161234568", "n" * 30_000],
    ])  # fmt: skip
    csv_path = tmp_path / "big.csv"
    csv_path.write_text(
        "ФИО,Телефон,Примечание\nБелова Анна,89161234569," + "z" * 100_000 + "\n"
        "Орлов Пётр," + "9" * 100_000 + ",звонить\n"
    )
    outcome = import_file(account, path, ImportOptions(region="RU"))
    outcome2 = import_file(account, csv_path, ImportOptions(region="RU"))
    landed = _landed(account)
    assert set(landed) == {"Иван Петров", "Олег Сидоров", "Анна Белова"}
    assert landed["Иван Петров"][3] == "я" * 32_000  # 64,000 bytes: within the limit
    assert landed["Анна Белова"][3] == "z" * 65_536
    assert _lines(outcome) == {
        "reject": ["row 3: B3 (Телефон): 30,000 digits in the cell are not phone numbers; "
                   "fix the cell and import again"],
    }  # fmt: skip
    assert _lines(outcome2) == {
        "reject": ["row 3: B3 (Телефон): 100,000 digits in the cell are not phone numbers; "
                   "fix the cell and import again"],
        "truncated": ["row 2: the notes have 100,000 characters (100,000 bytes), cut to 65,536 "
                      "(64 KB, half of what the People API holds per contact); the rest stays "
                      "in the file"],
    }  # fmt: skip


def test_three_hundred_columns_import(tmp_path, local_account):
    account, _ = local_account
    header = ["ФИО", "Телефон", *(f"Счёт {i}" for i in range(298))]
    path = _xlsx(
        tmp_path / "wide.xlsx", [header, ["Петров Иван", "89161234567", *([""] * 297), "последний"]]
    )
    import_file(account, path, ImportOptions(region="RU"))
    assert _landed(account) == {
        "Иван Петров": ({"+79161234567": "mobile"}, set(), set(), "Счёт 297: последний")
    }


def test_excel_error_cells_are_named(tmp_path, local_account):
    account, _ = local_account
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ФИО", "Телефон", "Email"])
    ws.append(["Петров Иван", "89161234567", "#N/A"])
    ws.append(["Сидоров Олег", "#REF!", "oleg@x.ru"])
    path = tmp_path / "err.xlsx"
    wb.save(path)
    outcome = import_file(account, path, ImportOptions(region="RU"))
    assert _landed(account) == {
        "Иван Петров": ({"+79161234567": "mobile"}, set(), set(), ""),
        "Олег Сидоров": ({}, {"oleg@x.ru"}, set(), ""),
    }
    assert _lines(outcome) == {
        "error-cell": [
            "C2 (Email): Excel error #N/A in the cell, the value is left out; fix the formula "
            "in the file and import again",
            "B3 (Телефон): Excel error #REF! in the cell, the value is left out; fix the "
            "formula in the file and import again",
        ]
    }


def test_sheet_declared_to_a_million_rows_reads_its_five_clients(tmp_path, local_account):
    account, _ = local_account
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ФИО", "Телефон"])
    for i in range(5):
        ws.append([f"Клиент{i} Иван", f"8916123456{i}"])
    ws["Z1048576"] = " "
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    outcome = import_file(account, path, ImportOptions(region="RU"))
    assert outcome.summary()["rows"] == 5
    assert {n: v[0] for n, v in _landed(account).items()} == {
        f"Иван Клиент{i}": {f"+7916123456{i}": "mobile"} for i in range(5)
    }


# 3. Phones: extensions after a separator, placeholders --------------------------------------


def test_extensions_after_separator_and_placeholders(tmp_path, local_account):
    account, _ = local_account
    path = _xlsx(tmp_path / "ext.xlsx", [
        ["ФИО", "Телефон", "Моб. телефон", "Email", "Должность"],
        ["Петров Иван", "8-495-123-45-67, доб. 305", "-", "нет", "—"],
        ["Сидоров Олег", "+7 495 123-45-68, ext. 12", "n/a", "none", ""],
        ["Козлов Пётр", "84951234569; x12", "yok", "—", ""],
    ])  # fmt: skip
    outcome = import_file(account, path, ImportOptions(region="RU"))
    assert _landed(account) == {
        "Иван Петров": ({"+74951234567;ext=305": "mobile"}, set(), set(), ""),
        "Олег Сидоров": ({"+74951234568;ext=12": "mobile"}, set(), set(), ""),
        "Пётр Козлов": ({"+74951234569;ext=12": "mobile"}, set(), set(), ""),
    }
    assert _lines(outcome) == {}


# 4. Duplicates -----------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["skip", "update", "merge"])
def test_in_file_duplicates_are_merged_by_union_under_every_policy(tmp_path, local_account,
                                                                   policy):  # fmt: skip
    account, _ = local_account
    path = _xlsx(tmp_path / "dup.xlsx", [
        ["ФИО", "Телефон", "Email", "Группа"],
        ["Петров Иван", "89161234567", "ivan@x.ru", "Опт"],
        ["Иван Петров", "89161234567, 84951234567", "ivan2@x.ru", "VIP"],
        ["И. Петров", "", "ivan2@x.ru", "Розница"],
    ])  # fmt: skip
    outcome = import_file(account, path, ImportOptions(region="RU", on_duplicate=policy))
    assert _landed(account) == {
        "Иван Петров": ({"+79161234567": "mobile", "+74951234567": "mobile"},
                        {"ivan@x.ru", "ivan2@x.ru"}, {"Опт", "VIP", "Розница"}, "")
    }  # fmt: skip
    assert [(r.row, r.action, r.reason) for r in outcome.plan.rows] == [
        (2, "create", "new contact"),
        (3, "merge", "merged into row 2 (same phone +79161234567)"),
        (4, "merge", "merged into row 2 (same e-mail ivan2@x.ru)"),
    ]


def test_namesakes_with_different_phones_are_two_people(tmp_path, local_account):
    account, _ = local_account
    account.client.create({"names": [{"givenName": "Анна", "familyName": "Смирнова"}],
                           "phoneNumbers": [{"value": "+79160000001"}]})  # fmt: skip
    path = _xlsx(tmp_path / "names.xlsx", [
        ["ФИО", "Телефон", "Email", "Компания"],
        ["Петров Иван", "89161234567", "", "ООО Ромашка"],
        ["Петров Иван", "89161234568", "", "ООО Ромашка"],
        ["Петров Иван", "", "", "ООО Ромашка"],
        ["Смирнова Анна", "89160000002", "", ""],
    ])  # fmt: skip
    outcome = import_file(account, path, ImportOptions(region="RU", on_duplicate="merge"))
    assert outcome.summary()["created"] == 3
    assert [(r.row, r.action, r.reason) for r in outcome.plan.rows] == [
        (2, "create", "new contact"),
        (3, "create", "new contact"),
        (4, "merge", "merged into row 2 (same name and company)"),  # no phone: may join
        (5, "create", "new contact"),
    ]
    assert _lines(outcome) == {
        "possible-duplicate": [
            "row 3: possible duplicate of row 2 (Иван Петров): same name and company, "
            "different phones and e-mails; imported as a separate contact",
            "row 5: possible duplicate of a contact in the account (Анна Смирнова): same name "
            "and company, different phones and e-mails; imported as a separate contact",
        ],
        "merged": ["row 4: merged into row 2 (same name and company)"],
    }
    account.sync()
    people = sorted((c.display_name, c.organization, tuple(p.value for p in c.phones))
                    for c in account.cache.contacts())  # fmt: skip
    assert people == [
        ("Анна Смирнова", "", ("+79160000001",)),
        ("Анна Смирнова", "", ("+79160000002",)),
        ("Иван Петров", "ООО Ромашка", ("+79161234567",)),
        ("Иван Петров", "ООО Ромашка", ("+79161234568",)),
    ]


def test_office_list_with_exact_copies_imports_exactly_the_distinct_clients(
    tmp_path, local_account
):
    account, _ = local_account
    rows = [["ФИО", "Телефон", "Компания", "Группа"]]
    given = ["Иван", "Анна", "Олег", "Мария", "Пётр"]
    family = ["Петров", "Иванова", "Смирнов", "Кузнецова", "Попов"]
    distinct = []
    for i in range(2_500):  # many namesakes in the same companies, each with their own phone
        rows.append([f"{family[i % 5]} {given[i % 5]}", f"8916{i:07d}", f"ООО {i % 7}", "Опт"])
        distinct.append(f"+7916{i:07d}")
    rows += [rows[1 + i * 50] for i in range(50)]  # 2 % exact copies
    path = _xlsx(tmp_path / "office.xlsx", rows)
    outcome = import_file(account, path, ImportOptions(region="RU"))
    assert outcome.summary()["created"] == 2_500
    account.sync()
    assert sorted(p.value for c in account.cache.contacts() for p in c.phones) == sorted(distinct)


# 5. Region ---------------------------------------------------------------------------------


def test_turkish_file_under_the_default_region_stops_before_writing(tmp_path, local_account):
    account, _ = local_account
    path = _csv(
        tmp_path / "tr.csv",
        [
            ["Ad Soyad", "Telefon"],
            ["Mehmet Yılmaz", "0532 123 45 67"],
            ["Ayşe Kaya", "0212 555 44 33"],
            ["Ali Can", "0533 7654321"],
        ],
    )
    with pytest.raises(InputError) as info:
        import_file(account, path, ImportOptions())
    assert info.value.message == (
        "tr.csv: 3 of 3 phone numbers are not valid for region RU (the profile's default); "
        "most numbers look Turkish: import them with the region TR"
    )
    assert for_cli(info.value).message.endswith("look Turkish: run again with --region TR")
    assert account.client.calls == {}
    import_file(account, path, ImportOptions(region="TR"))
    assert {n: set(v[0]) for n, v in _landed(account).items()} == {
        "Mehmet Yılmaz": {"+905321234567"}, "Ayşe Kaya": {"+902125554433"},
        "Ali Can": {"+905337654321"},
    }  # fmt: skip


# 6. What the admin sees --------------------------------------------------------------------


def test_dry_run_summary_counts_problems_and_options_go_anywhere(tmp_path):
    path = _xlsx(tmp_path / "c.xlsx", [
        ["ФИО", "Телефон", "Email", "Группа"],
        ["Петров Иван", "89161234567", "ivan@x.ru", "Опт"],
        ["Сидоров Олег", "12", "oleg@", "Пропавшая группа"],
        ["Козлов Пётр", "89161234569", "", "Опт"],
    ])  # fmt: skip
    code, out = crm("import", str(path), "--dry-run")
    code2, out2 = crm("import", "--dry-run", str(path))
    assert code == code2 == 0 and out == out2
    assert out.splitlines() == [
        "c.xlsx: 3 rows. Would: create 3, update 0, merge 0, skip 0, reject 0.",
        "Phones moved to the notes: 1",
        "  B3 (Телефон): '12': not a valid phone number for region RU (kept in notes)",
        "E-mails refused (moved to the notes): 1",
        "  C3 (Email): 'oleg@' is not a valid e-mail (kept in notes)",
        "Groups that will be created: 2",
        "  'Опт': rows 2, … (2 rows)",
        "  'Пропавшая группа': row 3",
        "Every row with its action and problems: run again with --report FILE.xlsx",
        "Nothing was written (dry run).",
    ]
    code, _, err = run_crm("import", "--bogus", str(path))
    assert code == 2 and "Usage: crm import [OPTIONS] FILE" in err and " run" not in err
    assert "Try 'crm import --help' for help." in err
    code, out = crm("import", "--help")
    assert code == 0 and "Usage: crm import [OPTIONS] FILE... | list | undo IMPORT_ID" in out
    assert "--dry-run" in out and "--on-duplicate" in out and " run" not in out


# 7. Names ----------------------------------------------------------------------------------


def test_patronymics_and_comma_swap(tmp_path):
    path = _csv(tmp_path / "n.csv", [["ФИО", "Телефон"]] + [[n, ""] for n in [
        "Петров Иван Ильич", "Иван Фомич Сидоров", "Кузьмина Анна Фоминична",
        "Бабич Олег Кузьмич", "Мамедов Али Гусейн оглы", "Алиева Лейла Гасан кызы",
        "Petrov, Ivan", "Рога и копыта, ООО", "=SUM(A1, B1)",
    ]])  # fmt: skip
    _, records = read_records(path, region="RU")
    assert [(r.given_name, r.middle_name, r.family_name) for r in records] == [
        ("Иван", "Ильич", "Петров"), ("Иван", "Фомич", "Сидоров"),
        ("Анна", "Фоминична", "Кузьмина"), ("Олег", "Кузьмич", "Бабич"),
        ("Али", "Гусейн оглы", "Мамедов"), ("Лейла", "Гасан кызы", "Алиева"),
        ("Ivan", "", "Petrov"), ("Рога и копыта, ООО", "", ""), ("=SUM(A1, B1)", "", ""),
    ]  # fmt: skip


def test_report_lists_every_row_with_its_problems(tmp_path, local_account):
    account, _ = local_account
    path = _xlsx(tmp_path / "r.xlsx", [
        ["ФИО", "Телефон", "Email", "Группа"],
        ["Петров Иван", "89161234567", "ivan@x.ru", "Опт"],
        ["Сидоров Олег", "12", "oleg@", ""],
        ["Иван Петров", "89161234567", "", "VIP"],
        ["", "", "", "Опт"],
    ])  # fmt: skip
    report = tmp_path / "report.xlsx"
    import_file(account, path, ImportOptions(region="RU"), dry_run=True, report=report)
    ws = openpyxl.load_workbook(report)["Import report"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Row", "Action", "Reason", "Name", "Company", "Phones", "E-mails", "Matched contact",
         "Review", "Warnings"],
        [2, "create", "new contact", "Иван Петров", None, "+79161234567", "ivan@x.ru", None,
         None, None],
        [3, "create", "new contact", "Олег Сидоров", None, None, None, None, None,
         "B3 (Телефон): '12': not a valid phone number for region RU (kept in notes)\n"
         "C3 (Email): 'oleg@' is not a valid e-mail (kept in notes)"],
        [4, "merge", "merged into row 2 (same phone +79161234567)", "Иван Петров", None,
         "+79161234567", "ivan@x.ru", None, None, None],
        [5, "reject", "no name, company, phone or e-mail in the row", None, None, None, None,
         None, None, None],
    ]  # fmt: skip
    assert account.client.calls.get("people.batchCreateContacts", 0) == 0


def test_mapping_file_can_ignore_columns(tmp_path, local_account):
    account, _ = local_account
    mapping = tmp_path / "map.toml"
    mapping.write_text('ignore = ["Менеджер", "Код"]\n[columns]\n"Клиент №" = "full_name"\n')
    path = _csv(
        tmp_path / "m.csv",
        [
            ["Клиент №", "Тел.", "Менеджер", "Код", "Город"],
            ["Петров Иван", "89161234567", "Ольга", "A-17", "Казань"],
        ],
    )
    import_file(account, path, ImportOptions(region="RU", mapping_file=mapping))
    assert _landed(account) == {"Иван Петров": ({"+79161234567": "mobile"}, set(), set(), "")}
    [contact] = list(account.cache.contacts())
    assert [a.city for a in contact.addresses] == ["Казань"]
