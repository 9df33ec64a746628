"""The decision policy, written once for both evaluators.

For each output, in plan order: which producers apply (the table, or the rules whose conditions
hold), which rules are set aside by a fired exception (`exception_to`), which of those standing
have the highest priority, whether the winners conflict, and what happens when none applies
(the output's default, or undecided with the reason). Decision tables: columns, cell tests,
the hit policies first/unique/collect and collect's aggregates.

The policy never looks at a value itself. It is generic over a `Backend` that does the
arithmetic: a truth is a `bool` for the one-case evaluator and a boolean numpy mask over the
rows for the column evaluator, so every step below reads "on the rows where ...". Rows leave a
step as soon as it is settled for them, which is what lets the one-case evaluator stop reading
conditions at the first that fails (as the law reads) and the column evaluator compute each
expression only on the rows that reach it.

The backend also hears what was found (a condition read, a table row tested, an output
settled): the one-case evaluator records its trace there; the column evaluator keeps only the
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from governance.compile import Contender, Plan
from governance.diagnostics import MedunionError
from governance.expressions import Expression
from governance.expressions.syntax import Binary, Unary
from governance.model import CellTest, DecisionTable, Field, Rule, TableRow

Truth = TypeVar("Truth")  # bool for one case, a boolean numpy array for a table of cases
Value = TypeVar("Value")  # a Python value for one case, a numpy column for a table of cases

NO_RULE = "no-rule"  # no rule stands (none fired, or the output has no rule)
BLOCKED_FORMULA = "blocked-formula"  # a winning rule's formula reads an output not decided
BLOCKED_COLUMN = "blocked-column"  # a table column reads an output not decided
NO_ROW = "no-row"  # no row of the table matched
BLOCKED_RESULT = "blocked-result"  # a matched row's result reads an output not decided
BLOCKED_CONDITION = "blocked-condition"  # a rule that could decide stopped at a condition reading an undecided name


@dataclass(slots=True)
class Shortfall:
    """Why the producers of an output did not decide it (on some rows): where no rule or row
    applies (NO_RULE, NO_ROW) the default applies, or the output stays undecided; where a
    producer could not be read (the BLOCKED kinds) the output stays undecided. `expression` is
    the one that read an undecided name."""

    kind: str
    producers: tuple[Rule | DecisionTable, ...]
    expression: Expression | None = None


@dataclass(slots=True)
class Outcome(Generic[Truth, Value]):
    """A winning rule's formula, computed on the rows it won; `first` are the rows it decides
    (another winner may give the same value on some of them: no conflict, but not its decision)."""

    rule: Rule
    formula: Expression
    rows: Truth
    value: Value
    first: Truth | None = None


@dataclass(slots=True)
class Contest(Generic[Truth]):
    """The rules of one output, row by row: fired, set aside by a fired exception, standing
    (fired and not set aside), and winning (standing with the highest priority)."""

    contenders: tuple[Contender, ...]
    fired: dict[str, Truth]  # of every rule read so far
    overridden: dict[str, Truth]
    standing: dict[str, Truth]
    winners: dict[str, Truth]


@dataclass(slots=True)
class RowTest(Generic[Truth]):
    """One table row tested on the rows still pending: each cell's result and the row's match."""

    row: TableRow
    cells: list[Truth]
    matched: Truth


@dataclass(slots=True)
class Part(Generic[Truth, Value]):
    """One matched row's result for one output of a table."""

    row: TableRow
    expression: Expression
    rows: Truth
    value: Value


@dataclass(slots=True)
class TableResult(Generic[Truth, Value]):
    """One output of a table: its combined value where `decided`, and each row's part."""

    output: str
    value: Value
    decided: Truth
    parts: list[Part[Truth, Value]]
    shortfalls: list[tuple[Shortfall, Truth]]


