"""The doc site: `mkdocs build --strict` publishes every rule set, clause and flag in rules/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from appraisal.scheme import load_schemes
from governance.diff import consecutive_diffs
from governance.load import load_rulesets
from governance.model import RuleSet
from medunion.commands.docs import register
from publication.pages import clause_anchor, parameter_anchor, rule_anchor, table_anchor
from publication.plain import humanise, plain_conditions
from publication.site import expand_nav

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
# the site of this repository's rules/, whatever folder $MEDUNION_RULES names in the caller's shell
QUIET = {**{k: v for k, v in os.environ.items() if k != "MEDUNION_RULES"}, "NO_MKDOCS_2_WARNING": "1"}


class _Text(HTMLParser):
    """The visible text of a page's article, whitespace normalised."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" or self.depth:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def article_text(html_path: Path) -> str:
    parser = _Text()
    parser.feed(html_path.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


def mkdocs_build(out: Path, cwd: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    if config is not None:
        command += ["--config-file", str(config)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=QUIET, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = mkdocs_build(out, REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def groups() -> dict[str, list[RuleSet]]:
    found = load_rulesets(RULES)
    assert found, "no rule sets under rules/"
    return found


def page(site: Path, src_uri: str, lang: str = "en") -> Path:
    """The built file of a page given by its Markdown path (directory URLs), in `lang`: Chinese at
    the site's root, English under en/. The checks of English words read the English pages."""
    stem = src_uri.removesuffix(".md")
    root = site if lang == "zh" else site / "en"
    if stem.endswith("index"):
        return root / stem.removesuffix("index") / "index.html"
    return root / stem / "index.html"


def test_every_version_has_a_page_a_history_and_diffs(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    for ruleset_id, versions in groups.items():
        history = article_text(page(site, f"rules/{ruleset_id}/index.md"))
        for ruleset in versions:
            assert page(site, f"rules/{ruleset_id}/{ruleset.version}.md").is_file()
            assert ruleset.version in history
        for diff in consecutive_diffs(versions):
            uri = f"rules/{ruleset_id}/changes-{diff.old_version}-to-{diff.new_version}.md"
            text = article_text(page(site, uri))
            for change in diff.parameters:
                assert humanise(change.name) in text
            for change in diff.rules:
                assert change.kind in text


def test_each_rule_is_shown_in_plain_language_beside_its_clause_and_source(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    for versions in groups.values():
        for ruleset in versions:
            built = page(site, f"rules/{ruleset.id}/{ruleset.version}.md")
            html = built.read_text(encoding="utf-8")
            text = article_text(built)
            units = {n: f.unit for n, f in {**ruleset.inputs, **ruleset.outputs}.items() if f.unit}
            for rule in ruleset.rules:
                assert f'id="{rule_anchor(rule.id)}"' in html
                if rule.conditions:
                    assert plain_conditions(list(rule.conditions), units) in text, rule.id
                assert rule.clause in text
                assert " ".join(rule.source.split()) in text, rule.id
            for decision in ruleset.tables:
                assert f'id="{table_anchor(decision.id)}"' in html
                assert " ".join(decision.source.split()) in text


def test_every_encoded_clause_links_to_the_rules_that_encode_it(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    clauses = page(site, "clauses.md").read_text(encoding="utf-8")  # the English page: its links stay in en/
    for versions in groups.values():
        latest = ([v for v in versions if v.status == "adopted"] or versions)[-1]
        for rule in latest.rules:
            assert f'id="{clause_anchor(rule.clause)}"' in clauses
            assert f"../rules/{latest.id}/{latest.version}/#{rule_anchor(rule.id)}" in clauses


def test_uncertain_readings_are_flagged_on_their_pages(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    flagged = [
        (ruleset, parameter)
        for versions in groups.values()
        for ruleset in versions
        for parameter in ruleset.parameters.values()
        if parameter.status == "uncertain-reading"
    ]
    assert flagged, "the corrupted subsidy figure of zhenghe-2017 IV.7.4 should be encoded"
    for ruleset, parameter in flagged:
        html = page(site, f"rules/{ruleset.id}/{ruleset.version}.md").read_text(encoding="utf-8")
        row = re.search(
            rf'<tr>(?:(?!</tr>).)*id="{parameter_anchor(parameter.name)}"(?:(?!</tr>).)*</tr>',
            html,
            re.S,
        )
        assert row is not None, parameter.name
        assert "uncertain reading" in row.group(0)
        assert re.search(r'class="admonition warning"', html)
        assert "Uncertain reading of the source" in html
        # and on the Chinese page, in Chinese
        html_zh = page(site, f"rules/{ruleset.id}/{ruleset.version}.md", "zh").read_text(encoding="utf-8")
        row_zh = re.search(
            rf'<tr>(?:(?!</tr>).)*id="{parameter_anchor(parameter.name)}"(?:(?!</tr>).)*</tr>', html_zh, re.S)
        assert row_zh is not None and "解读不确定" in row_zh.group(0)
        assert "原文解读不确定" in html_zh


def test_appraisal_pages_show_indicators_chart_and_grades(site: Path) -> None:
    schemes = load_schemes(RULES / "appraisal")
    if not schemes:
        pytest.skip("no appraisal scheme under rules/appraisal yet")
    for versions in schemes.values():
        for scheme in versions:
            built = page(site, f"appraisal/{scheme.id}/{scheme.version}.md")
            html = built.read_text(encoding="utf-8")
            text = article_text(built)
            chart = f"{scheme.version}-weights.svg"
            assert f'src="../{chart}"' in html
            assert (site / "appraisal" / scheme.id / chart).read_text().lstrip().startswith("<?xml")
            for indicator in scheme.indicators:
                assert " ".join(indicator.title.split()) in text
                assert indicator.clause in text
            for band in scheme.grades:
                assert band.grade in text


def test_nothing_generated_is_committed() -> None:
    docs = REPO / "docs"
    assert not (docs / "rules").exists()
    assert not (docs / "appraisal").exists()
    assert not (docs / "clauses.md").exists()
    assert "/site/" in (REPO / ".gitignore").read_text().split()


def _mini_project(tmp: Path, rules: Path) -> Path:
    (tmp / "docs").mkdir()
    (tmp / "docs" / "index.md").write_text("# Home\n\nSee [the rules](rules/index.md).\n")
    config = tmp / "mkdocs.yml"
    config.write_text(
        "site_name: test\n"
        "theme: {name: material, font: false}\n"
        f"plugins:\n  - medunion:\n      rules_dir: {rules}\n"
        "markdown_extensions: [admonition, attr_list, md_in_html, tables, pymdownx.details,\n"
        "  pymdownx.superfences, toc]\n"
    )
    return config


def test_the_build_publishes_whatever_is_in_the_rules_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copytree(RULES / "zhenghe-referral", rules / "zhenghe-referral")
    config = _mini_project(tmp_path, rules)
    result = mkdocs_build(tmp_path / "out", tmp_path, config)
    assert result.returncode == 0, result.stdout + result.stderr
    built = sorted(p.name for p in (tmp_path / "out" / "rules").iterdir() if p.is_dir())
    assert built == ["zhenghe-referral"]
    versions = {r.version for r in load_rulesets(rules)["zhenghe-referral"]}
    out = tmp_path / "out" / "rules" / "zhenghe-referral"
    assert {p.name for p in out.iterdir() if p.is_dir()} >= versions


def test_a_rule_that_does_not_load_stops_the_build_with_its_position(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES / "zhenghe-referral", rules / "zhenghe-referral")
    version = sorted((rules / "zhenghe-referral").glob("*.yaml"))[0]
    text = version.read_text(encoding="utf-8")
    broken = text.replace("status: adopted", "status: adoptedd", 1)
    assert broken != text
    version.write_text(broken, encoding="utf-8")
    result = mkdocs_build(tmp_path / "out", tmp_path, _mini_project(tmp_path, rules))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "the rules could not be loaded" in output
    assert f"{version.name}:" in output


def test_a_committed_copy_of_a_generated_page_is_refused(tmp_path: Path) -> None:
    config = _mini_project(tmp_path, RULES)
    (tmp_path / "docs" / "rules").mkdir()
    (tmp_path / "docs" / "rules" / "index.md").write_text("# stale copy\n")
    result = mkdocs_build(tmp_path / "out", tmp_path, config)
    assert result.returncode != 0
    assert "generated from rules/" in result.stdout + result.stderr


def test_nav_markers_expand_into_generated_pages() -> None:
    sections = {"rulesets": [{"Overview": "rules/index.md"}], "clauses": ["clauses.md"]}
    nav = [
        {"Home": "index.md"},
        {"Rule sets": "medunion:rulesets"},
        {"Coverage": [{"Clauses": "medunion:clauses"}, {"Notes": "coverage.md"}]},
        "medunion:clauses",
    ]
    assert expand_nav(nav, sections) == [
        {"Home": "index.md"},
        {"Rule sets": [{"Overview": "rules/index.md"}]},
        {"Coverage": [{"Clauses": ["clauses.md"]}, {"Notes": "coverage.md"}]},
        "clauses.md",
    ]
    with pytest.raises(ValueError, match="medunion:nope"):
        expand_nav([{"X": "medunion:nope"}], sections)


def test_docs_build_command_builds_the_site(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """A group, so `docs` is a sub-command as in the medunion app."""

    out = tmp_path / "built"
    result = CliRunner().invoke(app, ["docs", "build", "--out", str(out)], env={**QUIET, "MEDUNION_RULES": None})
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    assert (out / "rules" / "index.html").is_file()
    assert (out / "en" / "rules" / "index.html").is_file()
    assert str(out) in result.output


# --- Chinese first: both languages, the language switch, ways in, Chinese search ----------------


def _hrefs(html_path: Path) -> list[str]:
    return re.findall(r'href="([^"]*)"', html_path.read_text(encoding="utf-8"))


def test_every_generated_page_exists_in_both_languages_and_switches_to_itself(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    for ruleset_id, versions in groups.items():
        for ruleset in versions:
            uri = f"rules/{ruleset_id}/{ruleset.version}.md"
            zh, en = page(site, uri, "zh"), page(site, uri, "en")
            assert '<html lang="zh"' in zh.read_text(encoding="utf-8")
            assert '<html lang="en"' in en.read_text(encoding="utf-8")
            # the language switch of each leads to the other's same page
            to_en = re.findall(r'href="([^"]*)" hreflang="en"', zh.read_text(encoding="utf-8"))
            to_zh = re.findall(r'href="([^"]*)" hreflang="zh"', en.read_text(encoding="utf-8"))
            assert to_en and (zh.parent / to_en[0] / "index.html").resolve() == en.resolve()
            assert to_zh and (en.parent / to_zh[0] / "index.html").resolve() == zh.resolve()


def test_a_chinese_rule_page_starts_with_its_plain_summary_and_its_rules_in_chinese(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    for versions in groups.values():
        for ruleset in versions:
            uri = f"rules/{ruleset.id}/{ruleset.version}.md"
            text = article_text(page(site, uri, "zh"))
            top = text[: text.index("依据文件")]  # everything above the source documents
            if ruleset.title_zh:
                assert top.startswith(ruleset.title_zh)
            assert "通俗说明" in top
            plain = ruleset.plain
            if plain is not None and plain.applies_to_zh:
                assert f"适用对象： {' '.join(plain.applies_to_zh.split())}" in top
                assert f"规定内容： {' '.join(plain.gives_zh.split())}" in top
            else:
                assert "此规则集尚无通俗说明" in top
            for item in [*ruleset.rules, *ruleset.tables]:
                assert " ".join((item.title_zh or item.title).split()) in top, item.id
            english = article_text(page(site, uri, "en"))
            assert english.startswith(ruleset.title)
            assert "In plain words" in english
            if plain is None or not plain.applies_to:
                assert "No plain summary yet" in english
            else:
                assert " ".join(plain.applies_to.split()) in english


def test_the_home_page_leads_to_every_rule_set_by_county_and_to_every_topic(
    site: Path, groups: dict[str, list[RuleSet]]
) -> None:
    """One click from home to a rule set's version in force, listed under its county; one to each
    topic page, which lists the rule sets of that topic (the second click)."""
    home = _hrefs(site / "index.html")
    county_names = {v[-1].jurisdiction_zh or v[-1].jurisdiction for v in groups.values()}
    home_text = article_text(site / "index.html")
    for name in county_names:
        assert name in home_text
    for ruleset_id in groups:
        assert any(h.startswith(f"rules/{ruleset_id}/") for h in home), ruleset_id
    topics = {t for versions in groups.values() for t in versions[-1].topics}
    for topic in topics:
        assert f"topics/{topic}/" in home, topic
        listed = _hrefs(site / "topics" / topic / "index.html")
        for ruleset_id, versions in groups.items():
            if topic in versions[-1].topics:
                assert any(f"rules/{ruleset_id}/" in h for h in listed), (topic, ruleset_id)


def _search_index(site: Path) -> tuple[re.Pattern[str], list[dict[str, str]]]:
    import json

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return re.compile(index["config"]["separator"]), index["docs"]


@pytest.mark.parametrize("query", ["转诊", "报销比例"])
def test_the_search_index_holds_chinese_words_of_the_rule_pages(
    site: Path, groups: dict[str, list[RuleSet]], query: str
) -> None:
    """jieba cuts the Chinese text into words (报销比例 into 报销 and 比例) separated by zero-width
    spaces; the index's separator splits on them, so each word is a token of the pages about it."""
    separator, docs = _search_index(site)
    assert separator.fullmatch("\u200b")
    import jieba

    words = [w for w in jieba.cut(query) if w.strip()]
    about = {v.id for vs in groups.values() for v in vs if v.title_zh and query in v.title_zh}
    assert about, f"no rule set has {query} in its Chinese title"
    for ruleset_id in about:
        entries = [d for d in docs if d["location"].startswith(f"rules/{ruleset_id}/")]
        tokens = {t for d in entries for t in separator.split(d["title"] + " " + d["text"]) if t}
        assert set(words) <= tokens, (ruleset_id, words)


def test_the_developers_pages_are_apart_from_the_public_pages() -> None:
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    languages = next(p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p)["languages"]
    references = {f"reference/{p.name}" for p in (REPO / "docs" / "reference").glob("*.md")}
    developer_pages = {"architecture.md"} | references

    def pages_in(entry: object) -> set[str]:
        if isinstance(entry, str):
            return {entry}
        if isinstance(entry, dict):
            return set().union(*(pages_in(v) for v in entry.values()))
        if isinstance(entry, list):
            return set().union(*(pages_in(v) for v in entry)) if entry else set()
        return set()

    for language in languages:
        sections = {next(iter(e)): pages_in(e) for e in language["nav"] if isinstance(e, dict)}
        developers = [title for title in sections if "For developers" in title]
        assert len(developers) == 1, language["locale"]
        assert developer_pages <= sections[developers[0]]
        for title, found in sections.items():
            if title != developers[0]:
                assert not found & developer_pages, (language["locale"], title)
