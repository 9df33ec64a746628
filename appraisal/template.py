"""An Excel input template for one scheme and year: the units, the columns, their
units and Excel data validation, so a county office fills in what the scheme reads.

In Chinese (the `template` command's default) each header is the column's Chinese name with its
code beside it, in one header row: "上转患者数 referrals_up". One row, not two (Chinese above the
codes), because every reader of the file takes row 1 as the header and row 2 as the first unit:
the officer's own CSV export, pandas, and `appraise`, whose rejections name rows as the sheet
numbers them. `appraise` reads the combined header, the Chinese name alone or the code alone
(`appraisal.validate.scheme_headers`), so a template filled in Chinese scores without a column
map. The data sheet keeps its name "Data" in both languages (scripts find it by name; `appraise`
reads the first sheet whatever its name); the other sheets are named in the reader's language.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from appraisal.labels import heading
from appraisal.safe_cells import neutralise_workbook
from appraisal.scheme import Scheme
from appraisal.score import compile_indicator
from appraisal.units import UnitRegister
from governance.i18n import N_, format_boolean, translator

_HEADER = PatternFill("solid", fgColor="1F4E78")


def _validation(kind: str, low: float | None, high: float | None, lang: str = "en") -> DataValidation:
    if kind == "boolean":
        if lang == "zh":  # 是/否, as officers type them; `appraise` reads 是/否 and true/false alike
            return DataValidation(type="list", formula1=f'"{format_boolean(True, lang)},{format_boolean(False, lang)}"',
                                  allow_blank=True, error="是 / 否", errorTitle="是/否")
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


KEY_HEADINGS = {"unit_id": "unit_id", "year": "year", "unit_name": "unit_name", "cohort": "cohort"}


def template_header(code: str, scheme: Scheme, lang: str) -> str:
    """A data column's header: "上转患者数 referrals_up" in Chinese (the column's `label_zh`, or the
    program's word for a key column, then the code); the code alone in English."""
    if lang != "zh":
        return code
    col = scheme.columns.get(code)
    label = col.label_zh if col is not None else (heading(code, scheme, "zh", both=False) if code in KEY_HEADINGS
                                                  else None)
    return f"{label} {code}" if label and label != code else code


_TYPES = {"integer": N_("whole number"), "number": N_("a number"), "percent": N_("percent"),
          "ratio": N_("ratio (0 to 1)"), "boolean": N_("yes or no")}
_MISSING = {"reject": N_("the row is rejected"), "zero-points": N_("0 points for its indicators"),
            "zero-value": N_("read as 0")}
_SHEETS = {"Units": N_("sheet: Units"), "Columns": N_("sheet: Columns")}
_COLUMNS_HEADER = (N_("column"), N_("Chinese name"), N_("type"), N_("unit"), N_("minimum"), N_("maximum"),
                   N_("missing value"), N_("description"), N_("read by indicators"))
_UNITS_HEADER = (N_("unit_id"), N_("name"), N_("name_zh"), N_("group"))


def write_template(scheme: Scheme, year: int, path: Path, register: UnitRegister | None = None,
                   lang: str = "en") -> Path:
    """Sheet 'Data' (one row per unit, header = row 1, as `appraise` reads it) and 'Columns'.

    `lang` "zh": Chinese headers with the codes beside them, 是/否 lists, the other sheets in
    Chinese (module doc); "en" (the default of this function, so scripts keep code headers).

    The rows are the units of `register` (default: the scheme's expected units); with neither,
    the officer types the units in. Every text cell is neutralised (`appraisal.safe_cells`); the
    file appears whole or not at all.
    """
    listed = register.units if register is not None else scheme.units
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    _ = translator(lang).gettext
    headers = ["unit_id", "year", *scheme.columns, "unit_name"]
    ws.append([template_header(h, scheme, lang) for h in headers])
    for unit in listed:
        name = (unit.name_zh or unit.name) if lang == "zh" else unit.name
        ws.append([unit.id, year, *([None] * len(scheme.columns)), name])
    n = len(listed) + 1
    last = max(n, 200)
    for idx, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER
        letter = get_column_letter(idx)
        shown = str(cell.value)
        ws.column_dimensions[letter].width = max(14, len(shown) + sum(ord(ch) > 0x2E80 for ch in shown) + 2)
        col = scheme.columns.get(name)
        if col is not None:
            description = (col.description_zh or col.description) if lang == "zh" else col.description
            cell.comment = Comment(
                _("{description}\nunit: {unit}; type: {type}; missing value: {missing}").format(
                    description=description, unit=col.unit, type=col.type, missing=col.missing), "medunion")
            low, high = col.bounds
            dv = _validation(col.type, low, high, lang)
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
    year_dv = DataValidation(type="whole", operator="equal", formula1=str(year),
                             showErrorMessage=True, error=_("this template is for {year}").format(year=year))
    ws.add_data_validation(year_dv)
    year_dv.add(f"B2:B{last}")
    units_name = _(_SHEETS["Units"]) if lang == "zh" else "Units"
    units = wb.create_sheet(units_name)
    units.append(["unit_id", "name", "name_zh", "group"] if lang != "zh" else [
        f"{_(h)} {h}" for h in _UNITS_HEADER])
    for unit in listed:
        units.append([unit.id, unit.name, unit.name_zh, unit.group])
    if listed:  # without a register, any id is a unit: nothing to choose from
        unit_dv = DataValidation(type="list", formula1=f"='{units_name}'!$A$2:$A${len(listed) + 1}",
                                 showErrorMessage=True, error=_("not a unit of this scheme"))
        ws.add_data_validation(unit_dv)
        unit_dv.add(f"A2:A{last}")
    info = wb.create_sheet(_(_SHEETS["Columns"]) if lang == "zh" else "Columns")
    info.append([_(h) if lang == "zh" else h for h in _COLUMNS_HEADER if lang == "zh" or h != "Chinese name"])
    readers = readers_of(scheme)
    rates = {i.rate: i.id for i in scheme.indicators if i.rate}
    for name, col in scheme.columns.items():
        low, high = col.bounds
        description = (col.description_zh or col.description) if lang == "zh" else col.description
        if name in rates:
            description += " " + _("Give either this published rate or the counts {indicator} is computed "
                                   "from.").format(indicator=rates[name])
        chinese = [col.label_zh or ""] if lang == "zh" else []
        kind = f"{_(_TYPES[col.type])} {col.type}" if lang == "zh" and col.type in _TYPES else col.type
        missing = (f"{_(_MISSING[col.missing])} {col.missing}" if lang == "zh" and col.missing in _MISSING
                   else col.missing)
        info.append([name, *chinese, kind, col.unit, low, high, missing, description,
                     ", ".join(readers[name])])
    info.append([])
    title = (scheme.title_zh or scheme.title) if lang == "zh" else scheme.title
    info.append([_("Scheme {id} {version}: {title}; year {year}. unit_name names a unit no register names; leave "
                   "a rate column empty to give the counts.").format(id=scheme.id, version=scheme.version,
                                                                     title=title, year=year)])
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
