"""Readers and column mapping on realistic office files."""

from __future__ import annotations

from contacts_crm.imports.run import read_records, show_mapping

GOOGLE_CURRENT = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,"
    "Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,"
    "Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\r\n"
    'John,,Smith,,,,,,,,Acme Ltd,Buyer,,,"Likes calls\nin the morning",,* myContacts ::: Wholesale,'
    "* Work,John@Acme.COM,Mobile,+41 31 928 09 60 ::: +41 79 264 88 66,Work,+1 650-253-0000\r\n"
    "Ayşe,,Yılmaz,,,,,,,,,,,,,,* myContacts ::: * starred,,,Mobile,0532 123 45 67,,\r\n"
)
GOOGLE_LEGACY = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,"
    "Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,"
    "Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,"
    "Priority,Subject,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,"
    "Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\n"
    "Mary Major,Mary,,Major,,,,,,,,,,,,,,,,,,,,,,Sold the lease.,* myContacts ::: Retail,* Home,"
    "x@y.com,Mobile,(661) 448-9594,Work,(661) 615-1100\n"
)
OUTLOOK = (
    '"First Name","Middle Name","Last Name","Title","Suffix","Company","Department","Job Title",'
    '"Business Street","Business City","Business Phone","Home Phone","Mobile Phone",'
    '"E-mail Address","E-mail 2 Address","Notes","Categories"\n'
    '"Anna","","Schmidt","Dr.","","Beispiel GmbH","Einkauf","Buyer","Hauptstr. 1","Berlin",'
    '"+49 30 1234567","","+49 151 23456789","anna@beispiel.de","","VIP","Wholesale;Berlin"\n'
)


def test_russian_workbook_with_title_rows_and_second_sheet(write_xlsx):
    path = write_xlsx(
        "clients.xlsx",
        {
            "Справка": [["Итого клиентов", 3]],
            "Клиенты": [
                ["ООО «Плитка» — база клиентов"],
                ["на 01.11.2026"],
                [],
                ["№", "ФИО", "Телефон", "Эл. почта", "Компания", "Группа", "Менеджер"],
                [
                    1,
                    "Петров Иван Сергеевич",
                    "8 (916) 123-45-67, 8 495 111-22-33 доб. 12",
                    "Ivan@Mail.RU",
                    "ООО Ромашка",
                    "Опт",
                    "Ольга",
                ],
                [2, "Сидорова  Анна", 79161234568, None, None, "Розница; Опт", None],
                [3, "Иванов Пётр", 7.9161234569e10, None, None, None, None],
                [4, "Кузнецов Олег", "7.91612E+10", "bad@", None, None, None],
            ],
        },
    )
    mapping = show_mapping(path)
    assert (mapping.sheet, mapping.header_row) == ("Клиенты", 4)
    fields = {c.header: c.field for c in mapping.columns}
    assert fields["ФИО"] == "full_name" and fields["Эл. почта"] == "email"
    assert fields["Менеджер"] is None  # unmapped -> kept in notes
    _, recs = read_records(path, region="RU")
    assert [r.row for r in recs] == [5, 6, 7, 8]
    petrov, sidorova, ivanov, kuznetsov = recs
    assert (petrov.family_name, petrov.given_name, petrov.middle_name) == (
        "Петров",
        "Иван",
        "Сергеевич",
    )
    assert [p.value for p in petrov.phones] == ["+79161234567", "+74951112233;ext=12"]
    assert [e.value for e in petrov.emails] == ["ivan@mail.ru"]
    assert petrov.notes == "Менеджер: Ольга"
    assert (sidorova.given_name, sidorova.family_name) == ("Анна", "Сидорова")
    assert sidorova.groups == ["Розница", "Опт"]
    assert [p.value for p in sidorova.phones] == ["+79161234568"]  # Excel number repaired
    assert [p.value for p in ivanov.phones] == ["+79161234569"]
    assert kuznetsov.phones == [] and kuznetsov.review
    assert "Телефон: 7.91612E+10" in kuznetsov.notes and "Эл. почта: bad@" in kuznetsov.notes


