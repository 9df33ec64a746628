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
from governance.i18n import N_
from governance.source import NodePath, SourceDocument

_RULES = Path(__file__).resolve().parent.parent / "rules" / "schema"
"""A file inside rules/, so a scheme kept elsewhere is checked against the repository's
clause index (rules/clauses.yaml) too."""

_CITES = {
    "indicator": (N_("indicator {id}: clause '{clause}' cites '{plan}', which is not among the scheme's sources"),
                  N_("indicator {id}: {problem}")),
    "dimension": (N_("dimension {id}: clause '{clause}' cites '{plan}', which is not among the scheme's sources"),
                  N_("dimension {id}: {problem}")),
    "consequence": (N_("consequence {id}: clause '{clause}' cites '{plan}', which is not among the scheme's "
                       "sources"), N_("consequence {id}: {problem}")),
    "rectification": (N_("rectification: clause '{clause}' cites '{plan}', which is not among the scheme's "
                         "sources"), N_("rectification: {problem}")),
}
"""What cites a clause → (its clause names a plan the scheme does not list, its clause is unknown)."""

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
                N_("the effective period overlaps version {version} ({file}): "
                   "give the older version an `until` before this one starts"),
                doc.locate(("effective",)), version=other.version, file=other_path.name))
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
        return [warning(N_("charter: no charter '{charter}' at {path}"), doc.locate(charter_at),
                        charter=scheme.charter, path=charter_path)]
    try:
        known = charter_units(charter_path)
    except MedunionError:
        return [warning(N_("charter: the charter '{charter}' at {path} does not load; "
                           "check it with `medunion charter check`"), doc.locate(charter_at),
                        charter=scheme.charter, path=charter_path)]
    return [
        warning(N_("unit '{unit}' is not a unit of the charter {charter}: add a note "
                   "saying where it comes from"), doc.locate((*members_at, n)), unit=u.id, charter=scheme.charter)
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
            found.append(error(N_("id '{id}' must equal the folder name '{folder}'"), at("id"),
                               id=scheme.id, folder=path.parent.name))
        if path.stem != scheme.version:
            found.append(warning(N_("version '{version}' differs from the file name '{file}'"), at("version"),
                                 version=scheme.version, file=path.stem))
    if scheme.effective_until and scheme.effective_until < scheme.effective_from:
        found.append(error(N_("effective.until is before effective.from"), at("effective", "until")))

    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    for twice, ids, node in (
        (N_("unit '{name}' is defined {count} times"), [u.id for u in scheme.units],
         "expected_units" if "expected_units" in data else "units"),
        (N_("dimension '{name}' is defined {count} times"), [d.id for d in scheme.dimensions], "dimensions"),
        (N_("indicator '{name}' is defined {count} times"), [i.id for i in scheme.indicators], "dimensions"),
        (N_("grade '{name}' is defined {count} times"), [b.grade for b in scheme.grades], "grades"),
    ):
        for name, count in Counter(ids).items():
            if count > 1:
                found.append(error(twice, at(node), name=name, count=count))

    plan_keys = {s.key for s in scheme.sources}
    index = (clause_index(scheme.path) if scheme.path else None) or clause_index(_RULES)
    cited = [(_CITES["indicator"], i.id, i.clause, i.location) for i in scheme.indicators]
    cited += [(_CITES["dimension"], d.id, d.clause, d.location) for d in scheme.dimensions if d.clause]
    cited += [(_CITES["consequence"], c.id, c.clause, at("consequences")) for c in
              scheme.consequence_fields]
    cited.append((_CITES["rectification"], "", scheme.rectification_clause, at("rectification", "clause")))
    for (not_a_source, unknown), owner, clause, loc in cited:
        plan = clause.split(" ")[0]
        if plan not in plan_keys:
            found.append(error(not_a_source, loc, id=owner, clause=clause, plan=plan))
        problem = unknown_clause(clause, index) if index else None
        if problem:
            found.append(error(unknown, loc, id=owner, problem=problem))
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
            found.append(warning(N_("parameter '{name}' is used by no indicator"), param.location, name=name))
    if scheme.rectification_status != "law" and not scheme.rectification_note:
        found.append(error(N_("rectification: status {status} needs a note saying whose reading it is and why"),
                           at("rectification"), status=scheme.rectification_status))
    for name, col in scheme.columns.items():
        if col.not_above and col.not_above not in scheme.columns:
            found.append(error(N_("column '{name}': not_above names '{other}', which is not a column of the scheme"),
                               col.location, name=name, other=col.not_above))
        if name not in used_columns:
            found.append(warning(N_("column '{name}' is read by no indicator"), col.location, name=name))

    weights = sum(i.weight for i in scheme.indicators if not i.is_veto)
    if abs(weights - scheme.total_points) > 1e-6:
        found.append(warning(N_("the weights add up to {weights}, not the scheme's total_points {total}"),
                             at("dimensions"), weights=f"{weights:g}", total=f"{scheme.total_points:g}"))
    found.extend(_check_bands(scheme))
    if scheme.rectification_below not in {b.grade for b in scheme.grades}:
        found.append(error(N_("rectification.below '{grade}' is not a grade band of the scheme"),
                           at("rectification", "below"), grade=scheme.rectification_below))
    declared = {c.id for c in scheme.consequence_fields}
    for band in scheme.grades:
        for key in band.consequences:
            if key not in declared:
                found.append(error(N_("grade {grade}: consequence '{key}' is not declared under consequences"),
                                   band.location, grade=band.grade, key=key))
        for key in declared - set(band.consequences):
            found.append(warning(N_("grade {grade}: no value for consequence '{key}'"), band.location,
                                 grade=band.grade, key=key))
    for cf in scheme.consequence_fields:
        if cf.status != "law" and not cf.note:
            found.append(error(N_("consequence {id}: status {status} needs a note saying where the figure came from"),
                               at("consequences"), id=cf.id, status=cf.status))
    return found


def _check_rate(scheme: Scheme, ind) -> list[Diagnostic]:
    """A `rate:` is the published form of a value the formula computes from its parts."""
    if ind.rate is None:
        return []
    found: list[Diagnostic] = []
    col = scheme.columns.get(ind.rate)
    if col is None:
        found.append(error(N_("indicator {id}: rate names '{rate}', which is not a column of the scheme: "
                              "declare it under columns (type: percent or ratio)"), ind.location,
                           id=ind.id, rate=ind.rate))
    elif col.type not in ("percent", "ratio"):
        found.append(error(N_("indicator {id}: the rate column '{rate}' is {type}; a rate is a percent "
                              "(0-100) or a ratio (0-1)"), col.location, id=ind.id, rate=ind.rate, type=col.type))
    if ind.formula is None:
        found.append(warning(N_("indicator {id}: a rate is an alternative to a formula over the parts; with "
                                "`value:` give the rate column there instead"), ind.location, id=ind.id))
    return found


def _check_method(scheme: Scheme, ind) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    loc = ind.location
    m = ind.method
    present = {b.grade for b in scheme.grades}
    if m == "veto":
        if ind.veto_grade not in present:
            found.append(error(N_("indicator {id}: veto_grade '{grade}' is not a grade band of the scheme"), loc,
                               id=ind.id, grade=ind.veto_grade))
        return found
    if ind.weight <= 0:
        found.append(warning(N_("indicator {id}: weight 0 scores nothing"), loc, id=ind.id))
    if m == "linear":
        if ind.floor == ind.target:
            found.append(error(N_("indicator {id}: floor and target are equal ({floor})"), loc,
                               id=ind.id, floor=f"{ind.floor:g}"))
        elif (ind.direction == "higher") != (ind.target > ind.floor):
            outside = (N_("indicator {id}: the target {target} lies outside the floor {floor} "
                          "(for 'higher is better' it should be above it)") if ind.direction == "higher" else
                       N_("indicator {id}: the target {target} lies outside the floor {floor} "
                          "(for 'lower is better' it should be below it)"))
            found.append(warning(outside, loc, id=ind.id, target=f"{ind.target:g}", floor=f"{ind.floor:g}"))
    if m == "ratio":
        if not ind.target or ind.target <= 0:
            found.append(error(N_("indicator {id}: a ratio needs a positive target"), loc, id=ind.id))
        if ind.floor is not None:
            found.append(warning(N_("indicator {id}: floor is not used by the ratio method"), loc, id=ind.id))
    if m == "steps":
        for step in ind.steps:
            if step.points > ind.weight + 1e-9:
                found.append(warning(N_("indicator {id}: a step gives {points} points, more than the weight {weight}"),
                                     loc, id=ind.id, points=f"{step.points:g}", weight=f"{ind.weight:g}"))
        ats = [s.at for s in ind.steps]
        if len(set(ats)) != len(ats):
            found.append(error(N_("indicator {id}: two steps at the same threshold"), loc, id=ind.id))
        ordered = sorted(ind.steps, key=lambda s: s.at, reverse=ind.direction == "lower")
        if any(b.points < a.points for a, b in pairwise(ordered)):
            found.append(warning(N_("indicator {id}: a harder threshold gives fewer points"), loc, id=ind.id))
        if ind.target is not None and ind.target not in ats:
            found.append(warning(N_("indicator {id}: the target {target} is not one of the step thresholds"), loc,
                                 id=ind.id, target=f"{ind.target:g}"))
    if ind.boundary == "exclusive" and m != "steps":
        found.append(warning(N_("indicator {id}: boundary applies to the thresholds of steps; the {method} "
                                "method is continuous, so it changes nothing"), loc, id=ind.id, method=m))
    if m == "deduction" and ind.direction != "lower":
        found.append(warning(N_("indicator {id}: deductions count bad events, so 'lower' is better"), loc,
                             id=ind.id))
    if m in ("percentile",) and ind.target is not None:
        found.append(warning(N_("indicator {id}: the percentile method ignores the target"), loc, id=ind.id))
    if ind.target is not None and ind.floor is not None and m != "linear" and m != "ratio" and (
        (ind.direction == "higher") != (ind.target > ind.floor)
    ):
        found.append(warning(N_("indicator {id}: the target {target} lies outside the floor {floor}"), loc,
                             id=ind.id, target=f"{ind.target:g}", floor=f"{ind.floor:g}"))
    return found


def _check_bands(scheme: Scheme) -> list[Diagnostic]:
    """Bands must tile 0..total_points: a gap or an overlap is reported."""
    found: list[Diagnostic] = []
    bands = sorted(scheme.grades, key=lambda b: b.min)
    order = [GRADES.index(b.grade) for b in bands]
    if order != sorted(order, reverse=True):
        found.append(error(N_("grade bands are out of order: a better grade needs more points"),
                           bands[0].location))
    if bands and bands[0].min > 0:
        found.append(warning(N_("the bands leave a gap: totals from 0 to {low} get no grade of their own"),
                             bands[0].location, low=f"{bands[0].min:g}"))
    for low, high in pairwise(bands):
        if low.min == high.min:
            found.append(error(N_("bands {low} and {high} start at the same total"), high.location,
                               low=low.grade, high=high.grade))
        if low.max is None:
            continue
        if low.max < high.min:
            found.append(warning(N_("the bands leave a gap: totals from {start} to {end} lie between {low} and {high}"),
                                 low.location, start=f"{low.max:g}", end=f"{high.min:g}", low=low.grade,
                                 high=high.grade))
        elif low.max > high.min:
            found.append(error(N_("bands {low} and {high} overlap from {start} to {end}"), low.location,
                               low=low.grade, high=high.grade, start=f"{high.min:g}", end=f"{low.max:g}"))
    top = bands[-1] if bands else None
    if top is not None and top.max is not None and top.max < scheme.total_points:
        found.append(warning(N_("the bands leave a gap: totals above {top} (up to {total}) get no band"),
                             top.location, top=f"{top.max:g}", total=f"{scheme.total_points:g}"))
    return found
