"""The core's commands: check, decide, test, diff."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from governance.decide import decide
from governance.diagnostics import MedunionError, has_errors
from governance.diff import consecutive_diffs, diff_lines, diff_rulesets
from governance.explain import render_markdown, render_text
from governance.load import load_rulesets, resolve_ruleset
from governance.source import load_yaml
from governance.testing import run_tests
from governance.workspace import check_paths


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _fail(exc: MedunionError) -> None:
    for diagnostic in exc.diagnostics:
        typer.echo(str(diagnostic), err=True)
    raise typer.Exit(1)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD") from None


def check(paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: rules/)")] = None,
          ) -> None:
    """Check rule files: YAML, schema and meaning. Exit 1 on any error."""
    try:
        found = check_paths(paths or [Path("rules")])
    except MedunionError as exc:
        _fail(exc)
        return
    for diagnostic in found:
        typer.echo(str(diagnostic))
    errors = sum(d.severity == "error" for d in found)
    warnings = len(found) - errors
    typer.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if has_errors(found):
        raise typer.Exit(1)


def decide_command(
    case: Annotated[Path, typer.Option("--case", help="YAML or JSON file with the case's inputs")],
    ruleset: Annotated[str | None, typer.Argument(help="Rule set id, folder or file (default: the case's)")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Date, YYYY-MM-DD (default: the case's)")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="text, json or markdown")] = Format.text,
    rules: Annotated[Path, typer.Option(help="Folder of rule sets")] = Path("rules"),
) -> None:
    """Decide one case and explain every output.

    The case file holds the inputs, either at the top level or under `inputs:`; it may also name
    its `ruleset:` and `on:` date, which the command line overrides.
    """
    try:
        data = load_yaml(case).data
        if not isinstance(data, dict):
            raise MedunionError(f"{case}: a case is a mapping of input names to values")
        named = "inputs" in data
        inputs = data["inputs"] if named else data
        reference = ruleset or (data.get("ruleset") if named else None)
        when = on or (str(data["on"]) if named and "on" in data else None)
        if reference is None or when is None:
            raise MedunionError(f"{case}: say which rule set and date: give RULESET and --on, or write "
                                "`ruleset:`, `on:` and `inputs:` in the case file")
        day = _date(when)
        decision = decide(resolve_ruleset(reference, day, rules), inputs, day)
    except MedunionError as exc:
        _fail(exc)
        return
    if output_format is Format.json:
        typer.echo(json.dumps(decision.explanation, ensure_ascii=False, indent=2))
    elif output_format is Format.markdown:
        typer.echo(render_markdown(decision.explanation))
    else:
        typer.echo(render_text(decision.explanation))


def test_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: rules/)")] = None,
) -> None:
    """Run the YAML tests beside the rules; show expected, actual and the explanation on failure."""
    try:
        outcomes = run_tests(paths or [Path("rules")])
    except MedunionError as exc:
        _fail(exc)
        return
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        typer.echo(outcome.report())
    typer.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if failed or not outcomes:
        raise typer.Exit(1)


def diff_command(
    ruleset: Annotated[str, typer.Argument(help="Rule set id (folder under rules/)")],
    old: Annotated[str | None, typer.Option("--from", help="Old version (default: each pair)")] = None,
    new: Annotated[str | None, typer.Option("--to", help="New version (default: each pair)")] = None,
    rules: Annotated[Path, typer.Option(help="Folder of rule sets")] = Path("rules"),
) -> None:
    """What changed between versions of a rule set: parameters (values and dates), rules, tables."""
    try:
        groups = load_rulesets(rules)
        if ruleset not in groups:
            raise MedunionError(f"no rule set '{ruleset}' under {rules}/ (known: {', '.join(groups)})")
        versions = groups[ruleset]
        by_version = {r.version: r for r in versions}
        if old or new:
            missing = [v for v in (old, new) if v is None or v not in by_version]
            if missing:
                raise MedunionError(f"{ruleset} has versions {', '.join(by_version)}; give --from and --to "
                                    "as two of them")
            diffs = [diff_rulesets(by_version[old], by_version[new])]  # type: ignore[index]
        else:
            diffs = consecutive_diffs(versions)
    except MedunionError as exc:
        _fail(exc)
        return
    if not diffs:
        typer.echo(f"{ruleset} has a single version ({versions[0].version}): nothing to compare")
    for item in diffs:
        typer.echo("\n".join(diff_lines(item)))


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("decide")(decide_command)
    app.command("test")(test_command)
    app.command("diff")(diff_command)
