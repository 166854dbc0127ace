"""The admin commands (import, list, delete, merge, profile...) in the office's language.

Each command runs in an en, a ru and a tr profile: what a person reads is in that
language, and the --json form of the same command is the same in every language.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import run_crm

from contacts_crm import i18n

WORDS = {
    "en": {
        "would": "cl.csv: 4 rows. Would: create 3, update 0, merge 0, skip 0, reject 1.",
        "did": "cl.csv: 4 rows. Did: create 3",
        "rejected": "Rows rejected: 1",
        "reject_reason": "no name, company, phone or e-mail in the row",
        "bad_email": "is not a valid e-mail (kept in notes)",
        "row": "  row 5: ",
        "refused": "E-mails refused (moved to the notes): 1",
        "dry": "Nothing was written (dry run).",
        "import_id": "Import id: imp-",
        "report_header": ["Row", "Action", "Reason", "Name", "Company", "Phones", "E-mails",
                          "Matched contact", "Review", "Warnings"],
        "report_sheets": ["Import report", "Summary"],
        "create": "create",
        "reject": "reject",
        "list_header": "Name,Phones,Emails,Company,Groups,Id",
        "count": "3 contact(s)",
        "about": "About to delete 1 contact(s):",
        "ask": "Delete them?",
        "declined": "1 contact(s) not deleted",
        "two": "merge takes two contacts",
        "same": "are the same contact",
        "profiles": "Default,Profile,Kind,Endpoint,User",
        "no_file": "nofile.csv: no such file",
        "no_file_hint": "check the file's name and folder",
        "imports": "Id,File,Status,Started,Created,Updated",
        "error": "Error:",
        "hint": "Hint:",
    },
    "ru": {
        "would": ("cl.csv: строк 4. Будет сделано: создать 3, обновить 0, объединить 0, "
                  "пропустить 0, отклонить 1."),
        "did": "cl.csv: строк 4. Сделано: создать 3",
        "rejected": "Отклонённые строки: 1",
        "reject_reason": "в строке нет имени, компании, телефона или e-mail",
        "bad_email": "— неверный e-mail (сохранён в заметках)",
        "row": "  строка 5: ",
        "refused": "E-mail не приняты (перенесены в заметки): 1",
        "dry": "Ничего не записано (пробный запуск).",
        "import_id": "Номер импорта: imp-",
        "report_header": ["Строка", "Действие", "Причина", "Имя", "Компания", "Телефоны",
                          "E-mail", "Найденный контакт", "Проверить", "Предупреждения"],
        "report_sheets": ["Отчёт об импорте", "Сводка"],
        "create": "создать",
        "reject": "отклонить",
        "list_header": "Имя,Телефоны,E-mail,Компания,Группы,Id",
        "count": "контактов: 3",
        "about": "Будут удалены контакты (1):",
        "ask": "Удалить их?",
        "declined": "контакты не удалены (1)",
        "two": "merge принимает два контакта",
        "same": "один и тот же контакт",
        "profiles": "По умолчанию,Профиль,Тип,Адрес сервера,Пользователь",
        "no_file": "nofile.csv: нет такого файла",
        "no_file_hint": "проверьте имя файла и папку",
        "imports": "Id,Файл,Статус,Начат,Создано,Обновлено",
        "error": "Ошибка:",
        "hint": "Подсказка:",
    },
    "tr": {
        "would": ("cl.csv: 4 satır. Yapılacak: oluştur 3, güncelle 0, birleştir 0, atla 0, "
                  "reddet 1."),
        "did": "cl.csv: 4 satır. Yapılan: oluştur 3",
        "rejected": "Reddedilen satırlar: 1",
        "reject_reason": "satırda ad, şirket, telefon veya e-posta yok",
        "bad_email": "geçerli bir e-posta değil (notlarda saklandı)",
        "row": "  satır 5: ",
        "refused": "Kabul edilmeyen e-postalar (notlara taşındı): 1",
        "dry": "Hiçbir şey yazılmadı (deneme çalıştırması).",
        "import_id": "İçe aktarma kimliği: imp-",
        "report_header": ["Satır", "İşlem", "Neden", "Ad", "Şirket", "Telefonlar", "E-postalar",
                          "Eşleşen kişi", "Kontrol", "Uyarılar"],
        "report_sheets": ["İçe aktarma raporu", "Özet"],
        "create": "oluştur",
        "reject": "reddet",
        "list_header": "Ad,Telefonlar,E-postalar,Şirket,Gruplar,Kimlik",
        "count": "3 kişi",
        "about": "1 kişi silinecek:",
        "ask": "Silinsin mi?",
        "declined": "1 kişi silinmedi",
        "two": "merge iki kişi alır",
        "same": "aynı kişi",
        "profiles": "Varsayılan,Profil,Tür,Uç nokta,Kullanıcı",
        "no_file": "nofile.csv: böyle bir dosya yok",
        "no_file_hint": "dosyanın adını ve klasörünü kontrol edin",
        "imports": "Kimlik,Dosya,Durum,Başlangıç,Oluşturulan,Güncellenen",
        "error": "Hata:",
        "hint": "İpucu:",
    },
}  # fmt: skip

ROWS = (
    "Name,Phone,Email,Comment\n"
    "Ivan Petrov,+7 916 123-45-67,,\n"
    "Anna Smirnova,+7 916 123-45-68,bad@,\n"
    "Oleg Sidorov,+7 916 123-45-69,,\n"
    ",,,only a comment\n"
)


@pytest.fixture(autouse=True)
def back_to_english():
    yield
    i18n.use("en")


@pytest.fixture
def client_list(tmp_path: Path) -> Path:
    path = tmp_path / "cl.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def crm(*args: str, stdin: str | None = None):
    if stdin is None:
        return run_crm(*args)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        return run_crm(*args)


def in_language(lang: str, *args: str, stdin: str | None = None):
    """Run ``crm ARGS`` with the profile's language set to ``lang``."""
    assert crm("config", "set", "language", lang).code == 0
    return crm(*args, stdin=stdin)


