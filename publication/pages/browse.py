"""Ways in for a resident: the rule sets by county and by topic, and the home page's list of both.

A resident looks for "upward referral → township ratio" by where they live (政和县) or by what
it is about (转诊), not by a rule-set id. Counties come from the rule files' `jurisdiction_zh`
(the English `jurisdiction` where a file has none yet) and topics from their `topics`; this
module knows no county. Each entry links straight to the version in force, whose page starts
with the plain summary and the rules' Chinese titles, so the rule is two clicks from home.

Templates: `browse/county.md.j2`, `browse/topic.md.j2`, `browse/home.md.j2`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from appraisal.scheme import Scheme
from governance.i18n import N_, localised_title, translator
from governance.model import RuleSet
from publication.pages.common import version_uri
from publication.render import render

# The topics a rule set may carry (governance.model.RuleSet.topics), in the order of the menu.
TOPIC_TITLES: dict[str, str] = {
    "referral": N_("Referral"),
    "insurance-payment": N_("Insurance payment"),
    "subsidy": N_("Subsidies"),
    "membership": N_("Membership"),
    "appraisal": N_("Appraisal"),
    "staffing": N_("Staffing"),
    "goals": N_("Work goals"),
}
APPRAISAL_TOPIC = "appraisal"  # appraisal schemes are listed under it


@dataclass(frozen=True)
class Entry:
    """One rule set (or appraisal scheme) as a resident meets it in a list."""

    title: str  # in the page's language
    other_title: str | None  # the other language's title, shown beside it
    uri: str  # the version in force (else the latest), from the site's root
    county: str
    applies_to: str | None  # the plain summary in the page's language, when the file has one
    gives: str | None
    topics: tuple[str, ...]  # topic titles in the page's language


@dataclass(frozen=True)
class County:
    key: str  # the English jurisdiction its rule sets share (what they are grouped by)
    slug: str
    title: str
    entries: tuple[Entry, ...]

    @property
    def uri(self) -> str:
        return f"counties/{self.slug}/index.md"


@dataclass(frozen=True)
class Topic:
    code: str
    title: str
    entries: tuple[Entry, ...]

    @property
    def uri(self) -> str:
        return f"topics/{self.code}/index.md"


@dataclass(frozen=True)
class Browse:
    counties: tuple[County, ...]
    topics: tuple[Topic, ...]


def topic_title(code: str, lang: str) -> str:
    """A topic code's title in `lang` ("referral" → 转诊); an unknown code is shown as written."""
    message = TOPIC_TITLES.get(code)
    return translator(lang).gettext(message) if message else code


def county_title(ruleset: RuleSet, lang: str) -> str:
    return localised_title(ruleset.jurisdiction, ruleset.jurisdiction_zh, lang)


def slug(text: str) -> str:
    """`Zhenghe County, Fujian` → `zhenghe-county-fujian`: an ASCII folder name for a county."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words) or "county"


def shown_version(versions: Sequence[RuleSet], today: dt.date) -> RuleSet:
    """The version a resident should read: the one in force today, else the latest."""
    in_force = [v for v in versions if v.in_force(today)]
    return (in_force or list(versions))[-1]


def _entry(versions: Sequence[RuleSet], today: dt.date, lang: str) -> Entry:
    ruleset = shown_version(versions, today)
    other = ruleset.title if lang == "zh" else ruleset.title_zh
    plain = ruleset.plain
    applies = gives = None
    if plain is not None:
        applies = plain.applies_to_zh if lang == "zh" else plain.applies_to
        gives = plain.gives_zh if lang == "zh" else plain.gives
    return Entry(
        title=localised_title(ruleset.title, ruleset.title_zh, lang),
        other_title=other if other and other != localised_title(ruleset.title, ruleset.title_zh, lang) else None,
        uri=version_uri(ruleset),
        county=county_title(ruleset, lang),
        applies_to=applies or None,
        gives=gives or None,
        topics=tuple(topic_title(t, lang) for t in ruleset.topics),
    )


def _scheme_entry(versions: Sequence[Scheme], today: dt.date, lang: str) -> Entry:
    in_force = [s for s in versions if s.in_force(today.year)]
    scheme = (in_force or list(versions))[-1]
    title = localised_title(scheme.title, scheme.title_zh, lang)
    other = scheme.title if lang == "zh" else scheme.title_zh
    return Entry(
        title=title,
        other_title=other if other and other != title else None,
        uri=f"appraisal/{scheme.id}/{scheme.version}.md",
        county=scheme.jurisdiction,
        applies_to=None,
        gives=None,
        topics=(topic_title(APPRAISAL_TOPIC, lang),),
    )


def browse_view(
    groups: Mapping[str, Sequence[RuleSet]],
    schemes: Mapping[str, Sequence[Scheme]],
    today: dt.date,
    lang: str,
) -> Browse:
    """The rule sets grouped by county (in the order the files list them) and by topic (in the
    menu's order, then any other topic a file names); appraisal schemes under 考核."""
    by_county: dict[str, list[Entry]] = {}
    by_topic: dict[str, list[Entry]] = {code: [] for code in TOPIC_TITLES}
    for versions in groups.values():
        entry = _entry(versions, today, lang)
        by_county.setdefault(shown_version(versions, today).jurisdiction, []).append(entry)
        for code in shown_version(versions, today).topics:
            by_topic.setdefault(code, []).append(entry)
    by_topic[APPRAISAL_TOPIC] += [_scheme_entry(v, today, lang) for v in schemes.values()]
    counties = tuple(
        County(jurisdiction, slug(jurisdiction), entries[0].county, tuple(entries))
        for jurisdiction, entries in by_county.items()
    )
    topics = tuple(
        Topic(code, topic_title(code, lang), tuple(entries)) for code, entries in by_topic.items() if entries
    )
    return Browse(counties, topics)


def county_page(county: County, lang: str) -> str:
    return render("browse/county.md.j2", lang, county=county)


def topic_page(topic: Topic, lang: str) -> str:
    return render("browse/topic.md.j2", lang, topic=topic)


def home_section(browse: Browse, lang: str) -> str:
    """The home page's ways in: each county with its rule sets, and each topic (Markdown that
    replaces the `<!-- medunion:browse -->` marker of docs/index.md)."""
    return render("browse/home.md.j2", lang, browse=browse)
