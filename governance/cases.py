"""A case's inputs checked against their declared types before anything is decided."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.diagnostics import Diagnostic, Location, MedunionError, error
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
    prefix = "" if source is not None else f"{where}: "

    def refuse(message: str, location: Location | None) -> None:
        found.append(error(prefix + message, location))

    for name, field in ruleset.inputs.items():
        given = case.get(name)
        if source is not None and _is_nan(given):
            refuse(f"field '{name}': .nan is not a number; give {field.type.describe()}, or leave the field out "
                   "(or write null) when it is not known", source.value(name))
            continue
        if name not in case or is_missing(given):
            if field.has_default:
                values[name] = field.default
            else:
                missing.append(name)
            continue
        value, problem = check_field(field, given)
        if problem:
            refuse(f"field '{name}': {problem}", source.value(name) if source is not None else None)
            continue
        values[name] = value
    for name in case:
        if name not in ruleset.inputs:
            close = difflib.get_close_matches(str(name), list(ruleset.inputs), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "remove it or declare it as an input"
            refuse(f"unknown field '{name}' for rule set {ruleset.id}; {hint}",
                   source.key(name) if source is not None else None)
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
    prefix = "" if source is not None else f"{where}: "
    for name in ruleset.inputs:
        field = ruleset.inputs[name]
        if field.has_default or (name in case and not is_missing(case.get(name))) or \
                (source is not None and _is_nan(case.get(name))):
            continue
        problems.append(error(prefix + f"field '{name}' is missing; it is {field.type.describe()}"
                              + (f" in {field.unit}" if field.unit else ""),
                              source.value(name) if source is not None and name in case else
                              source.mapping() if source is not None else None))
    problems.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
    raise MedunionError(problems)


def parameters_on(ruleset: RuleSet, on: dt.date) -> dict[str, Any]:
    """The value of every parameter in force on a date."""
    values: dict[str, Any] = {}
    for name, parameter in ruleset.parameters.items():
        current = parameter.value_on(on)
        if current is None:
            raise MedunionError(error(
                f"parameter '{name}' of {ruleset.id} has no value on {on} "
                f"(its first value is from {parameter.values[0].start})", parameter.location))
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


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing (null)",
            bool: "true/false"}.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _placed(exc: MedunionError, where: Location) -> MedunionError:
    """The same refusal, its unplaced diagnostics pointed at `where` (the case line that named it)."""
    return MedunionError(d if d.location is not None else error(d.message, where) for d in exc.diagnostics)


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
            f"a case is a mapping of input names to values (or of `ruleset:`, `on:` and `inputs:`); "
            f"this file holds {_kind(data)}", document.locate()))
    named = "inputs" in data
    node: NodePath = ("inputs",) if named else ()
    if not isinstance(data.get("inputs", data), dict):
        raise MedunionError(error(f"`inputs:` is a mapping of input names to values, not {_kind(data['inputs'])}",
                                  document.locate(node)))
    written_id = data.get("ruleset") if named and ruleset is None else None
    if named and ruleset is None and "ruleset" in data and (
            not isinstance(written_id, str) or not _RULESET_ID.fullmatch(written_id)):
        raise MedunionError(error(
            f"`ruleset:` is a rule set's id (lower-case letters, digits and '-'), found {written_id!r}; "
            "give a file or folder as RULESET on the command line instead", document.locate(("ruleset",))))
    day = on
    if day is None and named and "on" in data:
        day = iso_date(data["on"])
        if day is None:
            raise MedunionError(error(f"`on:` is the date of the decision, YYYY-MM-DD, found {data['on']!r}",
                                      document.locate(("on",))))
    reference = ruleset or written_id
    if reference is None or day is None:
        raise MedunionError(error(
            "say which rule set and date: give RULESET and --on, or write `ruleset:`, `on:` and `inputs:` "
            "in the case file", document.locate()))
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
            raise MedunionError(error(d.message, where) for d in exc.diagnostics) from None
    return CaseFile(chosen, data.get("inputs", data), day, CaseSource(document, node))
