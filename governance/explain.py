"""Explanation data → words: a short letter to the person the decision concerns, or Markdown."""

from __future__ import annotations

from typing import Any

from governance.expressions import format_value


def _value(value: Any, unit: str | None = None) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = format_value(value).strip("'")
    return f"{text} {unit}" if unit and unit not in ("ratio", "boolean") else text


def _label(name: str) -> str:
    return name.replace("_", " ")


def _why(explained: dict[str, Any]) -> list[str]:
    by = explained.get("by", {})
    lines: list[str] = []
    if by.get("kind") == "rule":
        lines.append(f"  because of rule '{by['title']}' ({by['clause']}):")
        lines.append(f"    \u201c{by['source']}\u201d")
    elif by.get("kind") == "table":
        rows = ", ".join(by.get("rows", []))
        lines.append(f"  from table '{by['title']}' ({by['clause']}), {rows}:")
        lines.append(f"    \u201c{by['source']}\u201d")
    elif by.get("kind") == "default":
        lines.append(f"  by default, as {explained.get('reason', 'no rule applies')}")
    formula = explained.get("formula")
    if formula and formula["with_values"] != formula["expression"]:
        lines.append(f"  computed as {formula['with_values']} = {_value(formula['value'])}")
    for item in explained.get("formulas", []):
        if item["with_values"] != item["expression"]:
            lines.append(f"  computed as {item['with_values']} = {_value(item['value'])}")
    if explained.get("overrode"):
        lines.append("  (an exception: it sets aside the general rule " + ", ".join(explained["overrode"]) + ")")
    return lines


def render_text(explanation: dict[str, Any]) -> str:
    """The decision as a short letter: what was decided, why, under which clause, with which figures."""
    rs = explanation["ruleset"]
    out = [
        f"Decision under \u201c{rs['title']}\u201d ({rs['jurisdiction']}), version {rs['version']} "
        f"in force on {explanation['on']}.",
        "",
        "What was decided:",
    ]
    for name, explained in explanation["outputs"].items():
        if explained["decided"]:
            out.append(f"- {_label(name)}: {_value(explained['value'], explained.get('unit'))}")
            out.extend(_why(explained))
        else:
            out.append(f"- {_label(name)}: not decided \u2014 {explained['reason']}")
    conditions = [r for r in explanation["rules"] if r["fired"]]
    if conditions:
        out += ["", "The conditions that held:"]
        for rule in conditions:
            shown = [c.get("with_values") or c["expression"] for c in rule["conditions"]] or ["always"]
            beaten = sorted({x for ids in rule.get("overridden_by", {}).values() for x in ids})
            aside = f" — set aside by the exception {', '.join(beaten)}" if beaten else ""
            out.append(f"- {rule['title']} ({rule['clause']}): " + "; ".join(shown) + aside)
    not_applied = [r for r in explanation["rules"] if not r["fired"]]
    if not_applied:
        out += ["", "Rules that did not apply to you:"]
        for rule in not_applied:
            failed = rule["conditions"][rule["failed_condition"]]
            why = failed.get("with_values") or failed["expression"]
            note = f" ({failed['note']})" if failed.get("note") else " is false"
            out.append(f"- {rule['title']} ({rule['clause']}): {why}{note}")
    if explanation["parameters"]:
        out += ["", "Figures used:"]
        for name, p in explanation["parameters"].items():
            flag = {"drafter-choice": " [drafter's choice, not stated by the plan]",
                    "uncertain-reading": " [UNCERTAIN READING of the source]"}.get(p["status"], "")
            ref = f"; {p['reference']}" if p.get("reference") else ""
            out.append(f"- {_label(name)} = {_value(p['value'], p.get('unit'))} "
                       f"(in force from {p['from']}, {p['clause']}{ref}){flag}")
    for warning in explanation.get("warnings", []):
        out += ["", f"Warning: {warning}"]
    return "\n".join(out) + "\n"


def render_markdown(explanation: dict[str, Any]) -> str:
    """The same explanation as Markdown, for the doc site and reports."""
    rs = explanation["ruleset"]
    out = [f"**{rs['title']}** \u2014 version {rs['version']}, decided on {explanation['on']}", ""]
    out += ["| output | value | by | clause |", "|---|---|---|---|"]
    for name, explained in explanation["outputs"].items():
        by = explained.get("by", {})
        who = by.get("title", "default" if by.get("kind") == "default" else "\u2014")
        value = _value(explained["value"], explained.get("unit")) if explained["decided"] else "not decided"
        out.append(f"| {_label(name)} | {value} | {who} | {by.get('clause', '')} |")
    out.append("")
    for rule in explanation["rules"]:
        mark = "applies" if rule["fired"] else "does not apply"
        out.append(f"- **{rule['title']}** ({rule['clause']}) {mark}:")
        for c in rule["conditions"]:
            verdict = {True: "true", False: "false", None: c.get("note", "not evaluated")}[c["value"]]
            out.append(f"    - `{c.get('with_values') or c['expression']}` \u2192 {verdict}")
    for warning in explanation.get("warnings", []):
        out += ["", f"!!! warning \"Uncertain reading\"\n    {warning}"]
    return "\n".join(out) + "\n"
