"""The overview of all rule sets: each with its jurisdiction, versions and the one in force.

Template: `overview/rulesets.md.j2`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from governance.i18n import localised_title
from governance.model import RuleSet
from publication.pages.common import long_date
from publication.render import render


@dataclass(frozen=True)
class RuleSetRow:
    id: str
    title: str
    title_zh: str | None
    jurisdiction: str
    versions: tuple[str, ...]
    in_force: str | None  # the version in force today, if any
    rules: int  # rules and decision tables of the latest version


@dataclass(frozen=True)
class RuleSetsPage:
    today: str
    rows: tuple[RuleSetRow, ...]


def rulesets_index_page(groups: Mapping[str, Sequence[RuleSet]], today: dt.date, lang: str = "en") -> str:
    """Every rule set in rules/, linked to its history and versions."""
    return render("overview/rulesets.md.j2", lang, page=rulesets_view(groups, today, lang))


def rulesets_view(groups: Mapping[str, Sequence[RuleSet]], today: dt.date, lang: str = "en") -> RuleSetsPage:
    rows = []
    for ruleset_id, versions in groups.items():
        latest = versions[-1]
        in_force = [v for v in versions if v.in_force(today)]
        rows.append(
            RuleSetRow(
                id=ruleset_id,
                title=latest.title,
                title_zh=latest.title_zh or None,
                jurisdiction=localised_title(latest.jurisdiction, latest.jurisdiction_zh, lang),
                versions=tuple(v.version for v in versions),
                in_force=in_force[-1].version if in_force else None,
                rules=len(latest.rules) + len(latest.tables),
            )
        )
    return RuleSetsPage(long_date(today, lang), tuple(rows))
