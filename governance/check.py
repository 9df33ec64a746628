"""Semantic checks of rule sets: names, types, ids, cycles, dead rules, tables and versions.

Every message is a catalog template (`N_`) with its values as arguments, so `medunion check
--lang zh` shows it in Chinese; a variant of a message (an input or an output, a rule or a table)
is a template of its own, since a value inside braces is never translated.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from governance.clauses import INDEX_NAME, clause_index, unknown_clause
from governance.diagnostics import Diagnostic, Location, MedunionError, error, warning
from governance.expressions import Expression, ExpressionType, infer_type, literal_type
from governance.expressions.syntax import Binary, Literal, Membership, Name
from governance.i18n import N_
from governance.model import LAW, DecisionTable, Rule, RuleSet
from governance.tables import cell_literal_types, cell_matches, domain_pieces

_MAX_GAP_COMBINATIONS = 200_000

TOPICS = ("referral", "insurance-payment", "subsidy", "membership", "appraisal", "staffing", "goals")
"""The topics of the public site's navigation (the schema's `topics` enum), named in the warning."""

_DECLARED_TWICE = {
    ("input", "parameter"): N_("'{name}' is declared as both input and parameter; rename one"),
    ("input", "output"): N_("'{name}' is declared as both input and output; rename one"),
    ("parameter", "output"): N_("'{name}' is declared as both parameter and output; rename one"),
}
_NEVER_FIRES = {
    "always-false": N_("rule '{rule}' can never fire: condition `{condition}` is always false; fix or remove it"),
    "values": N_("rule '{rule}' can never fire: no value of '{name}' satisfies all of its conditions; "
                 "fix or remove it"),
    "bounds": N_("rule '{rule}' can never fire: no value of '{name}' satisfies its bounds; fix or remove it"),
    "declared-bounds": N_("rule '{rule}' can never fire: no value of '{name}' satisfies its bounds (declared range "
                          "{minimum} to {maximum}); fix or remove it"),
}
Reason = tuple[str, dict[str, object]]
"""Why no case satisfies a set of conditions: a key of `_NEVER_FIRES` and the values it names."""


class _Checker:
    def __init__(self, ruleset: RuleSet) -> None:
        self.rs = ruleset
        self.env = ruleset.type_env()
        self.found: list[Diagnostic] = []

    def typed(self, expr: Expression) -> ExpressionType | None:
        try:
            return infer_type(expr, self.env)
        except MedunionError as exc:
            self.found.extend(exc.diagnostics)
            return None

    def run(self) -> list[Diagnostic]:
        self.names()
        self.parameters()
        for rule in self.rs.rules:
            self.rule(rule)
        for table in self.rs.tables:
            self.table(table)
        self.producers()
        self.exceptions()
        self.cycles()
        return self.found

    def names(self) -> None:
        seen: dict[str, str] = {}
        for group, items in (("input", self.rs.inputs), ("parameter", self.rs.parameters),
                             ("output", self.rs.outputs)):
            for name, item in items.items():
                if name in seen:
                    self.found.append(error(_DECLARED_TWICE[(seen[name], group)], item.location, name=name))
                seen[name] = group
        ids: dict[str, Rule | DecisionTable] = {}
        for item in (*self.rs.rules, *self.rs.tables):
            if item.id in ids:
                self.found.append(error(
                    N_("duplicate id '{id}' (first at line {line}); ids must be unique"),
                    item.location, id=item.id, line=ids[item.id].location.line))
            ids[item.id] = item
        keys = {s.key for s in self.rs.sources}
        index = clause_index(self.rs.path)
        if index is None:
            self.found.append(error(
                N_("no clause index ({index}) in any folder above {path}, so its citations cannot be checked; "
                   "keep rule files in a rules folder that has {index}"),
                self.rs.location, index=INDEX_NAME, path=self.rs.path))
        for item in (*self.rs.rules, *self.rs.tables, *self.rs.parameters.values()):
            problem = unknown_clause(item.clause, index) if index is not None else None
            if problem:
                self.found.append(error(problem, item.location))
            plan = item.clause.split(" ", 1)[0]
            if plan not in keys:
                self.found.append(error(
                    N_("clause '{clause}' cites '{plan}', which is not among this rule set's sources ({keys}); "
                       "add it under sources or fix the key"),
                    item.location, clause=item.clause, plan=plan, keys=", ".join(sorted(keys))))

    def parameters(self) -> None:
        for parameter in self.rs.parameters.values():
            if parameter.values and parameter.values[0].start > self.rs.effective_from:
                self.found.append(warning(
                    N_("parameter '{name}' has no value before {start}, but the rule set is in force from {begins}"),
                    parameter.location, name=parameter.name, start=parameter.values[0].start,
                    begins=self.rs.effective_from))
            if parameter.status != LAW and not parameter.reading_text:
                self.found.append(error(
                    N_("parameter '{name}' is a {status}: say in `reading` where the figure came from and how the "
                       "clause was read"), parameter.location, name=parameter.name, status=parameter.status))

    def rule(self, rule: Rule) -> None:
        for condition in rule.conditions:
            kind = self.typed(condition)
            if kind is not None and kind.kind != "boolean":
                self.found.append(error(
                    N_("rule '{rule}': condition `{condition}` is {kind}, not a condition"),
                    condition.origin or rule.location, rule=rule.id, condition=condition.text, kind=kind.describe()))
        for output, formula in rule.assignments.items():
            if output not in self.rs.outputs:
                template = (N_("rule '{rule}' sets unknown output '{output}'; declare it under outputs")
                            if output not in self.rs.inputs else
                            N_("rule '{rule}' sets unknown output '{output}'; inputs cannot be set"))
                self.found.append(error(template, formula.origin or rule.location, rule=rule.id, output=output))
                continue
            kind = self.typed(formula)
            target = self.rs.outputs[output].type
            if kind is not None and not target.accepts(kind):
                self.found.append(error(
                    N_("rule '{rule}' gives output '{output}' ({target}) {kind}"), formula.origin or rule.location,
                    rule=rule.id, output=output, target=target.describe(), kind=kind.describe()))
            elif kind is not None and target.kind == "enum":
                self.enum_value(formula, target, rule.id, output)
        self.never_fires(rule)

    def enum_value(self, formula: Expression, target: ExpressionType, owner: str, output: str) -> None:
        tree = formula.tree
        if isinstance(tree, Literal) and isinstance(tree.value, str) and tree.value not in target.values:
            self.found.append(error(
                N_("'{owner}' gives output '{output}' the value '{value}', not one of {values}"), formula.origin,
                owner=owner, output=output, value=tree.value, values=", ".join(target.values)))

    def never_fires(self, rule: Rule) -> None:
        why = self.contradiction(rule.conditions)
        if why:
            self.dead(rule, why)

    def contradiction(self, conditions: Iterable[Expression]) -> Reason | None:
        """Why no case satisfies all conditions (bounds or values of one input), or None."""
        allowed: dict[str, set[object] | None] = {}
        low: dict[str, float] = {}
        high: dict[str, float] = {}
        for name, item in self.rs.inputs.items():
            if item.minimum is not None:
                low[name] = item.minimum
            if item.maximum is not None:
                high[name] = item.maximum
        strict_low: dict[str, bool] = {}
        strict_high: dict[str, bool] = {}
        for condition in conditions:
            for part in condition.conjuncts():
                tree = part.tree
                if isinstance(tree, Literal) and tree.value is False:
                    return "always-false", {"condition": part.text}
                if isinstance(tree, Membership) and isinstance(tree.operand, Name) and not tree.negated:
                    items = getattr(tree.collection, "items", None)
                    if items is not None and all(isinstance(i, Literal) for i in items):
                        values = {i.value for i in items}
                        name = tree.operand.name
                        previous = allowed.get(name)
                        allowed[name] = values if previous is None else previous & values
                if not isinstance(tree, Binary) or tree.op not in ("==", "<", "<=", ">", ">="):
                    continue
                left, right, op = tree.left, tree.right, tree.op
                if isinstance(left, Literal) and isinstance(right, Name):
                    left, right = right, left
                    op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
                if not (isinstance(left, Name) and isinstance(right, Literal)) or left.name not in self.rs.inputs:
                    continue
                name, value = left.name, right.value
                if op == "==":
                    previous = allowed.get(name)
                    allowed[name] = {value} if previous is None else previous & {value}
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    if op in (">", ">=") and (name not in low or value >= low[name]):
                        strict = op == ">"
                        if name in low and value == low[name]:
                            strict = strict or strict_low.get(name, False)
                        low[name], strict_low[name] = value, strict
                    if op in ("<", "<=") and (name not in high or value <= high[name]):
                        strict = op == "<"
                        if name in high and value == high[name]:
                            strict = strict or strict_high.get(name, False)
                        high[name], strict_high[name] = value, strict
        for name, values in allowed.items():
            if values:  # the values a condition allows must also lie within the bounds (x == 700, max 600)
                values = {v for v in values if _within(v, low.get(name), high.get(name),
                                                       strict_low.get(name, False), strict_high.get(name, False))}
            if values is not None and not values:
                return "values", {"name": name}
        for name in set(low) & set(high):
            empty = low[name] > high[name] or (
                low[name] == high[name] and (strict_low.get(name) or strict_high.get(name)))
            if empty:
                declared = self.rs.inputs[name]
                if declared.minimum is not None or declared.maximum is not None:
                    return "declared-bounds", {"name": name, "minimum": declared.minimum, "maximum": declared.maximum}
                return "bounds", {"name": name}
        return None

    def dead(self, rule: Rule, why: Reason) -> None:
        which, args = why
        self.found.append(error(_NEVER_FIRES[which], rule.location, rule=rule.id, **args))

    def table(self, table: DecisionTable) -> None:
        column_types = [self.typed(column) for column in table.columns]
        for output in table.outputs:
            if output not in self.rs.outputs:
                self.found.append(error(N_("table '{table}' sets unknown output '{output}'; declare it"),
                                        table.location, table=table.id, output=output))
        cells_ok = True
        for row in table.rows:
            for column, kind, cell in zip(table.columns, column_types, row.cells, strict=True):
                if kind is None:
                    continue
                for literal in cell_literal_types(cell):
                    cells_ok &= self.cell_type(table, row.label, column, kind, cell.text, literal, cell.location)
            for output, result in zip(table.outputs, row.results, strict=True):
                kind = self.typed(result)
                target = self.rs.outputs.get(output)
                if kind is not None and target is not None and not target.type.accepts(kind):
                    self.found.append(error(
                        N_("table '{table}' {row} gives '{output}' ({target}) {kind}"), result.origin or row.location,
                        table=table.id, row=row.label, output=output, target=target.type.describe(),
                        kind=kind.describe()))
                elif kind is not None and target is not None and target.type.kind == "enum":
                    self.enum_value(result, target.type, table.id, output)
        if table.hit == "collect" and table.aggregate in ("sum", "min", "max"):
            for output in table.outputs:
                target = self.rs.outputs.get(output)
                if target is not None and not target.type.numeric:
                    self.found.append(error(
                        N_("table '{table}' aggregates '{output}' with {aggregate}, but it is {kind}"),
                        table.location, table=table.id, output=output, aggregate=table.aggregate,
                        kind=target.type.describe()))
        if None not in column_types and table.rows and cells_ok:  # mistyped cells cannot be compared
            self.coverage(table, [k for k in column_types if k is not None])

    def cell_type(self, table: DecisionTable, row: str, column: Expression, kind: ExpressionType,
                  cell: str, literal: object, location: object) -> bool:
        """Whether a cell's literal fits its column; reports it when not."""
        lit = literal_type(literal)
        ok = (kind.numeric and lit.numeric) or (kind.kind == lit.kind) or (
            kind.textual and lit.kind == "string")
        if not ok:
            self.found.append(error(
                N_("table '{table}' {row}: cell `{cell}` compares `{column}` ({kind}) with {literal}"),
                location, table=table.id, row=row, cell=cell, column=column.text,  # type: ignore[arg-type]
                kind=kind.describe(), literal=lit.describe()))
            return False
        if kind.kind == "enum" and literal not in kind.values:
            self.found.append(error(
                N_("table '{table}' {row}: cell `{cell}`: '{value}' is not a value of `{column}` ({values})"),
                location, table=table.id, row=row, cell=cell, value=literal,  # type: ignore[arg-type]
                column=column.text, values=", ".join(kind.values)))
        return True

    def coverage(self, table: DecisionTable, kinds: list[ExpressionType]) -> None:
        """Overlaps (unique hit policy) and gaps, proved over pieces of each column's domain."""
        pieces = []
        for i, (column, kind) in enumerate(zip(table.columns, kinds, strict=True)):
            declared = self.rs.inputs.get(column.text.strip())
            cells = [row.cells[i] for row in table.rows]
            pieces.append(domain_pieces(column.text.strip(), kind, cells, declared))
        # matches[row][column] = set of piece indexes on which the cell is true
        matches = [
            [{p for p, piece in enumerate(pieces[c]) if cell_matches(row.cells[c], piece.sample)}
             for c in range(len(table.columns))]
            for row in table.rows
        ]
        if table.hit == "unique":
            for (a, ra), (b, rb) in itertools.combinations(enumerate(table.rows), 2):
                shared = [matches[a][c] & matches[b][c] for c in range(len(table.columns))]
                if all(shared):
                    example = " and ".join(pieces[c][next(iter(sorted(s)))].label for c, s in enumerate(shared))
                    self.found.append(error(
                        N_("table '{table}' has hit policy unique, but {first} and {second} both match when "
                           "{example}; make their cells disjoint or use hit: first"),
                        rb.location, table=table.id, first=ra.label, second=rb.label, example=example))
        total = 1
        for column_pieces in pieces:
            total *= len(column_pieces)
        if total > _MAX_GAP_COMBINATIONS:
            self.found.append(warning(
                N_("table '{table}' is too large to prove complete ({total} combinations); gaps were not checked"),
                table.location, table=table.id, total=total))
            return
        gaps = []
        for combo in itertools.product(*(range(len(p)) for p in pieces)):
            if not any(all(combo[c] in matches[r][c] for c in range(len(combo))) for r in range(len(table.rows))):
                gaps.append(" and ".join(pieces[c][p].label for c, p in enumerate(combo)))
                if len(gaps) >= 3:
                    break
        if gaps:
            outputs = table.outputs
            has_default = all(self.rs.outputs[o].has_default for o in outputs if o in self.rs.outputs)
            if has_default:
                self.found.append(warning(
                    N_("table '{table}' has a gap: no row covers {cases} (the outputs' defaults apply there)"),
                    table.location, table=table.id, cases="; nor ".join(gaps)))
            else:
                self.found.append(error(
                    N_("table '{table}' has a gap: no row covers {cases}; add a row or a default"),
                    table.location, table=table.id, cases="; nor ".join(gaps)))

    def producers(self) -> None:
        for name, output in self.rs.outputs.items():
            producers = self.rs.producers(name)
            tables = [p for p in producers if isinstance(p, DecisionTable)]
            if not producers:
                self.found.append(warning(N_("output '{name}' is declared but nothing sets it"), output.location,
                                          name=name))
            elif tables and len(producers) > 1:
                self.found.append(error(
                    N_("output '{name}' is set by table '{table}' and by other rules or tables; "
                       "let one table or a set of rules decide it"), output.location, name=name, table=tables[0].id))

    def exceptions(self) -> None:
        for rule in self.rs.rules:
            if rule.exception_to is None:
                continue
            base = self.rs.rule(rule.exception_to)
            if base is None:
                self.found.append(error(
                    N_("rule '{rule}' is an exception to unknown rule '{base}'"), rule.location,
                    rule=rule.id, base=rule.exception_to))
                continue
            if not set(rule.assignments) & set(base.assignments):
                self.found.append(warning(
                    N_("rule '{rule}' is an exception to '{base}' but sets none of its outputs, so it overrides "
                       "nothing"), rule.location, rule=rule.id, base=base.id))
            seen = {rule.id}
            current: Rule | None = base
            while current is not None and current.exception_to is not None:
                if current.id in seen:
                    self.found.append(error(N_("rule '{rule}': exceptions form a cycle"), rule.location, rule=rule.id))
                    break
                seen.add(current.id)
                current = self.rs.rule(current.exception_to)
        for output in self.rs.outputs:
            rules = [p for p in self.rs.producers(output) if isinstance(p, Rule)]
            for a, b in itertools.combinations(rules, 2):
                related = overrides(self.rs, a, b) or overrides(self.rs, b, a)
                if related or a.priority != b.priority:
                    continue
                fa, fb = a.assignments[output], b.assignments[output]
                if fa.text.strip() == fb.text.strip() or self.contradiction((*a.conditions, *b.conditions)):
                    continue
                self.found.append(warning(
                    N_("rules '{first}' and '{second}' both set '{output}' with the same priority and neither is "
                       "an exception to the other; if both fire on a case it is refused as a conflict"),
                    b.location, first=a.id, second=b.id, output=output))

    def cycles(self) -> None:
        graph: dict[str, set[str]] = {name: set() for name in self.rs.outputs}
        for output in self.rs.outputs:
            for producer in self.rs.producers(output):
                graph[output] |= dependencies(producer) & set(self.rs.outputs)
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> list[str] | None:
            state[node] = 1
            stack.append(node)
            for following in sorted(graph[node]):
                if state.get(following) == 1:
                    return [*stack[stack.index(following):], following]
                if following not in state:
                    found = visit(following)
                    if found:
                        return found
            stack.pop()
            state[node] = 2
            return None

        for node in sorted(graph):
            if node not in state:
                cycle = visit(node)
                if cycle:
                    self.found.append(error(
                        N_("outputs depend on each other in a cycle: {cycle}; one of them must be computed without "
                           "the others"), self.rs.outputs[cycle[0]].location, cycle=" → ".join(cycle)))
                    return


