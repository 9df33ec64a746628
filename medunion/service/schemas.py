"""One request model per rule set, made from its declared inputs, so the OpenAPI document says
what each rule set takes: types, enums, bounds, English and Chinese labels.

A value is checked by the core's own `governance.values.check_value` before pydantic applies the
enum and the bounds, so the API accepts exactly what `medunion decide` accepts ("9" is not 9,
a whole amount stays whole, NaN and 1e400 are refused) and the schema is never a second,
diverging rule book. The core still checks the case again against the version in force on the
date asked for (`app.decide_case`): the model is the schema, the core the authority.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, WithJsonSchema, create_model

from governance.expressions import ExpressionType
from governance.model import Field as InputField
from governance.model import RuleSet
from governance.values import check_value, iso_date

MISSING_NOTE = "No default: when it is left out or null, the outputs that need it are not decided."


def _checked(kind: ExpressionType) -> BeforeValidator:
    """The core's type check and coercion of one value, as a pydantic validator (None passes:
    a missing value is the core's business, not a type error)."""

    def check(value: Any) -> Any:
        if value is None:
            return None
        typed, problem = check_value(kind, value)
        if problem:
            raise ValueError(problem)
        return typed

    return BeforeValidator(check)


def _iso_day(value: Any) -> Any:
    """Only `YYYY-MM-DD` text is a date in a request (pydantic alone would take 1500000000 or 20170101)."""
    if isinstance(value, dt.date):
        return value
    day = iso_date(value)
    if day is None:
        raise ValueError(f"expected a date YYYY-MM-DD, found {value!r}")
    return day


Day = Annotated[dt.date, BeforeValidator(_iso_day), WithJsonSchema({"type": "string", "format": "date"})]


def _bounds(item: InputField) -> dict[str, float]:
    found: dict[str, float] = {}
    if item.minimum is not None:
        found["ge"] = item.minimum
    if item.maximum is not None:
        found["le"] = item.maximum
    return found


def _schema_bounds(item: InputField) -> dict[str, float]:
    """The same bounds under JSON Schema's names, for the OpenAPI document."""
    return {{"ge": "minimum", "le": "maximum"}[key]: value for key, value in _bounds(item).items()}


def value_type(item: InputField) -> Any:
    """The annotated Python type of one input: the core's check first, then pydantic's enum and bounds."""
    kind = item.type
    if kind.kind == "enum":
        return Literal[tuple(kind.values)]  # type: ignore[valid-type]
    if kind.kind == "boolean":
        return StrictBool
    if kind.kind == "string":
        return StrictStr
    if kind.kind == "date":
        return Day
    if kind.kind == "integer":
        return Annotated[int, _checked(kind), Field(**_bounds(item)),
                         WithJsonSchema({"type": "integer", **_schema_bounds(item)})]
    if kind.kind == "number":  # an int stays an int (12000, not 12000.0), as in a case file
        return Annotated[int | float, _checked(kind), Field(**_bounds(item)),
                         WithJsonSchema({"type": "number", **_schema_bounds(item)})]
    raise ValueError(f"input '{item.name}' has type {kind.describe()}, which a request cannot carry")


def description(item: InputField) -> str:
    """The English description, the Chinese label and the unit, in one text for the OpenAPI reader."""
    parts = [" ".join((item.description or item.name).split())]
    if item.description_zh:
        parts.append(f"({item.description_zh.strip()})")
    if item.unit:
        parts.append(f"Unit: {item.unit}.")
    return " ".join(parts)


def _extra(item: InputField) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if item.description_zh:
        extra["x-description-zh"] = item.description_zh.strip()
    if item.unit:
        extra["x-unit"] = item.unit
    return extra


def _model_name(ruleset_id: str, suffix: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", ruleset_id)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + suffix


def declared_inputs(versions: list[RuleSet]) -> dict[str, InputField]:
    """Every input any version declares; where versions differ, the newest declaration (the core
    checks the case against the version in force on its date all the same)."""
    found: dict[str, InputField] = {}
    for ruleset in sorted(versions, key=lambda r: r.version_key):
        found.update(ruleset.inputs)
    return found


def inputs_model(ruleset_id: str, versions: list[RuleSet]) -> type[BaseModel]:
    """The inputs of one rule set as a pydantic model: unknown names refused, each field typed."""
    newest = max(versions, key=lambda r: r.version_key)
    fields: dict[str, Any] = {}
    for name, item in declared_inputs(versions).items():
        kind = value_type(item)
        text = description(item)
        if item.has_default:
            fields[name] = (kind, Field(item.default, title=name, description=text, json_schema_extra=_extra(item)))
        else:
            fields[name] = (kind | None, Field(None, title=name, description=f"{text} {MISSING_NOTE}",
                                               json_schema_extra=_extra(item)))
    title = newest.title + (f" ({newest.title_zh})" if newest.title_zh else "")
    return create_model(_model_name(ruleset_id, "Inputs"), __config__=ConfigDict(extra="forbid"),
                        __doc__=f"The inputs of {ruleset_id}: {title}.", **fields)


def request_model(ruleset_id: str, versions: list[RuleSet]) -> type[BaseModel]:
    """The body of `POST /rulesets/{id}/decide`: the date and the inputs."""
    inputs = inputs_model(ruleset_id, versions)
    return create_model(
        _model_name(ruleset_id, "DecideRequest"), __config__=ConfigDict(extra="forbid"),
        __doc__=f"A case of {ruleset_id} to decide: the date it is decided on and its inputs.",
        on=(Day, Field(description="The date the case is decided on (YYYY-MM-DD): the version in force "
                                   "on it decides.")),
        inputs=(inputs, Field(default_factory=inputs, description="The case's inputs by name.")),
    )
