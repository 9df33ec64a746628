"""Semantic checks of an appraisal scheme, beyond its JSON schema.

`check_scheme_file` is what `medunion check` calls for `kind: appraisal-scheme`:
it returns every finding (errors and warnings) at file:line:col instead of
stopping at the first, so a drafter can fix a file in one go.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from appraisal.scheme import GRADES, Scheme, load_scheme, load_scheme_document
from appraisal.score import compile_indicator
from governance.check import missing_label
from governance.clauses import clause_index, find_index, unknown_clause
from governance.diagnostics import Diagnostic, MedunionError, error, warning
from governance.source import NodePath, SourceDocument

_RULES = Path(__file__).resolve().parent.parent / "rules" / "schema"
"""A file inside rules/, so a scheme kept elsewhere is checked against the repository's
clause index (rules/clauses.yaml) too."""

CharterUnits = Callable[[Path], set[str]]
"""Reads the unit ids of a charter file. The application passes the charter package's reader,
so appraisal checks its units against charters without importing the charter package."""


def check_scheme_file(path: str | Path, charter_units: CharterUnits | None = None) -> list[Diagnostic]:
    """Every error and warning of one scheme file (empty when it is clean).

    With `charter_units`, the scheme's units are also checked against its charter.
    """
    try:
        doc, scheme = load_scheme_document(path)
    except MedunionError as exc:
        return exc.diagnostics
    found = check_scheme(scheme, doc) + _check_siblings(scheme, doc) + check_scheme_labels(doc)
    if charter_units is not None:
        found += _check_charter(scheme, doc, charter_units)
    return found


def check_scheme_labels(doc: SourceDocument) -> list[Diagnostic]:
    """Warnings for the public labels of a scheme without their Chinese form: the scheme, its
    dimensions, indicators, grades, parameters, data columns and named units."""
    data = doc.data
    found: list[Diagnostic] = []

    def need(kind: str, name: object, path: NodePath, key: str, spec: object) -> None:
        if isinstance(spec, dict) and not spec.get(key):
            where = doc.locate_key(path) if path and isinstance(path[-1], str) else doc.locate(path)
            found.append(missing_label(kind, str(name), key, where))

    need("appraisal scheme", data.get("id"), (), "title_zh", data)
    for d, dim in enumerate(data.get("dimensions") or []):
        need("dimension", dim.get("id"), ("dimensions", d), "title_zh", dim)
        for i, ind in enumerate(dim.get("indicators") or []):
            need("indicator", ind.get("id"), ("dimensions", d, "indicators", i), "title_zh", ind)
    for g, grade in enumerate(data.get("grades") or []):
        need("grade", grade.get("grade"), ("grades", g), "title_zh", grade)
    for name, spec in (data.get("parameters") or {}).items():
        need("parameter", name, ("parameters", name), "title_zh", spec)
    for name, spec in (data.get("columns") or {}).items():
        need("data column", name, ("columns", name), "label_zh", spec)
    units = data.get("units") if isinstance(data.get("units"), dict) else {}
    listed = ((("units", "members"), units.get("members")), (("expected_units",), data.get("expected_units")))
    for at, members in listed:
        for u, unit in enumerate(members or []):
            need("unit", unit.get("id"), (*at, u), "name_zh", unit)
    return found


def _check_siblings(scheme: Scheme, doc: SourceDocument) -> list[Diagnostic]:
    """Two versions of one scheme whose effective periods overlap are an error."""
    found: list[Diagnostic] = []
    here = Path(doc.path).resolve()
    for other_path in sorted(here.parent.glob("*.yaml")):
        if other_path.resolve() == here:
            continue
        try:
            other = load_scheme(other_path)
        except MedunionError:
            continue  # reported when that file is checked
        if other.id != scheme.id:
            continue
        end = scheme.effective_until or dt.date.max
        other_end = other.effective_until or dt.date.max
        if scheme.effective_from <= other_end and other.effective_from <= end:
            found.append(error(
                f"the effective period overlaps version {other.version} ({other_path.name}): "
                "give the older version an `until` before this one starts",
                doc.locate(("effective",))))
    return found


def _check_charter(scheme: Scheme, doc: SourceDocument, charter_units: CharterUnits) -> list[Diagnostic]:
    """Units should be the charter's; a unit the charter lacks needs a note saying why."""
    if not scheme.charter:
        return []
    data = doc.data if isinstance(doc.data, dict) else {}
    charter_at = ("charter",) if "charter" in data else ("units", "charter")
    members_at = ("expected_units",) if "expected_units" in data else ("units", "members")
    index = find_index(doc.path) or find_index(_RULES)
    if index is None:
        return []
    charter_path = index.parent / "charters" / f"{scheme.charter}.yaml"
    if not charter_path.is_file():
        return [warning(f"charter: no charter '{scheme.charter}' at {charter_path}",
                        doc.locate(charter_at))]
    try:
        known = charter_units(charter_path)
    except MedunionError:
        return [warning(f"charter: the charter '{scheme.charter}' at {charter_path} does not load; "
                        "check it with `medunion charter check`", doc.locate(charter_at))]
    return [
        warning(f"unit '{u.id}' is not a unit of the charter {scheme.charter}: add a note "
                "saying where it comes from", doc.locate((*members_at, n)))
        for n, u in enumerate(scheme.units)
        if u.id not in known and not u.note
    ]