def _within(value: object, low: float | None, high: float | None, strict_low: bool, strict_high: bool) -> bool:
    """Whether a literal value lies within numeric bounds (non-numbers always do)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    if low is not None and (value < low or (strict_low and value == low)):
        return False
    return not (high is not None and (value > high or (strict_high and value == high)))


def dependencies(producer: Rule | DecisionTable) -> set[str]:
    """The names a rule or table reads (conditions, formulas, columns, row results)."""
    names: set[str] = set()
    if isinstance(producer, Rule):
        for expr in (*producer.conditions, *producer.assignments.values()):
            names |= expr.names()
    else:
        for expr in producer.columns:
            names |= expr.names()
        for row in producer.rows:
            for expr in row.results:
                names |= expr.names()
    return names


def overrides(ruleset: RuleSet, exception: Rule, base: Rule) -> bool:
    """Whether `exception` is (transitively) an exception to `base`."""
    seen: set[str] = set()
    current: Rule | None = exception
    while current is not None and current.exception_to is not None and current.id not in seen:
        seen.add(current.id)
        if current.exception_to == base.id:
            return True
        current = ruleset.rule(current.exception_to)
    return False


def check_ruleset(ruleset: RuleSet) -> list[Diagnostic]:
    """Every semantic problem of one rule set."""
    return _Checker(ruleset).run()


_NO_STATUS = {
    "rule": N_("rule '{id}' has no status; add `status: law` when the clause it cites says what it encodes, or "
               "`status: drafter-reading` / `uncertain-reading` with a `reading:` saying what was read into it"),
    "table": N_("table '{id}' has no status; add `status: law` when the clause it cites says what it encodes, or "
                "`status: drafter-reading` / `uncertain-reading` with a `reading:` saying what was read into it"),
}
_NO_READING = {
    "rule": N_("rule '{id}' is a {status}: say in `reading` what the clause leaves open and how it was read"),
    "table": N_("table '{id}' is a {status}: say in `reading` what the clause leaves open and how it was read"),
}
_NO_READING_ZH = {
    "rule": N_("rule '{id}' is a {status} with a `reading` but no `reading_zh`; add `reading_zh:` beside it, the "
               "reading rendered in Chinese (officers and the public read the Chinese one)"),
    "table": N_("table '{id}' is a {status} with a `reading` but no `reading_zh`; add `reading_zh:` beside it, the "
                "reading rendered in Chinese (officers and the public read the Chinese one)"),
    "parameter": N_("parameter '{id}' is a {status} with a reading (`reading` or `note`) but no `reading_zh`; add "
                    "`reading_zh:` beside it, the reading rendered in Chinese (officers and the public read the "
                    "Chinese one)"),
}


def check_readings(ruleset: RuleSet) -> list[Diagnostic]:
    """Every rule and table says whether it states the law or a reading of it, and a reading says which.

    Part of `medunion check`, not of compiling: a rule set without statuses still decides (its
    explanation then marks nothing), but an adopted version is refused until each item is marked;
    in a draft a missing status is a warning, so that drafting can start before the reading does.
    A reading without its Chinese (`reading_zh`) is a warning: residents read the Chinese page. An
    amendment is warned only for the items it states itself (the base's file reports the rest)."""
    found: list[Diagnostic] = []
    unmarked = error if ruleset.status != "draft" else warning
    for item in (*ruleset.rules, *ruleset.tables):
        what = "rule" if isinstance(item, Rule) else "table"
        if item.reading.status is None:
            found.append(unmarked(_NO_STATUS[what], item.location, id=item.id))
        elif item.reading.marked and not item.reading.text:
            found.append(error(_NO_READING[what], item.location, id=item.id, status=item.reading.status))
        elif item.reading.marked and not item.reading.text_zh and _own(ruleset, item.location):
            found.append(warning(_NO_READING_ZH[what], item.location, id=item.id, status=item.reading.status))
    for name, parameter in ruleset.parameters.items():
        if (parameter.status != LAW and parameter.reading_text and not parameter.reading_zh
                and _own(ruleset, parameter.location)):
            found.append(warning(_NO_READING_ZH["parameter"], parameter.location, id=name, status=parameter.status))
    return found


def _own(ruleset: RuleSet, location: Location | None) -> bool:
    """Whether an item is stated in the rule set's own file (not inherited by an amendment)."""
    return location is not None and location.path == ruleset.path


def check_versions(versions: Iterable[RuleSet]) -> list[Diagnostic]:
    """Versions of one rule set: distinct version numbers, effective periods that do not overlap."""
    found: list[Diagnostic] = []
    ordered = sorted(versions, key=lambda r: r.effective_from)
    for a, b in itertools.pairwise(ordered):
        if a.version == b.version:
            found.append(error(N_("{id}: version {version} is also in {path}; give each file its own version"),
                               b.location, id=b.id, version=b.version, path=a.path))
        if a.effective_until is None:
            found.append(error(
                N_("{id} version {version} (from {start}) overlaps version {other} ({path}, {other_start} to open "
                   "end); end the earlier one with effective.until before {start}"),
                b.effective_location or b.location, id=b.id, version=b.version, start=b.effective_from,
                other=a.version, path=a.path, other_start=a.effective_from))
        elif a.effective_until >= b.effective_from:
            found.append(error(
                N_("{id} version {version} (from {start}) overlaps version {other} ({path}, {other_start} to "
                   "{other_until}); end the earlier one with effective.until before {start}"),
                b.effective_location or b.location, id=b.id, version=b.version, start=b.effective_from,
                other=a.version, path=a.path, other_start=a.effective_from, other_until=a.effective_until))
    return found


_MISSING_LABEL = {
    # rule sets
    "rule set": N_("rule set '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                   "(officers and the public read the Chinese one)"),
    "input": N_("input '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                "(officers and the public read the Chinese one)"),
    "output": N_("output '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                 "(officers and the public read the Chinese one)"),
    "parameter": N_("parameter '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                    "(officers and the public read the Chinese one)"),
    "rule": N_("rule '{name}' has no Chinese label; add `{key}:` with its Chinese name "
               "(officers and the public read the Chinese one)"),
    "table": N_("table '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                "(officers and the public read the Chinese one)"),
    # appraisal schemes
    "appraisal scheme": N_("appraisal scheme '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                           "(officers and the public read the Chinese one)"),
    "dimension": N_("dimension '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                    "(officers and the public read the Chinese one)"),
    "indicator": N_("indicator '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                    "(officers and the public read the Chinese one)"),
    "grade": N_("grade '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                "(officers and the public read the Chinese one)"),
    "data column": N_("data column '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                      "(officers and the public read the Chinese one)"),
    "unit": N_("unit '{name}' has no Chinese label; add `{key}:` with its Chinese name "
               "(officers and the public read the Chinese one)"),
    # charters
    "charter": N_("charter '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                  "(officers and the public read the Chinese one)"),
    "association": N_("association '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                      "(officers and the public read the Chinese one)"),
    "governing body": N_("governing body '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                         "(officers and the public read the Chinese one)"),
    # lifecycles
    "lifecycle": N_("lifecycle '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                    "(officers and the public read the Chinese one)"),
    "state": N_("state '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                "(officers and the public read the Chinese one)"),
    "event": N_("event '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                "(officers and the public read the Chinese one)"),
    "transition": N_("transition '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                     "(officers and the public read the Chinese one)"),
    "data field": N_("data field '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                     "(officers and the public read the Chinese one)"),
}
"""One template per kind of labelled item (a kind inside braces would stay English in Chinese)."""
_MISSING_LABEL_OTHER = N_("{kind} '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                          "(officers and the public read the Chinese one)")


def missing_label(kind: str, name: str, key: str, location: Location | None) -> Diagnostic:
    """The warning for a public label without its Chinese form, the same words for every kind of file.

    The kinds the layers above name (appraisal schemes, charters, lifecycles) have templates here, so
    the warning reads in Chinese whichever package found it; an unknown kind still reads, its name in English."""
    template = _MISSING_LABEL.get(kind)
    if template is None:
        return warning(_MISSING_LABEL_OTHER, location, kind=kind, name=name, key=key)
    return warning(template, location, name=name, key=key)


_ENUM_VALUES_ZH = {
    "input": N_("input '{name}': enum value(s) {values} have no Chinese label; add `values_zh: {{{first}: …}}` "
                "naming each value in Chinese"),
    "output": N_("output '{name}': enum value(s) {values} have no Chinese label; add `values_zh: {{{first}: …}}` "
                 "naming each value in Chinese"),
}
_NO_JURISDICTION_ZH = N_(
    "rule set '{name}' has no `jurisdiction_zh`; add `jurisdiction_zh:` at the top of the file with the "
    "jurisdiction's Chinese name (e.g. 政和县): the public site groups rule sets by it")
_NO_TOPICS = N_(
    "rule set '{name}' has no `topics`; add `topics: [...]` at the top of the file with one or more of {topics}: "
    "the public site lists rule sets by topic")
_NO_PLAIN = N_(
    "rule set '{name}' has no plain summary; add `plain:` at the top of the file with `applies_to_zh:` (who it "
    "applies to) and `gives_zh:` (what it gives or decides), in words a resident understands, and their English "
    "`applies_to:` and `gives:`")
_NO_PLAIN_EN = N_(
    "rule set '{name}': the plain summary has no English; add `applies_to:` and `gives:` under `plain:` "
    "(the English page shows them)")


SUMMARY_WARNINGS = (_NO_JURISDICTION_ZH, _NO_TOPICS, _NO_PLAIN, _NO_PLAIN_EN)
"""The templates of `check_summary`, for telling its warnings from the others."""


def check_summary(ruleset: RuleSet) -> list[Diagnostic]:
    """Warnings for a rule set the public site cannot present to a resident: no Chinese jurisdiction,
    no topics, no plain summary (or one without its English). At the rule set's location; an
    amendment inherits these from the version it extends, so only a base version (or a rule set that
    states them itself) is warned."""
    inherits = any(not _own(ruleset, item.location) for item in (
        *ruleset.rules, *ruleset.tables, *ruleset.parameters.values(), *ruleset.inputs.values(),
        *ruleset.outputs.values()))
    if inherits:
        return []
    found: list[Diagnostic] = []
    if not ruleset.jurisdiction_zh:
        found.append(warning(_NO_JURISDICTION_ZH, ruleset.location, name=ruleset.id))
    if not ruleset.topics:
        found.append(warning(_NO_TOPICS, ruleset.location, name=ruleset.id, topics=", ".join(TOPICS)))
    if ruleset.plain is None:
        found.append(warning(_NO_PLAIN, ruleset.location, name=ruleset.id))
    elif not (ruleset.plain.applies_to and ruleset.plain.gives):
        found.append(warning(_NO_PLAIN_EN, ruleset.location, name=ruleset.id))
    return found


def check_labels(ruleset: RuleSet) -> list[Diagnostic]:
    """Every public label of a rule set has a Chinese form: the set, its rules and tables, inputs,
    outputs, parameters and enum values, and the set's summary for residents (`check_summary`). A
    warning, not an error: the rule set still decides.

    An amendment is checked only for what it states itself; what it inherits is checked (and
    reported once) at the base version's file."""
    found: list[Diagnostic] = []

    def mine(location: Location | None) -> bool:
        return _own(ruleset, location)

    if not ruleset.title_zh and mine(ruleset.location) and "title" in ruleset.raw:
        found.append(missing_label("rule set", ruleset.id, "title_zh", ruleset.location))
    found.extend(check_summary(ruleset))
    for group, fields in (("input", ruleset.inputs), ("output", ruleset.outputs)):
        for name, item in fields.items():
            if not mine(item.location):
                continue
            if not item.label_zh:
                found.append(missing_label(group, name, "label_zh", item.location))
            if item.type.kind == "enum":
                lacking = [v for v in item.type.values if not item.value_zh(v)]
                if lacking:
                    found.append(warning(_ENUM_VALUES_ZH[group], item.location, name=name,
                                         values=", ".join(repr(v) for v in lacking), first=lacking[0]))
    for name, parameter in ruleset.parameters.items():
        if mine(parameter.location) and not parameter.label_zh:
            found.append(missing_label("parameter", name, "label_zh", parameter.location))
    for item in (*ruleset.rules, *ruleset.tables):
        if mine(item.location) and not item.title_zh:
            what = "rule" if isinstance(item, Rule) else "table"
            found.append(missing_label(what, item.id, "title_zh", item.location))
    return found
