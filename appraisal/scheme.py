"""Appraisal schemes: the YAML model (kind: appraisal-scheme) and its loader.

A scheme is data, like a rule set: it is read with the core's safe YAML loader,
validated against `appraisal/schemas/appraisal-scheme.schema.json` with errors at
file:line:col, then turned into the plain dataclasses below. Semantic checks
(weights, floors, bands, clauses) live in `appraisal.check`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from governance.diagnostics import Diagnostic, Location, MedunionError, error, said
from governance.i18n import N_
from governance.model import SourceRef
from governance.schema import validate
from governance.source import SourceDocument, load_yaml

GRADES: tuple[str, ...] = ("excellent", "good", "pass", "fail")
"""Grade names, best first; the consequences rule sets read exactly these."""

METHODS: tuple[str, ...] = ("linear", "steps", "ratio", "percentile", "deduction", "veto")
COLUMN_TYPES: tuple[str, ...] = ("integer", "number", "percent", "ratio", "boolean")
MISSING_POLICIES: tuple[str, ...] = ("reject", "zero-points", "zero-value")


@dataclass(frozen=True)
class Unit:
    """One appraised unit (a member unit, an association or a county)."""

    id: str
    name: str
    name_zh: str | None = None
    group: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Column:
    """One raw data column of the input table, with the policy for a missing value."""

    name: str
    type: str
    unit: str
    description: str = ""
    description_zh: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    missing: str = "reject"
    not_above: str | None = None
    location: Location | None = field(default=None, compare=False)
    label_zh: str | None = None  # the column's Chinese name (the header an officer reads)

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """Effective inclusive bounds: counts and rates have natural ones."""
        low, high = self.minimum, self.maximum
        if self.type in ("integer", "percent", "ratio") and low is None:
            low = 0.0
        if self.type == "percent" and high is None:
            high = 100.0
        if self.type == "ratio" and high is None:
            high = 1.0
        return low, high


@dataclass(frozen=True)
class Step:
    at: float
    points: float


PARAMETER_STATUSES: tuple[str, ...] = ("law", "drafter-reading", "uncertain-reading")


def reading_status(status: str) -> str:
    """A file's `drafter-choice` is the core's `drafter-reading` (one vocabulary in outputs)."""
    return "drafter-reading" if status == "drafter-choice" else status


@dataclass(frozen=True)
class SchemeParameter:
    """A figure the scheme scores by (a target, a floor, a threshold), stated once with where it
    comes from: the law, a drafter's reading, or an uncertain reading of the law."""

    name: str
    value: float
    unit: str
    status: str
    source: str
    title: str = ""
    title_zh: str | None = None
    reading: str | None = None
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Figure:
    """Where one figure of an indicator (its target, floor, cap or a step threshold) comes from:
    a parameter of the scheme, or of a rule set (`ruleset.name`) read on the appraisal date."""

    field: str
    parameter: str
    value: float
    status: str
    source: str
    reading: str | None = None


@dataclass(frozen=True)
class Indicator:
    """One scored indicator; `value` names a column, `formula` computes from columns."""

    id: str
    title: str
    unit: str
    direction: str
    weight: float
    method: str
    clause: str
    title_zh: str | None = None
    value: str | None = None
    formula: str | None = None
    target: float | None = None
    floor: float | None = None
    cap: float | None = None
    steps: tuple[Step, ...] = ()
    per_occurrence: float | None = None
    max_deduction: float | None = None
    veto_grade: str | None = None
    source: str | None = None
    status: str = "law"
    note: str | None = None
    dimension: str = ""
    rate: str | None = None
    boundary: str = "inclusive"
    figures: tuple[Figure, ...] = ()
    form: str = ""
    """How the run's data gives the value: 'rate' (a published percent or ratio), 'parts' (counts,
    by the formula) or 'value'; set per table by `appraisal.forms.choose_forms`."""
    given_as: str = ""
    """The same, as the sentence an explanation shows."""
    location: Location | None = field(default=None, compare=False)
    formula_origin: Location | None = field(default=None, compare=False)

    @property
    def is_veto(self) -> bool:
        return self.method == "veto"

    @property
    def max_points(self) -> float:
        """The most points the indicator can give (a ratio cap above 1 gives a bonus)."""
        if self.method == "veto":
            return 0.0
        if self.method == "ratio" and self.cap is not None:
            return self.weight * self.cap
        if self.method == "steps" and self.steps:
            return max(s.points for s in self.steps)
        return self.weight


