"""A map from a data file's column headers to the names a rule set or scheme reads.

Offices keep their own headers (often Chinese: `转诊方向`, `医保费用`); a small YAML file, one
`header: name` pair a line, says which column is which input. It is read with the safe loader
(bounded size, depth and aliases), and every pair that cannot be used is refused at its
file:line:column: a target that is not a known name, two headers for the same name, a value
that is not a name.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from governance.diagnostics import Diagnostic, Location, MedunionError, Message, error
from governance.i18n import N_
from governance.source import load_yaml


@dataclass(frozen=True)
class ColumnPair:
    header: str  # as written in the data file's header row
    target: str  # the name the rules read
    location: Location  # where the pair is written in the map


@dataclass(frozen=True)
class ColumnMap:
    path: str
    pairs: tuple[ColumnPair, ...]

    def rename(self) -> dict[str, str]:
        """header → target, for renaming a table's columns."""
        return {pair.header: pair.target for pair in self.pairs}

    def header_of(self, target: str) -> str | None:
        return next((pair.header for pair in self.pairs if pair.target == target), None)


def _header(key: object) -> str | None:
    """A header as text; a YAML key read as a number (`2017: ...`) is the header `2017`."""
    if isinstance(key, bool) or key is None:
        return None
    if isinstance(key, str | int):
        return str(key)
    return None


_WHAT = {"input": N_("input"), "indicator": N_("indicator"), "scheme column": N_("scheme column")}


def read_column_map(path: str | Path, targets: Collection[str], what: str = "input") -> ColumnMap:
    """The pairs of a column map, each checked against the names it may map to (`targets`).

    `what` names those names in messages ("input", "indicator"). Every problem is reported,
    not only the first.
    """
    doc = load_yaml(path)
    where = str(path)
    named = Message(_WHAT.get(what, what))
    if not isinstance(doc.data, dict):
        raise MedunionError(error(N_("a column map is a mapping, one `file header: {what} name` pair a line; "
                                     "found {found}"), doc.locate(()), what=named, found=type(doc.data).__name__))
    found: list[Diagnostic] = []
    pairs: list[ColumnPair] = []
    first_for: dict[str, ColumnPair] = {}
    for key, value in doc.data.items():
        header = _header(key)
        if header is None or not header.strip():
            found.append(error(N_("the header {key} is not a column name: write the header text as the file has it"),
                               doc.locate_key((key,)), key=repr(key)))
            continue
        at = doc.locate((key,))
        if not isinstance(value, str):
            found.append(error(N_("header '{header}' maps to {value}: give the name of {what} it holds"), at,
                               header=header, value=repr(value), what=named))
            continue
        if value not in targets:
            near = difflib.get_close_matches(value, list(targets), n=1)
            if near:
                found.append(error(N_("header '{header}' maps to '{value}', which is not a known {what}; did you mean "
                                      "'{close}'?"), at, header=header, value=value, what=named, close=near[0]))
            else:
                found.append(error(N_("header '{header}' maps to '{value}', which is not a known {what}; the {what}s "
                                      "are: {known}"), at, header=header, value=value, what=named,
                                   known=", ".join(sorted(targets))))
            continue
        if value in first_for:
            first = first_for[value]
            found.append(error(N_("headers '{first}' (line {line}) and '{header}' both map to '{value}': which "
                                  "column holds it cannot be told; keep one"), at, first=first.header,
                               line=first.location.line, header=header, value=value))
            continue
        pair = ColumnPair(header, value, at)
        first_for[value] = pair
        pairs.append(pair)
    if found:
        raise MedunionError(found)
    return ColumnMap(where, tuple(pairs))
