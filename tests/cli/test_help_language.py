"""`--help` speaks the office's language: every command's help, options and click's headings."""

from __future__ import annotations

import gettext
import json
import subprocess
import sys

import click
import pytest
from cli_helpers import run_crm

from contacts_crm import i18n
from contacts_crm.cli import cli
from contacts_crm.cli.help_text import english, msgid

HEADINGS = {"ru": ("Использование:", "Параметры"), "tr": ("Kullanım:", "Seçenekler")}


@pytest.fixture(autouse=True)
def back_to_english():
    yield
    i18n.use("en")


def catalog(lang: str) -> gettext.GNUTranslations:
    return gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=[lang])


def command_paths() -> list[list[str]]:
    """Every command and subcommand as its words on the command line (not hidden ones)."""
    paths: list[list[str]] = []

    def visit(cmd: click.Command, path: list[str]) -> None:
        paths.append(path)
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    visit(sub, [*path, name])

    visit(cli, [])
    return paths


def english_help(path: list[str]) -> tuple[str, list[str]]:
    """The command's English help (message id) and its options' help."""
    cmd: click.Command = cli
    for name in path:
        found = cmd.get_command(click.Context(cmd), name)  # type: ignore[attr-defined]
        assert found is not None
        cmd = found
    options = [english(cmd, p, "help") for p in cmd.params
               if isinstance(p, click.Option) and p.help and not p.hidden]  # fmt: skip
    return msgid(english(cmd, cmd, "help") or ""), options


def first_line(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["ru", "tr"])
def test_every_help_page_is_in_the_profiles_language(lang):
    assert run_crm("config", "set", "language", lang).code == 0
    translations = catalog(lang)
    for path in command_paths():
        code, out, err = run_crm(*path, "--help")
        assert code == 0, (path, err)
        shown = flat(out)
        usage, options = HEADINGS[lang]
        assert usage in out and options in out, path
        if path == ["journal"]:  # its lazily loaded subcommand is listed translated too
            assert (
                first_line(translations.gettext(english_help(["journal", "deleted"])[0]))[:30]
                in shown
            )
        english, option_helps = english_help(path)
        translated = translations.gettext(english)
        assert translated != english, f"crm {' '.join(path)}: help not translated"
        assert first_line(translated) in shown, path
        assert first_line(english) not in shown, path
        for text in option_helps:
            assert flat(translations.gettext(msgid(text))) in shown, (path, text)


def test_the_language_follows_the_named_profile_and_switches_back():
    assert run_crm("profile", "add", "istanbul", "--region", "TR", "--language", "tr").code == 0
    english = run_crm("card", "--help").out
    turkish = run_crm("--profile", "istanbul", "card", "--help").out
    assert "Usage:" in english and "Kullanım:" in turkish
    assert first_line(catalog("tr").gettext(english_help(["card"])[0])) in flat(turkish)
    assert run_crm("card", "--help").out == english  # the same process, English again
    top = run_crm("-p", "istanbul", "--help").out
    assert "Kullanım:" in top and "Komutlar" in top


def test_help_works_with_a_broken_configuration(tmp_path, monkeypatch):
    from contacts_crm import config

    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text("not = [valid toml", encoding="utf-8")
    result = run_crm("--help")
    assert result.code == 0 and "Usage:" in result.out