@pytest.mark.parametrize("lang", ["en", "ru", "tr"])
def test_import_summary_report_and_file_errors(client_list, tmp_path, monkeypatch, lang):
    words = WORDS[lang]
    monkeypatch.chdir(tmp_path)  # the summary names the file as given
    english = in_language("en", "--json", "import", "cl.csv", "--dry-run")
    assert english.code == 0, english.err

    dry = in_language(lang, "import", "cl.csv", "--dry-run", "--report", "r.xlsx")
    assert dry.code == 0, dry.err
    lines = dry.out.splitlines()
    assert lines[0] == words["would"]
    assert words["rejected"] in lines
    why = f"{words['row']}{words['reject_reason']}"
    assert any(line.startswith(why) for line in lines)  # the problem row and why
    assert any(line.endswith(words["bad_email"]) for line in lines)
    assert words["refused"] in lines
    assert lines[-1] == words["dry"]
    book = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames == words["report_sheets"]
    rows = list(book[words["report_sheets"][0]].iter_rows(values_only=True))
    assert list(rows[0]) == words["report_header"]
    assert rows[1][1] == words["create"]
    assert rows[2][-1].endswith(words["bad_email"])  # Anna's refused e-mail, in the Warnings
    assert rows[4][1] == words["reject"] and rows[4][2].startswith(words["reject_reason"])

    # --json is the same in every language (keys, problem titles and lines included)
    same = crm("--json", "import", "cl.csv", "--dry-run")
    assert same.code == 0
    assert json.loads(same.out) == json.loads(english.out)
    assert json.loads(same.out)["problems"][0]["title"] == "rows rejected"

    done = crm("import", "cl.csv")
    assert done.code == 0, done.err
    assert done.out.startswith(words["did"])
    assert words["import_id"] in done.out
    listed = crm("import", "list", "--format", "csv")
    assert listed.out.splitlines()[0].lstrip("\ufeff") == words["imports"]
    assert crm("--json", "import", "list").out == in_language("en", "--json", "import", "list").out

    missing = in_language(lang, "import", "nofile.csv")
    assert missing.code == 66
    assert missing.err.startswith(f"{words['error']} {words['no_file']}")
    assert f"{words['hint']} {words['no_file_hint']}" in missing.err


@pytest.mark.parametrize("lang", ["en", "ru", "tr"])
def test_list_delete_merge_and_profiles(client_list, lang):
    words = WORDS[lang]
    assert crm("import", str(client_list)).code == 0
    english = {
        args: in_language("en", "--json", *args).out
        for args in (("list",), ("profile", "list"), ("duplicates",))
    }

    listed = in_language(lang, "list", "--format", "csv")
    assert listed.code == 0, listed.err
    assert listed.out.splitlines()[0].lstrip("\ufeff") == words["list_header"]
    shown = crm("list", "--format", "table")  # the table and the count line
    assert shown.out.splitlines()[-1] == words["count"]

    declined = crm("delete", "Petrov", stdin="n\n")
    assert declined.code == 3  # declined, not interrupted
    assert words["about"] in declined.err and words["ask"] in declined.err
    assert words["declined"] in declined.err
    assert "Ivan Petrov" in crm("--json", "find", "Petrov").out  # nothing was deleted

    one = crm("merge", "Petrov")
    assert one.code == 2 and words["two"] in one.err
    same = crm("merge", "Petrov", "+7 916 123-45-67")
    assert same.code == 2 and words["same"] in same.err

    profiles = crm("profile", "list", "--format", "csv")
    assert profiles.out.splitlines()[0].lstrip("\ufeff") == words["profiles"]

    for args, out in english.items():  # the --json forms do not depend on the language
        assert crm("--json", *args).out == out, args


SERVE = {
    "en": ("Token pbx removed.", "no token named 'pbx'", "list them with: crm serve token list"),
    "ru": ("Токен pbx удалён.", "нет токена 'pbx'", "список: crm serve token list"),
    "tr": ("pbx belirteci kaldırıldı.", "'pbx' adlı belirteç yok",
           "listelemek için: crm serve token list"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "ru", "tr"])
def test_serve_tokens_speak_the_office_language(lang):
    removed, missing, hint = SERVE[lang]
    assert in_language(lang, "serve", "token", "add", "pbx").code == 0
    done = crm("serve", "token", "remove", "pbx")
    assert done.code == 0 and done.out.strip() == removed
    again = crm("serve", "token", "remove", "pbx")
    assert again.code == 66 and missing in again.err and hint in again.err
    assert json.loads(crm("--json", "serve", "token", "list").out) == []
