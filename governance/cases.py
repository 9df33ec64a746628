"""A case's inputs checked against their declared types before anything is decided."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

from governance.diagnostics import Diagnostic, MedunionError, error
from governance.model import RuleSet
from governance.values import check_field, is_missing


def validate_case(ruleset: RuleSet, case: Mapping[str, Any], where: str = "the case") -> dict[str, Any]:
    """Typed input values; a missing, unknown, mistyped or out-of-range field is an error naming it."""
    found: list[Diagnostic] = []
    values: dict[str, Any] = {}
    for name, field in ruleset.inputs.items():
        if name not in case or is_missing(case[name]):
            if field.has_default:
                values[name] = field.default
                continue
            found.append(error(f"{where}: field '{name}' is missing; it is {field.type.describe()}"
                               + (f" in {field.unit}" if field.unit else "")))
            continue
        value, problem = check_field(field, case[name])
        if problem:
            found.append(error(f"{where}: field '{name}': {problem}"))
            continue
        values[name] = value
    for name in case:
        if name not in ruleset.inputs:
            close = difflib.get_close_matches(str(name), list(ruleset.inputs), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "remove it or declare it as an input"
            found.append(error(f"{where}: unknown field '{name}' for rule set {ruleset.id}; {hint}"))
    if found:
        raise MedunionError(found)
    return values


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
