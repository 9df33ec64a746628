"""A case's inputs checked against their declared types before anything is decided."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from governance.diagnostics import Diagnostic, Location, MedunionError, Message, error
from governance.i18n import N_
from governance.load import resolve_ruleset, ruleset_in_force, ruleset_versions
from governance.model import RuleSet
from governance.source import NodePath, SourceDocument, load_yaml
from governance.values import check_field, is_missing, iso_date


@dataclass(frozen=True)
class CaseSource:
    """Where a case's inputs were written: the loaded file and the node path of the inputs
    mapping in it, so that each refusal points at the field's key or value (a missing field
    at the mapping that lacks it)."""

    document: SourceDocument
    node: NodePath = ()

    def mapping(self) -> Location:
        return self.document.locate(self.node)

    def key(self, name: str) -> Location:
        return self.document.locate_key((*self.node, name))

    def value(self, name: str) -> Location:
        return self.document.locate((*self.node, name))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


@dataclass(frozen=True)
class CheckedCase:
    """A case's typed input values, and the required inputs it does not give (absent or null):
    those block only the outputs that read them (docs/reference/cli.md, "Ask only what is needed")."""

    values: dict[str, Any]
    missing: tuple[str, ...]


def check_case(ruleset: RuleSet, case: Mapping[str, Any], where: str = "the case",
               source: CaseSource | None = None) -> CheckedCase:
    """Typed input values; an unknown, mistyped or out-of-range field is an error naming it.

    A required field that is absent or null is not an error: it is listed in `missing`, and the
    evaluator leaves undecided only the outputs that need it. With `source` (a case read from a
    file) every error carries the file position of the field and `.nan` is refused: in a file it
    is a value someone wrote, not an empty spreadsheet cell (for Python callers None and NaN both
    stay missing, as in a DataFrame).
    """
    found: list[Diagnostic] = []
    values: dict[str, Any] = {}
    missing: list[str] = []

    def refuse(message: Message, location: Location | None) -> None:
        found.append(_refusal(message, where, source, location))

    for name, field in ruleset.inputs.items():
        given = case.get(name)
        if source is not None and _is_nan(given):
            refuse(Message(N_("field '{name}': .nan is not a number; give {type}, or leave the field out "
                              "(or write null) when it is not known"), name=name, type=field.type.describe()),
                   source.value(name))
            continue
        if name not in case or is_missing(given):
            if field.has_default:
                values[name] = field.default
            else:
                missing.append(name)
            continue
        value, problem = check_field(field, given)
        if problem:
            refuse(Message(N_("field '{name}': {problem}"), name=name, problem=problem),
                   source.value(name) if source is not None else None)
            continue
        values[name] = value
    for name in case:
        if name not in ruleset.inputs:
            close = difflib.get_close_matches(str(name), list(ruleset.inputs), n=1)
            if close:
                problem = Message(N_("unknown field '{name}' for rule set {ruleset}; did you mean '{close}'?"),
                                  name=name, ruleset=ruleset.id, close=close[0])
            else:
                problem = Message(N_("unknown field '{name}' for rule set {ruleset}; remove it or declare it as an "
                                     "input"), name=name, ruleset=ruleset.id)
            refuse(problem, source.key(name) if source is not None else None)
    if found:
        found.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
        raise MedunionError(found)
    return CheckedCase(values, tuple(missing))


def validate_case(ruleset: RuleSet, case: Mapping[str, Any], where: str = "the case",
                  source: CaseSource | None = None) -> dict[str, Any]:
    """Typed input values of a case that must give every required input (a missing one is refused,
    with the other problems, naming it); `check_case` lets missing inputs through instead."""
    try:
        checked = check_case(ruleset, case, where, source)
    except MedunionError as exc:
        problems = list(exc.diagnostics)
    else:
        problems = []
        if not checked.missing:
            return checked.values
    for name in ruleset.inputs:
        field = ruleset.inputs[name]
        if field.has_default or (name in case and not is_missing(case.get(name))) or \
                (source is not None and _is_nan(case.get(name))):
            continue
        if field.unit:
            problem = Message(N_("field '{name}' is missing; it is {type} in {unit}"), name=name,
                              type=field.type.describe(), unit=field.unit)
        else:
            problem = Message(N_("field '{name}' is missing; it is {type}"), name=name, type=field.type.describe())
        problems.append(_refusal(problem, where, source,
                                 source.value(name) if source is not None and name in case else
                                 source.mapping() if source is not None else None))
    problems.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
    raise MedunionError(problems)


def _refusal(problem: Message, where: str, source: CaseSource | None, location: Location | None) -> Diagnostic:
    """A refusal of a case's field: at its place in the file, or prefixed with `where` ("the case")."""
    if source is not None:
        return error(problem, location)
    if where == "the case":
        return error(N_("the case: {problem}"), location, problem=problem)
    return error(N_("{where}: {problem}"), location, where=where, problem=problem)


