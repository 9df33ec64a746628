"""Where the law ends and the drafter's reading begins, carried into a decision's trace.

Every rule, table and parameter has a status (`law`, `drafter-reading`, `uncertain-reading`)
and, when it is not law, a reading in words. The trace records each one's status, and each
decided output lists the readings it depends on: the rule or table that decided it, the
parameters its conditions and formula read, and, through the outputs it reads, theirs. So an
explanation shows the reading beside every value that rests on it, not only in a footnote.
"""

from __future__ import annotations

from collections.abc import Mapping

from governance.check import dependencies
from governance.model import LAW, UNCERTAIN_READING, DecisionTable, Parameter, Reading, Rule, RuleSet
from governance.trace import OutputTrace, ParameterTrace, ReadingTrace, RuleTrace, TableTrace


def _trace(kind: str, item_id: str, clause: str, reading: Reading, title: str | None = None,
           title_zh: str | None = None) -> ReadingTrace:
    assert reading.status is not None
    return ReadingTrace(kind, item_id, clause, reading.status, reading.text, reading.text_zh, title, title_zh)


def parameter_reading(name: str, parameter: Parameter) -> ReadingTrace:
    """A parameter's reading, named by its description and Chinese label."""
    return _trace("parameter", name, parameter.clause, parameter.reading, parameter.description, parameter.label_zh)


def producer_reading(producer: Rule | DecisionTable) -> ReadingTrace:
    kind = "rule" if isinstance(producer, Rule) else "table"
    return _trace(kind, producer.id, producer.clause, producer.reading, producer.title, producer.title_zh)


def names_read(producer: Rule | DecisionTable, output: str, rows: tuple[str, ...] | None) -> set[str]:
    """The names the decision of one output read: a rule's conditions and formula; a table's
    columns and the results of its matched rows for that output."""
    if isinstance(producer, Rule):
        names: set[str] = set()
        for expr in (*producer.conditions, producer.assignments[output]):
            names |= expr.names()
        return names
    if output not in producer.outputs:
        return dependencies(producer)
    at = producer.outputs.index(output)
    names = set()
    for column in producer.columns:
        names |= column.names()
    for row in producer.rows:
        if rows is None or row.label in rows:
            names |= row.results[at].names()
    return names


def attach_readings(rs: RuleSet, rules: Mapping[str, RuleTrace], tables: Mapping[str, TableTrace],
                    outputs: Mapping[str, OutputTrace], parameters: Mapping[str, ParameterTrace]
                    ) -> tuple[list[ReadingTrace], list[ReadingTrace]]:
    """Fill in the statuses and readings of a decision's trace; return the uncertain readings
    (warnings) and the drafter's readings (notes) the decision relies on, as data: those of the
    parameters it used, then those of the rules and tables that decided something. Each renderer
    words them in its reader's language (`governance.trace.english_caution` gives the English of
    the explanation's `warnings` and `notes`)."""
    producers: dict[str, Rule | DecisionTable] = {r.id: r for r in rs.rules}
    producers.update({t.id: t for t in rs.tables})
    for rule in rs.rules:
        if rule.id in rules:
            record = rules[rule.id]
            record.status, record.reading, record.reading_zh = rule.reading.status, rule.reading.text, \
                rule.reading.text_zh
    for table in rs.tables:
        if table.id in tables:
            record_t = tables[table.id]
            record_t.status, record_t.reading, record_t.reading_zh = table.reading.status, table.reading.text, \
                table.reading.text_zh
    uncertain: list[ReadingTrace] = []
    drafters: list[ReadingTrace] = []
    made: dict[tuple[str, str], ReadingTrace] = {}  # one record per item: outputs share them (none changes them)

    def parameter_trace(name: str) -> ReadingTrace:
        key = ("parameter", name)
        if key not in made:
            made[key] = parameter_reading(name, rs.parameters[name])
        return made[key]

    def producer_trace(producer: Rule | DecisionTable) -> ReadingTrace:
        key = ("rule" if isinstance(producer, Rule) else "table", producer.id)
        if key not in made:
            made[key] = producer_reading(producer)
        return made[key]

    for name, record_p in parameters.items():  # the parameters used, in name order
        parameter = rs.parameters[name]
        record_p.reading, record_p.reading_zh = parameter.reading_text, parameter.reading_zh
        if parameter.status != LAW:
            (uncertain if parameter.status == UNCERTAIN_READING else drafters).append(parameter_trace(name))

    resolved: dict[str, tuple[ReadingTrace, ...]] = {}

    def depends_on(name: str, visiting: frozenset[str] = frozenset()) -> tuple[ReadingTrace, ...]:
        if name in resolved:
            return resolved[name]
        explained = outputs.get(name)
        if explained is None or not explained.decided or explained.by is None or explained.by.id is None \
                or name in visiting:
            return ()
        producer = producers[explained.by.id]
        found: list[ReadingTrace] = []
        if producer.reading.marked:
            found.append(producer_trace(producer))
        read = names_read(producer, name, explained.by.rows)
        for parameter_name in sorted(read & rs.parameters.keys()):
            if rs.parameters[parameter_name].status != LAW:
                found.append(parameter_trace(parameter_name))
        for other in sorted(read & set(rs.outputs)):
            found.extend(depends_on(other, visiting | {name}))
        unique = {(r.kind, r.id): r for r in found}
        resolved[name] = tuple(unique.values())
        return resolved[name]

    deciding: list[str] = []
    for name, explained in outputs.items():
        if explained.by is not None and explained.by.id is not None:
            producer = producers[explained.by.id]
            explained.by.status = producer.reading.status
            if producer.reading.marked and producer.id not in deciding:
                deciding.append(producer.id)
        explained.readings = depends_on(name)
    for item_id in deciding:
        producer = producers[item_id]
        (uncertain if producer.reading.status == UNCERTAIN_READING else drafters).append(producer_trace(producer))
    return uncertain, drafters
