"""Packaging: the templates ship in the wheel and are found in the editable install."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
EXPECTED = [
    "cards/en.toml",
    "cards/ru.toml",
    "cards/tr.toml",
    "stages.toml",
    "group_rules.toml",
    "import/columns.toml",
]


def setup_cfg_packages() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return [p.strip() for p in parser["options"]["packages"].split() if p.strip()]


def source_tree(dest: Path) -> Path:
    """The project's files (tracked and new, not ignored) copied to ``dest``.

    A clean copy: a stale ``build/`` in the working tree must not leak into
    the wheel, and building must not write into the shared tree.
    """
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for rel in listed:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the project's files")
    src = source_tree(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("wheel")
    attempts = [
        ["--no-build-isolation"],  # fast: the venv's own setuptools
        [],  # the venv lacks bdist_wheel: let pip fetch the build backend
    ]
    errors = []
    for extra in attempts:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "-v",  # setuptools' own warnings are shown only in verbose mode
                *extra,
                "-w",
                str(out),
                str(src),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode == 0:
            break
        errors.append(result.stderr.strip().splitlines()[-1:] or ["?"])
    else:
        pytest.skip(f"cannot build a wheel offline here: {errors}")
    (path,) = out.glob("contacts_crm-*.whl")
    wheel = zipfile.ZipFile(path)
    wheel.build_log = result.stdout + result.stderr  # type: ignore[attr-defined]
    return wheel


# What pip and the build backend say about themselves, not about our packaging.
NOT_OURS = ("byte-compiling is disabled", "Location 'file:")


def test_building_prints_no_warning_from_the_packaging(wheel):
    """setuptools warned ~250 lines ("Package 'contacts_crm.locale.ru.LC_MESSAGES' is
    absent from the packages configuration") for each data folder not declared."""
    log = wheel.build_log
    assert "Successfully built" in log or "Created wheel" in log
    warnings = [
        line.strip()
        for line in log.splitlines()
        if ("warning" in line.lower() or "is absent from" in line or "!!" in line)
        and not any(x in line for x in NOT_OURS)
    ]
    assert warnings == []


def data_packages() -> list[str]:
    """The data folders declared as packages (they hold files, no __init__.py)."""
    return [
        p for p in setup_cfg_packages()
        if not (ROOT / package_path(p) / "__init__.py").exists()
    ]  # fmt: skip


def package_path(package: str) -> Path:
    parts = package.split(".")
    if parts[:2] == ["contacts_crm", "templates"]:
        return Path("templates", *parts[2:])
    return Path(*parts)


def test_every_data_folder_is_declared_with_its_files(wheel):
    names = set(wheel.namelist())
    folders = {
        ".".join(f.parent.relative_to(ROOT).parts).replace("templates", "contacts_crm.templates", 1)
        if f.is_relative_to(TEMPLATES) else ".".join(f.parent.relative_to(ROOT).parts)
        for base in (ROOT / "contacts_crm", TEMPLATES)
        for f in base.rglob("*")
        if f.is_file() and f.suffix not in (".py", ".pyc", ".pot")
        and not (f.parent / "__init__.py").exists() and "__pycache__" not in f.parts
    }  # fmt: skip
    assert len(folders) == 7, sorted(folders)
    assert folders == set(data_packages())
    for package in folders:
        folder = ROOT / package_path(package)
        for f in folder.iterdir():
            assert f"{package.replace('.', '/')}/{f.name}" in names


def test_wheel_contains_the_templates(wheel):
    names = set(wheel.namelist())
    for rel in EXPECTED:
        assert f"contacts_crm/templates/{rel}" in names, rel
    shipped = {
        f"contacts_crm/templates/{p.relative_to(TEMPLATES).as_posix()}"
        for p in TEMPLATES.rglob("*")
        if p.is_file() and p.suffix in (".toml", ".xlsx", ".md") and "__pycache__" not in p.parts
    }
    assert shipped <= names, sorted(shipped - names)


def test_wheel_contains_every_package_and_the_entry_point(wheel):
    names = set(wheel.namelist())
    for package in set(setup_cfg_packages()) - set(data_packages()):
        assert f"{package.replace('.', '/')}/__init__.py" in names, package
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "crm = contacts_crm.cli:main" in wheel.read(entry_points).decode()
    assert not any(n.startswith(("tests/", "scripts/")) for n in names)


def test_every_subpackage_is_listed_in_setup_cfg():
    listed = set(setup_cfg_packages())
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "contacts_crm").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these to setup.cfg [options] packages"
    assert "contacts_crm.templates" in listed


def test_templates_are_found_in_the_installed_package():
    root = resources.files("contacts_crm.templates")
    for rel in EXPECTED:
        item = root.joinpath(*rel.split("/"))
        assert item.is_file(), rel
        assert item.read_text(encoding="utf-8").strip(), rel


def test_wheel_contains_the_office_page_templates_and_icons(wheel):
    names = set(wheel.namelist())
    web = ROOT / "contacts_crm" / "web"
    shipped = {
        f"contacts_crm/web/{p.relative_to(web).as_posix()}"
        for folder in ("templates", "static")
        for p in (web / folder).iterdir()
        if p.is_file()
    }
    assert "contacts_crm/web/templates/card.html" in shipped
    assert "contacts_crm/web/static/icon-192.png" in shipped
    assert shipped <= names, sorted(shipped - names)
