"""Semantic checks of rule sets: names, types, ids, cycles, dead rules, tables and versions."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from governance.clauses import INDEX_NAME, clause_index, unknown_clause
from governance.diagnostics import Diagnostic, Location, MedunionError, error, warning
from governance.expressions import Expression, ExpressionType, infer_type, literal_type
from governance.expressions.syntax import Binary, Literal, Membership, Name
from governance.model import DRAFTER_READING, LAW, UNCERTAIN_READING, DecisionTable, Rule, RuleSet
from governance.tables import cell_literal_types, cell_matches, domain_pieces

_MAX_GAP_COMBINATIONS = 200_000


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
                    self.found.append(error(
                        f"'{name}' is declared as both {seen[name]} and {group}; rename one",
                        item.location))
                seen[name] = group
        ids: dict[str, Rule | DecisionTable] = {}
        for item in (*self.rs.rules, *self.rs.tables):
            if item.id in ids:
                self.found.append(error(
                    f"duplicate id '{item.id}' (first at line {ids[item.id].location.line}); ids must be unique",
                    item.location))
            ids[item.id] = item
        keys = {s.key for s in self.rs.sources}
        index = clause_index(self.rs.path)
        if index is None:
            self.found.append(error(
                f"no clause index ({INDEX_NAME}) in any folder above {self.rs.path}, so its citations cannot "
                f"be checked; keep rule files in a rules folder that has {INDEX_NAME}", self.rs.location))
        for item in (*self.rs.rules, *self.rs.tables, *self.rs.parameters.values()):
            problem = unknown_clause(item.clause, index) if index is not None else None
            if problem:
                self.found.append(error(problem, item.location))
            plan = item.clause.split(" ", 1)[0]
            if plan not in keys:
                self.found.append(error(
                    f"clause '{item.clause}' cites '{plan}', which is not among this rule set's sources "
                    f"({', '.join(sorted(keys))}); add it under sources or fix the key", item.location))

    def parameters(self) -> None:
        for parameter in self.rs.parameters.values():
            if parameter.values and parameter.values[0].start > self.rs.effective_from:
                self.found.append(warning(
                    f"parameter '{parameter.name}' has no value before {parameter.values[0].start}, "
                    f"but the rule set is in force from {self.rs.effective_from}", parameter.location))
            if parameter.status != LAW and not parameter.reading_text:
                self.found.append(error(
                    f"parameter '{parameter.name}' is a {parameter.status}: say in `reading` where the figure "
                    "came from and how the clause was read", parameter.location))


    def rule(self, rule: Rule) -> None:
        for condition in rule.conditions:
            kind = self.typed(condition)
            if kind is not None and kind.kind != "boolean":
                self.found.append(error(
                    f"rule '{rule.id}': condition `{condition.text}` is {kind.describe()}, not a condition",
                    condition.origin or rule.location))
        for output, formula in rule.assignments.items():
            if output not in self.rs.outputs:
                hint = "declare it under outputs" if output not in self.rs.inputs else "inputs cannot be set"
                self.found.append(error(f"rule '{rule.id}' sets unknown output '{output}'; {hint}",
                                        formula.origin or rule.location))
                continue
            kind = self.typed(formula)
            target = self.rs.outputs[output].type
            if kind is not None and not target.accepts(kind):
                self.found.append(error(
                    f"rule '{rule.id}' gives output '{output}' ({target.describe()}) {kind.describe()}",
                    formula.origin or rule.location))
            elif kind is not None and target.kind == "enum":
                self.enum_value(formula, target, rule.id, output)
        self.never_fires(rule)

    def enum_value(self, formula: Expression, target: ExpressionType, owner: str, output: str) -> None:
        tree = formula.tree
        if isinstance(tree, Literal) and isinstance(tree.value, str) and tree.value not in target.values:
            self.found.append(error(
                f"'{owner}' gives output '{output}' the value '{tree.value}', not one of "
                + ", ".join(target.values), formula.origin))

    def never_fires(self, rule: Rule) -> None:
        why = self.contradiction(rule.conditions)
        if why:
            self.dead(rule, why)

    def contradiction(self, conditions: Iterable[Expression]) -> str | None:
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
                    return f"condition `{part.text}` is always false"
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
                return f"no value of '{name}' satisfies all of its conditions"
        for name in set(low) & set(high):
            empty = low[name] > high[name] or (
                low[name] == high[name] and (strict_low.get(name) or strict_high.get(name)))
            if empty:
                declared = self.rs.inputs[name]
                bounds = f" (declared range {declared.minimum} to {declared.maximum})" if (
                    declared.minimum is not None or declared.maximum is not None) else ""
                return f"no value of '{name}' satisfies its bounds{bounds}"
        return None

    def dead(self, rule: Rule, why: str) -> None:
        self.found.append(error(f"rule '{rule.id}' can never fire: {why}; fix or remove it", rule.location))

    def table(self, table: DecisionTable) -> None:
        column_types = [self.typed(column) for column in table.columns]
        for output in table.outputs:
            if output not in self.rs.outputs:
                self.found.append(error(f"table '{table.id}' sets unknown output '{output}'; declare it",
                                        table.location))
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
                        f"table '{table.id}' {row.label} gives '{output}' ({target.type.describe()}) "
                        f"{kind.describe()}", result.origin or row.location))
                elif kind is not None and target is not None and target.type.kind == "enum":
                    self.enum_value(result, target.type, table.id, output)
        if table.hit == "collect" and table.aggregate in ("sum", "min", "max"):
            for output in table.outputs:
                target = self.rs.outputs.get(output)
                if target is not None and not target.type.numeric:
                    self.found.append(error(
                        f"table '{table.id}' aggregates '{output}' with {table.aggregate}, "
                        f"but it is {target.type.describe()}", table.location))
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
                f"table '{table.id}' {row}: cell `{cell}` compares `{column.text}` ({kind.describe()}) "
                f"with {lit.describe()}", location))  # type: ignore[arg-type]
            return False
        if kind.kind == "enum" and literal not in kind.values:
            self.found.append(error(
                f"table '{table.id}' {row}: cell `{cell}`: '{literal}' is not a value of `{column.text}` "
                f"({', '.join(kind.values)})", location))  # type: ignore[arg-type]
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
                        f"table '{table.id}' has hit policy unique, but {ra.label} and {rb.label} both "
                        f"match when {example}; make their cells disjoint or use hit: first",
                        rb.location))
        total = 1
        for column_pieces in pieces:
            total *= len(column_pieces)
        if total > _MAX_GAP_COMBINATIONS:
            self.found.append(warning(
                f"table '{table.id}' is too large to prove complete ({total} combinations); "
                "gaps were not checked", table.location))
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
            severity = warning if has_default else error
            tail = " (the outputs' defaults apply there)" if has_default else "; add a row or a default"
            self.found.append(severity(
                f"table '{table.id}' has a gap: no row covers " + "; nor ".join(gaps) + tail,
                table.location))

    def producers(self) -> None:
        for name, output in self.rs.outputs.items():
            producers = self.rs.producers(name)
            tables = [p for p in producers if isinstance(p, DecisionTable)]
            if not producers:
                self.found.append(warning(f"output '{name}' is declared but nothing sets it", output.location))
            elif tables and len(producers) > 1:
                self.found.append(error(
                    f"output '{name}' is set by table '{tables[0].id}' and by other rules or tables; "
                    "let one table or a set of rules decide it", output.location))

    def exceptions(self) -> None:
        for rule in self.rs.rules:
            if rule.exception_to is None:
                continue
            base = self.rs.rule(rule.exception_to)
            if base is None:
                self.found.append(error(
                    f"rule '{rule.id}' is an exception to unknown rule '{rule.exception_to}'", rule.location))
                continue
            if not set(rule.assignments) & set(base.assignments):
                self.found.append(warning(
                    f"rule '{rule.id}' is an exception to '{base.id}' but sets none of its outputs, "
                    "so it overrides nothing", rule.location))
            seen = {rule.id}
            current: Rule | None = base
            while current is not None and current.exception_to is not None:
                if current.id in seen:
                    self.found.append(error(f"rule '{rule.id}': exceptions form a cycle", rule.location))
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
                    f"rules '{a.id}' and '{b.id}' both set '{output}' with the same priority and neither is "
                    "an exception to the other; if both fire on a case it is refused as a conflict",
                    b.location))

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
                        "outputs depend on each other in a cycle: " + " → ".join(cycle)
                        + "; one of them must be computed without the others",
                        self.rs.outputs[cycle[0]].location))
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


def check_readings(ruleset: RuleSet) -> list[Diagnostic]:
    """Every rule and table says whether it states the law or a reading of it, and a reading says which.

    Part of `medunion check`, not of compiling: a rule set without statuses still decides (its
    explanation then marks nothing), but an adopted version is refused until each item is marked;
    in a draft a missing status is a warning, so that drafting can start before the reading does."""
    found: list[Diagnostic] = []
    unmarked = error if ruleset.status != "draft" else warning
    for item in (*ruleset.rules, *ruleset.tables):
        what = "rule" if isinstance(item, Rule) else "table"
        if item.reading.status is None:
            found.append(unmarked(
                f"{what} '{item.id}' has no status; add `status: law` when the clause it cites says what it "
                f"encodes, or `status: {DRAFTER_READING}` / `{UNCERTAIN_READING}` with a `reading:` saying "
                "what was read into it", item.location))
        elif item.reading.marked and not item.reading.text:
            found.append(error(
                f"{what} '{item.id}' is a {item.reading.status}: say in `reading` what the clause leaves open "
                "and how it was read", item.location))
    return found


def check_versions(versions: Iterable[RuleSet]) -> list[Diagnostic]:
    """Versions of one rule set: distinct version numbers, effective periods that do not overlap."""
    found: list[Diagnostic] = []
    ordered = sorted(versions, key=lambda r: r.effective_from)
    for a, b in itertools.pairwise(ordered):
        if a.version == b.version:
            found.append(error(f"{b.id}: version {b.version} is also in {a.path}; give each file its own version",
                               b.location))
        if a.effective_until is None or a.effective_until >= b.effective_from:
            until = a.effective_until or "open end"
            found.append(error(
                f"{b.id} version {b.version} (from {b.effective_from}) overlaps version {a.version} "
                f"({a.path}, {a.effective_from} to {until}); end the earlier one with effective.until "
                f"before {b.effective_from}", b.effective_location or b.location))
    return found


def missing_label(kind: str, name: str, key: str, location: Location | None) -> Diagnostic:
    """The warning for a public label without its Chinese form, the same words for every kind of file."""
    return warning(f"{kind} '{name}' has no Chinese label; add `{key}:` with its Chinese name "
                   "(officers and the public read the Chinese one)", location)


def check_labels(ruleset: RuleSet) -> list[Diagnostic]:
    """Every public label of a rule set has a Chinese form: the set, its rules and tables, inputs,
    outputs, parameters and enum values. A warning, not an error: the rule set still decides.

    An amendment is checked only for what it states itself; what it inherits is checked (and
    reported once) at the base version's file."""
    found: list[Diagnostic] = []
    own = ruleset.path

    def mine(location: Location | None) -> bool:
        return location is not None and location.path == own

    if not ruleset.title_zh and mine(ruleset.location) and "title" in ruleset.raw:
        found.append(missing_label("rule set", ruleset.id, "title_zh", ruleset.location))
    for group, fields in (("input", ruleset.inputs), ("output", ruleset.outputs)):
        for name, item in fields.items():
            if not mine(item.location):
                continue
            if not item.label_zh:
                found.append(missing_label(group, name, "label_zh", item.location))
            if item.type.kind == "enum":
                lacking = [v for v in item.type.values if not item.value_zh(v)]
                if lacking:
                    found.append(warning(
                        f"{group} '{name}': enum value(s) {', '.join(repr(v) for v in lacking)} have no Chinese "
                        f"label; add `values_zh: {{{lacking[0]}: …}}` naming each value in Chinese", item.location))
    for name, parameter in ruleset.parameters.items():
        if mine(parameter.location) and not parameter.label_zh:
            found.append(missing_label("parameter", name, "label_zh", parameter.location))
    for item in (*ruleset.rules, *ruleset.tables):
        if mine(item.location) and not item.title_zh:
            what = "rule" if isinstance(item, Rule) else "table"
            found.append(missing_label(what, item.id, "title_zh", item.location))
    return found
