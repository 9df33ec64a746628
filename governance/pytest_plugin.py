"""pytest collects the YAML tests beside the rules, so `pytest` runs them with everything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from governance.diagnostics import MedunionError
from governance.load import kind_of
from governance.source import load_yaml
from governance.testing import RuleTest, _Rulesets, load_tests, run_test

_SHARED = _Rulesets()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml") or file_path.parent.name != "tests":
        return None
    try:
        if kind_of(load_yaml(file_path)) != "ruleset-test":
            return None
    except MedunionError:
        pass  # a broken test file is collected and fails with its message
    return RuleTestFile.from_parent(parent, path=file_path)


class RuleTestFile(pytest.File):
    def collect(self) -> Any:
        for test in load_tests(self.path):
            yield RuleTestItem.from_parent(self, name=test.name, test=test)


class RuleTestItem(pytest.Item):
    def __init__(self, *, test: RuleTest, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test

    def runtest(self) -> None:
        outcome = run_test(self.test, _SHARED)
        if not outcome.passed:
            raise RuleTestFailure(outcome.report())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RuleTestFailure | MedunionError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.test.location.line - 1, f"rule test: {self.name}"


class RuleTestFailure(Exception):
    """A YAML rule test whose expectation was not met."""