def test_turkish_workbook(write_xlsx):
    path = write_xlsx(
        "musteriler.xlsx",
        {
            "Müşteriler": [
                ["Müşteri Listesi 2026"],
                [
                    "Ad Soyad",
                    "Cep Telefonu",
                    "İş Telefonu",
                    "E-posta",
                    "Şirket",
                    "Etiket",
                    "Notlar",
                ],
                [
                    "Mehmet Ali Yılmaz",
                    "0532 123 45 67",
                    "0212 555 12 34 dahili 5",
                    "MEHMET@ornek.com.tr",
                    "Örnek Ltd. Şti.",
                    "Toptan",
                    "Öğleden sonra arayın",
                ],
            ]
        },
    )
    _, [rec] = read_records(path, region="TR")
    assert (rec.given_name, rec.family_name) == ("Mehmet Ali", "Yılmaz")
    assert [(p.value, p.type) for p in rec.phones] == [
        ("+905321234567", "mobile"),
        ("+902125551234;ext=5", "work"),
    ]
    assert rec.emails[0].value == "mehmet@ornek.com.tr"
    assert (rec.organization, rec.groups, rec.notes) == (
        "Örnek Ltd. Şti.",
        ["Toptan"],
        "Öğleden sonra arayın",
    )


def test_cp1251_semicolon_csv_with_decimal_commas(write_bytes):
    text = (
        "Список клиентов;;;\r\n"
        "Фамилия;Имя;Телефон;Сумма\r\n"
        "Петров;Иван;79161234567,0;12 500,50\r\n"
        'Сидорова;Анна;"8 916 123-45-68; 8 (495) 123-45-67";1,5\r\n'
    )
    path = write_bytes("clients.csv", text.encode("cp1251"))
    mapping, recs = read_records(path, region="RU")
    assert mapping.header_row == 2
    assert [(r.family_name, r.given_name) for r in recs] == [
        ("Петров", "Иван"),
        ("Сидорова", "Анна"),
    ]
    assert [p.value for p in recs[0].phones] == ["+79161234567"]
    assert recs[0].notes == "Сумма: 12 500,50"
    assert [p.value for p in recs[1].phones] == ["+79161234568", "+74951234567"]


def test_turkish_cp1254_csv(write_bytes):
    text = "Ad Soyad;Telefon;Şirket\nAyşe Öztürk;0532 765 43 21;Güneş Ticaret\n"
    _, [rec] = read_records(write_bytes("liste.csv", text.encode("cp1254")), region="TR")
    assert (rec.given_name, rec.family_name, rec.organization) == (
        "Ayşe",
        "Öztürk",
        "Güneş Ticaret",
    )


def test_google_csv_current(write_bytes):
    path = write_bytes("contacts.csv", b"\xef\xbb\xbf" + GOOGLE_CURRENT.encode())
    mapping, (john, ayse) = read_records(path, region="TR")
    assert mapping.flavor == "google-csv"
    assert (john.given_name, john.family_name, john.organization, john.title) == (
        "John",
        "Smith",
        "Acme Ltd",
        "Buyer",
    )
    assert [(p.value, p.type) for p in john.phones] == [
        ("+41319280960", "mobile"),
        ("+41792648866", "mobile"),
        ("+16502530000", "work"),
    ]
    assert [(e.value, e.type) for e in john.emails] == [("john@acme.com", "work")]
    assert john.groups == ["Wholesale"]
    assert john.notes == "Likes calls\nin the morning"
    assert ayse.groups == ["starred"]
    assert [p.value for p in ayse.phones] == ["+905321234567"]


def test_google_csv_legacy(write_bytes):
    mapping, [mary] = read_records(write_bytes("old.csv", GOOGLE_LEGACY.encode()), region="US")
    assert mapping.flavor == "google-csv-legacy"
    assert (mary.given_name, mary.family_name) == ("Mary", "Major")
    assert [(p.value, p.type) for p in mary.phones] == [
        ("+16614489594", "mobile"),
        ("+16616151100", "work"),
    ]
    assert mary.emails[0].type == "home" and mary.groups == ["Retail"]
    assert mary.notes == "Sold the lease."


def test_outlook_csv(write_bytes):
    mapping, [anna] = read_records(write_bytes("outlook.csv", OUTLOOK.encode()), region="DE")
    assert mapping.flavor == "outlook-csv"
    assert (anna.given_name, anna.family_name, anna.organization, anna.title) == (
        "Anna",
        "Schmidt",
        "Beispiel GmbH",
        "Buyer",
    )
    assert [(p.value, p.type) for p in anna.phones] == [
        ("+49301234567", "work"),
        ("+4915123456789", "mobile"),
    ]
    assert anna.groups == ["Wholesale", "Berlin"]
    assert "Title: Dr." in anna.notes and "Einkauf" not in anna.notes
    assert anna.department == "Einkauf"  # the People API's organizations[].department
    assert anna.addresses[0].street == "Hauptstr. 1" and anna.addresses[0].city == "Berlin"


