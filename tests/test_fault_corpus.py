"""The fault corpus: each broken rule file gets one clear message at the right place, no traceback.

Each file in tests/faults/ states on its first line the location and the start of the message
that `medunion check` must print for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from medunion.cli import app

FAULTS = sorted(p for p in (Path(__file__).parent / "faults").glob("*.yaml") if p.name != "clauses.yaml")
# faults/clauses.yaml links to rules/clauses.yaml: the corpus's citations are checked like the shipped rules'.


def expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path} must state its expected message on line 1"
    return first.removeprefix("# expect: ")


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_the_corpus_covers_every_promised_fault() -> None:
    names = {p.stem for p in FAULTS}
    assert {"malformed-yaml", "schema-violation", "unknown-name", "type-mismatch", "overlapping-table",
            "table-gap", "output-cycle", "unsafe-tag", "expression-syntax"} <= names


@pytest.mark.parametrize("path", FAULTS, ids=[p.stem for p in FAULTS])
def test_fault_is_reported_once_at_its_place(runner: CliRunner, path: Path) -> None:
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"{path}:{expected(path)}"), errors[0]