def check_scheme(scheme: Scheme, doc: SourceDocument | None = None) -> list[Diagnostic]:
    """Names, formulas, weights, floors, bands, consequences, clauses and the period."""
    found: list[Diagnostic] = []

    def at(*node: object):
        return doc.locate(tuple(node)) if doc else None

    path = Path(scheme.path) if scheme.path else None
    if path is not None and path.parent.parent.name == "appraisal":
        if path.parent.name != scheme.id:
            found.append(error(f"id '{scheme.id}' must equal the folder name '{path.parent.name}'",
                               at("id")))
        if path.stem != scheme.version:
            found.append(warning(f"version '{scheme.version}' differs from the file name "
                                 f"'{path.stem}'", at("version")))
    if scheme.effective_until and scheme.effective_until < scheme.effective_from:
        found.append(error("effective.until is before effective.from", at("effective", "until")))

    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    for what, ids, node in (
        ("unit", [u.id for u in scheme.units], "expected_units" if "expected_units" in data else "units"),
        ("dimension", [d.id for d in scheme.dimensions], "dimensions"),
        ("indicator", [i.id for i in scheme.indicators], "dimensions"),
        ("grade", [b.grade for b in scheme.grades], "grades"),
    ):
        for name, count in Counter(ids).items():
            if count > 1:
                found.append(error(f"{what} '{name}' is defined {count} times", at(node)))

    plan_keys = {s.key for s in scheme.sources}
    index = (clause_index(scheme.path) if scheme.path else None) or clause_index(_RULES)
    cited = [(f"indicator {i.id}", i.clause, i.location) for i in scheme.indicators]
    cited += [(f"dimension {d.id}", d.clause, d.location) for d in scheme.dimensions if d.clause]
    cited += [(f"consequence {c.id}", c.clause, at("consequences")) for c in
              scheme.consequence_fields]
    cited.append(("rectification", scheme.rectification_clause, at("rectification", "clause")))
    for what, clause, loc in cited:
        plan = clause.split(" ")[0]
        if plan not in plan_keys:
            found.append(error(f"{what}: clause '{clause}' cites '{plan}', which is not among "
                               "the scheme's sources", loc))
        problem = unknown_clause(clause, index) if index else None
        if problem:
            found.append(error(f"{what}: {problem}", loc))
    used_columns: set[str] = set()
    for ind in scheme.indicators:
        try:
            expr = compile_indicator(scheme, ind)
            used_columns |= set(expr.names())
        except MedunionError as exc:
            found.extend(exc.diagnostics)
        found.extend(_check_method(scheme, ind))
        found.extend(_check_rate(scheme, ind))
        if ind.rate:
            used_columns.add(ind.rate)
    used_parameters = {f.parameter for i in scheme.indicators for f in i.figures}
    for name, param in scheme.parameters.items():
        if name not in used_parameters:
            found.append(warning(f"parameter '{name}' is used by no indicator", param.location))
    if scheme.rectification_status != "law" and not scheme.rectification_note:
        found.append(error(f"rectification: status {scheme.rectification_status} needs a note saying whose "
                           "reading it is and why", at("rectification")))
    for name, col in scheme.columns.items():
        if col.not_above and col.not_above not in scheme.columns:
            found.append(error(f"column '{name}': not_above names '{col.not_above}', which is "
                               "not a column of the scheme", col.location))
        if name not in used_columns:
            found.append(warning(f"column '{name}' is read by no indicator", col.location))

    weights = sum(i.weight for i in scheme.indicators if not i.is_veto)
    if abs(weights - scheme.total_points) > 1e-6:
        found.append(warning(
            f"the weights add up to {weights:g}, not the scheme's total_points "
            f"{scheme.total_points:g}", at("dimensions")))
    found.extend(_check_bands(scheme))
    if scheme.rectification_below not in {b.grade for b in scheme.grades}:
        found.append(error(f"rectification.below '{scheme.rectification_below}' is not a grade "
                           "band of the scheme", at("rectification", "below")))
    declared = {c.id for c in scheme.consequence_fields}
    for band in scheme.grades:
        for key in band.consequences:
            if key not in declared:
                found.append(error(f"grade {band.grade}: consequence '{key}' is not declared "
                                   "under consequences", band.location))
        for key in declared - set(band.consequences):
            found.append(warning(f"grade {band.grade}: no value for consequence '{key}'",
                                 band.location))
    for cf in scheme.consequence_fields:
        if cf.status != "law" and not cf.note:
            found.append(error(f"consequence {cf.id}: status {cf.status} needs a note saying "
                               "where the figure came from", at("consequences")))
    return found