@dataclass(slots=True)
class TableOutcome(Generic[Truth, Value]):
    """A table evaluated once for all its outputs."""

    table: DecisionTable
    usable: Truth  # rows on which no column reads an undecided output
    values: list[Value]  # the columns' values
    tests: list[RowTest[Truth]]  # the rows tested, in order (first hit: up to the first match)
    matches: list[tuple[TableRow, Truth]]  # the rows each table row matched, as the hit policy counts them
    matched: Truth  # rows on which some table row matched
    shortfalls: list[tuple[Shortfall, Truth]]  # blocked columns, then rows that matched nothing
    results: dict[str, TableResult[Truth, Value]] = field(default_factory=dict)


@dataclass(slots=True)
class Verdict(Generic[Truth, Value]):
    """How one output was settled, row by row."""

    output: str
    spec: Field
    value: Value  # meaningful on `decided` rows
    decided: Truth  # by a producer or by the default
    produced: Truth  # by a rule or the table
    defaulted: Truth  # by the output's default
    shortfalls: list[tuple[Shortfall, Truth]]  # why the producers did not decide, by rows (none empty)
    contest: Contest[Truth] | None = None  # for an output set by rules
    outcomes: list[Outcome[Truth, Value]] = field(default_factory=list)
    table: TableOutcome[Truth, Value] | None = None  # for an output set by a table


class Backend(Protocol[Truth, Value]):
    """The arithmetic the policy needs, on one case or on columns, and where it reports what it found."""

    # truths: both kinds combine with `&` and `|` (the policy never changes one in place);
    # negation differs (`~True` is -2), hence `unless`
    def everywhere(self) -> Truth: ...
    def nowhere(self) -> Truth: ...
    def unless(self, a: Truth, b: Truth) -> Truth:
        """`a and not b`, row by row."""
        ...

    def some(self, a: Truth) -> bool: ...

    # expressions, on the rows given (what they give elsewhere does not matter)
    def blocked(self, expr: Expression) -> Truth:
        """Rows on which the expression reads an output that is not decided."""
        ...

    def holds(self, expr: Expression, rows: Truth) -> Truth:
        """Rows on which a condition is true (false outside `rows`)."""
        ...

    def compute(self, expr: Expression, rows: Truth) -> Value: ...
    def matches(self, cell: CellTest, value: Value) -> Truth: ...

    # values
    def blank(self, spec: Field) -> Value: ...
    def constant(self, value: Any) -> Value: ...
    def select(self, rows: Truth, new: Value, old: Value) -> Value: ...
    def differ(self, a: Value, b: Value) -> Truth: ...
    def start(self, aggregate: str) -> Value: ...
    def fold(self, aggregate: str, total: Value, rows: Truth, value: Value) -> Value: ...

    # errors, in each evaluator's words
    def conflict(self, output: str, outcomes: list[Outcome[Truth, Value]], clash: Outcome[Truth, Value],
                 rows: Truth) -> MedunionError: ...
    def ambiguous(self, table: DecisionTable, matches: list[tuple[TableRow, Truth]], rows: Truth
                  ) -> MedunionError: ...

    # what the policy found
    def condition(self, rule: Rule, part: Expression, reached: Truth, stopped: Truth, held: Truth) -> None:
        """A condition of a rule: the rows that reached it, those where it read an undecided output,
        and those where it (and every condition before it) held."""
        ...

    def rule(self, rule: Rule, fired: Truth) -> None:
        """A rule's conditions are all read (`condition` heard each of them, in order)."""
        ...

    def table(self, outcome: TableOutcome[Truth, Value]) -> None:
        """A table was evaluated, for all its outputs."""
        ...

    def settle(self, verdict: Verdict[Truth, Value]) -> None:
        """An output is settled: keep its value where decided (later outputs may read it)."""
        ...


