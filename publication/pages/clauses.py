"""The clauses page: every clause key of the plans, what it provides, and what encodes it.

Template: `clauses/clauses.md.j2`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from governance.clauses import Clause
from governance.model import RuleSet
from publication.anchors import clause_anchor, parameter_anchor, rule_anchor, table_anchor
from publication.pages.common import STATUS_LABEL, version_uri
from publication.plain import humanise
from publication.render import render

READING_WORDS = {"drafter-reading": "drafter's reading", "drafter-choice": "drafter's choice",
                 "uncertain-reading": "uncertain reading"}


@dataclass(frozen=True)
class ClauseUse:
    """One place a clause is encoded: a rule, table, parameter or appraisal item."""

    clause: str
    kind: str  # rule | table | parameter | indicator | ...
    label: str  # the link's text (plain text; the template escapes it)
    link: str  # site-relative .md path with anchor
    owner: str  # rule set or scheme, with version
    status: str | None = None  # law | drafter-reading | uncertain-reading (None: not given)
    reading: str | None = None  # what the drafter read into the clause, when it is not the law


@dataclass(frozen=True)
class ClauseReading:
    """A reading of the clause that is not the law's own words, listed under the clause."""

    status: str
    label: str  # how the status reads
    use: ClauseUse


@dataclass(frozen=True)
class EncodedBy:
    owner: str
    uses: tuple[ClauseUse, ...]


@dataclass(frozen=True)
class ClauseRow:
    key: str
    anchor: str
    heading: str | None
    provides: str | None
    encoded_by: tuple[EncodedBy, ...]
    readings: tuple[ClauseReading, ...] = ()


@dataclass(frozen=True)
class ClausesPage:
    coverage_notes: str | None
    counted: tuple[int, int] | None  # (encoded, all) keys of the clause index, when there is one
    rows: tuple[ClauseRow, ...]


def clause_uses(groups: Mapping[str, Sequence[RuleSet]]) -> list[ClauseUse]:
    """Where each clause is encoded: the latest adopted version of each rule set (the latest
    draft where none is adopted), so the table shows what is law, not a proposal."""
    uses = []
    for versions in groups.values():
        latest = ([v for v in versions if v.status == "adopted"] or list(versions))[-1]
        owner = f"{latest.id} {latest.version}"
        page = version_uri(latest)
        for rule in latest.rules:
            uses.append(ClauseUse(rule.clause, "rule", rule.title, f"{page}#{rule_anchor(rule.id)}", owner,
                                  rule.reading.status, rule.reading.text))
        for decision in latest.tables:
            link = f"{page}#{table_anchor(decision.id)}"
            uses.append(ClauseUse(decision.clause, "decision table", decision.title, link, owner,
                                  decision.reading.status, decision.reading.text))
        for name, p in latest.parameters.items():
            flag = "" if p.status == "law" else f" ({STATUS_LABEL[p.status]})"
            uses.append(
                ClauseUse(p.clause, "parameter", humanise(name) + flag, f"{page}#{parameter_anchor(name)}", owner,
                          p.status, p.reading_text)
            )
    return uses


def clause_sort_key(clause: str) -> tuple[str, tuple[int, ...]]:
    """`zhenghe-2017 IV.7.2` sorts after `zhenghe-2017 IV.1.4` and before `V.1`."""
    plan, _, point = clause.partition(" ")
    if point == "preamble":
        return plan, ()
    head, *rest = point.split(".")
    numerals = {"I": 1, "V": 5, "X": 10}
    total = 0
    for i, char in enumerate(head):
        value = numerals.get(char, 0)
        following = numerals.get(head[i + 1], 0) if i + 1 < len(head) else 0
        total += -value if value < following else value
    numbers = tuple(int(p) if p.isdigit() else 0 for p in rest)
    return plan, (total, *numbers)


def clauses_page(
    uses: Sequence[ClauseUse],
    coverage_notes: str | None = None,
    index: Mapping[str, Clause] | None = None,
    lang: str = "en",
) -> str:
    """Every clause key of the plans, what it provides, and what encodes it, in plan order.

    `index` is the clause index (rules/clauses.yaml); without it only encoded keys are
    listed. `coverage_notes` is the docs page on what is not encoded, linked when it exists.
    """
    return render("clauses/clauses.md.j2", lang, page=clauses_view(uses, coverage_notes, index))


def clauses_view(
    uses: Sequence[ClauseUse],
    coverage_notes: str | None = None,
    index: Mapping[str, Clause] | None = None,
) -> ClausesPage:
    by_clause: dict[str, dict[str, list[ClauseUse]]] = {}
    for use in uses:
        by_clause.setdefault(use.clause, {}).setdefault(use.owner, []).append(use)
    keys = sorted(set(by_clause) | set(index or {}), key=clause_sort_key)
    rows = []
    for key in keys:
        clause = (index or {}).get(key)
        rows.append(
            ClauseRow(
                key=key,
                anchor=clause_anchor(key),
                heading=(clause.heading or None) if clause else None,
                provides=(clause.provides or None) if clause else None,
                encoded_by=tuple(EncodedBy(owner, tuple(owned)) for owner, owned in by_clause.get(key, {}).items()),
                readings=tuple(
                    ClauseReading(use.status, READING_WORDS.get(use.status, use.status), use)
                    for owned in by_clause.get(key, {}).values() for use in owned
                    if use.status is not None and use.status != "law"
                ),
            )
        )
    counted = (sum(1 for key in index if key in by_clause), len(index)) if index else None
    return ClausesPage(coverage_notes, counted, tuple(rows))
