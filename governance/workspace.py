"""Checking a folder of rule files: every file under the given paths, dispatched by its `kind`.

The core checks its own kinds (rule sets and their tests); kinds owned by the layers above
(charters, appraisal schemes, lifecycles) are checked by the checkers the caller hands in, so
the core knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from governance.check import check_labels, check_readings, check_ruleset, check_versions
from governance.diagnostics import Diagnostic, Location, MedunionError, Message, error, warning
from governance.i18n import N_
from governance.load import build_ruleset, kind_of, yaml_files
from governance.model import RuleSet
from governance.schema import validate
from governance.source import SourceDocument, load_yaml
from governance.testing import check_test_file, load_tests

Checker = Callable[[Path], list[Diagnostic]]


def check_paths(paths: Iterable[str | Path], checkers: Mapping[str, Checker] | None = None) -> list[Diagnostic]:
    """All diagnostics for all rule files under `paths`, in file order.

    `checkers` maps each further kind of file to the function that checks one such file.
    """
    checkers = checkers or {}
    found: list[Diagnostic] = []
    rulesets: dict[str, list[RuleSet]] = {}
    test_files: list[Path] = []
    paths = list(paths)
    files = yaml_files(paths)
    if not files:  # checking nothing is no success
        where = [str(p) for p in paths] or ["."]
        return [error(N_("no rule files (.yaml, .yml) in {paths}"), Location(where[0], 1, 1), paths=", ".join(where))]
    for path in files:
        try:
            doc = load_yaml(path)
        except MedunionError as exc:
            found.extend(exc.diagnostics)
            continue
        kind = kind_of(doc)
        try:
            if kind == "ruleset":
                ruleset = build_ruleset(doc)
                found.extend(check_ruleset(ruleset))
                found.extend(check_readings(ruleset))
                found.extend(check_labels(ruleset))
                rulesets.setdefault(ruleset.id, []).append(ruleset)
                folder = path.parent.name
                if folder != ruleset.id:
                    found.append(warning(
                        N_("rule set '{ruleset}' lives in folder '{folder}'; keep each rule set's versions "
                           "in rules/{ruleset}/ so they are found together"), doc.locate(("id",)),
                        ruleset=ruleset.id, folder=folder))
            elif kind == "ruleset-test":
                found.extend(validate(doc, "ruleset-test"))
                test_files.append(path)
            elif kind == "clause-index":
                found.extend(validate(doc, "clause-index"))
            elif kind in checkers:
                found.extend(checkers[kind](path))
            else:
                found.append(_unknown_kind(doc, ["ruleset", "ruleset-test", *checkers]))
        except MedunionError as exc:
            found.extend(exc.diagnostics)
    for versions in rulesets.values():
        found.extend(check_versions(versions))
    for path in test_files:
        try:
            tests = load_tests(path)
            for test in tests:
                if test.ruleset_id not in rulesets and test.rules_dir.name != test.ruleset_id:
                    found.append(error(N_("test '{test}' names unknown rule set '{ruleset}'"),
                                       test.location, test=test.name, ruleset=test.ruleset_id))
            if tests and (tests[0].ruleset_id in rulesets or tests[0].rules_dir.name == tests[0].ruleset_id):
                found.extend(check_test_file(path, rulesets))
        except MedunionError as exc:
            found.extend(exc.diagnostics)
    return found


def _unknown_kind(doc: SourceDocument, known: list[str]) -> Diagnostic:
    """Why a file is of no kind that can be checked, at its `kind:` (or at the top of the file)."""
    kinds = ", ".join(known)
    if not isinstance(doc.data, dict):
        what = Message({list: N_("a list"), str: N_("text")}.get(type(doc.data), N_("a single value")))
        return error(N_("a rule file is a mapping that starts with `kind:` ({kinds}); this file holds {what}"),
                     doc.locate(()), kinds=kinds, what=what)
    if "kind" not in doc.data:
        return error(N_("the file has no `kind:`; a rule file starts with `kind:` ({kinds})"), doc.locate(()),
                     kinds=kinds)
    return error(N_("unknown kind {kind}; a rule file starts with `kind:` ({kinds})"),
                 doc.locate(("kind",)), kind=repr(doc.data["kind"]), kinds=kinds)
