"""The example cases users are pointed to decide, and each answer names its clause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.clauses import clause_index
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def explanation(runner: CliRunner, case: Path) -> dict:
    result = runner.invoke(app, ["decide", "--case", str(case), "--format", "json",
                                 "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_example_decides_and_cites_known_clauses(runner: CliRunner, case: Path) -> None:
    index = clause_index(ROOT / "rules" / "x")
    assert index is not None
    explained = explanation(runner, case)
    decided_by_law = [o for o in explained["outputs"].values() if o["decided"] and o["by"]["kind"] != "default"]
    assert decided_by_law, "an example should show at least one rule applying"
    for output in decided_by_law:
        assert output["by"]["clause"] in index
        assert output["by"]["source"].strip()


def test_exactly_six_months_is_not_grassroots_service(runner: CliRunner) -> None:
    explained = explanation(runner, ROOT / "examples" / "cases" / "zhenghe-staffing-six-months.yaml")
    assert explained["outputs"]["counts_as_grassroots_service"]["value"] is False


def test_loose_subsidy_is_flagged_as_an_uncertain_reading(runner: CliRunner) -> None:
    explained = explanation(runner, ROOT / "examples" / "cases" / "zhenghe-loose-subsidy.yaml")
    assert explained["outputs"]["annual_subsidy"]["value"] == 100000
    assert any("uncertain reading" in w for w in explained["warnings"])
    assert explained["parameters"]["loose_subsidy"]["status"] == "uncertain-reading"
