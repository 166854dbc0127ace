"""`crm import phone1.vcf phone2.vcf ...`: the staff's phones gathered in one run."""

from __future__ import annotations

import json

from cli_helpers import run_crm

from contacts_crm.imports.run import ImportOptions, import_file

OLGA = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Петров;Иван;;;\r\nTEL;CELL:+7 916 123-45-67\r\n"
    "NOTE:Опт, плитка\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Сидорова;Анна;;;\r\nTEL;CELL:8 903 111 22 33\r\nEND:VCARD\r\n"
)
IVAN = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ваня плитка\r\nN:;Ваня плитка;;;\r\n"
    "TEL;TYPE=CELL:89161234567\r\nEMAIL:ivan@tiles.example\r\n"
    "ADR;TYPE=WORK:;;Лесная 5;Москва;;;\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Petrov Ivan\r\nEMAIL:ivan@tiles.example\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Oleg Orlov\r\nTEL:+7 916 765 43 21\r\nEND:VCARD\r\n"
)
ANNA = "Name,Phone\r\nАнна Сидорова,+79031112233\r\nПавел Орлов,89160000001\r\n"


def _files(tmp_path):
    paths = []
    for name, text in (("olga.vcf", OLGA), ("ivan.vcf", IVAN), ("anna.csv", ANNA)):
        path = tmp_path / name
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths


def test_one_import_merges_the_same_client_across_files_and_keeps_every_name(
    tmp_path, local_account
):
    account, _ = local_account
    paths = _files(tmp_path)
    dry = import_file(account, paths, ImportOptions(region="RU"), dry_run=True)
    assert dry.summary()["file"] == "olga.vcf, ivan.vcf, anna.csv"
    assert [(r.row, r.origin, r.into_row) for r in dry.plan.rows] == [
        (1, "olga.vcf, card 1", None), (2, "olga.vcf, card 2", None),
        (3, "ivan.vcf, card 1", 1), (4, "ivan.vcf, card 2", 1), (5, "ivan.vcf, card 3", None),
        (6, "anna.csv, row 2", 2), (7, "anna.csv, row 3", None),
    ]  # fmt: skip
    merged = [n.text for r in dry.plan.rows for n in r.notices if n.kind == "merged"]
    assert merged[0] == (
        "row 3 (ivan.vcf, card 1): merged into row 1 (olga.vcf, card 1) (same phone +79161234567)"
    )
    assert account.contacts.count() == 0  # the dry run wrote nothing
    done = import_file(account, paths, ImportOptions(region="RU"))
    assert done.summary()["created"] == 4
    account.sync()
    ivan = next(c for c in account.contacts.all() if c.family_name == "Петров")
    assert (ivan.given_name, [p.value for p in ivan.phones]) == ("Иван", ["+79161234567"])
    assert [e.value for e in ivan.emails] == ["ivan@tiles.example"]
    assert [(a.street, a.city) for a in ivan.addresses] == [("Лесная 5", "Москва")]
    assert ivan.notes.splitlines() == ["Опт, плитка", "Also known as: Ваня плитка"]
    # the same files again: every row already imported
    again = import_file(account, paths, ImportOptions(region="RU"), dry_run=True)
    assert again.plan.counts()["create"] == 0


def test_cli_takes_several_files_and_the_dry_run_shows_the_merges(tmp_path):
    paths = [str(p) for p in _files(tmp_path)]
    code, out, err = run_crm("import", *paths, "--dry-run")
    assert code == 0, err
    assert "olga.vcf, ivan.vcf, anna.csv: 7 rows" in out
    assert "row 3 (ivan.vcf, card 1): merged into row 1 (olga.vcf, card 1)" in out
    code, out, err = run_crm("--json", "import", *paths, "--dry-run")
    rows = json.loads(out)["rows"]
    assert rows[5]["source"] == "anna.csv, row 2"
    code, _, err = run_crm("import", *paths, "--show-mapping")
    assert code == 2 and "one file at a time" in err
