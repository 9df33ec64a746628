"""Charters: the associations of a county, their member units and governing bodies, as data.

A client of the core like appraisal and lifecycle: it reads charter files with the core's
source and schema modules and cites clauses from the core's clause index.
"""

from charter.check import (
    Association,
    Charter,
    Member,
    Unit,
    build_charter,
    charter_files,
    charter_unit_ids,
    check_charter,
    check_charter_file,
    load_charter,
)

__all__ = [
    "Association",
    "Charter",
    "Member",
    "Unit",
    "build_charter",
    "charter_files",
    "charter_unit_ids",
    "check_charter",
    "check_charter_file",
    "load_charter",
]
