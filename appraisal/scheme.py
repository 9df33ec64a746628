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
from pathlib import Path
from typing import Any

from governance.diagnostics import Diagnostic, Location, MedunionError, error
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
    consequence_fields: tuple[ConsequenceField, ...] = ()
    synthetic_note: str | None = None
    path: str | None = None

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


def build_scheme(doc: SourceDocument) -> Scheme:
    """Plain, schema-valid data → the Scheme model."""
    data = doc.data
    default_missing = data.get("missing", "reject")
    columns: dict[str, Column] = {}
    for name, spec in (data.get("columns") or {}).items():
        columns[name] = Column(
            name=name,
            type=spec["type"],
            unit=spec.get("unit", ""),
            description=spec.get("description", ""),
            description_zh=spec.get("description_zh"),
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
            indicators.append(
                Indicator(
                    id=ind["id"],
                    title=ind["title"],
                    title_zh=ind.get("title_zh"),
                    unit=ind.get("unit", ""),
                    direction=ind.get("direction", "higher"),
                    weight=float(ind.get("weight", 0)),
                    method=ind["method"],
                    clause=ind["clause"],
                    value=ind.get("value"),
                    formula=ind.get("formula"),
                    target=_opt_float(ind.get("target")),
                    floor=_opt_float(ind.get("floor")),
                    cap=_opt_float(ind.get("cap")),
                    steps=tuple(
                        Step(float(s["at"]), float(s["points"])) for s in ind.get("steps", [])
                    ),
                    per_occurrence=_opt_float(ind.get("per_occurrence")),
                    max_deduction=_opt_float(ind.get("max_deduction")),
                    veto_grade=ind.get("veto_grade"),
                    source=ind.get("source"),
                    status=ind.get("status", "law"),
                    note=ind.get("note"),
                    dimension=dim["id"],
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
    units_spec = data["units"]
    effective = data["effective"]
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
        unit_kind=units_spec.get("kind", "member unit"),
        charter=units_spec.get("charter"),
        units=tuple(
            Unit(u["id"], u["name"], u.get("name_zh"), u.get("group"), u.get("note"))
            for u in units_spec["members"]
        ),
        columns=columns,
        dimensions=tuple(dimensions),
        grades=grades,
        rectification_below=rect["below"],
        rectification_clause=rect["clause"],
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
            )
            for c in data.get("consequences", [])
        ),
        path=doc.path,
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
            found.append(error(f"{name} must be a finite number, found {node}", doc.locate(path)))

    walk(doc.data, ())
    effective = doc.data.get("effective")
    for key in ("from", "until"):
        if isinstance(effective, dict) and effective.get(key) is not None:
            try:
                _date(effective[key])
            except ValueError:
                found.append(error(f"effective.{key}: {effective[key]!r} is not a valid date; write YYYY-MM-DD",
                                   doc.locate(("effective", key))))
    return found


def load_scheme_document(path: str | Path) -> tuple[SourceDocument, Scheme]:
    """Read, schema-validate and build; raises MedunionError with every schema error."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict) or doc.data.get("kind") != "appraisal-scheme":
        raise MedunionError(error("not an appraisal scheme (kind: appraisal-scheme)", doc.locate()))
    problems = validate(doc, "appraisal-scheme", package="appraisal")
    if problems:
        raise MedunionError(problems)
    problems = _value_problems(doc)
    if problems:
        raise MedunionError(problems)
    try:
        return doc, build_scheme(doc)
    except (ValueError, TypeError) as exc:
        raise MedunionError(error(f"invalid value: {exc}", doc.locate())) from None


def load_scheme(path: str | Path) -> Scheme:
    """The Scheme model of one file (the doc site renders tables from it)."""
    return load_scheme_document(path)[1]


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
        raise MedunionError(error(f"no version is in force in {year}: {periods}"))
    return max(matching, key=Scheme.version_key)


def resolve_scheme(spec: str | Path, year: int, rules_root: Path | None = None) -> Scheme:
    """A scheme file path, or a scheme id looked up under rules/appraisal/<id>/ for the year."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.exists():
        scheme = load_scheme(path)
        if not scheme.in_force(year):
            raise MedunionError(
                error(
                    f"scheme {scheme.id} {scheme.version} is not in force in {year} "
                    f"(effective {scheme.effective_from}..{scheme.effective_until or 'open'})"
                )
            )
        return scheme
    root = rules_root or Path("rules") / "appraisal"
    folder = root / str(spec)
    if not folder.is_dir():
        known = sorted(p.name for p in root.glob("*") if p.is_dir())
        raise MedunionError(error(f"no scheme file or id '{spec}'; known ids: {', '.join(known)}"))
    versions = [load_scheme(p) for p in sorted(folder.glob("*.yaml"))]
    return scheme_in_force(versions, year)
