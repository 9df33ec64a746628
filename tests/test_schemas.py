"""Schemas ship inside the packages that own them; rules/schema/ points editors at the same files."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
OWNERS = {
    "ruleset": "governance",
    "ruleset-test": "governance",
    "clause-index": "governance",
    "appraisal-scheme": "appraisal",
    "lifecycle": "lifecycle",
    "charter": "charter",
}


@pytest.mark.parametrize(("name", "package"), OWNERS.items())
def test_each_kind_has_a_packaged_schema(name: str, package: str) -> None:
    schema = load_schema(name, package)
    assert schema["$schema"].startswith("https://json-schema.org/")


@pytest.mark.parametrize(("name", "package"), OWNERS.items())
def test_the_editor_copy_is_the_packaged_file(name: str, package: str) -> None:
    link = ROOT / "rules" / "schema" / f"{name}.schema.json"
    assert link.resolve() == (ROOT / package / "schemas" / f"{name}.schema.json").resolve()


def test_no_schema_is_left_unowned() -> None:
    assert {p.name.removesuffix(".schema.json") for p in (ROOT / "rules" / "schema").iterdir()} == set(OWNERS)
