"""Rule-set files → model: safe YAML, schema, then every expression parsed and placed."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from governance.amend import resolve_extends
from governance.diagnostics import Diagnostic, Location, MedunionError, Message, error, has_errors, joined
from governance.expressions import INTEGER, NUMBER, Expression, ExpressionType, literal_type, parse_expression
from governance.i18n import N_
from governance.model import (
    LEGACY_STATUSES,
    NO_DEFAULT,
    RATIO_BOUNDS,
    DecisionTable,
    Field,
    Parameter,
    ParameterValue,
    PlainSummary,
    Reading,
    Rule,
    RuleSet,
    SourceRef,
    TableRow,
)
from governance.schema import validate
from governance.source import NodePath, SourceDocument, load_yaml
from governance.tables import parse_cell
from governance.values import check_value


def read_date(text: str, doc: SourceDocument, path: NodePath, found: list[Diagnostic]) -> dt.date:
    """An ISO date from a document; a bad one is recorded in `found` with its position."""
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        found.append(error(N_("{value} is not a valid date; write YYYY-MM-DD"), doc.locate(path), value=repr(text)))
        return dt.date.min


def _type(spec: dict[str, Any]) -> ExpressionType:
    kind = spec["type"]
    if kind == "enum":
        return ExpressionType("enum", tuple(spec.get("values", ())))
    return ExpressionType(kind)


class DocumentReader:
    """Reads the parts of a loaded document that every kind of rule file shares (expressions,
    typed fields, dated parameters, rules), collecting every problem rather than the first."""

    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.found: list[Diagnostic] = []

    def expression(self, path: NodePath) -> Expression | None:
        node: Any = self.doc.data
        for part in path:
            node = node[part]
        origin = self.doc.text_origin(path)
        exact = origin is not None
        positions = None if exact else self.doc.text_positions(path)
        try:
            return parse_expression(node, origin if exact else self.doc.locate(path), exact, positions)
        except MedunionError as exc:
            self.found.extend(exc.diagnostics)
            return None

    def field(self, name: str, spec: dict[str, Any], path: NodePath) -> Field:
        kind = _type(spec)
        default = spec.get("default", NO_DEFAULT)
        if default is not NO_DEFAULT:
            default, problem = check_value(kind, default)
            if problem:
                self.found.append(error(N_("default of '{name}': {problem}"), self.doc.locate((*path, "default")),
                                        name=name, problem=problem))
        if kind.kind == "enum" and not kind.values:
            self.found.append(error(N_("enum '{name}' needs a list of values"), self.doc.locate(path), name=name))
        for bound in ("minimum", "maximum"):
            if bound in spec and check_value(NUMBER, spec[bound])[1] is not None:
                self.found.append(error(_NOT_FINITE[bound], self.doc.locate((*path, bound)), name=name,
                                        value=repr(spec[bound])))
        return Field(
            name=name, type=kind, unit=spec.get("unit"), description=spec.get("description"),
            description_zh=spec.get("description_zh"),
            location=self.doc.locate_key(path), minimum=spec.get("minimum"),
            maximum=spec.get("maximum"), default=default, label_zh=_text(spec.get("label_zh")),
            values_zh={str(k): str(v) for k, v in (spec.get("values_zh") or {}).items()},
        )

    def parameter(self, name: str, spec: dict[str, Any], path: NodePath) -> Parameter:
        values: list[ParameterValue] = []
        kind = ExpressionType(spec["type"])
        for i, item in enumerate(spec["values"]):
            where = (*path, "values", i)
            value = item["value"]
            if kind.kind == "list":
                element = self.list_element(name, value, (*where, "value"))
                if element is not None:
                    kind = ExpressionType("list", element=element)
            else:
                value, problem = check_value(kind, value)
                if problem:
                    self.found.append(error(N_("parameter '{name}': {problem}"), self.doc.locate((*where, "value")),
                                            name=name, problem=problem))
            values.append(ParameterValue(read_date(item["from"], self.doc, (*where, "from"), self.found),
                                         value, item.get("reference"), self.doc.locate(where)))
        starts = [v.start for v in values]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            self.found.append(error(N_("the values of parameter '{name}' must be in date order, one per date"),
                                    self.doc.locate((*path, "values")), name=name))
        minimum, maximum = self.parameter_bounds(name, spec, path)
        for i, value in enumerate(values):
            self.within_bounds(name, value, minimum, maximum, spec.get("unit"), (*path, "values", i, "value"))
        status = spec["status"]
        reading = spec.get("reading")
        if reading is None and status != "law":  # older files gave the reason of a flagged figure in `note`
            reading = spec.get("note")
        return Parameter(
            name=name, type=kind, unit=spec.get("unit"), clause=spec["clause"],
            description=spec.get("description"), status=LEGACY_STATUSES.get(status, status), note=spec.get("note"),
            values=tuple(values), location=self.doc.locate_key(path),
            description_zh=spec.get("description_zh"), label_zh=_text(spec.get("label_zh")),
            reading_text=_text(reading), reading_zh=_text(spec.get("reading_zh")),
            minimum=minimum, maximum=maximum,
        )

    def parameter_bounds(self, name: str, spec: dict[str, Any], path: NodePath) -> tuple[float | None, float | None]:
        """A parameter's declared bounds; a ratio is within [0, 1] whatever it declares."""
        bounds: list[float | None] = []
        for bound in ("minimum", "maximum"):
            given = spec.get(bound)
            if given is not None and check_value(NUMBER, given)[1] is not None:
                self.found.append(error(_PARAMETER_NOT_FINITE[bound], self.doc.locate((*path, bound)), name=name,
                                        value=repr(given)))
                given = None
            bounds.append(given)
        low, high = bounds
        if spec.get("unit") == "ratio":
            ratio_low, ratio_high = RATIO_BOUNDS
            for bound, given, inside in (("minimum", low, low is None or low >= ratio_low),
                                         ("maximum", high, high is None or high <= ratio_high)):
                if not inside:
                    self.found.append(error(_RATIO_BOUND[bound], self.doc.locate((*path, bound)), name=name,
                                            value=given))
            low = ratio_low if low is None or low < ratio_low else low
            high = ratio_high if high is None or high > ratio_high else high
        if low is not None and high is not None and low > high:
            self.found.append(error(N_("parameter '{name}': minimum {minimum} is above maximum {maximum}"),
                                    self.doc.locate((*path, "minimum")), name=name, minimum=low, maximum=high))
        return low, high

    def within_bounds(self, name: str, value: ParameterValue, low: float | None, high: float | None,
                      unit: str | None, where: NodePath) -> None:
        """A dated value outside its parameter's bounds is refused at the value."""
        number = value.value
        if isinstance(number, bool) or not isinstance(number, int | float):
            return
        if (low is not None and number < low) or (high is not None and number > high):
            template = N_("parameter '{name}' is {value} from {start}, outside [{low}, {high}]: a ratio must lie "
                          "within [{low}, {high}]; write a share as a fraction (0.75, not 75)") if unit == "ratio" \
                else N_("parameter '{name}' is {value} from {start}, outside [{low}, {high}]: parameter '{name}' "
                        "must lie within [{low}, {high}]")
            self.found.append(error(template, self.doc.locate(where), name=name, value=number, start=value.start,
                                    low=_bound(low), high=_bound(high)))

    def list_element(self, name: str, value: Any, path: NodePath) -> ExpressionType | None:
        """The one type of a list parameter's items (text, numbers or true/false), or None after
        recording why the list is not one: `x in [...]` compares items of one plain type only."""
        if not isinstance(value, list) or not value:
            self.found.append(error(N_("parameter '{name}' is a list; give a non-empty list"), self.doc.locate(path),
                                    name=name))
            return None
        for i, item in enumerate(value):
            if not (isinstance(item, str | bool) or (isinstance(item, int | float) and math.isfinite(item))):
                self.found.append(error(
                    N_("parameter '{name}': item {number} is {value}; a list holds text, finite numbers or true/false"),
                    self.doc.locate((*path, i)), name=name, number=i + 1, value=repr(item)))
                return None
        kinds = {literal_type(item) for item in value}
        if kinds <= {INTEGER, NUMBER}:
            return NUMBER if NUMBER in kinds else INTEGER
        if len(kinds) > 1:
            words = {"integer": N_("numbers"), "number": N_("numbers"), "string": N_("text"),
                     "boolean": N_("true/false")}
            named = sorted({words.get(k.kind, k.kind) for k in kinds})
            mixed = joined([Message(word) for word in named], N_("{first} and {rest}"))
            self.found.append(error(N_("parameter '{name}' mixes {kinds}; a list holds items of one type"),
                                    self.doc.locate(path), name=name, kinds=mixed))
            return None
        return kinds.pop()

    def conditions(self, spec: dict[str, Any], path: NodePath) -> tuple[Expression, ...]:
        when = spec.get("when")
        if when is None:
            return ()
        if isinstance(when, list):
            parsed = [self.expression((*path, "when", i)) for i in range(len(when))]
        else:
            parsed = [self.expression((*path, "when"))]
        return tuple(e for e in parsed if e is not None)

    def rule(self, spec: dict[str, Any], path: NodePath) -> Rule:
        assignments = {}
        for output in spec["then"]:
            parsed = self.expression((*path, "then", output))
            if parsed is not None:
                assignments[output] = parsed
        return Rule(
            id=spec["id"], title=spec["title"], clause=spec["clause"], source=spec["source"].strip(),
            conditions=self.conditions(spec, path), assignments=assignments,
            location=self.doc.locate(path), title_zh=spec.get("title_zh"),
            exception_to=spec.get("exception_to"), priority=spec.get("priority", 0), note=spec.get("note"),
            reading=_reading(spec), source_zh=_text(spec.get("source_zh")),
            source_zh_status=spec.get("source_zh_status"),
        )

    def table(self, spec: dict[str, Any], path: NodePath) -> DecisionTable:
        columns = [self.expression((*path, "inputs", i)) for i in range(len(spec["inputs"]))]
        rows: list[TableRow] = []
        for r, row in enumerate(spec["rows"]):
            row_path = (*path, "rows", r)
            if len(row["when"]) != len(spec["inputs"]):
                self.found.append(error(
                    N_("table '{table}' row {row} has {cells} cells for {columns} input columns; give one cell per "
                       "column ('-' for any)"), self.doc.locate((*row_path, "when")), table=spec["id"], row=r + 1,
                    cells=len(row["when"]), columns=len(spec["inputs"])))
                continue
            if len(row["then"]) != len(spec["outputs"]):
                self.found.append(error(
                    N_("table '{table}' row {row} has {results} results for {outputs} outputs; give one per output"),
                    self.doc.locate((*row_path, "then")), table=spec["id"], row=r + 1, results=len(row["then"]),
                    outputs=len(spec["outputs"])))
                continue
            cells = []
            for c, raw in enumerate(row["when"]):
                try:
                    cells.append(parse_cell(raw, self.doc.locate((*row_path, "when", c))))
                except MedunionError as exc:
                    self.found.extend(exc.diagnostics)
            results = [self.expression((*row_path, "then", i)) for i in range(len(row["then"]))]
            if len(cells) == len(row["when"]) and all(results):
                rows.append(TableRow(r, tuple(cells), tuple(e for e in results if e is not None),
                                     self.doc.locate(row_path), row.get("id"), row.get("note")))
        return DecisionTable(
            id=spec["id"], title=spec["title"], clause=spec["clause"], source=spec["source"].strip(),
            hit=spec["hit"], columns=tuple(c for c in columns if c is not None),
            outputs=tuple(spec["outputs"]), rows=tuple(rows), location=self.doc.locate(path),
            aggregate=spec.get("aggregate"), title_zh=spec.get("title_zh"), note=spec.get("note"),
            reading=_reading(spec), source_zh=_text(spec.get("source_zh")),
            source_zh_status=spec.get("source_zh_status"),
        )

    def ruleset(self) -> RuleSet:
        data = self.doc.data
        effective = data["effective"]
        start = read_date(effective["from"], self.doc, ("effective", "from"), self.found)
        until = effective.get("until")
        end = read_date(until, self.doc, ("effective", "until"), self.found) if until else None
        if end is not None and end < start:
            self.found.append(error(N_("effective.until is before effective.from"), self.doc.locate(("effective",))))
        inputs = {n: self.field(n, s, ("inputs", n)) for n, s in (data.get("inputs") or {}).items()}
        outputs = {n: self.field(n, s, ("outputs", n)) for n, s in (data.get("outputs") or {}).items()}
        parameters = {n: self.parameter(n, s, ("parameters", n))
                      for n, s in (data.get("parameters") or {}).items()}
        rules = tuple(self.rule(s, ("rules", i)) for i, s in enumerate(data.get("rules") or []))
        tables = tuple(self.table(s, ("tables", i)) for i, s in enumerate(data.get("tables") or []))
        return RuleSet(
            id=data["id"], title=data["title"], jurisdiction=data["jurisdiction"],
            version=str(data["version"]), status=data["status"], effective_from=start,
            effective_until=end,
            sources=tuple(SourceRef(s["key"], s["title"], s.get("document"), s.get("url"))
                          for s in data["sources"]),
            inputs=inputs, parameters=parameters, outputs=outputs, rules=rules, tables=tables,
            path=self.doc.path, location=self.doc.locate(()), title_zh=data.get("title_zh"),
            effective_location=self.doc.locate(("effective",)),
            description=data.get("description"), raw=data,
            jurisdiction_zh=data.get("jurisdiction_zh"), topics=tuple(data.get("topics") or ()),
            plain=PlainSummary(**data["plain"]) if data.get("plain") else None,
            digest=hashlib.sha256(self.doc.text.encode("utf-8")).hexdigest(),
        )


