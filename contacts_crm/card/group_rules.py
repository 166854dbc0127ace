"""Group rules: which groups (Google labels) a client joins or leaves when its card changes.

Rules come from ``templates/group_rules.toml`` (an office may override the
file). They are checked in file order against the client's groups as the
earlier rules left them; every rule whose conditions all hold adds and removes
its groups. Pure: ``parse_rules`` takes the TOML data the caller read
(``office.templates.load_rules``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contacts_crm.card.model import Card
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, Operation, StepOrder
from contacts_crm.errors import ConfigError

TRIGGERS = ("call", "order_open", "order_step", "order_delivered", "order_cancelled")
_CONDITIONS = {"on", "outcome", "delivered_exactly", "delivered_at_least", "open_orders",
               "in_any", "not_in_any", "add", "remove"}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """When ``on`` happens and every given condition holds: add and remove groups."""

    on: frozenset[str]
    add: frozenset[str] = frozenset()
    remove: frozenset[str] = frozenset()
    outcome: frozenset[str] | None = None
    delivered_exactly: int | None = None
    delivered_at_least: int | None = None
    open_orders: int | None = None
    in_any: frozenset[str] | None = None
    not_in_any: frozenset[str] | None = None

    def matches(self, triggers: set[str], outcome: str | None, after: Card,
                groups: set[str]) -> bool:  # fmt: skip
        """Whether the rule applies to this change, given the groups so far."""
        delivered = after.delivered_count()
        checks = (
            bool(self.on & triggers),
            self.outcome is None or outcome in self.outcome,
            self.delivered_exactly is None or delivered == self.delivered_exactly,
            self.delivered_at_least is None or delivered >= self.delivered_at_least,
            self.open_orders is None or len(after.open_orders()) == self.open_orders,
            self.in_any is None or bool(self.in_any & groups),
            self.not_in_any is None or not (self.not_in_any & groups),
        )
        return all(checks)


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]


def _set(value: Any, where: str) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where}: expected a name or a list of names, got {value!r}")
    return frozenset(items)


def _int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    return value


def parse_rules(data: dict[str, Any]) -> Rules:
    """Rules from the parsed TOML; every problem is reported at once."""
    problems: list[str] = []
    rules = []
    for i, item in enumerate(data.get("rule", []), 1):
        where = f"group_rules.toml rule #{i}"
        unknown = set(item) - _CONDITIONS
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
            continue
        try:
            on = _set(item.get("on", []), f"{where} on")
            if not on or not on <= set(TRIGGERS):
                raise ConfigError(f"{where}: 'on' must be among {', '.join(TRIGGERS)}")
            opt = {k: _set(item[k], f"{where} {k}") if k in item else None
                   for k in ("outcome", "in_any", "not_in_any")}  # fmt: skip
            rules.append(Rule(
                on=on,
                add=_set(item.get("add", []), f"{where} add"),
                remove=_set(item.get("remove", []), f"{where} remove"),
                delivered_exactly=_int(item.get("delivered_exactly"), where),
                delivered_at_least=_int(item.get("delivered_at_least"), where),
                open_orders=_int(item.get("open_orders"), where),
                **opt,
            ))  # fmt: skip
        except ConfigError as exc:
            problems.append(exc.message)
    if problems:
        raise ConfigError("group rules are not valid", problems, hint="fix group_rules.toml")
    return Rules(tuple(rules))


def triggers(before: Card, after: Card, op: Operation) -> set[str]:
    """What happened: call, order_open, order_step, order_delivered, order_cancelled."""
    if isinstance(op, LogCall):
        return {"call"}
    if isinstance(op, OpenOrder):
        return {"order_open"}
    if isinstance(op, StepOrder | CloseOrder):
        out = {"order_step"}
        was, now = before.order(op.order_no), after.order(op.order_no)
        if now is not None and not now.is_open and (was is None or was.is_open):
            cancelled = now.stage in after.labels.cancel_stages
            out.add("order_cancelled" if cancelled else "order_delivered")
        return out
    return set()


def group_changes(
    before: Card, after: Card, op: Operation, current_groups: set[str], rules: Rules
) -> tuple[set[str], set[str]]:
    """(group names to add, group names to remove) for this change of the card."""
    happened = triggers(before, after, op)
    outcome = op.outcome if isinstance(op, LogCall) else None
    groups = set(current_groups)
    for rule in rules.rules:
        if rule.matches(happened, outcome, after, groups):
            groups = (groups - rule.remove) | rule.add
    return groups - current_groups, current_groups - groups
