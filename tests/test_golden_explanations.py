"""`decide --format json` on every example case is byte-for-byte the published explanation.

The golden files were written before the core was reshaped; a refactoring that changes one
byte of `medunion/explanation@1` fails here. Fields are only ever added within @1 (issue 12 added
the Chinese labels beside the English ones and the readings relied on as data, `relied_on`); a
change to a field that exists means publishing `@2`, with a note on what changed. After a
deliberate addition, rewrite the files with

    MEDUNION_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_golden_explanations.py

and read the diff before committing it (a regenerating run skips rather than passes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "explanations"
REGENERATE = os.environ.get("MEDUNION_REGENERATE_GOLDEN") == "1"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_explanation_json_is_unchanged(case: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "medunion", "decide", "--case", str(case.relative_to(ROOT)), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, "MEDUNION_LANG": ""},
    )
    assert result.returncode == 0, result.stderr
    golden = GOLDEN / f"{case.stem}.json"
    if REGENERATE:
        golden.write_text(result.stdout, encoding="utf-8")
        pytest.skip(f"regenerated {golden.relative_to(ROOT)}")
    assert result.stdout == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES[:2], ids=[c.stem for c in CASES[:2]])
def test_the_json_is_the_same_in_both_languages(case: Path) -> None:
    """The explanation is data: `--lang zh` changes the letter, never the JSON (it holds both)."""
    outputs = [subprocess.run(
        [sys.executable, "-m", "medunion", "decide", "--case", str(case.relative_to(ROOT)), "--format", "json",
         "--lang", lang], cwd=ROOT, capture_output=True, text=True, check=True).stdout for lang in ("zh", "en")]
    assert outputs[0] == outputs[1]


def test_every_example_has_a_golden_file() -> None:
    assert {c.stem for c in CASES} == {g.stem for g in GOLDEN.glob("*.json")}
