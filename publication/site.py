"""What the site contains: every generated page and where it goes in the navigation.

Reads rules/ through the core (`governance.load`, `appraisal.scheme`), renders with
`publication.pages`, and returns plain data, so the mkdocs plugin only has to hand
the pages to mkdocs and the tests can inspect the site without building it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from appraisal.scheme import load_schemes
from governance.clauses import clause_index
from governance.decide import decide
from governance.diagnostics import Location, MedunionError
from governance.diff import consecutive_diffs
from governance.explain import render_markdown
from governance.i18n import N_, localised_title, translator
from governance.load import load_rulesets
from governance.model import RuleSet
from governance.source import load_yaml
from governance.testing import load_tests
from publication import pages
from publication.pages import Example, GeneratedPage, appraisal_site
from publication.pages.browse import browse_view, county_page, home_section, topic_page
from publication.pages.common import version_title
from publication.render import nav_title

NAV_PREFIX = "medunion:"
NavEntry = str | dict[str, Any]


@dataclass
class Site:
    pages: list[GeneratedPage] = field(default_factory=list)
    sections: dict[str, list[NavEntry]] = field(default_factory=dict)
    lang: str = "en"
    home: str = ""  # the home page's ways in (by county, by topic), Markdown

    def page(self, src_uri: str) -> GeneratedPage:
        return next(p for p in self.pages if p.src_uri == src_uri)


def load_examples(rules_root: Path, ruleset_id: str) -> list[Example]:
    """The tests beside a rule set (`rules/<id>/tests/*.yaml`), read by the core's test loader;
    the drafter's notes, which the runner does not need, are read beside them."""
    folder = rules_root / ruleset_id / "tests"
    if not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.y*ml")):
        tests = load_tests(path)
        specs = load_yaml(path).data.get("tests") or []
        for test, spec in zip(tests, specs, strict=True):
            if test.ruleset_id != ruleset_id:
                continue
            examples.append(
                Example(
                    name=test.name,
                    on=test.on,
                    inputs=dict(test.inputs),
                    expect=dict(test.expect),
                    expect_error=test.expect_error,
                    expect_warning=test.expect_warning,
                    note=spec.get("note"),
                    source=_relative(test.location, rules_root.parent),
                )
            )
    return examples


def _relative(location: Location, base: Path) -> str:
    """`rules/<id>/tests/x.yaml:12`: where a reader finds the test, wherever the site was built."""
    path = Path(location.path)
    if path.is_absolute() and path.is_relative_to(base.resolve()):
        path = path.relative_to(base.resolve())
    return f"{path.as_posix()}:{location.line}"


def explained(ruleset: RuleSet, example: Example, lang: str = "en") -> Example:
    """The example with the core's own explanation of its decision (as the CLI would give), in `lang`."""
    gettext = translator(lang).gettext
    try:
        decision = decide(ruleset, example.inputs, example.on)
    except MedunionError as exc:
        message = "; ".join(d.text(gettext) for d in exc.diagnostics)
        return replace(example, explanation=gettext(N_("The case is refused: {reasons}")).format(reasons=message))
    return replace(example, explanation=render_markdown(decision.trace, lang))


