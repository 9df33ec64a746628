"""Which package checks which kind of rule file: the wiring the core must not know."""

from __future__ import annotations

from functools import partial

from governance.workspace import Checker


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
