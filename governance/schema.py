"""JSON Schema validation of rule files, with each error mapped back to file:line:col."""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from governance.diagnostics import Diagnostic, Location, Message, error, joined
from governance.i18n import N_
from governance.source import SourceDocument


@cache
def load_schema(name: str, package: str = "governance") -> dict[str, Any]:
    """A schema shipped as package data: `<package>/schemas/<name>.schema.json`.

    Read through importlib.resources so that an installed wheel validates as the source tree
    does; each package (the core, appraisal, lifecycle, charter) ships the schemas of its kinds.
    """
    text = (resources.files(package) / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


# The common kinds of schema violation, each a catalog template in jsonschema's own English words
# (so the English message is the one the library would give), with its fields: {field} the path,
# {value} the value found, {limit} the schema's bound. Any other kind keeps the library's text.
_BOUNDS = {
    "minimum": N_("{field}: {value} is less than the minimum of {limit}"),
    "maximum": N_("{field}: {value} is greater than the maximum of {limit}"),
    "exclusiveMinimum": N_("{field}: {value} is less than or equal to the minimum of {limit}"),
    "exclusiveMaximum": N_("{field}: {value} is greater than or equal to the maximum of {limit}"),
    "multipleOf": N_("{field}: {value} is not a multiple of {limit}"),
}
_SIZES = {  # (template when the bound is 1 for a minimum or 0 for a maximum, template otherwise)
    "minLength": (N_("{field}: {value} should be non-empty"), N_("{field}: {value} is too short")),
    "minItems": (N_("{field}: {value} should be non-empty"), N_("{field}: {value} is too short")),
    "minProperties": (N_("{field}: {value} should be non-empty"),
                      N_("{field}: {value} does not have enough properties")),
    "maxLength": (N_("{field}: {value} is expected to be empty"), N_("{field}: {value} is too long")),
    "maxItems": (N_("{field}: {value} is expected to be empty"), N_("{field}: {value} is too long")),
    "maxProperties": (N_("{field}: {value} is expected to be empty"),
                      N_("{field}: {value} has too many properties")),
}
_JSON_TYPES = {"string": N_("string"), "integer": N_("integer"), "number": N_("number"), "boolean": N_("boolean"),
               "object": N_("object"), "array": N_("array"), "null": N_("null")}
_PYTHON_TYPES = {"str": N_("str"), "int": N_("int"), "float": N_("float"), "bool": N_("bool"), "dict": N_("dict"),
                 "list": N_("list"), "NoneType": N_("NoneType")}


def _value(instance: Any) -> str:
    """A value as the message quotes it (as jsonschema does, with repr), cut short when long."""
    text = repr(instance)
    return text if len(text) <= 100 else text[:100] + " …"


def _either(words: list[Message]) -> Message:
    """Type names as one phrase, "string or integer", each translated."""
    return joined(words, N_("{first} or {rest}"))


def _type_name(name: str, names: dict[str, str]) -> Message:
    return Message(names.get(name, name))


def _wrong_type(field: Message | str, wanted: list[str], instance: Any, where: Location) -> Diagnostic:
    return error(N_("{field} must be {wanted}, found {found}"), where, field=field,
                 wanted=_either([_type_name(w, _JSON_TYPES) for w in wanted]),
                 found=_type_name(type(instance).__name__, _PYTHON_TYPES))


def _advice(err: jsonschema.ValidationError, doc: SourceDocument) -> list[Diagnostic]:
    path = tuple(err.absolute_path)
    field: Message | str = ".".join(str(p) for p in path) or Message(N_("the document"))
    where = doc.locate(path)
    kind = err.validator
    if kind == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list(err.schema.get("properties", {}))
        found = []
        for key in err.instance:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                at = doc.locate_key((*path, key))
                if close:
                    found.append(error(N_("unknown field '{key}' in {field}; did you mean '{close}'?"), at, key=key,
                                       field=field, close=close[0]))
                else:
                    found.append(error(N_("unknown field '{key}' in {field}; allowed here: {allowed}"), at, key=key,
                                       field=field, allowed=", ".join(allowed)))
        if found:
            return found
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return [error(N_("{field} lacks the required field '{missing}'; add it"), where, field=field, missing=missing)]
    if kind == "enum":
        options = ", ".join(str(v) for v in err.validator_value)
        return [error(N_("{field}: {value} is not allowed; use one of: {options}"), where, field=field,
                      value=_value(err.instance), options=options)]
    if kind == "pattern":
        described = err.schema.get("description")
        if described:  # the schema's own words for the form (English data of the schema)
            return [error(N_("{field}: {value} is not in the expected form ({form})"), where, field=field,
                          value=_value(err.instance), form=described)]
        return [error(N_("{field}: {value} is not in the expected form (the pattern {pattern})"), where, field=field,
                      value=_value(err.instance), pattern=err.validator_value)]
    if kind == "type":
        wanted = err.validator_value
        return [_wrong_type(field, wanted if isinstance(wanted, list) else [wanted], err.instance, where)]
    if kind in ("oneOf", "anyOf") and err.context and all(e.validator == "type" for e in err.context):
        return [_wrong_type(field, [str(e.validator_value) for e in err.context], err.instance, where)]
    if kind in _BOUNDS:
        return [error(_BOUNDS[kind], where, field=field, value=_value(err.instance), limit=repr(err.validator_value))]
    if kind in _SIZES:
        edge = 1 if kind.startswith("min") else 0
        template = _SIZES[kind][0 if err.validator_value == edge else 1]
        return [error(template, where, field=field, value=_value(err.instance))]
    if kind == "const":
        return [error(N_("{field}: {expected} was expected"), where, field=field, expected=_value(err.validator_value))]
    if kind == "uniqueItems":
        return [error(N_("{field}: {value} has non-unique elements"), where, field=field, value=_value(err.instance))]
    if kind == "propertyNames":
        return [error(N_("{field}: {problem}; names use lower-case letters, digits and _"), where, field=field,
                      problem=err.message)]
    return [error(N_("{field}: schema: {problem}"), where, field=field, problem=err.message)]  # the library's English


def validate(doc: SourceDocument, schema_name: str, package: str = "governance") -> list[Diagnostic]:
    """Every schema violation in a document, in file order."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_name, package))
    found: list[Diagnostic] = []
    for err in validator.iter_errors(doc.data):
        leaves = _best_leaves(err)
        for leaf in leaves:
            found.extend(_advice(leaf, doc))
    unique = {(str(d)): d for d in found}
    return sorted(unique.values(), key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))


def _best_leaves(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For oneOf/anyOf, report the most relevant branch's errors rather than the whole union: a
    branch of the value's own type (-5 for `integer ≥ 0 or a name` is below the minimum, not "not
    a string"); when no branch has its type, one error naming every type allowed."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        own_type = [e for e in err.context if e.validator != "type"]
        if not own_type:
            return [err]
        best = jsonschema.exceptions.best_match(own_type)
        return [best] if best is not None else [err]
    return [err]