class Policy(Generic[Truth, Value]):
    """Exceptions, priorities, conflicts, defaults and hit policies over a compiled plan."""

    def __init__(self, plan: Plan, backend: Backend[Truth, Value]) -> None:
        self.plan = plan
        self.backend = backend
        self._fired: dict[str, Truth] = {}
        self._doubt: dict[str, tuple[Truth, Expression | None]] = {}  # rule id -> rows it stopped on, and where
        self._tables: dict[str, TableOutcome[Truth, Value]] = {}
        self._all = backend.everywhere()
        self._none = backend.nowhere()

    def run(self) -> None:
        """Settle every output, each after the outputs it reads."""
        for name in self.plan.order:
            self.settle(name)

    def settle(self, name: str) -> Verdict[Truth, Value]:
        table = self.plan.table_of.get(name)
        verdict = self._by_table(name, table) if table is not None else self._by_rules(name)
        self.backend.settle(verdict)
        return verdict

    def fired(self, rule: Rule) -> Truth:
        """Rows on which every condition of the rule holds. Conditions are read in order, and
        reading stops at the first that is false or reads an output that is not decided."""
        known = self._fired.get(rule.id)
        if known is not None:
            return known
        b = self.backend
        firing = self._all
        doubt, blocking = self._none, None
        for part in self.plan.conditions[rule.id]:
            reached = firing
            if b.some(reached):
                firing, stopped = self.truth(part, reached)
                if b.some(stopped):  # whether the rule fires there is unknown, not false
                    doubt, blocking = doubt | stopped, blocking or part
            else:
                stopped = reached
            b.condition(rule, part, reached, stopped, firing)
        self._fired[rule.id] = firing
        self._doubt[rule.id] = (doubt, blocking)
        b.rule(rule, firing)
        return firing

    def truth(self, expr: Expression, rows: Truth) -> tuple[Truth, Truth]:
        """Where a condition is true, and where it is unknown, on `rows`, in three-valued logic:
        `a or b` is true where either side is known true, and `a and b` false where either is
        known false, even when the other side reads a fact not given (or an output not decided).
        So a fact that cannot change the answer is never asked for."""
        b = self.backend
        node = expr.tree
        if isinstance(node, Binary) and node.op in ("and", "or"):
            left_true, left_unknown = self.truth(expr.sub(node.left), rows)
            left_false = b.unless(b.unless(rows, left_true), left_unknown)
            # the right side is read only where the left does not settle it, as `or`/`and` always
            # have been (`count == 0 or total / count > 0.5` never divides by zero)
            settled = left_true if node.op == "or" else left_false
            right_rows = b.unless(rows, settled)
            right_true, right_unknown = self.truth(expr.sub(node.right), right_rows)
            if node.op == "or":
                true = left_true | right_true
                return true, b.unless(left_unknown | right_unknown, true)
            right_false = b.unless(b.unless(right_rows, right_true), right_unknown)
            true = b.unless(left_true & right_true, left_unknown | right_unknown)
            return true, b.unless(rows, true | left_false | right_false)
        if isinstance(node, Unary) and node.op == "not":
            true, unknown = self.truth(expr.sub(node.operand), rows)
            return b.unless(b.unless(rows, true), unknown), unknown
        unknown = rows & b.blocked(expr)
        return b.holds(expr, b.unless(rows, unknown)), unknown

    def _by_rules(self, name: str) -> Verdict[Truth, Value]:
        b = self.backend
        contenders = self.plan.contenders[name]
        nowhere = self._none
        for c in contenders:  # every candidate gets a verdict, in file order
            self.fired(c.rule)
        fired = self._fired
        standing: dict[str, Truth] = {}
        overridden: dict[str, Truth] = {}
        for c in contenders:
            rule_id = c.rule.id
            if c.overridden_by:
                beaten = nowhere
                for other in c.overridden_by:
                    beaten = beaten | fired[other]
                standing[rule_id] = b.unless(fired[rule_id], beaten)
                overridden[rule_id] = fired[rule_id] & beaten
            else:
                standing[rule_id] = fired[rule_id]
                overridden[rule_id] = nowhere
        winners: dict[str, Truth] = {}
        alive = nowhere  # rows a winner may decide
        for c in contenders:
            mask = standing[c.rule.id]
            if c.outranked_by:
                outranked = nowhere
                for other in c.outranked_by:
                    outranked = outranked | standing[other]
                mask = b.unless(mask, outranked)
            winners[c.rule.id] = mask
            alive = alive | mask
        shortfalls: list[tuple[Shortfall, Truth]] = []
        # A rule that stopped at a condition reading an undecided name might have fired: where no
        # rule that beats it fired, the output is not decided (and takes no default) on those rows.
        doubtful = nowhere
        for c in contenders:
            doubt, part = self._doubt[c.rule.id]
            if not b.some(doubt):
                continue
            beaten = nowhere
            for other in c.overridden_by:
                beaten = beaten | fired[other]
            for other in c.outranked_by:
                beaten = beaten | standing[other]
            for other in contenders:  # a standing rule it cannot beat that sets the same: it could only agree
                if other is not c and c.rule.id not in (*other.overridden_by, *other.outranked_by) \
                        and other.formula.text.strip() == c.formula.text.strip():
                    beaten = beaten | standing[other.rule.id]
            unsure = b.unless(b.unless(doubt, beaten), doubtful)
            if b.some(unsure):
                shortfalls.append((Shortfall(BLOCKED_CONDITION, (c.rule,), part), unsure))
                doubtful = doubtful | unsure
        alive = b.unless(alive, doubtful)
        unclaimed = b.unless(b.unless(self._all, alive), doubtful)
        if b.some(unclaimed):
            shortfalls.append((Shortfall(NO_RULE, self.plan.rules_of[name]), unclaimed))
        # Each winner's formula, in file order. One that reads an undecided output leaves the
        # output undecided on those rows (its default does not apply), and later winners are not read there.
        outcomes: list[Outcome[Truth, Value]] = []
        for c in contenders:
            rows = winners[c.rule.id] & alive
            if not b.some(rows):
                continue
            stopped = rows & b.blocked(c.formula)
            if b.some(stopped):
                shortfalls.append((Shortfall(BLOCKED_FORMULA, (c.rule,), c.formula), stopped))
                alive = b.unless(alive, stopped)
                rows = b.unless(rows, stopped)
                if not b.some(rows):
                    continue
            outcomes.append(Outcome(c.rule, c.formula, rows, b.compute(c.formula, rows)))
        # Winners of the same priority must agree (5 and 5.0 are the same amount); the first decides.
        value = b.blank(self.plan.ruleset.outputs[name])
        chosen = nowhere
        for outcome in outcomes:
            rows = outcome.rows & alive
            overlap = rows & chosen
            if b.some(overlap):
                clash = overlap & b.differ(outcome.value, value)
                if b.some(clash):
                    live = [o for o in outcomes if b.some(o.rows & alive)]
                    raise b.conflict(name, live, outcome, clash)
            outcome.first = b.unless(rows, chosen)
            value = b.select(outcome.first, outcome.value, value)
            chosen = chosen | rows
        verdict = self._fallback(name, value, chosen, shortfalls)
        verdict.contest = Contest(contenders, fired, overridden, standing, winners)
        verdict.outcomes = outcomes
        return verdict

    def _by_table(self, name: str, table: DecisionTable) -> Verdict[Truth, Value]:
        outcome = self.table(table)
        result = outcome.results[name]
        verdict = self._fallback(name, result.value, result.decided, outcome.shortfalls + result.shortfalls)
        verdict.table = outcome
        return verdict

    def _fallback(self, name: str, value: Value, produced: Truth, shortfalls: list[tuple[Shortfall, Truth]]
                  ) -> Verdict[Truth, Value]:
        """Where no producer decided: the output's default, or undecided. Where a producer could not
        be read (it reads a name not decided), the output stays undecided: the default is for cases
        no rule or row covers, not for cases whose facts are missing."""
        b = self.backend
        spec = self.plan.ruleset.outputs[name]
        if spec.has_default:
            unknown = self._none
            for shortfall, rows in shortfalls:
                if shortfall.kind not in (NO_RULE, NO_ROW):
                    unknown = unknown | rows
            defaulted = b.unless(b.unless(self._all, produced), unknown)
            if b.some(defaulted):
                value = b.select(defaulted, b.constant(spec.default), value)
            decided = b.unless(self._all, unknown)
        else:
            defaulted = self._none
            decided = produced
        return Verdict(name, spec, value, decided, produced, defaulted, shortfalls, None, [], None)

    def table(self, table: DecisionTable) -> TableOutcome[Truth, Value]:
        """A decision table, evaluated once for all its outputs."""
        known = self._tables.get(table.id)
        if known is not None:
            return known
        b = self.backend
        usable = self._all
        shortfalls: list[tuple[Shortfall, Truth]] = []
        for column in table.columns:
            stopped = usable & b.blocked(column)
            if b.some(stopped):
                shortfalls.append((Shortfall(BLOCKED_COLUMN, (table,), column), stopped))
                usable = b.unless(usable, stopped)
        values = [b.compute(column, usable) for column in table.columns] if b.some(usable) else []
        tests: list[RowTest[Truth]] = []
        matches: list[tuple[TableRow, Truth]] = []
        matched = self._none  # first hit: the rows an earlier row took
        several = self._none  # unique: rows that more than one row matched
        for row in table.rows:
            pending = b.unless(usable, matched) if table.hit == "first" else usable
            if not b.some(pending):
                break
            cells = [b.matches(cell, value) for cell, value in zip(row.cells, values, strict=True)]
            mask = pending
            for cell in cells:
                mask = mask & cell
            tests.append(RowTest(row, cells, mask))
            matches.append((row, mask))
            if table.hit == "unique":
                several = several | (matched & mask)
            matched = matched | mask
        if table.hit == "unique" and b.some(several):
            raise b.ambiguous(table, matches, several)
        unmatched = b.unless(usable, matched)
        if b.some(unmatched):
            shortfalls.append((Shortfall(NO_ROW, (table,)), unmatched))
        outcome = TableOutcome(table, usable, values, tests, matches, matched, shortfalls)
        for o, output in enumerate(table.outputs):
            outcome.results[output] = self._table_result(outcome, o, output)
        self._tables[table.id] = outcome
        b.table(outcome)
        return outcome

    def _table_result(self, outcome: TableOutcome[Truth, Value], o: int, output: str
                      ) -> TableResult[Truth, Value]:
        """One output of a table: each matched row's result, in row order, combined by the hit policy.
        A result that reads an undecided output leaves the output undecided on those rows, and the
        rows after it are not read there."""
        b = self.backend
        table = outcome.table
        decided = outcome.matched
        parts: list[Part[Truth, Value]] = []
        shortfalls: list[tuple[Shortfall, Truth]] = []
        for row, mask in outcome.matches:
            rows = mask & decided
            if not b.some(rows):
                continue
            expr = row.results[o]
            stopped = rows & b.blocked(expr)
            if b.some(stopped):
                shortfalls.append((Shortfall(BLOCKED_RESULT, (table,), expr), stopped))
                decided = b.unless(decided, stopped)
                rows = b.unless(rows, stopped)
                if not b.some(rows):
                    continue
            parts.append(Part(row, expr, rows, b.compute(expr, rows)))
        if table.hit == "collect":
            aggregate = table.aggregate or "count"
            value = b.start(aggregate)
            for part in parts:
                value = b.fold(aggregate, value, part.rows & decided, part.value)
        else:  # first and unique: one row per case
            value = b.blank(self.plan.ruleset.outputs[output])
            for part in parts:
                value = b.select(part.rows & decided, part.value, value)
        return TableResult(output, value, decided, parts, shortfalls)
