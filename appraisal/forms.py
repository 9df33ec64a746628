"""Which form each indicator's value is given in: a published rate, or its parts (counts).

Published tables print rates (79.58%), registers hold counts (admissions, visits, yuan). An
indicator with a `rate:` column takes the rate when the data has that column and computes
from the parts otherwise; the run's scheme then reads only what was given, so an explanation
shows the rate as given and never a count made up to fit it (nor the reverse).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

import pandas as pd

from appraisal.scheme import Indicator, Scheme
from appraisal.score import compile_indicator
from governance.diagnostics import Diagnostic, MedunionError, error

RATE_TYPES = ("percent", "ratio")


def _is_percent(unit: str) -> bool:
    return unit.strip().lower() in ("percent", "%")


def rate_formula(ind: Indicator, column: str, kind: str) -> str | None:
    """The formula turning a rate column into the indicator's unit (None: the column as it is)."""
    if kind == "ratio" and _is_percent(ind.unit):
        return f"100 * {column}"
    if kind == "percent" and ind.unit.strip().lower() == "ratio":
        return f"{column} / 100"
    return None


def form_of(scheme: Scheme, ind: Indicator) -> str:
    """'rate' when the value is read from a percent or ratio column, 'parts' from a formula."""
    if ind.value is not None and ind.value in scheme.columns and scheme.columns[ind.value].type in RATE_TYPES:
        return "rate"
    return "parts" if ind.formula is not None else "value"


def describe_form(scheme: Scheme, ind: Indicator, form: str) -> str:
    """One line for the explanation and the notes: which form the value was given in."""
    if form == "rate":
        column = ind.rate or ind.value or ""
        kind = scheme.columns[column].type if column in scheme.columns else "percent"
        scale = "a percent, 0-100" if kind == "percent" else "a ratio, 0-1"
        return f"given as a published rate ({scale}) in column {column}"
    if form == "parts":
        lacking = f"; the data has no published rate for it (column {ind.rate})" if ind.rate else ""
        return f"computed from its parts (counts) by the formula{lacking}"
    return f"given as a value in column {ind.value}"


def _blank(values: pd.Series) -> bool:
    """True when a column holds no value at all (a template's rate column left empty)."""
    if values.dtype != object:
        return bool(values.isna().all())
    return not any(v is not None and v == v and not (isinstance(v, str) and not v.strip())
                   for v in values.to_numpy(dtype=object))  # stops at the first value


def choose_forms(scheme: Scheme, headers: Collection[str] | pd.DataFrame) -> tuple[Scheme, list[str]]:
    """The scheme for this table: each indicator in the form the table gives, and only the
    columns that form reads. Refused, naming both forms, when the table gives neither whole.
    A rate column that is present but empty counts as not given."""
    if isinstance(headers, pd.DataFrame):
        rates = {i.rate for i in scheme.indicators if i.rate}
        present = {str(c) for c in headers.columns if c not in rates or not _blank(headers[c])}
    else:
        present = set(headers)
    indicators: dict[str, Indicator] = {}
    problems: list[Diagnostic] = []
    notes: list[str] = []
    dropped: set[str] = set()
    for ind in scheme.indicators:
        if ind.rate is None:
            form = form_of(scheme, ind)
            indicators[ind.id] = dataclasses.replace(ind, form=form, given_as=describe_form(scheme, ind, form))
            continue
        parts = sorted(compile_indicator(scheme, dataclasses.replace(ind, rate=None)).names())
        if ind.rate in present:
            kind = scheme.columns[ind.rate].type
            formula = rate_formula(ind, ind.rate, kind)
            chosen = dataclasses.replace(ind, formula=formula, value=None if formula else ind.rate, form="rate",
                                         given_as=describe_form(scheme, ind, "rate"))
            dropped |= set(parts)
            notes.append(f"{ind.id}: {chosen.given_as}"
                         + (f" (its parts {', '.join(p for p in parts if p in present)} are not used for it)"
                            if any(p in present for p in parts) else ""))
        elif all(p in present for p in parts):
            chosen = dataclasses.replace(ind, form="parts", given_as=describe_form(scheme, ind, "parts"))
            dropped.add(ind.rate)
        else:
            lacking = [p for p in parts if p not in present]
            problems.append(error(
                f"indicator {ind.id}: the data gives neither its rate (column {ind.rate}) nor all its parts "
                f"({', '.join(parts)}; missing {', '.join(lacking)}): add the rate column or the missing part(s), "
                "or map your headers to them with --columns", ind.location))
            continue
        indicators[ind.id] = chosen
    if problems:
        raise MedunionError(problems)
    if not dropped:
        return _with(scheme, indicators, scheme.columns), notes
    read: set[str] = set()
    for ind in indicators.values():
        read |= set(compile_indicator(scheme, ind).names())
    columns = {name: col for name, col in scheme.columns.items() if name not in dropped or name in read}
    return _with(scheme, indicators, columns), notes


def _with(scheme: Scheme, indicators: dict[str, Indicator], columns) -> Scheme:
    dims = tuple(dataclasses.replace(d, indicators=tuple(indicators[i.id] for i in d.indicators))
                 for d in scheme.dimensions)
    return dataclasses.replace(scheme, dimensions=dims, columns=dict(columns))