_NOT_FINITE = {"minimum": N_("minimum of '{name}' must be a finite number, found {value}"),
               "maximum": N_("maximum of '{name}' must be a finite number, found {value}")}
_PARAMETER_NOT_FINITE = {"minimum": N_("minimum of parameter '{name}' must be a finite number, found {value}"),
                         "maximum": N_("maximum of parameter '{name}' must be a finite number, found {value}")}
_RATIO_BOUND = {
    "minimum": N_("minimum of parameter '{name}' is {value}, but a ratio lies within [0, 1]; write a share as a "
                  "fraction (0.75, not 75)"),
    "maximum": N_("maximum of parameter '{name}' is {value}, but a ratio lies within [0, 1]; write a share as a "
                  "fraction (0.75, not 75)"),
}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _bound(value: float | None) -> Message | str:
    return Message(N_("no bound")) if value is None else f"{value:g}"


def _reading(spec: dict[str, Any]) -> Reading:
    """A rule's or table's status and reading as the file gives them (None when it gives none)."""
    return Reading(spec.get("status"), _text(spec.get("reading")), _text(spec.get("reading_zh")))


def kind_of(doc: SourceDocument) -> str | None:
    """The file's `kind:` when it is text; None for anything else (a list or mapping is no kind)."""
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    return kind if isinstance(kind, str) else None


