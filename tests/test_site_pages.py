"""The Markdown of generated pages, checked without building the site."""

from __future__ import annotations

import html
import re

import markdown
import pytest
from test_diff import LOOSE_RULE, close_rule, ruleset

from governance.diff import diff_rulesets
from governance.tables import parse_cell
from publication.escaping import markdown_text
from publication.pages import cell_text, clause_sort_key, diff_page, ruleset_page


def rendered_text(source: str) -> str:
    body = markdown.markdown(source, extensions=["tables"])
    return html.unescape(re.sub(r"<[^>]+>", "", body)).strip()


@pytest.mark.parametrize(
    "text",
    [
        "Enjoy resources * * * and the * * River",
        "subsidized by 654.38+10,000 yuan",
        "a | b",
        "[not](a-link) and <b>not bold</b>",
        "`not code` and _not emphasis_",
        "# not a heading",
        "back\\slash",
    ],
)
def test_source_text_is_shown_literally(text: str) -> None:
    assert rendered_text(markdown_text(text)) == text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("-", "any"),
        ("> 6", "more than 6 months"),
        ("<= 6", "at most 6 months"),
        ("[0, 6)", "from 0 to under 6 months"),
        ("(6, 12]", "over 6 to 12 months"),
        ("in ['acute', 'severe']", "acute or severe"),
        ("not in ['acute', 'severe']", "neither acute nor severe"),
        ("'acute'", "acute"),
        ("!= 3", "not 3 months"),
    ],
)
def test_table_cells_read_as_words(cell: str, expected: str) -> None:
    assert cell_text(parse_cell(cell), "month") == expected


def test_clauses_sort_in_the_order_of_the_plan() -> None:
    keys = [
        "zhenghe-2017 V.1",
        "zhenghe-2017 IV.7.2",
        "zhenghe-2017 IV.10",
        "zhenghe-2017 preamble",
        "zhenghe-2017 IV.1.4",
        "zhenghe-2017 IX",
        "zhenghe-2017 III.2",
    ]
    assert sorted(keys, key=clause_sort_key) == [
        "zhenghe-2017 preamble",
        "zhenghe-2017 III.2",
        "zhenghe-2017 IV.1.4",
        "zhenghe-2017 IV.7.2",
        "zhenghe-2017 IV.10",
        "zhenghe-2017 V.1",
        "zhenghe-2017 IX",
    ]


def test_an_uncertain_reading_is_flagged_in_the_header_table_and_the_rules_using_it() -> None:
    version = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule(), LOOSE_RULE])
    page = ruleset_page(version, [version])
    assert '!!! warning "Uncertain reading of the source"' in page
    row = next(line for line in page.splitlines() if 'id="parameter-loose_subsidy"' in line)
    assert "⚠ uncertain reading" in row
    close_rule_part, loose_rule_part = page.split("{#rule-close}")[1].split("{#rule-loose}")
    assert "Uses an uncertain reading" not in close_rule_part
    assert "Uses an uncertain reading" in loose_rule_part.split("## Worked examples")[0]
    # the rule reads as words, its source is quoted beside it
    assert "**Applies when** association type is loose and completed." in loose_rule_part
    assert "> loose medical associations will be subsidized by 654.38+10,000 yuan" in page


def test_a_diff_page_shows_old_and_new_values_with_their_dates() -> None:
    old = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule(), LOOSE_RULE])
    new = ruleset(
        "2018.1", "2018-01-01", [("2018-01-01", 250000)], [close_rule("completed")]
    )
    page = diff_page(diff_rulesets(old, new), old, new)
    row = next(line for line in page.splitlines() if "close subsidy" in line)
    assert "200,000 yuan from 1 January 2017" in row
    assert "250,000 yuan from 1 January 2018" in row
    assert row.index("200,000") < row.index("250,000")
    assert "- **removed**: [Loose association subsidy](2017.1.md#rule-loose)" in page
    assert "- **changed**: [Close association subsidy](2018.1.md#rule-close)" in page


def test_each_rule_and_table_shows_its_status_and_reading() -> None:
    from pathlib import Path

    from governance.load import ruleset_versions

    rules = Path(__file__).resolve().parents[1] / "rules"
    versions = ruleset_versions("zhenghe-membership", rules)
    page = ruleset_page(versions[0], versions)
    drafted = page.split("{#rule-rectification-required}")[1].split("{#rule-membership-terminated}")[0]
    assert '!!! note "Drafter\'s reading"' in drafted
    assert "**Status:** drafter's reading" in drafted and "“可”责令整改" in drafted
    assert "**Status:** law" in page.split("{#rule-membership-terminated}")[1]
    staffing = ruleset_versions("zhenghe-staffing", rules)
    table = ruleset_page(staffing[0], staffing).split("{#table-grassroots-service}")[1]
    assert '!!! warning "Uncertain reading"' in table and "满6个月以上" in table


def test_the_clauses_page_lists_the_readings_under_each_clause() -> None:
    from pathlib import Path

    from governance.load import load_rulesets
    from publication.pages.clauses import clause_uses, clauses_page

    page = clauses_page(clause_uses(load_rulesets(Path(__file__).resolve().parents[1] / "rules")))
    readings = page.split("## Readings of the law, by clause")[1]
    section = readings.split("### zhenghe-2017 IV.8.1")[1].split("###")[0]
    assert "**drafter's reading** — rule [A violation found in the assessment is to be rectified]" in section
    assert "(zhenghe-membership 2017.1)" in section and '"may" require rectification' in section
    assert "### zhenghe-2017 IV.8.2" not in readings  # dissolution is the law's own words
