"""The index of clause keys (rules/clauses.yaml) that every rule, table and parameter cites."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from governance.diagnostics import Message
from governance.i18n import N_
from governance.source import load_yaml

INDEX_NAME = "clauses.yaml"


@dataclass(frozen=True)
class Clause:
    key: str
    heading: str
    provides: str


@lru_cache(maxsize=8)
def _load(path: str) -> dict[str, Clause]:
    data = load_yaml(path).data
    return {c["key"]: Clause(c["key"], c.get("heading", ""), c.get("provides", "")) for c in data["clauses"]}


def find_index(start: str | Path) -> Path | None:
    """The nearest clauses.yaml in the folders above a rule file (none for files outside rules/)."""
    for folder in Path(start).resolve().parents:
        candidate = folder / INDEX_NAME
        if candidate.is_file():
            return candidate
    return None


def clause_index(start: str | Path) -> dict[str, Clause] | None:
    found = find_index(start)
    return _load(str(found)) if found else None


def unknown_clause(key: str, index: dict[str, Clause]) -> Message | None:
    """Why a key is not in the index (None if it is, or is a section above listed keys)."""
    if key in index or any(k.startswith(key + ".") for k in index):
        return None
    close = difflib.get_close_matches(key, list(index), n=1)
    if close:
        return Message(N_("clause '{key}' is not a clause key of the plans; did you mean '{close}'?"), key=key,
                       close=close[0])
    return Message(N_("clause '{key}' is not a clause key of the plans; see rules/clauses.yaml for the keys"), key=key)
