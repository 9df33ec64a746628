"""The drafters' commands on rule sets: check, decide, test, diff, amend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medunion.commands.common import (
    DONE_WITH_REJECTIONS,
    REFUSED,
    Format,
    RulesOption,
    diagnostic_line,
    fail,
    parse_date,
    rules_root,
)
from medunion.commands.language import LangOption, chosen_language

if TYPE_CHECKING:
    import datetime as dt

    from governance.cases import CaseFile
    from governance.compile import Plan
    from governance.decide import Decision
    from governance.testing import TestOutcome
    from records import DecisionRecord

PathsArgument = Annotated[
    list[Path] | None, typer.Argument(help="Files or folders (default: --rules, $MEDUNION_RULES, then ./rules)")
]


def check(paths: PathsArgument = None, rules: RulesOption = None, lang: LangOption = None) -> None:
    """Check rule files: YAML, schema and meaning. Exit 1 on any error."""
    from governance.diagnostics import MedunionError, has_errors
    from governance.i18n import translator
    from governance.workspace import check_paths
    from medunion.boundaries import boundary_warnings
    from medunion.kinds import checkers

    language = chosen_language(lang)
    _ = translator(language).gettext
    try:
        found = check_paths(paths or [rules_root(rules)], checkers())
        found += boundary_warnings(paths or [rules_root(rules)])  # one clause, one boundary, across files
    except MedunionError as exc:
        fail(exc, language)
    found = list(dict.fromkeys(found))  # an error in a version an amendment extends is found through both
    for d in found:  # a message can quote a name from the file: shown, never acted on
        typer.echo(diagnostic_line(d, language))
    errors = sum(d.severity == "error" for d in found)
    warnings = len(found) - errors
    typer.echo(_("{errors} error(s), {warnings} warning(s)").format(errors=errors, warnings=warnings), err=True)
    if has_errors(found):
        raise typer.Exit(REFUSED)


def decide_command(
    case: Annotated[Path, typer.Option("--case", help="YAML or JSON file with the case's inputs")],
    ruleset: Annotated[str | None, typer.Argument(help="Rule set id, folder or file (default: the case's)")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Date, YYYY-MM-DD (default: the case's)")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="text, json or markdown")] = Format.text,
    rules: RulesOption = None,
    record: Annotated[str | None, typer.Option(
        "--record", help="Keep a record of the decision in this store (SQLAlchemy URL, e.g. "
                         "sqlite:///medunion-records.sqlite); see `medunion records verify` and `medunion replay`",
    )] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", metavar="OUTPUT", help="Decide only this output (and what it is decided from); repeat for more",
    )] = None,
    what_would_change: Annotated[str | None, typer.Option(
        "--what-would-change", metavar="OUTPUT", help="For each input, the smallest change that flips this output "
                                    "(each verified by deciding again)")] = None,
    lang: LangOption = None,
) -> None:
    """Decide one case and explain every output.

    The case file holds the inputs, either at the top level or under `inputs:`; it may also name
    its `ruleset:` and `on:` date, which the command line overrides. A required input left out
    blocks only the outputs that need it: each lists the inputs still needed, and the exit status
    is 3 (decided in part).
    """
    from governance.cases import read_case_file
    from governance.compile import plan_for
    from governance.decide import decide
    from governance.diagnostics import MedunionError
    from governance.explain import render_markdown, render_text
    from governance.i18n import translator

    day = parse_date(on) if on is not None else None  # a bad --on is a usage error (exit 2)
    language = chosen_language(lang)  # an unknown language is a usage error too, before any work
    _ = translator(language).gettext
    if what_would_change is not None and (only or record is not None):
        raise typer.BadParameter(_("--what-would-change is asked on its own (not with --only or --record)"))
    if only and record is not None:  # a record is replayed whole: keep only whole decisions
        raise typer.BadParameter(_("--record keeps whole decisions; leave out --only to record one"))
    try:
        found = read_case_file(case, ruleset, day, rules_root(rules))
        if what_would_change is not None:
            _what_would_change(plan_for(found.ruleset), found, what_would_change, output_format, language)
            return
        decision = decide(found.ruleset, found.inputs, found.on, found.source, only)
        stored = _record(record, decision, found.on) if record is not None else None
    except MedunionError as exc:
        fail(exc, language)
    if output_format is Format.json:
        typer.echo(json.dumps(decision.explanation, ensure_ascii=False, indent=2, allow_nan=False))
    elif output_format is Format.markdown:
        typer.echo(render_markdown(decision.trace, language))
    else:
        typer.echo(render_text(decision.trace, language))
    if stored is not None:  # on stderr, so that --format json stays one JSON document
        typer.echo(_("recorded {record} (sequence {sequence}, hash {hash})").format(
            record=stored.record_id, sequence=stored.sequence, hash=stored.hash), err=True)
    if any(o.needs for o in decision.trace.outputs.values()):
        raise typer.Exit(DONE_WITH_REJECTIONS)  # decided in part: inputs are missing


def _what_would_change(plan: Plan, found: CaseFile, output: str, output_format: Format, language: str) -> None:
    from governance.escaping import terminal_text
    from governance.explain import render_sensitivity
    from governance.sensitivity import to_json, what_would_change

    result = what_would_change(plan, found.inputs, found.on, output)
    if output_format is Format.json:
        typer.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        text = render_sensitivity(result, plan.ruleset, language)
        typer.echo("\n".join(terminal_text(line) for line in text.splitlines()))


def _record(url: str, decision: Decision, on: dt.date) -> DecisionRecord:
    """Append the decision to the record store at `url` (hash-chained; see docs/reference/records.md)."""
    from records import RecordStore, record_decision

    store = RecordStore(url)
    try:
        return record_decision(store, decision, on)
    finally:
        store.close()


def test_command(paths: PathsArgument = None, rules: RulesOption = None, lang: LangOption = None) -> None:
    """Run the YAML tests beside the rules; show expected, actual and the explanation on failure."""
    from governance.diagnostics import MedunionError
    from governance.i18n import translator
    from governance.testing import run_tests

    language = chosen_language(lang)
    _ = translator(language).gettext
    try:
        outcomes = run_tests(paths or [rules_root(rules)])
    except MedunionError as exc:
        fail(exc, language)
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        typer.echo(_test_report(outcome, language))
    typer.echo(_("{passed} passed, {failed} failed").format(passed=len(outcomes) - len(failed), failed=len(failed)))
    if failed or not outcomes:
        raise typer.Exit(REFUSED)


def _test_report(outcome: TestOutcome, language: str) -> str:
    """A failed test in the reader's language, safe for a terminal."""
    from governance.escaping import terminal_text

    return "\n".join(terminal_text(line) for line in outcome.report(language).splitlines())


