"""What each version of a rule set changed, decided over a SYNTHETIC population, for its history page.

A reader of a rule set's history sees which figures and rules changed; this adds how much that
moves, on made-up cases: each version against the one before, decided on the day it takes
effect, every change of outcome attributed to its parameter, rule or table and clause
(`governance.impact`). The populations are listed in `examples/impact/populations.yaml` beside
the rules folder (a rules folder elsewhere has none, and its history pages show no impact).
Template: `history/impact.md.j2`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.diagnostics import MedunionError
from governance.model import RuleSet
from governance.rounding import amount_text
from governance.source import load_yaml
from publication.render import render

POPULATIONS = Path("examples") / "impact" / "populations.yaml"
SYNTHETIC_NOTE = "SYNTHETIC: made-up cases, not real patients or payments"


@dataclass(frozen=True)
class MoneyRow:
    output: str
    unit: str
    old: str
    new: str
    difference: str
    up: int
    down: int


@dataclass(frozen=True)
class AttributedChange:
    step: int
    change: str  # "parameter county_deductible changed: 500 → 600"
    clause: str | None
    status: str | None
    reading: str | None
    rows: str  # "1290 (deductible 1290, insurance_payment 1290)"
    amounts: str  # "insurance_payment −96,687.15"


@dataclass(frozen=True)
class VersionImpact:
    old_version: str
    new_version: str
    on: str
    rows_in: int
    rows_compared: int
    rows_rejected: int
    rows_changed: int
    money: tuple[MoneyRow, ...]
    changes: tuple[AttributedChange, ...]
    rows_multi_step: int
    problem: str | None  # why the impact could not be computed


@dataclass(frozen=True)
class ImpactSection:
    data: str  # the population's file, relative to the repository
    rows: int
    label: str
    versions: tuple[VersionImpact, ...]


def _amount(value: float) -> str:
    return amount_text(value)  # to the fen, half up (四舍五入)


def _signed(value: float) -> str:
    text = _amount(value)
    return text if text.startswith("-") else "+" + text


def population_for(ruleset: RuleSet) -> Path | None:
    """The SYNTHETIC population file listed for a rule set, found from its rule file
    (`<rules>/<id>/<version>.yaml` → `<rules>/../examples/impact/populations.yaml`)."""
    rules_root = Path(ruleset.path).resolve().parent.parent
    manifest = rules_root.parent / POPULATIONS
    if not manifest.is_file():
        return None
    listed = load_yaml(manifest).data.get("populations") or []
    for entry in listed:
        if isinstance(entry, dict) and entry.get("ruleset") == ruleset.id and isinstance(entry.get("data"), str):
            path = manifest.parent / entry["data"]
            if "SYNTHETIC" in path.name and path.is_file():  # only made-up data is published
                return path
    return None


def _version_impact(old: RuleSet, new: RuleSet, frame: Any) -> VersionImpact:
    from governance.impact import measure_impact

    try:
        impact = measure_impact(old, new, frame, on=new.effective_from)
    except MedunionError as exc:
        return VersionImpact(old.version, new.version, new.effective_from.isoformat(), len(frame), 0, 0, 0, (), (),
                             0, "; ".join(d.message for d in exc.diagnostics))
    money = tuple(MoneyRow(t.output, t.unit or "", _amount(t.sum_old), _amount(t.sum_new), _signed(t.difference),
                           t.increases, t.decreases) for t in impact.totals if t.money)
    changes = []
    for step in impact.steps:
        amounts = ", ".join(f"{name} {_signed(value)}" for name, value in step.amounts.items()
                            if any(m.output == name for m in money))
        rows = f"{step.rows_changed} ({', '.join(f'{name} {count}' for name, count in step.outputs.items())})" \
            if step.outputs else "0"
        backwards = step.reversed_amounts or {}
        if any(abs(backwards.get(m.output, 0.0) - step.amounts.get(m.output, 0.0)) >= 0.005 for m in money):
            amounts += "; in the reverse order " + ", ".join(
                f"{m.output} {_signed(backwards.get(m.output, 0.0))}" for m in money
                if backwards.get(m.output) or step.amounts.get(m.output))
        for change in step.changes or ():
            changes.append(AttributedChange(step.number, f"{change.label}: {change.old} → {change.new}",
                                            change.clause, change.status, change.reading, rows,
                                            amounts))
        if not step.changes:
            changes.append(AttributedChange(step.number, "other differences between the versions", None, None,
                                            None, rows, amounts))
    return VersionImpact(old.version, new.version, new.effective_from.isoformat(), impact.rows_in,
                         impact.rows_compared, impact.rows_rejected, impact.rows_changed, money, tuple(changes),
                         impact.rows_multi_step, None)


def impact_section(versions: Sequence[RuleSet]) -> str:
    """The history page's section on each version's impact on the SYNTHETIC population, or ""
    when the rule set has no population or one version only."""
    if len(versions) < 2:
        return ""
    path = population_for(versions[-1])
    if path is None:
        return ""
    from appraisal.read import read_input
    from governance.impact import typed_inputs

    table = read_input(path)  # a shipped population that cannot be read stops the build, with its reason
    frame = table.frame
    frame.index = range(table.first_row, table.first_row + len(frame))
    inputs = {name: spec for ruleset in versions for name, spec in ruleset.inputs.items()}
    frame = typed_inputs(inputs, frame)
    pairs = list(itertools.pairwise(versions))
    section = ImpactSection(
        data=f"{POPULATIONS.parent.as_posix()}/{path.name}", rows=len(frame), label=SYNTHETIC_NOTE,
        versions=tuple(_version_impact(old, new, frame) for old, new in reversed(pairs)),
    )
    return render("history/impact.md.j2", section=section)
