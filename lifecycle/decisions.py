"""The rule sets a lifecycle's guards consult: found by id, decided for one event, explained from the trace.

A guard such as `membership_terminated` is an output of a rule set named under `decisions`.
The checker needs those rule sets' types, the runner their decisions; both find them here,
each in its own folder `<rules>/<id>/`, never by scanning the whole rules folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from governance.cases import validate_case
from governance.compile import Plan, plan_for
from governance.decide import Decision, decide_with_plan
from governance.diagnostics import MedunionError
from governance.load import load_rulesets, ruleset_in_force
from governance.model import RuleSet
from governance.values import json_value
from lifecycle.model import Lifecycle
from lifecycle.outcome import Refused


def rules_root(lifecycle_path: str | Path) -> Path:
    """The rules/ folder a lifecycle file belongs to: where clauses.yaml is, else two levels up."""
    path = Path(lifecycle_path).resolve()
    for folder in path.parents:
        if (folder / "clauses.yaml").is_file():
            return folder
    return path.parent.parent


@lru_cache(maxsize=16)
def _rulesets_under(root: str) -> dict[str, list[RuleSet]]:
    """Rule sets of one folder, read once per process (checking and running read the same ones)."""
    return load_rulesets(root)


def decision_rulesets(lifecycle: Lifecycle, root: str | Path | None = None) -> dict[str, list[RuleSet]]:
    """The versions of every rule set the lifecycle's guards may consult, by id (absent ones left out)."""
    base = Path(root) if root is not None else rules_root(lifecycle.path)
    chosen: dict[str, list[RuleSet]] = {}
    for rid in lifecycle.decisions:
        folder = base / rid
        if folder.is_dir():
            found = _rulesets_under(str(folder))
            if rid in found:
                chosen[rid] = found[rid]
    return chosen


@dataclass(frozen=True)
class DecisionRecord:
    """One rule-set decision as kept with the event, so "why?" is answered without deciding again."""

    ruleset: str
    version: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    fired: list[dict[str, str | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, decision: Decision) -> DecisionRecord:
        """Read from the decision's typed trace: the inputs it saw and the rules that fired."""
        trace = decision.trace
        return cls(
            ruleset=trace.ruleset.id, version=trace.ruleset.version,
            inputs={k: json_value(v) for k, v in trace.inputs.items()},
            outputs={k: json_value(v) for k, v in decision.outputs.items()},
            fired=[{"id": r.id, "clause": r.clause, "title": r.title} for r in trace.rules if r.fired],
            warnings=list(trace.warnings), notes=list(trace.notes),
        )

    def as_record(self) -> dict[str, Any]:
        """The JSON kept in the event's record under `decisions.<rule set id>`."""
        return {"version": self.version, "inputs": self.inputs, "outputs": self.outputs,
                "fired": self.fired, "warnings": self.warnings, "notes": self.notes}


class Decider:
    """Decides the rule sets of lifecycles; each version's plan comes from the core's cache
    (keyed by the content hash of its file), so it is compiled once however many events need it."""

    def __init__(self, rules_root: str | Path | None = None) -> None:
        self.rules_root = rules_root
        self._rulesets: dict[str, dict[str, list[RuleSet]]] = {}

    def prepare(self, lifecycle: Lifecycle) -> None:
        """Find the lifecycle's rule sets once, before its first event."""
        if lifecycle.id not in self._rulesets:
            self._rulesets[lifecycle.id] = decision_rulesets(lifecycle, self.rules_root)

    def _plan(self, versions: list[RuleSet], on: dt.date) -> Plan:
        return plan_for(ruleset_in_force(versions, on))

    def decide(self, lifecycle: Lifecycle, wanted: set[str], env: Mapping[str, Any],
               on: dt.date) -> tuple[dict[str, Any], dict[str, DecisionRecord]]:
        """Outputs of every rule set that produces a `wanted` name, decided on `on` from `env`.

        Only rule sets whose outputs are read are decided; one that cannot decide the case (a
        missing input) refuses the event with the rule set's own message.
        """
        self.prepare(lifecycle)
        known = dict(env)  # a later rule set may read an earlier one's outputs
        outputs: dict[str, Any] = {}
        records: dict[str, DecisionRecord] = {}
        for rid, versions in self._rulesets[lifecycle.id].items():
            if not wanted & set(versions[-1].outputs):
                continue
            plan = self._plan(versions, on)  # no version in force is a fault of the rules, not of the event
            inputs = {name: known[name] for name in plan.ruleset.inputs if name in known}
            try:
                # an event gives its data at once (a later event cannot give it), so every input is
                # required here: `validate_case` refuses a missing one, as the core did before it
                # let missing inputs block only what needs them
                validate_case(plan.ruleset, inputs)
                decision = decide_with_plan(plan, inputs, on)
            except MedunionError as exc:
                raise Refused(f"rule set {rid} could not decide: {exc}") from None
            known.update(decision.outputs)
            outputs.update(decision.outputs)
            records[rid] = DecisionRecord.of(decision)
        return outputs, records
