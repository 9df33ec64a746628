"""A checked rule set → an evaluation plan shared by the one-case and the bulk evaluators."""

from __future__ import annotations

from dataclasses import dataclass

from governance.check import check_ruleset, dependencies, overrides
from governance.diagnostics import MedunionError, has_errors
from governance.model import DecisionTable, Rule, RuleSet


@dataclass(frozen=True)
class Plan:
    """What to compute, in which order, and which exceptions beat which rules."""

    ruleset: RuleSet
    order: tuple[str, ...]
    producers: dict[str, tuple[Rule | DecisionTable, ...]]
    overridden_by: dict[tuple[str, str], tuple[str, ...]]  # (rule id, output) -> exception rule ids


def _order(ruleset: RuleSet) -> tuple[str, ...]:
    outputs = set(ruleset.outputs)
    needs = {
        name: set().union(*(dependencies(p) for p in ruleset.producers(name))) & outputs
        if ruleset.producers(name) else set()
        for name in ruleset.outputs
    }
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(outputs):
        ready = [n for n in ruleset.outputs if n not in done and needs[n] <= done]
        if not ready:  # a cycle: the checker reports it; keep declaration order
            ready = [n for n in ruleset.outputs if n not in done]
        for name in ready:
            ordered.append(name)
            done.add(name)
    return tuple(ordered)


def compile_ruleset(ruleset: RuleSet) -> Plan:
    """Check the rule set (errors raise) and plan its evaluation."""
    problems = check_ruleset(ruleset)
    if has_errors(problems):
        raise MedunionError([p for p in problems if p.severity == "error"])
    producers = {name: tuple(ruleset.producers(name)) for name in ruleset.outputs}
    overridden: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, items in producers.items():
        rules = [p for p in items if isinstance(p, Rule)]
        for rule in rules:
            beaten_by = tuple(x.id for x in rules if x is not rule and overrides(ruleset, x, rule))
            if beaten_by:
                overridden[(rule.id, name)] = beaten_by
    return Plan(ruleset, _order(ruleset), producers, overridden)
