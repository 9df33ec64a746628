"""The generated pages, one module per kind of page.

Each module turns the core's models into typed view data (frozen dataclasses of plain
text) and hands it to a template under `publication/templates/`, which lays it out as
Markdown and escapes every field (`publication.render`). A package rather than loose
`views_*` modules, so that `publication.pages` stays the one import path for the site,
the plugin and the tests.
"""

from publication.anchors import clause_anchor, indicator_anchor, parameter_anchor, rule_anchor, table_anchor
from publication.pages.appraisal import appraisal_site, scheme_page, schemes_index_page
from publication.pages.clauses import ClauseUse, clause_sort_key, clause_uses, clauses_page
from publication.pages.common import STATUS_LABEL, STATUS_WORD, GeneratedPage, diff_uri, history_uri, version_uri
from publication.pages.history import diff_page, diff_summary, history_page
from publication.pages.overview import rulesets_index_page
from publication.pages.ruleset import Example, cell_text, ruleset_page

__all__ = [
    "STATUS_LABEL",
    "STATUS_WORD",
    "ClauseUse",
    "Example",
    "GeneratedPage",
    "appraisal_site",
    "cell_text",
    "clause_anchor",
    "clause_sort_key",
    "clause_uses",
    "clauses_page",
    "diff_page",
    "diff_summary",
    "diff_uri",
    "history_page",
    "history_uri",
    "indicator_anchor",
    "parameter_anchor",
    "rule_anchor",
    "ruleset_page",
    "rulesets_index_page",
    "scheme_page",
    "schemes_index_page",
    "table_anchor",
    "version_uri",
]