def build_ruleset(doc: SourceDocument) -> RuleSet:
    """A loaded document → RuleSet; raises MedunionError with every problem found."""
    if kind_of(doc) != "ruleset":
        raise MedunionError(error(N_("not a rule set: the file must start with `kind: ruleset`"), doc.locate(())))
    doc = resolve_extends(doc)  # an amendment (`extends:`) is merged onto its base version first
    problems = validate(doc, "ruleset")
    if has_errors(problems):
        raise MedunionError(problems)
    builder = DocumentReader(doc)
    ruleset = builder.ruleset()
    if has_errors(builder.found):
        raise MedunionError(builder.found)
    return ruleset


def load_ruleset(path: str | Path) -> RuleSet:
    return build_ruleset(load_yaml(path))


def yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every .yaml/.yml file under the given files and folders, sorted, schema folder excluded."""
    found: list[Path] = []
    for item in paths:
        item = Path(item)
        if item.is_dir():
            found.extend(p for p in item.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif item.exists():
            found.append(item)
        else:
            raise MedunionError(error(N_("no such file or folder: {path}"), Location(str(item), 1, 1), path=item))
    return sorted(set(found))


def load_rulesets(root: str | Path = "rules") -> dict[str, list[RuleSet]]:
    """All rule sets under a folder, grouped by id, each group sorted by version."""
    groups: dict[str, list[RuleSet]] = {}
    for path in yaml_files([root]):
        doc = load_yaml(path)
        if kind_of(doc) == "ruleset":
            ruleset = build_ruleset(doc)
            groups.setdefault(ruleset.id, []).append(ruleset)
    for versions in groups.values():
        versions.sort(key=lambda r: r.version_key)
    return dict(sorted(groups.items()))


def ruleset_in_force(versions: list[RuleSet], on: dt.date) -> RuleSet:
    """The version whose effective period contains the date."""
    matching = [r for r in versions if r.in_force(on)]
    if not matching:
        periods = "; ".join(
            f"{r.version}: {r.effective_from} to {r.effective_until or 'open'}" for r in versions
        )
        if not versions:
            raise MedunionError(error(N_("no rule set is in force on {date}: no rule set was found"), date=on))
        # at the effective period of the version nearest the date: the one to extend or add after
        nearest = min(versions, key=lambda r: r.effective_from) if on < min(r.effective_from for r in versions) \
            else max(versions, key=lambda r: r.effective_from)
        raise MedunionError(error(N_("no version of {ruleset} is in force on {date} (versions: {periods})"),
                                  nearest.effective_location, ruleset=versions[0].id, date=on, periods=periods))
    return matching[-1]


def ruleset_versions(ruleset_id: str, root: str | Path = "rules") -> list[RuleSet]:
    """Every version of one rule set, sorted; only its own folder `root/<id>/` is read when it
    exists (a broken file elsewhere cannot stop a decision), the whole tree otherwise."""
    folder = Path(root) / ruleset_id
    if folder.is_dir():
        groups = load_rulesets(folder)
        if ruleset_id in groups:
            return groups[ruleset_id]
    groups = load_rulesets(root)
    if ruleset_id not in groups:
        known = ", ".join(groups) or "none"
        raise MedunionError(error(N_("no rule set '{ruleset}' under {root}/ (known: {known}); "
                                     "give --rules or set MEDUNION_RULES to the folder of rule sets"),
                                  ruleset=ruleset_id, root=root, known=known))
    return groups[ruleset_id]


def resolve_ruleset(reference: str | Path, on: dt.date, root: str | Path = "rules") -> RuleSet:
    """A rule set named by file path, folder, or id (looked up under `root`), in force on a date."""
    path = Path(reference)
    if path.is_file():
        return load_ruleset(path)
    if path.is_dir():
        versions = [r for rs in load_rulesets(path).values() for r in rs]
        return ruleset_in_force(versions, on)
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:  # meant as a file or folder, not an id
        raise MedunionError(error(N_("no such file or folder: {path}"), Location(str(path), 1, 1), path=path))
    return ruleset_in_force(ruleset_versions(str(reference), root), on)
