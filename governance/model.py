"""The compiled form of a rule set: plain frozen dataclasses, positions kept for messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from governance.diagnostics import Location
from governance.expressions import Expression, ExpressionType


class _NoDefault:
    """The mark of a field without a default: one instance, which pickling keeps as that instance
    (rule sets travel to Dask's workers, where a copied mark would read as a default)."""

    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __reduce__(self) -> str:
        return "NO_DEFAULT"  # pickled by name: unpickling finds this module's one instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT = _NoDefault()

LAW = "law"
DRAFTER_READING = "drafter-reading"
UNCERTAIN_READING = "uncertain-reading"
STATUSES = (LAW, DRAFTER_READING, UNCERTAIN_READING)
# Older files marked a parameter `drafter-choice` with its reason in `note`: still read, as a drafter's reading.
LEGACY_STATUSES = {"drafter-choice": DRAFTER_READING}
ORIGINAL = "original"
TRANSLATION = "translation"
SOURCE_ZH_STATUSES = (ORIGINAL, TRANSLATION)
"""A Chinese quote is the plan's own text (original) or a rendering written here (translation). The
plans exist here only in English translation, so every shipped Chinese quote is a translation."""
RATIO_BOUNDS = (0.0, 1.0)  # a parameter with `unit: ratio` is a share: never below 0 nor above 1


@dataclass(frozen=True)
class Reading:
    """Whether an item states the law or the drafter's reading of it, and that reading in words.

    `status` is None only for a rule or table whose file gives none (`check` refuses that)."""

    status: str | None
    text: str | None = None
    text_zh: str | None = None

    @property
    def is_law(self) -> bool:
        return self.status == LAW

    @property
    def marked(self) -> bool:
        """A reading the explanation must show beside what it decides: any status but law."""
        return self.status is not None and self.status != LAW


@dataclass(frozen=True)
class SourceRef:
    key: str
    title: str
    document: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Field:
    """A typed input of a case or an output of the rule set."""

    name: str
    type: ExpressionType
    unit: str | None
    description: str | None
    description_zh: str | None
    location: Location
    minimum: float | None = None
    maximum: float | None = None
    default: Any = NO_DEFAULT
    label_zh: str | None = None  # the Chinese name shown beside the code name (check warns when missing)
    values_zh: dict[str, str] = field(default_factory=dict, compare=False)  # enum value -> Chinese name

    def value_zh(self, value: str) -> str | None:
        """The Chinese name of one enum value, when the file gives one."""
        return self.values_zh.get(value)

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


@dataclass(frozen=True)
class ParameterValue:
    start: dt.date
    value: Any
    reference: str | None
    location: Location


@dataclass(frozen=True)
class Parameter:
    """A figure the law (or, where marked, the drafter) sets, with dated values."""

    name: str
    type: ExpressionType
    unit: str | None
    clause: str
    description: str | None
    status: str  # law | drafter-reading | uncertain-reading (a file's `drafter-choice` is read as drafter-reading)
    note: str | None
    values: tuple[ParameterValue, ...]
    location: Location
    description_zh: str | None = None
    reading_text: str | None = None
    reading_zh: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    label_zh: str | None = None

    def value_on(self, on: dt.date) -> ParameterValue | None:
        """The value in force on a date: the last one whose `from` is on or before it."""
        current = None
        for value in self.values:
            if value.start <= on:
                current = value
        return current

    @property
    def flagged(self) -> bool:
        return self.status != LAW

    @property
    def reading(self) -> Reading:
        return Reading(self.status, self.reading_text, self.reading_zh)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    clause: str
    source: str
    conditions: tuple[Expression, ...]
    assignments: dict[str, Expression]
    location: Location
    title_zh: str | None = None
    exception_to: str | None = None
    priority: int = 0
    note: str | None = None
    reading: Reading = Reading(None)
    source_zh: str | None = None
    source_zh_status: str | None = None  # original | translation


@dataclass(frozen=True)
class CellTest:
    """One cell of a decision table: a test of its column's value."""

    text: str
    kind: str  # any | compare | interval | member
    op: str = ""  # for compare: == != < <= > >=
    value: Any = None
    low: Any = None
    high: Any = None
    low_closed: bool = True
    high_closed: bool = True
    items: tuple[Any, ...] = ()
    negated: bool = False
    location: Location | None = None


@dataclass(frozen=True)
class TableRow:
    index: int
    cells: tuple[CellTest, ...]
    results: tuple[Expression, ...]
    location: Location
    id: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return self.id or f"row {self.index + 1}"


@dataclass(frozen=True)
class DecisionTable:
    id: str
    title: str
    clause: str
    source: str
    hit: str  # unique | first | collect
    columns: tuple[Expression, ...]
    outputs: tuple[str, ...]
    rows: tuple[TableRow, ...]
    location: Location
    aggregate: str | None = None
    title_zh: str | None = None
    note: str | None = None
    reading: Reading = Reading(None)
    source_zh: str | None = None
    source_zh_status: str | None = None  # original | translation


@dataclass(frozen=True)
class PlainSummary:
    """A resident's summary of a rule set: who it applies to and what it gives, in plain words."""

    applies_to_zh: str
    gives_zh: str
    applies_to: str | None = None
    gives: str | None = None


@dataclass(frozen=True)
class RuleSet:
    id: str
    title: str
    jurisdiction: str
    version: str
    status: str
    effective_from: dt.date
    effective_until: dt.date | None
    sources: tuple[SourceRef, ...]
    inputs: dict[str, Field]
    parameters: dict[str, Parameter]
    outputs: dict[str, Field]
    rules: tuple[Rule, ...]
    tables: tuple[DecisionTable, ...]
    path: str
    location: Location
    title_zh: str | None = None
    description: str | None = None
    effective_location: Location | None = None
    jurisdiction_zh: str | None = None
    topics: tuple[str, ...] = ()
    plain: PlainSummary | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    digest: str = ""  # sha256 of the file's text: the key of compiled plans and of decision records

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split("."))

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def producers(self, output: str) -> list[Rule | DecisionTable]:
        """The rules and tables that can set an output, in file order."""
        found: list[Rule | DecisionTable] = [r for r in self.rules if output in r.assignments]
        found += [t for t in self.tables if output in t.outputs]
        return found

    def type_env(self) -> dict[str, ExpressionType]:
        """Every name an expression may read, with its type."""
        env: dict[str, ExpressionType] = {}
        for name, parameter in self.parameters.items():
            env[name] = parameter.type
        for name, item in self.inputs.items():
            env[name] = item.type
        for name, item in self.outputs.items():
            env[name] = item.type
        return env
