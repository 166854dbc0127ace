"""Card wording: the words of each language's cards and the order stages.

Pure: built from template data the caller has read (``office.templates``
reads the shipped TOML files and an office's overrides).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contacts_crm.errors import ConfigError, UsageError
from contacts_crm.i18n import _

SHIPPED_LANGUAGES = ("en", "ru", "tr")
DIRECTIONS = ("in", "out", "missed")
OUTCOMES = ("interested", "not_interested", "callback", "ordered")
_WORDS = ("order", "orders", "closed", "calls", "last_contact")


def _names(value: Any, where: str) -> tuple[str, ...]:
    """A label value (a string or a list of strings) as a tuple, written form first."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where}: expected a word or a list of words, got {value!r}")
    return tuple(s.strip() for s in items if s.strip())


@dataclass(frozen=True)
class LanguageLabels:
    """The words of one language's cards."""

    code: str
    words: dict[str, tuple[str, ...]]
    directions: dict[str, tuple[str, ...]]
    outcomes: dict[str, tuple[str, ...]]
    decimal: str = "."


@dataclass(frozen=True)
class Stage:
    """One order stage: its key, whether it closes the order, names per language."""

    key: str
    final: bool = False
    cancel: bool = False
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(eq=False)
class Labels:
    """Everything the card grammar needs: the writing language and all known words."""

    language: str
    languages: dict[str, LanguageLabels]
    stages: tuple[Stage, ...]
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def current(self) -> LanguageLabels:
        """The labels of the language new lines are written in."""
        return self.languages[self.language]

    def word(self, key: str) -> str:
        """The written form of a card word (order, orders, closed, calls, last_contact)."""
        return self.current.words[key][0]

    def direction(self, key: str) -> str:
        return self.current.directions[key][0]

    def outcome(self, key: str) -> str:
        return self.current.outcomes[key][0]

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise self._unknown_stage(key)

    def stage_name(self, key: str) -> str:
        return self._name(self.stage(key))

    def _name(self, stage: Stage) -> str:
        names = stage.names
        return (names.get(self.language) or names.get("en") or (stage.key,))[0]

    def stage_key(self, text: str) -> str:
        """The key of a stage given its key or any of its names in any language."""
        key = self.stage_lookup().get(text.strip().casefold())
        if key is None:
            raise self._unknown_stage(text)
        return key

    def stage_lookup(self) -> dict[str, str]:
        """Every spelling of every stage (casefolded) -> stage key."""
        table = self.cache.get("stage_lookup")
        if table is None:
            table = {}
            for stage in self.stages:
                table[stage.key.casefold()] = stage.key
                for names in stage.names.values():
                    for name in names:
                        table[name.casefold()] = stage.key
            self.cache["stage_lookup"] = table
        return table

    @property
    def first_stage(self) -> str:
        return self.stages[0].key

    @property
    def final_stages(self) -> tuple[str, ...]:
        found = self.cache.get("final_stages")  # asked for every order of every card
        if found is None:
            found = self.cache["final_stages"] = tuple(s.key for s in self.stages if s.final)
        return found

    @property
    def cancel_stages(self) -> tuple[str, ...]:
        """The final stages that mean cancelled (not counted as delivered or revenue)."""
        return tuple(s.key for s in self.stages if s.cancel)

    @property
    def done_stage(self) -> str:
        """The final stage an order reaches when closed without cancelling."""
        for stage in self.stages:
            if stage.final and not stage.cancel:
                return stage.key
        raise ConfigError("stages.toml has no final stage that is not a cancel stage")

    @property
    def cancel_stage(self) -> str:
        for stage in self.stages:
            if stage.cancel:
                return stage.key
        raise ConfigError("stages.toml has no stage with cancel = true")

    def flow_index(self, key: str) -> int:
        """Position of a stage in the stages file (later stages are further along)."""
        for i, stage in enumerate(self.stages):
            if stage.key == key:
                return i
        return -1

    def _unknown_stage(self, text: str) -> UsageError:
        valid = ", ".join(self._name(s) for s in self.stages)
        near = _nearest(text, self.stage_lookup())
        hint = _("use one of: {stages}").format(stages=valid)
        if near is not None:
            hint = _("did you mean {word}?").format(word=near) + " " + hint
        return UsageError(_("unknown order stage {text!r}").format(text=text), hint=hint)

    def word_key(self, kind: str, text: str) -> str | None:
        """The key of an outcome or direction (``kind``) written in any language
        ("интересуется", "ilgili", "interested", "вх"), or None."""
        wanted = " ".join(text.casefold().replace("_", " ").split())
        for labels in self.languages.values():
            for key, names in getattr(labels, kind).items():
                if wanted == key.replace("_", " ") or wanted in (n.casefold() for n in names):
                    return str(key)
        return None

    def word_names(self, kind: str) -> dict[str, str]:
        """Every spelling of the outcomes or directions (``kind``) -> the current
        language's written form (for suggestions)."""
        table: dict[str, str] = {}
        for labels in self.languages.values():
            for key, names in getattr(labels, kind).items():
                for name in names:
                    table[name.casefold()] = getattr(self.current, kind)[key][0]
        return table


def _nearest(text: str, spellings: dict[str, str]) -> str | None:
    """The one spelling nearest to a mistyped ``text`` ("оплачено": оплачен), if any."""
    import difflib

    found = difflib.get_close_matches(text.strip().casefold(), list(spellings), n=1, cutoff=0.7)
    return found[0] if found else None


def _language(data: dict[str, Any], code: str) -> LanguageLabels:
    where = f"cards/{code}.toml"
    try:
        words = {k: _names(data[k], f"{where} {k}") for k in _WORDS}
        directions = {k: _names(data["direction"][k], f"{where} direction.{k}") for k in DIRECTIONS}
        outcomes = {k: _names(data["outcome"][k], f"{where} outcome.{k}") for k in OUTCOMES}
    except KeyError as exc:
        raise ConfigError(f"{where}: missing label {exc.args[0]!r}") from exc
    return LanguageLabels(code, words, directions, outcomes, str(data.get("decimal", ".")))


def _stages(data: dict[str, Any]) -> tuple[Stage, ...]:
    raw = data.get("stage")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("stages.toml: no [[stage]] entries")
    stages = []
    for i, item in enumerate(raw, 1):
        key = item.get("key")
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"stages.toml: stage #{i} has no key")
        raw_names = item.get("names", {})
        names = {lang: _names(v, f"stages.toml {key}.{lang}") for lang, v in raw_names.items()}
        cancel = bool(item.get("cancel", False))
        stages.append(Stage(key.strip(), bool(item.get("final", False)) or cancel, cancel, names))
    if stages[0].final:
        raise ConfigError("stages.toml: the first stage cannot be final")
    return tuple(stages)


def build_labels(
    language: str, templates: dict[str, dict[str, Any]], stages: dict[str, Any]
) -> Labels:
    """Labels from already-read templates: ``templates`` maps a language code to
    its ``cards/<code>.toml`` data, ``stages`` is ``stages.toml``'s data."""
    languages = {code: _language(data, code) for code, data in templates.items()}
    return Labels(language, languages, _stages(stages))
