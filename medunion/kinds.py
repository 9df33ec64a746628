"""Which package checks which kind of rule file: the wiring the core must not know."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from governance.workspace import Checker


def charter_units(path: Path) -> list[tuple[str, str, str | None, str]]:
    """(id, name, Chinese name, kind) of each unit a charter names: the reader the app hands to
    appraisal for `appraise --charter`, so appraisal never imports the charter package."""
    from charter import load_charter

    return [(u.id, u.name, u.name_zh, u.kind) for u in load_charter(path).units]


def checkers() -> dict[str, Checker]:
    """kind -> the function that checks one file of that kind (imported when `check` runs)."""
    from appraisal.check import check_scheme_file
    from charter import charter_unit_ids, check_charter_file
    from lifecycle.check import check_lifecycle_file

    return {
        "charter": check_charter_file,
        "appraisal-scheme": partial(check_scheme_file, charter_units=charter_unit_ids),
        "lifecycle": check_lifecycle_file,
    }