def test_vcard_3_and_4(write_bytes):
    data = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Petrov;Ivan;;;\r\nFN:Ivan Petrov\r\n"
        "TEL;TYPE=CELL:+7 916 123-45-67\r\nTEL;TYPE=WORK:8 495 123 45 67\r\n"
        "EMAIL;TYPE=INTERNET:Ivan@Example.com\r\nORG:Romashka\r\nCATEGORIES:Wholesale,VIP\r\n"
        "NOTE:Calls after 2pm\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna Sidorova\r\nTEL;TYPE=home:+7 495 765 43 21\r\n"
        "END:VCARD\r\n"
    )
    path = write_bytes("export.txt", data.encode())  # the extension does not matter
    _, (ivan, anna) = read_records(path, region="RU")
    assert (ivan.given_name, ivan.family_name, ivan.organization) == ("Ivan", "Petrov", "Romashka")
    assert [(p.value, p.type) for p in ivan.phones] == [
        ("+79161234567", "mobile"),
        ("+74951234567", "work"),
    ]
    assert ivan.emails[0].value == "ivan@example.com" and ivan.groups == ["Wholesale", "VIP"]
    assert ivan.notes == "Calls after 2pm"
    assert (anna.given_name, anna.family_name, anna.phones[0].type) == ("Anna", "Sidorova", "home")


def test_mapping_file_overrides_synonyms(write_xlsx, tmp_path):
    path = write_xlsx(
        "odd.xlsx",
        {"S": [["Клиент", "Номер для связи", "Внутр. код"], ["Петров Иван", "89161234567", "X-1"]]},
    )
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(
        'header_row = 1\n[columns]\n"Номер для связи" = "phone.work"\n"Внутр. код" = "ignore"\n',
        "utf-8",
    )
    mapping, [rec] = read_records(path, region="RU", mapping_file=mapping_file)
    assert {c.header: c.source for c in mapping.columns}["Номер для связи"] == "mapping-file"
    assert [(p.value, p.type) for p in rec.phones] == [("+79161234567", "work")]
    assert rec.notes == ""  # the ignored column is not in the notes


GOOGLE_MORE = (
    "\ufeffFirst Name,Middle Name,Last Name,Nickname,Organization Name,Organization Title,"
    "Organization Department,Birthday,Notes,Labels,Phone 1 - Label,Phone 1 - Value,"
    "Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value,Website 2 - Label,"
    "Website 2 - Value,Custom Field 1 - Label,Custom Field 1 - Value\r\n"
    "John,,Smith,Johnny ::: JS,Acme Ltd,Buyer,Purchasing,--05-17,,* myContacts,Mobile,"
    "+1 650-253-0000,Work,,1 Main St,Springfield,PO Box 12,IL,62701,USA,Suite 4,* Home Page,"
    "https://acme.example,Blog,https://john.example/blog,Shoe size,44\r\n"
)
OUTLOOK_MORE = (
    '"First Name","Last Name","Nickname","Company","Department","Job Title","Web Page",'
    '"Birthday","Anniversary","Mobile Phone"\n'
    '"Anna","Schmidt","Anni","Beispiel GmbH","Einkauf","Buyer","www.beispiel.de","5/17/1980",'
    '"0/0/00","+49 151 23456789"\n'
)


def test_google_and_outlook_columns_fill_the_people_fields(write_bytes):
    """Nickname, Birthday, Department, Website n and the address parts of a Google export,
    and Outlook's Nickname, Web Page and Birthday: each in its own field, not the notes."""
    _, [john] = read_records(write_bytes("g.csv", GOOGLE_MORE.encode()), region="US")
    assert (john.nicknames, john.birthday, john.department) == (["Johnny", "JS"], "--05-17",
                                                               "Purchasing")  # fmt: skip
    assert [(u.value, u.type) for u in john.urls] == [
        ("https://acme.example", "homePage"), ("https://john.example/blog", "blog")]  # fmt: skip
    [a] = john.addresses
    assert (a.type, a.street, a.city, a.po_box, a.region, a.postal_code, a.country,
            a.extended) == ("work", "1 Main St", "Springfield", "PO Box 12", "IL", "62701",
                            "USA", "Suite 4")  # fmt: skip
    assert john.notes == "Shoe size: 44"  # a custom field of its own: kept, labelled
    _, [anna] = read_records(write_bytes("o.csv", OUTLOOK_MORE.encode()), region="DE")
    assert (anna.nicknames, anna.birthday, anna.department, anna.title) == (
        ["Anni"], "1980-05-17", "Einkauf", "Buyer")  # fmt: skip
    assert [(u.value, u.type) for u in anna.urls] == [("www.beispiel.de", "other")]
    assert anna.notes == ""  # Outlook's empty anniversary (0/0/00) says nothing
