"""The history of a rule set and what changed between two versions.

A reader comparing versions wants the old and the new figure side by side with their
dates, and the rules and tables added, removed and changed, each linked to the page of
the version it is on. Templates: `history/versions.md.j2`, `history/changes.md.j2`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from governance.diff import FieldChange, ItemChange, ParameterChange, RuleSetDiff
from governance.i18n import localised_title, translator
from governance.model import Parameter, RuleSet
from publication.anchors import parameter_anchor, rule_anchor, table_anchor
from publication.pages.common import STATUS_WORD, DatedValue, Link, dated_values, diff_uri, local, long_date, period
from publication.pages.impact import impact_section
from publication.plain import format_value, humanise
from publication.render import render

# -- the history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    version: str
    status: str
    in_force: str
    changes: Link | None  # None: the first version
    empty: bool  # the version changes nothing
    old_version: str | None
    summary: str


@dataclass(frozen=True)
class HistoryPage:
    id: str
    title: str
    title_zh: str | None
    jurisdiction: str
    count: int
    rows: tuple[VersionRow, ...]


def history_page(versions: Sequence[RuleSet], diffs: Sequence[RuleSetDiff], lang: str = "en") -> str:
    """The versions of one rule set, newest first, with a link to each version's changes."""
    return render("history/versions.md.j2", lang, page=history_view(versions, diffs, lang)) + impact_section(versions)


def history_view(versions: Sequence[RuleSet], diffs: Sequence[RuleSetDiff], lang: str = "en") -> HistoryPage:
    gettext = translator(lang).gettext
    latest = versions[-1]
    by_new = {d.new_version: d for d in diffs}
    rows = []
    for ruleset in reversed(versions):
        diff = by_new.get(ruleset.version)
        rows.append(
            VersionRow(
                version=ruleset.version,
                status=gettext(STATUS_WORD.get(ruleset.status, ruleset.status)),
                in_force=period(ruleset.effective_from, ruleset.effective_until, lang),
                changes=Link(diff.old_version, local(diff_uri(diff))) if diff else None,
                empty=bool(diff and diff.empty),
                old_version=diff.old_version if diff else None,
                summary=diff_summary(diff) if diff else "",
            )
        )
    return HistoryPage(
        id=latest.id,
        title=latest.title,
        title_zh=latest.title_zh or None,
        jurisdiction=localised_title(latest.jurisdiction, latest.jurisdiction_zh, lang),
        count=len(versions),
        rows=tuple(rows),
    )


def diff_summary(diff: RuleSetDiff) -> str:
    """"2 parameters changed, 1 rule added" — for the history table."""
    counts: list[str] = []
    for label, items in (
        ("parameter", diff.parameters),
        ("rule", diff.rules),
        ("table", diff.tables),
        ("input", diff.inputs),
        ("output", diff.outputs),
    ):
        for kind in ("added", "removed", "changed"):
            n = sum(1 for i in items if i.kind == kind)
            if n:
                counts.append(f"{n} {label}{'s' if n != 1 else ''} {kind}")
    if diff.header:
        counts.append("header: " + ", ".join(c.field for c in diff.header))
    return "; ".join(counts) or "no changes"


# -- the changes from one version to the next --------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    """One changed attribute: its old and new values, each a list of lines ("—" for none)."""

    field: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class ParameterChangeRow:
    name: str
    link: str | None  # the parameter on the new version's page; None when it was removed
    kind: str
    what: str
    old: tuple[DatedValue, ...] | tuple[str, ...]
    new: tuple[DatedValue, ...] | tuple[str, ...]
    dated: bool  # old and new are dated values (else lines of text)


@dataclass(frozen=True)
class ItemChangeView:
    id: str
    kind: str
    title: str
    link: str | None  # None for inputs and outputs, which have no anchor
    fields: tuple[ChangeRow, ...]


@dataclass(frozen=True)
class ItemSection:
    title: str
    items: tuple[ItemChangeView, ...]


