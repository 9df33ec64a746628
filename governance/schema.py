"""JSON Schema validation of rule files, with each error mapped back to file:line:col."""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from governance.diagnostics import Diagnostic, error
from governance.source import SourceDocument


@cache
def load_schema(name: str, package: str = "governance") -> dict[str, Any]:
    """A schema shipped as package data: `<package>/schemas/<name>.schema.json`.

    Read through importlib.resources so that an installed wheel validates as the source tree
    does; each package (the core, appraisal, lifecycle, charter) ships the schemas of its kinds.
    """
    text = (resources.files(package) / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _advice(err: jsonschema.ValidationError, doc: SourceDocument) -> list[Diagnostic]:
    path = tuple(err.absolute_path)
    field = ".".join(str(p) for p in path) or "the document"
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list(err.schema.get("properties", {}))
        found = []
        for key in err.instance:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "allowed here: " + ", ".join(allowed)
                found.append(
                    error(f"unknown field '{key}' in {field}; {hint}", doc.locate_key((*path, key)))
                )
        if found:
            return found
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return [error(f"{field} lacks the required field '{missing}'; add it", doc.locate(path))]
    if err.validator == "enum":
        options = ", ".join(str(v) for v in err.validator_value)
        return [error(f"{field}: {err.instance!r} is not allowed; use one of: {options}", doc.locate(path))]
    if err.validator == "pattern":
        described = err.schema.get("description") or f"the pattern {err.validator_value}"
        return [error(f"{field}: {err.instance!r} is not in the expected form ({described})", doc.locate(path))]
    if err.validator == "type":
        wanted = err.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return [error(f"{field} must be {wanted}, found {type(err.instance).__name__}", doc.locate(path))]
    if err.validator in ("oneOf", "anyOf") and err.context and all(e.validator == "type" for e in err.context):
        wanted = " or ".join(str(e.validator_value) for e in err.context)
        return [error(f"{field} must be {wanted}, found {type(err.instance).__name__}", doc.locate(path))]
    if err.validator == "propertyNames":
        return [error(f"{field}: {err.message}; names use lower-case letters, digits and _",
                      doc.locate(path))]
    return [error(f"{field}: {err.message}", doc.locate(path))]


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
