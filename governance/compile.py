"""A checked rule set → an evaluation plan shared by the one-case and the bulk evaluators.

Compiling checks the whole rule set, which costs far more than deciding one case, so
`plan_for` keeps the last few plans by the content hash of their file.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from governance.check import check_ruleset, dependencies, overrides
from governance.diagnostics import MedunionError, has_errors
from governance.expressions import Expression
from governance.model import DecisionTable, Rule, RuleSet

PLAN_CACHE_SIZE = 64


@dataclass(frozen=True)
class Contender:
    """A rule that sets an output, with the rules that beat it there when they fire."""

    rule: Rule
    formula: Expression  # what it sets the output to
    overridden_by: tuple[str, ...]  # ids of its exceptions (direct or not) that set the output too
    outranked_by: tuple[str, ...]  # ids of the rules of higher priority that set the output


@dataclass(frozen=True)
class Plan:
    """What to compute, in which order, and which exceptions and priorities beat which rules."""

    ruleset: RuleSet
    order: tuple[str, ...]
    producers: dict[str, tuple[Rule | DecisionTable, ...]]
    overridden_by: dict[tuple[str, str], tuple[str, ...]]  # (rule id, output) -> exception rule ids
    # What the decision policy reads for every case, worked out once:
    table_of: dict[str, DecisionTable]  # output -> the table that sets it (a table outranks rules)
    contenders: dict[str, tuple[Contender, ...]]  # output -> the rules that set it, in file order
    rules_of: dict[str, tuple[Rule, ...]]  # output -> the same rules
    conditions: dict[str, tuple[Expression, ...]]  # rule id -> its conditions split at top-level `and`
    sets: dict[str, tuple[str, ...]]  # rule id -> the outputs it sets, sorted (as its trace lists them)


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
    """Check the rule set (errors raise) and plan its evaluation; always compiles (see `plan_for`)."""
    problems = check_ruleset(ruleset)
    if has_errors(problems):
        raise MedunionError([p for p in problems if p.severity == "error"])
    producers = {name: tuple(ruleset.producers(name)) for name in ruleset.outputs}
    overridden: dict[tuple[str, str], tuple[str, ...]] = {}
    table_of: dict[str, DecisionTable] = {}
    contenders: dict[str, tuple[Contender, ...]] = {}
    rules_of: dict[str, tuple[Rule, ...]] = {}
    for name, items in producers.items():
        tables = [p for p in items if isinstance(p, DecisionTable)]
        if tables:
            table_of[name] = tables[0]
        rules = [p for p in items if isinstance(p, Rule)]
        found = []
        for rule in rules:
            beaten_by = tuple(x.id for x in rules if x is not rule and overrides(ruleset, x, rule))
            if beaten_by:
                overridden[(rule.id, name)] = beaten_by
            higher = tuple(x.id for x in rules if x.priority > rule.priority)
            found.append(Contender(rule, rule.assignments[name], beaten_by, higher))
        contenders[name] = tuple(found)
        rules_of[name] = tuple(rules)
    conditions = {rule.id: tuple(part for condition in rule.conditions for part in condition.conjuncts())
                  for rule in ruleset.rules}
    sets = {rule.id: tuple(sorted(rule.assignments)) for rule in ruleset.rules}
    return Plan(ruleset, _order(ruleset), producers, overridden, table_of, contenders, rules_of, conditions, sets)


_plans: OrderedDict[tuple[str, str], Plan] = OrderedDict()  # the one piece of global state: bounded
_plans_lock = threading.Lock()


def plan_for(ruleset: RuleSet) -> Plan:
    """The plan of a rule set, compiled once per file content (the last `PLAN_CACHE_SIZE` are kept).

    A rule set without a digest (built by hand, not loaded from a file) is compiled every time.
    A cached plan serves another rule set object only if that object is equal to its own (the
    same file loaded again), so a rule set changed in memory (`dataclasses.replace`, which keeps
    the digest) never gets a stale plan; the plan returned always has `plan.ruleset is ruleset`.
    """
    if not ruleset.digest:
        return compile_ruleset(ruleset)
    key = (ruleset.digest, ruleset.path)
    with _plans_lock:
        plan = _plans.get(key)
        if plan is not None:
            _plans.move_to_end(key)
    if plan is not None:
        if plan.ruleset is ruleset:
            return plan
        if plan.ruleset == ruleset:  # the same file loaded again: its plan, for this object
            return replace(plan, ruleset=ruleset)
    plan = compile_ruleset(ruleset)
    with _plans_lock:
        _plans[key] = plan
        _plans.move_to_end(key)
        while len(_plans) > PLAN_CACHE_SIZE:
            _plans.popitem(last=False)
    return plan


def clear_plan_cache() -> None:
    """Forget every cached plan (for tests and long-running processes that reload rule files)."""
    with _plans_lock:
        _plans.clear()