@dataclass(frozen=True)
class DiffPage:
    title: str
    old_version: str
    new_version: str
    old_period: str
    new_period: str
    empty: bool
    header: tuple[ChangeRow, ...]
    parameters: tuple[ParameterChangeRow, ...]
    sections: tuple[ItemSection, ...]


def diff_page(diff: RuleSetDiff, old: RuleSet, new: RuleSet, lang: str = "en") -> str:
    """What changed from one version to the next: parameters with old and new dated values,
    rules and tables added, removed and changed."""
    return render("history/changes.md.j2", lang, page=diff_view(diff, old, new))


def diff_view(diff: RuleSetDiff, old: RuleSet, new: RuleSet) -> DiffPage:
    sections = []
    for title, items, anchor, old_titles, new_titles in (
        ("Rules", diff.rules, rule_anchor, {r.id: r.title for r in old.rules}, {r.id: r.title for r in new.rules}),
        (
            "Decision tables",
            diff.tables,
            table_anchor,
            {t.id: t.title for t in old.tables},
            {t.id: t.title for t in new.tables},
        ),
        ("Facts of a case", diff.inputs, None, {}, {}),
        ("What it decides", diff.outputs, None, {}, {}),
    ):
        if items:
            views = tuple(_item_change(i, anchor, old, new, old_titles, new_titles) for i in items)
            sections.append(ItemSection(title, views))
    return DiffPage(
        title=new.title,
        old_version=old.version,
        new_version=new.version,
        old_period=period(old.effective_from, old.effective_until),
        new_period=period(new.effective_from, new.effective_until),
        empty=diff.empty,
        header=tuple(_change_row(c) for c in diff.header),
        parameters=tuple(row for change in diff.parameters for row in _parameter_rows(change, new)),
        sections=tuple(sections),
    )


def _lines(value: Any) -> tuple[str, ...]:
    """A changed value as lines of text: a list shows one item a line."""
    if value is None:
        return ("—",)
    if isinstance(value, tuple | list):
        return tuple(line for v in value for line in _lines(v)) or ("—",)
    if isinstance(value, dt.date):
        return (long_date(value),)
    if isinstance(value, str):
        return (value,)
    return (format_value(value),)


def _change_row(change: FieldChange) -> ChangeRow:
    return ChangeRow(change.field, _lines(change.old), _lines(change.new))


def _values(parameter: Parameter | None) -> tuple[DatedValue, ...]:
    return dated_values(parameter) if parameter is not None else ()


def _parameter_rows(change: ParameterChange, new: RuleSet) -> list[ParameterChangeRow]:
    """One row per changed attribute; dated values shown whole, old beside new."""
    name = humanise(change.name)
    link = f"{new.version}.md#{parameter_anchor(change.name)}" if change.new is not None else None
    if change.kind != "changed":
        return [
            ParameterChangeRow(name, link, change.kind, "dated values", _values(change.old), _values(change.new), True)
        ]
    rows = [
        ParameterChangeRow(name, link, change.kind, f.field, _lines(f.old), _lines(f.new), False)
        for f in change.fields
    ]
    if change.values:
        dates = ", ".join(long_date(v.start) for v in change.values)
        rows.append(
            ParameterChangeRow(
                name, link, change.kind, f"dated values (differ on {dates})",
                _values(change.old), _values(change.new), True,
            )
        )
    return rows


def _item_change(
    item: ItemChange,
    anchor: Callable[[str], str] | None,
    old: RuleSet,
    new: RuleSet,
    old_titles: Mapping[str, str],
    new_titles: Mapping[str, str],
) -> ItemChangeView:
    title = new_titles.get(item.id) or old_titles.get(item.id) or humanise(item.id)
    link = None
    if anchor is not None:
        version = old.version if item.kind == "removed" else new.version
        link = f"{version}.md#{anchor(item.id)}"
    return ItemChangeView(item.id, item.kind, title, link, tuple(_change_row(c) for c in item.fields))
