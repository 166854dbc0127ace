"""Read the shipped TOML templates and an office's overrides.

The shipped templates live in the ``contacts_crm.templates`` package
(``cards/<lang>.toml``, ``stages.toml``, ``group_rules.toml``, ``reports/…``,
``import/…``). An office may override any of them with a directory of files of
the same names: a file found there wins over the shipped one.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from contacts_crm.card.group_rules import Rules, parse_rules
from contacts_crm.card.wording import SHIPPED_LANGUAGES, Labels, build_labels
from contacts_crm.errors import ConfigError, UsageError


def read_template(name: str, override_dir: Path | None = None) -> dict[str, Any]:
    """Read one TOML template (``name`` relative to templates/), override first."""
    try:
        if override_dir is not None and (override_dir / name).is_file():
            return tomllib.loads((override_dir / name).read_text(encoding="utf-8"))
        resource = files("contacts_crm.templates").joinpath(*name.split("/"))
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"template {name} not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"template {name} is not valid TOML: {exc}", hint="fix the file or remove the override"
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"template {name} cannot be read ({exc.strerror or exc})",
            hint="fix its permissions or remove the override",
        ) from exc


def load_labels(language: str = "en", override_dir: Path | None = None) -> Labels:
    """Labels for writing in ``language``; parsing accepts every shipped language.

    Loads are cached per (language, override directory); an unknown language
    is a UsageError naming the shipped ones.
    """
    return _load(language, override_dir)


@lru_cache(maxsize=16)
def _load(language: str, override_dir: Path | None) -> Labels:
    codes = list(SHIPPED_LANGUAGES)
    if override_dir is not None and (override_dir / "cards").is_dir():
        extra = (p.stem for p in (override_dir / "cards").glob("*.toml"))
        codes += sorted(c for c in extra if c not in codes)
    if language not in codes:
        raise UsageError(
            f"unknown card language {language!r}", hint=f"use one of: {', '.join(codes)}"
        )
    templates = {c: read_template(f"cards/{c}.toml", override_dir) for c in codes}
    return build_labels(language, templates, read_template("stages.toml", override_dir))


def load_rules(override_dir: Path | None = None) -> Rules:
    """The group rules: the office's ``group_rules.toml`` if it has one, else the shipped."""
    return parse_rules(read_template("group_rules.toml", override_dir))