def collect_site(
    rules_root: Path, today: dt.date | None = None, coverage_notes: str | None = None, lang: str = "en"
) -> Site:
    """Every generated page for the rule sets and appraisal schemes under `rules_root`, in `lang`.

    `coverage_notes` is the hand-written page on what is not encoded, if the docs have one.
    The pages of every language have the same paths (the plugin puts them under the language's
    folder), so the language switch of a page leads to the same page in the other language.
    """
    today = today or dt.date.today()
    gettext = translator(lang).gettext
    groups: dict[str, list[RuleSet]] = load_rulesets(rules_root) if rules_root.is_dir() else {}
    site = Site(lang=lang)
    nav: list[NavEntry] = [{gettext(N_("Overview")): "rules/index.md"}]
    site.pages.append(GeneratedPage("rules/index.md", pages.rulesets_index_page(groups, today, lang)))
    ruleset_navs: dict[str, list[NavEntry]] = {}
    for ruleset_id, versions in groups.items():
        site.pages += ruleset_pages(rules_root, ruleset_id, versions, lang)
        ruleset_navs[ruleset_id] = ruleset_nav(versions, lang)
        title = localised_title(versions[-1].title, versions[-1].title_zh, lang)
        nav.append({nav_title(title): ruleset_navs[ruleset_id]})
    site.sections["rulesets"] = nav

    schemes = load_schemes(rules_root / "appraisal") if (rules_root / "appraisal").is_dir() else {}
    browse = browse_view(groups, schemes, today, lang)
    site.home = home_section(browse, lang)
    site.sections["counties"] = []
    for county in browse.counties:
        site.pages.append(GeneratedPage(county.uri, county_page(county, lang)))
        entries: list[NavEntry] = [county.uri]
        for ruleset_id, versions in groups.items():
            if versions[-1].jurisdiction == county.key:
                title = localised_title(versions[-1].title, versions[-1].title_zh, lang)
                entries.append({nav_title(title): ruleset_navs[ruleset_id]})
        site.sections["counties"].append({nav_title(county.title): entries})
    site.sections["topics"] = []
    for topic in browse.topics:
        site.pages.append(GeneratedPage(topic.uri, topic_page(topic, lang)))
        site.sections["topics"].append({nav_title(topic.title): topic.uri})

    uses = pages.clause_uses(groups)
    appraisal_pages, appraisal_nav, appraisal_uses = appraisal_site(rules_root / "appraisal", today, lang)
    site.pages += appraisal_pages
    site.sections["appraisal"] = appraisal_nav
    index = clause_index(rules_root / "clauses.yaml") if rules_root.is_dir() else None
    clauses = pages.clauses_page([*uses, *appraisal_uses], coverage_notes, index, lang)
    site.pages.append(GeneratedPage("clauses.md", clauses))
    site.sections["clauses"] = ["clauses.md"]
    return site


def ruleset_pages(
    rules_root: Path, ruleset_id: str, versions: Sequence[RuleSet], lang: str = "en"
) -> list[GeneratedPage]:
    examples = load_examples(rules_root, ruleset_id)
    diffs = consecutive_diffs(versions)
    out = [GeneratedPage(pages.history_uri(ruleset_id), pages.history_page(versions, diffs, lang))]
    for ruleset in versions:
        mine = [explained(ruleset, e, lang) for e in examples if ruleset.in_force(e.on)]
        out.append(
            GeneratedPage(pages.version_uri(ruleset), pages.ruleset_page(ruleset, versions, mine, lang))
        )
    for diff, (old, new) in zip(diffs, itertools.pairwise(versions), strict=True):
        out.append(GeneratedPage(pages.diff_uri(diff), pages.diff_page(diff, old, new, lang)))
    return out


def ruleset_nav(versions: Sequence[RuleSet], lang: str = "en") -> list[NavEntry]:
    gettext = translator(lang).gettext
    ruleset_id = versions[0].id
    entries: list[NavEntry] = [{gettext(N_("History")): pages.history_uri(ruleset_id)}]
    for ruleset in reversed(versions):
        title = version_title(ruleset.version, ruleset.status, lang)
        entries.append({nav_title(title): pages.version_uri(ruleset)})
    for diff in reversed(consecutive_diffs(versions)):
        title = gettext(N_("Changes {old} → {new}")).format(old=diff.old_version, new=diff.new_version)
        entries.append({nav_title(title): pages.diff_uri(diff)})
    return entries


def expand_nav(nav: Sequence[NavEntry], sections: Mapping[str, list[NavEntry]]) -> list[NavEntry]:
    """Replace each `medunion:<section>` entry of mkdocs.yml's nav with the generated pages."""

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(NAV_PREFIX):
            key = value[len(NAV_PREFIX) :]
            if key not in sections:
                known = ", ".join(NAV_PREFIX + k for k in sections)
                raise ValueError(f"unknown nav entry {value!r}; known: {known}")
            return list(sections[key])
        if isinstance(value, list):
            return [expand(item) for item in value]
        if isinstance(value, dict):
            return {title: expand(item) for title, item in value.items()}
        return value

    expanded: list[NavEntry] = []
    for entry in nav:
        result = expand(entry)
        # a bare `- medunion:clauses` entry splices its pages into the list
        if isinstance(entry, str) and isinstance(result, list):
            expanded.extend(result)
        else:
            expanded.append(result)
    return expanded
