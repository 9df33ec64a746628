"""An Excel input template for one scheme and year: the units, the columns, their
units and Excel data validation, so a county office fills in what the scheme reads."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from appraisal.safe_cells import neutralise_workbook
from appraisal.scheme import Scheme
from appraisal.score import compile_indicator
from appraisal.units import UnitRegister

_HEADER = PatternFill("solid", fgColor="1F4E78")


def _validation(kind: str, low: float | None, high: float | None) -> DataValidation:
    if kind == "boolean":
        return DataValidation(type="list", formula1='"true,false"', allow_blank=True,
                              error="true or false", errorTitle="yes/no")
    kind_x = "whole" if kind == "integer" else "decimal"
    if low is not None and high is not None:
        dv = DataValidation(type=kind_x, operator="between", formula1=str(low), formula2=str(high))
        dv.error = f"a {'whole ' if kind == 'integer' else ''}number from {low:g} to {high:g}"
    elif low is not None:
        dv = DataValidation(type=kind_x, operator="greaterThanOrEqual", formula1=str(low))
        dv.error = f"a {'whole ' if kind == 'integer' else ''}number of at least {low:g}"
    else:
        dv = DataValidation(type=kind_x, operator="between", formula1="-1E+15", formula2="1E+15")
        dv.error = "a number"
    dv.allow_blank = True
    dv.errorTitle = "invalid value"
    dv.showErrorMessage = True
    return dv


def readers_of(scheme: Scheme) -> dict[str, list[str]]:
    """column → the indicators that read it: the names of each compiled formula (or its rate
    column), never a substring match (`visits_in_county` is not read by a formula that reads
    `outpatient_visits_in_county`)."""
    found: dict[str, list[str]] = {name: [] for name in scheme.columns}
    for ind in scheme.indicators:
        names = set(compile_indicator(scheme, ind).names())
        if ind.rate:
            names.add(ind.rate)
        for name in sorted(names):
            if name in found:
                found[name].append(ind.id)
    return found


def write_template(scheme: Scheme, year: int, path: Path, register: UnitRegister | None = None) -> Path:
    """Sheet 'Data' (one row per unit, header = row 1, as `appraise` reads it) and 'Columns'.

    The rows are the units of `register` (default: the scheme's expected units); with neither,
    the officer types the units in. Every text cell is neutralised (`appraisal.safe_cells`); the
    file appears whole or not at all.
    """
    listed = register.units if register is not None else scheme.units
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    headers = ["unit_id", "year", *scheme.columns, "unit_name"]
    ws.append(headers)
    for unit in listed:
        ws.append([unit.id, year, *([None] * len(scheme.columns)), unit.name])
    n = len(listed) + 1
    last = max(n, 200)
    for idx, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = max(14, len(name) + 2)
        col = scheme.columns.get(name)
        if col is not None:
            cell.comment = Comment(
                f"{col.description}\nunit: {col.unit}; type: {col.type}; "
                f"missing value: {col.missing}", "medunion")
            low, high = col.bounds
            dv = _validation(col.type, low, high)
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
    year_dv = DataValidation(type="whole", operator="equal", formula1=str(year),
                             showErrorMessage=True, error=f"this template is for {year}")
    ws.add_data_validation(year_dv)
    year_dv.add(f"B2:B{last}")
    units = wb.create_sheet("Units")
    units.append(["unit_id", "name", "name_zh", "group"])
    for unit in listed:
        units.append([unit.id, unit.name, unit.name_zh, unit.group])
    if listed:  # without a register, any id is a unit: nothing to choose from
        unit_dv = DataValidation(type="list", formula1=f"=Units!$A$2:$A${len(listed) + 1}",
                                 showErrorMessage=True, error="not a unit of this scheme")
        ws.add_data_validation(unit_dv)
        unit_dv.add(f"A2:A{last}")
    info = wb.create_sheet("Columns")
    info.append(["column", "type", "unit", "minimum", "maximum", "missing value", "description",
                 "read by indicators"])
    readers = readers_of(scheme)
    rates = {i.rate: i.id for i in scheme.indicators if i.rate}
    for name, col in scheme.columns.items():
        low, high = col.bounds
        description = col.description
        if name in rates:
            description += f" Give either this published rate or the counts {rates[name]} is computed from."
        info.append([name, col.type, col.unit, low, high, col.missing, description,
                     ", ".join(readers[name])])
    info.append([])
    info.append([f"Scheme {scheme.id} {scheme.version}: {scheme.title}; year {year}. "
                 "unit_name names a unit no register names; leave a rate column empty to give the counts."])
    for sheet in (units, info):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    ws.freeze_panes = "C2"
    neutralise_workbook(wb)  # unit names and descriptions are text, never formulas
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{uuid.uuid4().hex[:12]}")
    try:  # a crash never leaves a half-written template where the officer expects one
        wb.save(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