def _check_rate(scheme: Scheme, ind) -> list[Diagnostic]:
    """A `rate:` is the published form of a value the formula computes from its parts."""
    if ind.rate is None:
        return []
    found: list[Diagnostic] = []
    col = scheme.columns.get(ind.rate)
    if col is None:
        found.append(error(f"indicator {ind.id}: rate names '{ind.rate}', which is not a column of the scheme: "
                           "declare it under columns (type: percent or ratio)", ind.location))
    elif col.type not in ("percent", "ratio"):
        found.append(error(f"indicator {ind.id}: the rate column '{ind.rate}' is {col.type}; a rate is a percent "
                           "(0-100) or a ratio (0-1)", col.location))
    if ind.formula is None:
        found.append(warning(f"indicator {ind.id}: a rate is an alternative to a formula over the parts; with "
                             "`value:` give the rate column there instead", ind.location))
    return found


def _check_method(scheme: Scheme, ind) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    loc = ind.location
    m = ind.method
    present = {b.grade for b in scheme.grades}
    if m == "veto":
        if ind.veto_grade not in present:
            found.append(error(f"indicator {ind.id}: veto_grade '{ind.veto_grade}' is not a "
                               "grade band of the scheme", loc))
        return found
    if ind.weight <= 0:
        found.append(warning(f"indicator {ind.id}: weight 0 scores nothing", loc))
    if m == "linear":
        if ind.floor == ind.target:
            found.append(error(f"indicator {ind.id}: floor and target are equal ({ind.floor:g})",
                               loc))
        elif (ind.direction == "higher") != (ind.target > ind.floor):
            side = "above" if ind.direction == "higher" else "below"
            found.append(warning(
                f"indicator {ind.id}: the target {ind.target:g} lies outside the floor "
                f"{ind.floor:g} (for '{ind.direction} is better' it should be {side} it)", loc))
    if m == "ratio":
        if not ind.target or ind.target <= 0:
            found.append(error(f"indicator {ind.id}: a ratio needs a positive target", loc))
        if ind.floor is not None:
            found.append(warning(f"indicator {ind.id}: floor is not used by the ratio method", loc))
    if m == "steps":
        for step in ind.steps:
            if step.points > ind.weight + 1e-9:
                found.append(warning(f"indicator {ind.id}: a step gives {step.points:g} points, "
                                     f"more than the weight {ind.weight:g}", loc))
        ats = [s.at for s in ind.steps]
        if len(set(ats)) != len(ats):
            found.append(error(f"indicator {ind.id}: two steps at the same threshold", loc))
        ordered = sorted(ind.steps, key=lambda s: s.at, reverse=ind.direction == "lower")
        if any(b.points < a.points for a, b in pairwise(ordered)):
            found.append(warning(f"indicator {ind.id}: a harder threshold gives fewer points", loc))
        if ind.target is not None and ind.target not in ats:
            found.append(warning(f"indicator {ind.id}: the target {ind.target:g} is not one of "
                                 "the step thresholds", loc))
    if ind.boundary == "exclusive" and m != "steps":
        found.append(warning(f"indicator {ind.id}: boundary applies to the thresholds of steps; the {m} "
                             "method is continuous, so it changes nothing", loc))
    if m == "deduction" and ind.direction != "lower":
        found.append(warning(f"indicator {ind.id}: deductions count bad events, so 'lower' is "
                             "better", loc))
    if m in ("percentile",) and ind.target is not None:
        found.append(warning(f"indicator {ind.id}: the percentile method ignores the target", loc))
    if ind.target is not None and ind.floor is not None and m != "linear" and m != "ratio" and (
        (ind.direction == "higher") != (ind.target > ind.floor)
    ):
        found.append(warning(f"indicator {ind.id}: the target {ind.target:g} lies outside the "
                             f"floor {ind.floor:g}", loc))
    return found


def _check_bands(scheme: Scheme) -> list[Diagnostic]:
    """Bands must tile 0..total_points: a gap or an overlap is reported."""
    found: list[Diagnostic] = []
    bands = sorted(scheme.grades, key=lambda b: b.min)
    order = [GRADES.index(b.grade) for b in bands]
    if order != sorted(order, reverse=True):
        found.append(error("grade bands are out of order: a better grade needs more points",
                           bands[0].location))
    if bands and bands[0].min > 0:
        found.append(warning(f"the bands leave a gap: totals from 0 to {bands[0].min:g} get no "
                             "grade of their own", bands[0].location))
    for low, high in pairwise(bands):
        if low.min == high.min:
            found.append(error(f"bands {low.grade} and {high.grade} start at the same total",
                               high.location))
        if low.max is None:
            continue
        if low.max < high.min:
            found.append(warning(f"the bands leave a gap: totals from {low.max:g} to "
                                 f"{high.min:g} lie between {low.grade} and {high.grade}",
                                 low.location))
        elif low.max > high.min:
            found.append(error(f"bands {low.grade} and {high.grade} overlap from {high.min:g} "
                               f"to {low.max:g}", low.location))
    top = bands[-1] if bands else None
    if top is not None and top.max is not None and top.max < scheme.total_points:
        found.append(warning(f"the bands leave a gap: totals above {top.max:g} (up to "
                             f"{scheme.total_points:g}) get no band", top.location))
    return found
