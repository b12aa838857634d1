"""Cross-option rules that belong to a higher floor, plain data.

``dgenerate_core.options.validate`` runs these where its ``rule_processors`` stands, in the order
they were registered; the families that own the rule register it when imported (processor URIs
and latents inputs: ``dgenerate_core.processors.rules``). The option table never imports them.
"""

from __future__ import annotations

from typing import Any, Callable

Rule = Callable[[Any, Any], None]
RULES: dict[str, Rule] = {}


def register_option_rule(name: str, rule: Rule) -> None:
    """Add (or replace) the rule ``name``: ``rule(opts, ctx)`` raises ``UsageError``."""
    RULES[name] = rule


def registered_rules() -> list[Rule]:
    """The registered rules in registration order."""
    return list(RULES.values())