def parameters_on(ruleset: RuleSet, on: dt.date) -> dict[str, Any]:
    """The value of every parameter in force on a date."""
    values: dict[str, Any] = {}
    for name, parameter in ruleset.parameters.items():
        current = parameter.value_on(on)
        if current is None:
            raise MedunionError(error(
                N_("parameter '{name}' of {ruleset} has no value on {date} (its first value is from {first})"),
                parameter.location, name=name, ruleset=ruleset.id, date=on, first=parameter.values[0].start))
        values[name] = current.value
    return values


_RULESET_ID = re.compile(r"[a-z][a-z0-9-]*")  # as the rule-set schema's `id`


@dataclass(frozen=True)
class CaseFile:
    """A case file read for a decision: the rule set in force, the raw inputs, the date, and where
    the inputs were written."""

    ruleset: RuleSet
    inputs: Mapping[str, Any]
    on: dt.date
    source: CaseSource


def _kind(value: Any) -> Message:
    named = {dict: N_("a mapping"), list: N_("a list"), str: N_("text"), type(None): N_("nothing (null)"),
             bool: N_("true/false")}.get(type(value))
    return Message(named or (N_("a number") if isinstance(value, int | float) else N_("a value")))


def _placed(exc: MedunionError, where: Location) -> MedunionError:
    """The same refusal, its unplaced diagnostics pointed at `where` (the case line that named it)."""
    return MedunionError(d if d.location is not None else replace(d, location=where) for d in exc.diagnostics)


def read_case_file(path: str | Path, ruleset: str | None = None, on: dt.date | None = None,
                   root: str | Path = "rules") -> CaseFile:
    """A case file: its inputs at the top level or under `inputs:`, with an optional `ruleset:` (an
    id, looked up under `root`) and `on:` date that `ruleset` and `on` override.

    Everything refused is refused at its place in the file: the file itself, `ruleset:`, `on:`,
    the inputs mapping (a wrong type there, or a field with a problem, is found by
    `validate_case` through the returned `source`).
    """
    document = load_yaml(path)
    data = document.data
    if not isinstance(data, dict):
        raise MedunionError(error(
            N_("a case is a mapping of input names to values (or of `ruleset:`, `on:` and `inputs:`); "
               "this file holds {kind}"), document.locate(), kind=_kind(data)))
    named = "inputs" in data
    node: NodePath = ("inputs",) if named else ()
    if not isinstance(data.get("inputs", data), dict):
        raise MedunionError(error(N_("`inputs:` is a mapping of input names to values, not {kind}"),
                                  document.locate(node), kind=_kind(data["inputs"])))
    written_id = data.get("ruleset") if named and ruleset is None else None
    if named and ruleset is None and "ruleset" in data and (
            not isinstance(written_id, str) or not _RULESET_ID.fullmatch(written_id)):
        raise MedunionError(error(
            N_("`ruleset:` is a rule set's id (lower-case letters, digits and '-'), found {value}; "
               "give a file or folder as RULESET on the command line instead"), document.locate(("ruleset",)),
            value=repr(written_id)))
    day = on
    if day is None and named and "on" in data:
        day = iso_date(data["on"])
        if day is None:
            raise MedunionError(error(N_("`on:` is the date of the decision, YYYY-MM-DD, found {value}"),
                                      document.locate(("on",)), value=repr(data["on"])))
    reference = ruleset or written_id
    if reference is None or day is None:
        raise MedunionError(error(
            N_("say which rule set and date: give RULESET and --on, or write `ruleset:`, `on:` and `inputs:` "
               "in the case file"), document.locate()))
    if written_id is None:
        chosen = resolve_ruleset(reference, day, root)
    else:
        try:
            versions = ruleset_versions(written_id, root)
        except MedunionError as exc:
            raise _placed(exc, document.locate(("ruleset",))) from None
        try:
            chosen = ruleset_in_force(versions, day)
        except MedunionError as exc:  # said where the case named the date (or else the rule set)
            where = document.locate(("on",) if on is None else ("ruleset",))
            raise MedunionError(replace(d, location=where) for d in exc.diagnostics) from None
    return CaseFile(chosen, data.get("inputs", data), day, CaseSource(document, node))
