"""Anchors on the generated pages, shared by the page builders and the templates (which link
to a clause's row from every page that encodes it)."""

from __future__ import annotations


def clause_anchor(clause: str) -> str:
    """`zhenghe-2017 IV.7.2` → `clause-zhenghe-2017-iv-7-2`."""
    return "clause-" + "".join(c if c.isalnum() else "-" for c in clause.lower()).strip("-")


def rule_anchor(rule_id: str) -> str:
    return f"rule-{rule_id}"


def table_anchor(table_id: str) -> str:
    return f"table-{table_id}"


def parameter_anchor(name: str) -> str:
    return f"parameter-{name}"


def indicator_anchor(indicator_id: str) -> str:
    return f"indicator-{indicator_id}"