def diff_command(
    ruleset: Annotated[str, typer.Argument(help="Rule set id (folder under the rules folder)")],
    old: Annotated[str | None, typer.Option("--from", help="Old version (default: each pair)")] = None,
    new: Annotated[str | None, typer.Option("--to", help="New version (default: each pair)")] = None,
    rules: RulesOption = None,
    lang: LangOption = None,
) -> None:
    """What changed between versions of a rule set: parameters (values and dates), rules, tables."""
    from governance.diagnostics import MedunionError, error
    from governance.diff import consecutive_diffs, diff_rulesets
    from governance.explain import render_diff
    from governance.i18n import N_, translator
    from governance.load import ruleset_versions

    language = chosen_language(lang)
    _ = translator(language).gettext
    try:
        versions = ruleset_versions(ruleset, rules_root(rules))
        by_version = {r.version: r for r in versions}
        if old or new:
            missing = [v for v in (old, new) if v is None or v not in by_version]
            if missing:
                raise MedunionError(error(N_("{ruleset} has versions {versions}; give --from and --to as two of them"),
                                          None, ruleset=ruleset, versions=", ".join(by_version)))
            diffs = [diff_rulesets(by_version[old], by_version[new])]  # type: ignore[index]
        else:
            diffs = consecutive_diffs(versions)
    except MedunionError as exc:
        fail(exc, language)
    if not diffs:
        typer.echo(_("{ruleset} has a single version ({version}): nothing to compare").format(
            ruleset=ruleset, version=versions[0].version))
    for item in diffs:
        typer.echo(render_diff(item, language))


def amend_command(
    ruleset: Annotated[str, typer.Argument(help="Rule set id (folder under the rules folder)")],
    version: Annotated[str, typer.Option("--version", help="The new version, e.g. 2019.1")],
    start: Annotated[str, typer.Option("--from", help="The date the amendment is in force from, YYYY-MM-DD")],
    rules: RulesOption = None,
    lang: LangOption = None,
) -> None:
    """Write the skeleton of an amendment: `rules/<id>/<V>.yaml` extending the latest version.

    The file states only what changes (see docs/guides/amending.md). If the latest version is in
    force with no end, its `effective:` gets `until:` the day before, so the two do not overlap.
    Refuses to overwrite a file.
    """
    from governance.amend import skeleton
    from governance.diagnostics import MedunionError
    from governance.i18n import format_date, translator
    from governance.load import ruleset_versions

    day = parse_date(start)
    language = chosen_language(lang)
    _ = translator(language).gettext
    root = rules_root(rules)
    try:
        versions = ruleset_versions(ruleset, root)
        written, closed = skeleton(versions, version, day, root / ruleset)
    except MedunionError as exc:
        fail(exc, language)
    typer.echo(_("wrote {path}").format(path=written))
    if closed is not None:
        typer.echo(_("closed {path}: in force until the day before {day}").format(
            path=closed, day=format_date(day, language)))


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("decide")(decide_command)
    app.command("test")(test_command)
    app.command("diff")(diff_command)
    app.command("amend")(amend_command)
