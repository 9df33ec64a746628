"""`medunion check`: every file under the given paths, dispatched by its `kind`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

from governance.check import check_ruleset, check_versions
from governance.diagnostics import Diagnostic, MedunionError, error, warning
from governance.load import build_ruleset, kind_of, yaml_files
from governance.model import RuleSet
from governance.schema import validate
from governance.source import load_yaml
from governance.testing import load_tests

# Kinds checked by other packages: kind -> "module:function(path) -> list[Diagnostic]".
CHECKERS = {
    "charter": "governance.charter:check_charter_file",
    "appraisal-scheme": "appraisal.check:check_scheme_file",
    "lifecycle": "lifecycle.check:check_lifecycle_file",
}


def _checker(kind: str) -> Callable[[Path], list[Diagnostic]]:
    module, function = CHECKERS[kind].split(":")
    return getattr(importlib.import_module(module), function)


def check_paths(paths: Iterable[str | Path]) -> list[Diagnostic]:
    """All diagnostics for all rule files under `paths`, in file order."""
    found: list[Diagnostic] = []
    rulesets: dict[str, list[RuleSet]] = {}
    test_files: list[Path] = []
    for path in yaml_files(paths):
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
                rulesets.setdefault(ruleset.id, []).append(ruleset)
                folder = path.parent.name
                if folder != ruleset.id:
                    found.append(warning(
                        f"rule set '{ruleset.id}' lives in folder '{folder}'; keep each rule set's versions "
                        f"in rules/{ruleset.id}/ so they are found together", doc.locate(("id",))))
            elif kind == "ruleset-test":
                found.extend(validate(doc, "ruleset-test"))
                test_files.append(path)
            elif kind == "clause-index":
                continue
            elif kind in CHECKERS:
                try:
                    checker = _checker(kind)
                except (ImportError, AttributeError) as exc:
                    found.append(error(f"cannot check a file of kind '{kind}': {exc}", doc.locate(("kind",))))
                    continue
                found.extend(checker(path))
            else:
                known = ", ".join(["ruleset", "ruleset-test", *CHECKERS])
                found.append(error(f"unknown kind {kind!r}; a rule file starts with `kind:` ({known})",
                                   doc.locate(("kind",))))
        except MedunionError as exc:
            found.extend(exc.diagnostics)
    for versions in rulesets.values():
        found.extend(check_versions(versions))
    for path in test_files:
        try:
            for test in load_tests(path):
                if test.ruleset_id not in rulesets and test.rules_dir.name != test.ruleset_id:
                    found.append(error(f"test '{test.name}' names unknown rule set '{test.ruleset_id}'",
                                       test.location))
        except MedunionError as exc:
            found.extend(exc.diagnostics)
    return found