@dataclass(frozen=True)
class Dimension:
    id: str
    title: str
    indicators: tuple[Indicator, ...]
    title_zh: str | None = None
    clause: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def weight(self) -> float:
        return sum(i.weight for i in self.indicators if not i.is_veto)


@dataclass(frozen=True)
class ConsequenceField:
    """What a consequence means and where it comes from (law or drafter's choice)."""

    id: str
    type: str
    clause: str
    description: str = ""
    unit: str | None = None
    status: str = "law"
    note: str | None = None
    label_zh: str | None = None  # the consequence's Chinese name (绩效工资总额系数), shown to officers


@dataclass(frozen=True)
class GradeBand:
    """A grade for totals in [min, max); the top band's max is inclusive."""

    grade: str
    min: float
    max: float | None = None
    title_zh: str | None = None
    consequences: Mapping[str, Any] = field(default_factory=dict)
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Scheme:
    """A whole appraisal scheme, in force for `effective_from`..`effective_until`."""

    id: str
    title: str
    jurisdiction: str
    version: str
    status: str
    effective_from: dt.date
    effective_until: dt.date | None
    sources: tuple[SourceRef, ...]
    units: tuple[Unit, ...]
    columns: Mapping[str, Column]
    dimensions: tuple[Dimension, ...]
    grades: tuple[GradeBand, ...]
    rectification_below: str
    rectification_clause: str
    total_points: float = 100.0
    title_zh: str | None = None
    unit_kind: str = "member unit"
    charter: str | None = None
    charter_kinds: tuple[str, ...] = ()
    consequence_fields: tuple[ConsequenceField, ...] = ()
    synthetic_note: str | None = None
    path: str | None = None
    parameters: Mapping[str, SchemeParameter] = field(default_factory=dict)
    rectification_status: str = "law"
    rectification_note: str | None = None

    @property
    def indicators(self) -> list[Indicator]:
        return [i for d in self.dimensions for i in d.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def grade_band(self, grade: str) -> GradeBand:
        for band in self.grades:
            if band.grade == grade:
                return band
        raise KeyError(grade)

    def in_force(self, year: int) -> bool:
        """True when the effective period overlaps the appraised calendar year."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return self.effective_from <= end and (
            self.effective_until is None or self.effective_until >= start
        )

    def version_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.version.split("."))


def _date(text: Any) -> dt.date:
    return dt.date.fromisoformat(str(text))


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


_FIGURE_FIELDS = ("target", "floor", "cap")


class _Figures:
    """Reads an indicator's figures: a number, or `{parameter: name}` naming a parameter of the
    scheme or (`ruleset.name`) of a rule set, read through the core on the date `on`."""

    def __init__(self, doc: SourceDocument, local: Mapping[str, SchemeParameter], on: dt.date,
                 rules_root: Path | None) -> None:
        self.doc, self.local, self.on, self.rules_root = doc, local, on, rules_root
        self.problems: list[Diagnostic] = []

    def read(self, spec: Any, node: tuple[Any, ...], name: str, unit: str,
             used: list[Figure]) -> float | None:
        if spec is None:
            return None
        if not isinstance(spec, dict):
            return float(spec)
        ref = str(spec["parameter"])
        at = self.doc.locate((*node, "parameter"))
        if "." not in ref:
            param = self.local.get(ref)
            if param is None:
                known = ", ".join(sorted(self.local)) or "none"
                self.problems.append(error(N_("{name}: no parameter '{ref}' under parameters (known: {known})"), at,
                                           name=name, ref=ref, known=known))
                return None
            used.append(Figure(name.split(": ", 1)[-1], ref, param.value, param.status, param.source, param.reading))
            return param.value
        return self._from_ruleset(ref, at, name, unit, used)

    def _from_ruleset(self, ref: str, at: Location, name: str, unit: str, used: list[Figure]) -> float | None:
        from governance.load import ruleset_in_force, ruleset_versions

        ruleset_id, _, pname = ref.partition(".")
        root = self.rules_root or _REPO_RULES
        try:
            ruleset = ruleset_in_force(ruleset_versions(ruleset_id, root), self.on)
        except MedunionError as exc:
            self.problems.append(error(N_("{name}: {ref}: {problem}"), at, name=name, ref=ref,
                                       problem=said(exc.diagnostics[0])))
            return None
        param = ruleset.parameters.get(pname)
        value = param.value_on(self.on) if param is not None else None
        if param is None or value is None:
            known = ", ".join(sorted(ruleset.parameters)) or "none"
            why = (N_("{name}: '{parameter}' has no value on {on} ({ruleset} {version}; parameters: {known})")
                   if param is not None else
                   N_("{name}: '{parameter}' is not a parameter of the rule set in force on {on} ({ruleset} "
                      "{version}; parameters: {known})"))
            self.problems.append(error(why, at, name=name, parameter=pname, on=self.on, ruleset=ruleset_id,
                                       version=ruleset.version, known=known))
            return None
        number = float(value.value)
        pu, iu = (param.unit or "").strip().lower(), unit.strip().lower()
        shown = f"{ruleset_id} {ruleset.version}, {param.clause}"
        if pu == "ratio" and iu in ("percent", "%"):
            number = float(Decimal(repr(number)) * 100)
            shown += f" (the rule set's ratio {float(value.value):g} read as {number:g} percent)"
        elif pu in ("percent", "%") and iu == "ratio":
            number = float(Decimal(repr(number)) / 100)
            shown += f" (the rule set's {float(value.value):g} percent read as the ratio {number:g})"
        source = f"{shown}: {value.reference}" if value.reference else shown
        used.append(Figure(name.split(": ", 1)[-1], ref, number, reading_status(param.status), source,
                           param.reading_text or param.note))
        return number


_REPO_RULES = Path(__file__).resolve().parent.parent / "rules"


def _parameters(doc: SourceDocument) -> dict[str, SchemeParameter]:
    found: dict[str, SchemeParameter] = {}
    for name, spec in (doc.data.get("parameters") or {}).items():
        found[name] = SchemeParameter(
            name=name, value=float(spec["value"]), unit=spec.get("unit", ""),
            status=reading_status(spec["status"]), source=spec["source"], title=spec.get("title", ""),
            title_zh=spec.get("title_zh"), reading=spec.get("reading"),
            location=doc.locate_key(("parameters", name)))
    return found


def _rules_root(doc: SourceDocument) -> Path | None:
    """The rules folder a scheme file sits in (where rules/clauses.yaml is), for its rule-set parameters."""
    from governance.clauses import find_index

    index = find_index(doc.path) if doc.path else None
    return index.parent if index is not None else None


def build_scheme(doc: SourceDocument, on: dt.date | None = None, rules_root: Path | None = None) -> Scheme:
    """Plain, schema-valid data → the Scheme model; figures taken from a rule set are read on
    `on` (by default the day the scheme takes effect)."""
    data = doc.data
    effective = data["effective"]
    on = on or _date(effective["from"])
    parameters = _parameters(doc)
    figures = _Figures(doc, parameters, on, rules_root or _rules_root(doc))
    default_missing = data.get("missing", "reject")
    columns: dict[str, Column] = {}
    for name, spec in (data.get("columns") or {}).items():
        columns[name] = Column(
            name=name,
            type=spec["type"],
            unit=spec.get("unit", ""),
            description=spec.get("description", ""),
            description_zh=spec.get("description_zh"),
            label_zh=spec.get("label_zh"),
            minimum=_opt_float(spec.get("minimum")),
            maximum=_opt_float(spec.get("maximum")),
            missing=spec.get("missing", default_missing),
            not_above=spec.get("not_above"),
            location=doc.locate_key(("columns", name)),
        )
    dimensions: list[Dimension] = []
    for d_i, dim in enumerate(data["dimensions"]):
        indicators: list[Indicator] = []
        for i_i, ind in enumerate(dim["indicators"]):
            node = ("dimensions", d_i, "indicators", i_i)
            unit = ind.get("unit", "")
            used: list[Figure] = []
            read = {f: figures.read(ind.get(f), (*node, f), f"indicator {ind['id']}: {f}", unit, used)
                    for f in _FIGURE_FIELDS}
            steps = tuple(
                Step(figures.read(s["at"], (*node, "steps", k, "at"), f"indicator {ind['id']}: steps[{k}].at",
                                  unit, used) or 0.0, float(s["points"]))
                for k, s in enumerate(ind.get("steps", []))
            )
            indicators.append(
                Indicator(
                    id=ind["id"],
                    title=ind["title"],
                    title_zh=ind.get("title_zh"),
                    unit=unit,
                    direction=ind.get("direction", "higher"),
                    weight=float(ind.get("weight", 0)),
                    method=ind["method"],
                    clause=ind["clause"],
                    value=ind.get("value"),
                    formula=ind.get("formula"),
                    target=read["target"],
                    floor=read["floor"],
                    cap=read["cap"],
                    steps=steps,
                    per_occurrence=_opt_float(ind.get("per_occurrence")),
                    max_deduction=_opt_float(ind.get("max_deduction")),
                    veto_grade=ind.get("veto_grade"),
                    source=ind.get("source"),
                    status=ind.get("status", "law"),
                    note=ind.get("note"),
                    dimension=dim["id"],
                    rate=ind.get("rate"),
                    boundary=ind.get("boundary", "inclusive"),
                    figures=tuple(used),
                    location=doc.locate(node),
                    formula_origin=doc.text_origin((*node, "formula")),
                )
            )
        dimensions.append(
            Dimension(
                id=dim["id"],
                title=dim["title"],
                title_zh=dim.get("title_zh"),
                clause=dim.get("clause"),
                indicators=tuple(indicators),
                location=doc.locate(("dimensions", d_i)),
            )
        )
    if figures.problems:
        raise MedunionError(figures.problems)
    grades = tuple(
        GradeBand(
            grade=g["grade"],
            min=float(g["min"]),
            max=_opt_float(g.get("max")),
            title_zh=g.get("title_zh"),
            consequences=dict(g.get("consequences") or {}),
            location=doc.locate(("grades", n)),
        )
        for n, g in enumerate(data["grades"])
    )
    grades = tuple(sorted(grades, key=lambda b: -b.min))
    units_spec = data.get("units") or {}  # the older form: a list of units inside the scheme
    members = data.get("expected_units") or units_spec.get("members") or []
    kind = data.get("unit_kind") or units_spec.get("kind") or "member unit"
    rect = data["rectification"]
    return Scheme(
        id=data["id"],
        title=data["title"],
        title_zh=data.get("title_zh"),
        jurisdiction=data["jurisdiction"],
        version=str(data["version"]),
        status=data["status"],
        effective_from=_date(effective["from"]),
        effective_until=_date(effective["until"]) if effective.get("until") else None,
        sources=tuple(
            SourceRef(s["key"], s["title"], s.get("document"), s.get("url"))
            for s in data["sources"]
        ),
        unit_kind=str(kind).replace("_", " "),
        charter=data.get("charter") or units_spec.get("charter"),
        charter_kinds=tuple(data.get("charter_unit_kinds") or ()),
        units=tuple(
            Unit(str(u["id"]), u["name"], u.get("name_zh"), u.get("group"), u.get("note"))
            for u in members
        ),
        columns=columns,
        dimensions=tuple(dimensions),
        grades=grades,
        rectification_below=rect["below"],
        rectification_clause=rect["clause"],
        rectification_status=reading_status(rect.get("status", "law")),
        rectification_note=rect.get("note"),
        total_points=float(data.get("total_points", 100)),
        consequence_fields=tuple(
            ConsequenceField(
                id=c["id"],
                type=c["type"],
                clause=c["clause"],
                description=c.get("description", ""),
                unit=c.get("unit"),
                status=c.get("status", "law"),
                note=c.get("note"),
                label_zh=c.get("label_zh"),
            )
            for c in data.get("consequences", [])
        ),
        path=doc.path,
        parameters=parameters,
    )


def _value_problems(doc: SourceDocument) -> list[Diagnostic]:
    """What the JSON schema lets through: a number that is not finite (.nan, .inf: no total can be
    compared with it) and a date that does not exist, each at its place."""
    found: list[Diagnostic] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))
        elif isinstance(node, float) and not math.isfinite(node):
            name = ".".join(str(p) for p in path)
            found.append(error(N_("{name} must be a finite number, found {value}"), doc.locate(path), name=name,
                               value=node))

    walk(doc.data, ())
    effective = doc.data.get("effective")
    for key in ("from", "until"):
        if isinstance(effective, dict) and effective.get(key) is not None:
            try:
                _date(effective[key])
            except ValueError:
                found.append(error(N_("effective.{key}: {value} is not a valid date; write YYYY-MM-DD"),
                                   doc.locate(("effective", key)), key=key, value=repr(effective[key])))
    return found


def load_scheme_document(path: str | Path, on: dt.date | None = None,
                         rules_root: Path | None = None) -> tuple[SourceDocument, Scheme]:
    """Read, schema-validate and build; raises MedunionError with every schema error.

    `on`: the date a figure taken from a rule set is read on (default: the scheme's first day)."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict) or doc.data.get("kind") != "appraisal-scheme":
        raise MedunionError(error(N_("not an appraisal scheme (kind: appraisal-scheme)"), doc.locate()))
    problems = validate(doc, "appraisal-scheme", package="appraisal")
    if problems:
        raise MedunionError(problems)
    problems = _value_problems(doc)
    if problems:
        raise MedunionError(problems)
    try:
        return doc, build_scheme(doc, on, rules_root)
    except (ValueError, TypeError) as exc:
        raise MedunionError(error(N_("invalid value: {problem}"), doc.locate(), problem=exc)) from None


def load_scheme(path: str | Path, on: dt.date | None = None, rules_root: Path | None = None) -> Scheme:
    """The Scheme model of one file (the doc site renders tables from it)."""
    return load_scheme_document(path, on, rules_root)[1]


def appraisal_date(scheme: Scheme, year: int) -> dt.date:
    """The day a rule set's figure is read for an appraisal of `year`: 1 January, or the day the
    scheme takes effect if later in that year."""
    return max(dt.date(year, 1, 1), scheme.effective_from)


def load_schemes(root: str | Path) -> dict[str, list[Scheme]]:
    """Every scheme under `root` (e.g. rules/appraisal), by id, sorted by version."""
    found: dict[str, list[Scheme]] = {}
    for path in sorted(Path(root).glob("*/*.yaml")):
        scheme = load_scheme(path)
        found.setdefault(scheme.id, []).append(scheme)
    for versions in found.values():
        versions.sort(key=Scheme.version_key)
    return found


def scheme_in_force(versions: Sequence[Scheme], year: int) -> Scheme:
    """The latest version whose effective period overlaps the year."""
    matching = [s for s in versions if s.in_force(year)]
    if not matching:
        periods = ", ".join(
            f"{s.version} ({s.effective_from}..{s.effective_until or 'open'})" for s in versions
        )
        raise MedunionError(error(N_("no version is in force in {year}: {periods}"), year=year, periods=periods))
    return max(matching, key=Scheme.version_key)


def resolve_scheme(spec: str | Path, year: int, rules_root: Path | None = None) -> Scheme:
    """A scheme file path, or a scheme id looked up under rules/appraisal/<id>/ for the year."""
    path = Path(spec)
    rules = rules_root.parent if rules_root is not None else None
    if path.suffix in (".yaml", ".yml") and path.exists():
        scheme = load_scheme(path)
        if scheme.in_force(year) and _takes_rule_figures(scheme):
            scheme = load_scheme(path, appraisal_date(scheme, year), rules)
        if not scheme.in_force(year):
            raise MedunionError(
                error(N_("scheme {scheme} {version} is not in force in {year} (effective {start}..{end})"),
                      scheme=scheme.id, version=scheme.version, year=year, start=scheme.effective_from,
                      end=scheme.effective_until or "open")
            )
        return scheme
    root = rules_root or Path("rules") / "appraisal"
    folder = root / str(spec)
    if not folder.is_dir():
        known = sorted(p.name for p in root.glob("*") if p.is_dir())
        raise MedunionError(error(N_("no scheme file or id '{spec}'; known ids: {known}"), spec=spec,
                                  known=", ".join(known)))
    versions = [load_scheme(p) for p in sorted(folder.glob("*.yaml"))]
    chosen = scheme_in_force(versions, year)
    if _takes_rule_figures(chosen) and chosen.path:
        chosen = load_scheme(chosen.path, appraisal_date(chosen, year), rules)
    return chosen


def _takes_rule_figures(scheme: Scheme) -> bool:
    return any("." in f.parameter for i in scheme.indicators for f in i.figures)