def test_top_help_lists_commands_without_importing_them(tmp_path):
    code = (
        "import sys, json\n"
        "from contacts_crm.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('contacts_crm.cli.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert "activity" in done.stdout and "undelete" in done.stdout  # every command listed
    assert loaded == ["contacts_crm.cli.click_words", "contacts_crm.cli.command_index",
                      "contacts_crm.cli.help_text",
                      "contacts_crm.cli.main", "contacts_crm.cli.output"]  # fmt: skip


MESSAGES = {
    "ru": {"error": "Ошибка:", "hint": "Подсказка:", "nobody": "нет контакта по запросу 'Nobody'",
           "phones": "Телефоны", "no_group": "нет группы 'VIP'", "added": "Добавлено в"},
    "tr": {"error": "Hata:", "hint": "İpucu:", "nobody": "'Nobody' ile eşleşen kişi yok",
           "phones": "Telefonlar", "no_group": "'VIP' adında grup yok", "added": "grubuna eklendi"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "tr"])
def test_lookup_and_group_messages_are_in_the_profiles_language(lang):
    words = MESSAGES[lang]
    assert run_crm("config", "set", "language", lang).code == 0
    assert run_crm("add", "Ivan Petrov", "--phone", "+7 916 123-45-67").code == 0
    result = run_crm("card", "Nobody")
    assert result.code == 66
    assert result.err.startswith(f"{words['error']} {words['nobody']}")
    assert f"\n{words['hint']} " in result.err
    found = run_crm("find", "Petrov", "--format", "csv").out
    assert words["phones"] in found.splitlines()[0]
    assert words["no_group"] in run_crm("group", "add", "VIP", "Petrov").err
    assert run_crm("group", "create", "VIP").code == 0
    assert words["added"] in run_crm("group", "add", "VIP", "Petrov").out
    # JSON stays the same in every language: keys are for programs
    data = json.loads(run_crm("--json", "find", "Petrov").out)
    assert set(data[0]) >= {"name", "phones", "groups", "resourceName"}


@pytest.mark.parametrize("lang", ["ru", "tr"])
def test_translated_help_keeps_every_example_and_layout_mark(lang):
    """A translation keeps each example command (up to its comment), the \\b marks
    that keep click from rewrapping a block, and every {placeholder}."""
    import re

    from contacts_crm.cli.help_text import help_texts

    for name in cli.list_commands(click.Context(cli)):
        cli.get_command(click.Context(cli), name)
    translations = catalog(lang)
    for english_text in set(help_texts(cli)):
        translated = translations.gettext(english_text)
        examples = [line.split("  #")[0].strip() for line in english_text.splitlines()
                    if line.startswith("  ") and line.strip().startswith("crm ")]  # fmt: skip
        for example in examples:
            assert example in translated, (lang, example)
        assert translated.count("\b") == english_text.count("\b"), (lang, english_text[:60])
        assert set(re.findall(r"{\w*}", translated)) == set(re.findall(r"{\w*}", english_text))


def test_the_command_objects_are_english_again_after_a_translated_run():
    """Help is translated in place; once ``main`` returns, a library caller (or
    docs/cli.md's generator) reads the English texts again."""
    assert run_crm("config", "set", "language", "ru").code == 0
    assert "Использование:" in run_crm("card", "--help").out
    assert "Использование:" in run_crm("--help").out
    assert run_crm("journal", "deleted", "--help").code == 0
    for path in (["card"], ["journal"], ["journal", "deleted"], ["group", "add"]):
        cmd: click.Command = cli
        for name in path:
            cmd = cmd.get_command(click.Context(cmd), name)  # type: ignore[attr-defined]
        assert cmd.help == english(cmd, cmd, "help"), path
        assert "Показать" not in (cmd.get_help_option(click.Context(cmd)).help or "")


def test_a_commands_own_context_class_survives_a_translated_help():
    """crm import FILE is the hidden 'run' command with its own context (its
    messages name 'crm import'); showing help translated must not replace it."""
    assert run_crm("config", "set", "language", "tr").code == 0
    assert "Kullanım: crm import [SEÇENEKLER] FILE" in run_crm("import", "--help").out
    assert run_crm("config", "set", "language", "en").code == 0
    err = run_crm("import", "--dry-run").err
    assert "Usage: crm import [OPTIONS] FILE" in err and " run" not in err


def test_a_command_reads_the_configuration_once(monkeypatch):
    """main() reads it for the language and hands it to the account it opens."""
    from contacts_crm import config

    assert run_crm("config", "set", "language", "ru").code == 0
    assert run_crm("add", "Ivan Petrov", "--phone", "+7 916 123-45-67").code == 0
    reads = []
    real = config.load
    monkeypatch.setattr(config, "load", lambda *a, **k: reads.append(1) or real(*a, **k))
    result = run_crm("card", "Petrov")
    assert result.code == 0 and len(reads) == 1
