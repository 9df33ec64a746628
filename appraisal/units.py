"""The register of units an appraisal expects: from a units file, a charter, or the scheme.

A scheme says what kind of unit it scores (`unit_kind: county`); which units there are comes
from the data. A register, when one is given, names the units expected: a row for a unit
outside it is rejected (a typing error in an id is caught), and a unit of it with no row is
named in the outputs. The charter is read through a function the application hands in, so
appraisal never imports the charter package.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from appraisal.messages import Message
from appraisal.read import file_error, read_input
from appraisal.scheme import Scheme, Unit
from governance.diagnostics import MedunionError, error
from governance.i18n import N_

UNIT_FILE_COLUMNS: tuple[str, ...] = ("id", "name", "name_zh", "group")

CharterRow = tuple[str, str, str | None, str]
"""(id, name, Chinese name, kind) of one unit of a charter."""

CharterRegister = Callable[[Path], Sequence[CharterRow]]
"""Reads the units of a charter file; the application passes the charter package's reader."""


@dataclass(frozen=True)
class UnitRegister:
    """The units expected, and where the list came from (said in every message about it)."""

    units: tuple[Unit, ...]
    source: str
    outside: str = ""
    """What a unit outside the register is, in the rejection ("not a unit of county-monitoring")."""

    @property
    def unknown_reason(self) -> str:
        if self.outside:
            return Message(N_("unknown unit: {outside}"), outside=self.outside)
        return Message(N_("unknown unit: not in {source}"), source=self.source)

    @property
    def ids(self) -> set[str]:
        return {u.id for u in self.units}

    def names(self) -> dict[str, str]:
        return {u.id: u.name for u in self.units}

    def names_zh(self) -> dict[str, str]:
        """The units' Chinese names, where the register gives them (东平镇卫生院)."""
        return {u.id: u.name_zh for u in self.units if u.name_zh}

    def groups(self) -> dict[str, str]:
        return {u.id: u.group or "" for u in self.units}


def scheme_register(scheme: Scheme) -> UnitRegister | None:
    """The scheme's own list of expected units (`expected_units`, or the older `units.members`)."""
    if not scheme.units:
        return None
    return UnitRegister(scheme.units, Message(N_("the expected units of {scheme}"), scheme=scheme.id),
                        Message(N_("not a unit of {scheme}"), scheme=scheme.id))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value).strip()


def read_units_file(path: str | Path) -> UnitRegister:
    """A units file (CSV, Excel or Parquet) with the columns id, name, name_zh, group; only `id`
    is required. Every problem is refused with its row and column."""
    table = read_input(path)
    frame = table.frame
    if "id" not in frame.columns:
        raise file_error(path, f"a units file needs an 'id' column (and may have {', '.join(UNIT_FILE_COLUMNS[1:])}); "
                               f"found the columns {', '.join(map(str, frame.columns))}")
    problems = []
    units: list[Unit] = []
    ids = [_text(v) for v in frame["id"]]
    counts = Counter(i for i in ids if i)
    for k, uid in enumerate(ids):
        row = table.first_row + k
        where = f"{path}: row {row}, column id"
        if not uid:
            problems.append(error(f"{where}: the unit id is empty: give each unit an id (any text: A1, 政和县医院)"))
            continue
        if counts[uid] > 1:
            rows = [str(table.first_row + j) for j, other in enumerate(ids) if other == uid]
            if rows[0] == str(row):
                problems.append(error(f"{where}: the unit id '{uid}' is given in rows {', '.join(rows)}: keep one"))
            continue
        values = {c: _text(frame[c].iloc[k]) if c in frame.columns else "" for c in UNIT_FILE_COLUMNS}
        units.append(Unit(uid, values["name"] or uid, values["name_zh"] or None, values["group"] or None))
    if problems:
        raise MedunionError(problems)
    return UnitRegister(tuple(units), Message(N_("the units file {name}"), name=Path(path).name))


def charter_register(path: Path, reader: CharterRegister, kinds: Sequence[str] = (),
                     label: str | None = None) -> UnitRegister:
    """The units of a charter (only those of `kinds`, when the scheme names some)."""
    rows = [r for r in reader(path) if not kinds or r[3] in kinds]
    if not rows:
        which = f" of the kinds {', '.join(kinds)}" if kinds else ""
        raise MedunionError(error(f"the charter {path} names no unit{which}: nothing is expected"))
    units = tuple(Unit(uid, name, name_zh, kind) for uid, name, name_zh, kind in rows)
    name = label or path.stem
    return UnitRegister(units, Message(N_("the charter {name}"), name=name),
                        Message(N_("not a unit of the charter {name}"), name=name))
