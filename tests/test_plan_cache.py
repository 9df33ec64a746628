"""Compiled plans are kept by the content hash of their file: `decide` and `decide_frame` check a
rule set once, not on every call, and never use a plan made from other content."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fixtures.builders import BENEFITS, CLAUSES, FIXTURES, ruleset_text

from governance import compile as compile_module
from governance.bulk import decide_frame
from governance.compile import clear_plan_cache, compile_ruleset, plan_for
from governance.decide import decide
from governance.diagnostics import Diagnostic, MedunionError
from governance.load import build_ruleset, load_ruleset
from governance.model import RuleSet
from governance.source import parse_yaml

ON = dt.date(2018, 8, 1)
CASE = {"age": 30, "income": 500, "household": 1, "member": False, "severity": "acute",
        "admitted_on": "2018-01-31", "cost": 1000}


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The rule sets checked (compiled), in order, from an empty cache."""
    seen: list[str] = []
    real = compile_module.check_ruleset

    def counting(ruleset: RuleSet) -> list[Diagnostic]:
        seen.append(ruleset.id)
        return real(ruleset)

    monkeypatch.setattr(compile_module, "check_ruleset", counting)
    clear_plan_cache()
    yield seen
    clear_plan_cache()


def test_a_rule_set_is_checked_once_for_many_decisions(checks: list[str]) -> None:
    ruleset = load_ruleset(BENEFITS)
    for _ in range(3):
        decide(ruleset, CASE, ON)
    decide_frame(ruleset, pd.DataFrame([CASE, CASE]), ON)
    assert checks == ["benefits"]


def test_the_same_file_loaded_again_shares_the_plan(checks: list[str]) -> None:
    first, again = load_ruleset(BENEFITS), load_ruleset(BENEFITS)
    assert first is not again and first.digest == again.digest
    decide(first, CASE, ON)
    decision = decide(again, CASE, ON)
    assert checks == ["benefits"]
    assert decision.ruleset is again and plan_for(again).ruleset is again


def _with_clause_index(folder: Path) -> Path:
    (folder / CLAUSES.name).write_text(CLAUSES.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_a_changed_file_is_compiled_again(checks: list[str], tmp_path: Path) -> None:
    _with_clause_index(tmp_path)
    text = BENEFITS.read_text(encoding="utf-8")
    path = tmp_path / "1.0.yaml"
    path.write_text(text, encoding="utf-8")
    assert decide(load_ruleset(path), CASE, ON).outputs["ratio"] == 0.6
    path.write_text(text.replace("value: 0.6", "value: 0.65"), encoding="utf-8")
    assert decide(load_ruleset(path), CASE, ON).outputs["ratio"] == 0.65
    assert checks == ["benefits", "benefits"]


def test_a_rule_set_changed_in_memory_gets_its_own_plan(checks: list[str]) -> None:
    ruleset = load_ruleset(BENEFITS)
    decide(ruleset, CASE, ON)
    draft = dataclasses.replace(ruleset, status="draft")  # keeps the digest of the file
    assert any("is a draft" in w for w in decide(draft, CASE, ON).trace.warnings)
    assert not any("is a draft" in w for w in decide(ruleset, CASE, ON).trace.warnings)


def test_a_rule_set_without_a_digest_is_compiled_each_time(checks: list[str]) -> None:
    ruleset = dataclasses.replace(load_ruleset(BENEFITS), digest="")
    decide(ruleset, CASE, ON)
    decide(ruleset, CASE, ON)
    assert checks == ["benefits", "benefits"]


def test_a_rule_set_with_errors_is_refused_every_time(checks: list[str]) -> None:
    broken = build_ruleset(parse_yaml(ruleset_text("""inputs:
  x:
    type: number
outputs:
  y:
    type: number
rules:
  - id: r
    title: R
    clause: demo-2017 I.1
    source: s
    then:
      y: z + 1
"""), str(FIXTURES / "broken.yaml")))
    assert broken.digest
    for _ in range(2):
        with pytest.raises(MedunionError, match="'z'"):
            decide(broken, {"x": 1}, ON)
    assert checks == ["demo", "demo"]


def test_the_cache_keeps_only_the_last_plans(checks: list[str], monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setattr(compile_module, "PLAN_CACHE_SIZE", 2)
    _with_clause_index(tmp_path)
    text = BENEFITS.read_text(encoding="utf-8")
    rulesets = []
    for i in range(3):  # three files with different content
        path = tmp_path / f"{i}.yaml"
        path.write_text(text + f"# copy {i}\n", encoding="utf-8")
        rulesets.append(load_ruleset(path))
    for ruleset in rulesets:
        plan_for(ruleset)
    plan_for(rulesets[2])  # still kept
    assert len(checks) == 3
    plan_for(rulesets[0])  # the oldest was let go
    assert len(checks) == 4


def test_compile_ruleset_always_compiles(checks: list[str]) -> None:
    ruleset = load_ruleset(BENEFITS)
    compile_ruleset(ruleset)
    compile_ruleset(ruleset)
    assert checks == ["benefits", "benefits"]
