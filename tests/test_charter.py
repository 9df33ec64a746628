"""The charter checks: each one fires on a charter broken on purpose, and the shipped charters are clean.

Every broken charter is a small valid one with one thing changed, written to a tmp dir, so a
failing check can only be the change under test. Findings must point at the line that holds the
broken statement and cite the clause it rests on.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from charter import charter_files, load_charter
from charter import check_charter_file as _check_charter_file
from governance.diagnostics import Diagnostic, MedunionError
from medunion.commands.charter import register

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "rules" / "charters").glob("*.yaml"))

BODIES = [
    {
        "kind": "council",
        "name": "Council",
        "clause": "huangzhong-2017 III.1",
        "source": "The Council consists of the president and vice president of the core hospital",
        "seat": "core-a",
    },
    {
        "kind": "board_of_supervisors",
        "name": "Board of supervisors",
        "clause": "huangzhong-2017 III.1",
        "source": "composed of 5-7 members",
        "size": 6,
    },
]

BASE: dict[str, Any] = {
    "kind": "charter",
    "id": "test-county",
    "title": "A small valid charter",
    "jurisdiction": "Test County",
    "sources": [{"key": "huangzhong-2017", "title": "plan"}],
    "requirements": {
        "board_of_supervisors_size": {
            "min": 5, "max": 7, "clause": "huangzhong-2017 III.1", "source": "5-7 members",
        },
        "village_clinic_parent": {
            "parent_kinds": ["township_health_centre", "community_health_service_centre"],
            "clause": "huangzhong-2017 III.2",
            "source": "township hospitals are responsible for the management of village clinics",
        },
        "required_bodies": [
            {"kind": "council", "clause": "huangzhong-2017 III", "source": "council"},
            {"kind": "board_of_supervisors", "clause": "huangzhong-2017 III", "source": "supervisors"},
        ],
    },
    "principles_unchanged": [
        {
            "clause": "huangzhong-2017 III",
            "source": "Five unchanged",
            "declared_count": 5,
            "items": ["a", "b", "c", "d", "e"],
        }
    ],
    "units": [
        {"id": "core-a", "name": "Core A", "kind": "county_hospital", "clause": "huangzhong-2017 II.1"},
        {"id": "town-a1", "name": "Town A1", "kind": "township_health_centre", "clause": "huangzhong-2017 II.1"},
        {"id": "town-a2", "name": "Town A2", "kind": "township_health_centre", "clause": "huangzhong-2017 II.1"},
        {"id": "clinic-a1", "name": "Clinic A1", "kind": "village_clinic", "parent": "town-a1",
         "clause": "huangzhong-2017 II.1"},
        {"id": "core-b", "name": "Core B", "kind": "tcm_hospital", "clause": "huangzhong-2017 II.3"},
        {"id": "chsc-b", "name": "Centre B", "kind": "community_health_service_centre",
         "clause": "huangzhong-2017 II.3"},
    ],
    "associations": [
        {
            "id": "assoc-a",
            "name": "Association A",
            "type": "close",
            "clause": "huangzhong-2017 II.1",
            "source": "composed of two township health centers and 4 village clinics",
            "members": [
                {"unit": "core-a", "role": "core"},
                {"unit": "town-a1", "role": "member"},
                {"unit": "town-a2", "role": "member"},
                {"unit": "clinic-a1", "role": "member"},
            ],
            "unit_groups": [
                {"kind": "village_clinic", "count": 3, "parents": ["town-a1", "town-a2"], "note": "unnamed"},
            ],
            "declared_counts": [
                {"kinds": ["township_health_centre", "community_health_service_centre"], "count": 2,
                 "clause": "huangzhong-2017 II.1", "source": "two township health centers"},
                {"kinds": ["village_clinic"], "count": 4, "clause": "huangzhong-2017 II.1",
                 "source": "4 village clinics"},
            ],
            "governing_bodies": copy.deepcopy(BODIES),
        },
        {
            "id": "assoc-b",
            "name": "Association B",
            "type": "close",
            "clause": "huangzhong-2017 II.3",
            "source": "county TCM hospital as the core and a community centre with its 20 village clinics",
            "members": [{"unit": "core-b", "role": "core"}, {"unit": "chsc-b", "role": "member"}],
            "unit_groups": [
                {"kind": "village_clinic", "count": 20, "parents": ["chsc-b"], "note": "unnamed"},
            ],
            "declared_counts": [
                {"kinds": ["village_clinic"], "count": 20, "clause": "huangzhong-2017 II.3",
                 "source": "its 20 village clinics"},
            ],
            "governing_bodies": [{**copy.deepcopy(b), "seat": "core-b"} if "seat" in b else copy.deepcopy(b)
                                 for b in BODIES],
        },
    ],
}


def check_charter_file(path: Path) -> list[Diagnostic]:
    """The findings these structural tests are about: a missing Chinese label is tested in test_chinese_labels.py."""
    return [d for d in _check_charter_file(path) if "no Chinese label" not in d.message]


def write(tmp_path: Path, data: dict[str, Any], name: str = "charter.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def findings(tmp_path: Path, data: dict[str, Any]) -> list[Diagnostic]:
    return check_charter_file(write(tmp_path, data))


def line_at(diagnostic: Diagnostic) -> str:
    """The source line a finding points at, to show it points at the broken statement."""
    assert diagnostic.location is not None
    lines = Path(diagnostic.location.path).read_text(encoding="utf-8").splitlines()
    return lines[diagnostic.location.line - 1]


def only(found: list[Diagnostic]) -> Diagnostic:
    assert len(found) == 1, [str(d) for d in found]
    assert found[0].severity == "error"
    return found[0]


def broken() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def association(data: dict[str, Any], association_id: str) -> dict[str, Any]:
    return next(a for a in data["associations"] if a["id"] == association_id)


# ---------------------------------------------------------------- clean


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_charters_are_clean(path: Path) -> None:
    assert check_charter_file(path) == []


def test_shipped_charters_are_both_there() -> None:
    assert [p.name for p in SHIPPED] == ["huangzhong-2017.yaml", "zhenghe-2017.yaml"]


def test_the_base_charter_of_these_tests_is_clean(tmp_path: Path) -> None:
    assert findings(tmp_path, BASE) == []


def test_shipped_huangzhong_counts_match_the_plan() -> None:
    charter = load_charter(ROOT / "rules" / "charters" / "huangzhong-2017.yaml")
    clinics = {
        a.id: sum(g.count for g in a.unit_groups if g.kind == "village_clinic") for a in charter.associations
    }
    assert clinics == {"huangzhong-first": 152, "huangzhong-second": 224, "huangzhong-third": 20}
    heads = {a.id: [m.unit for m in a.members if m.role == "core"] for a in charter.associations}
    assert heads == {
        "huangzhong-first": ["hz-first-peoples-hospital"],
        "huangzhong-second": ["hz-second-peoples-hospital"],
        "huangzhong-third": ["hz-tcm-hospital"],
    }


def test_shipped_zhenghe_pilots_are_typed_as_the_plan_says() -> None:
    charter = load_charter(ROOT / "rules" / "charters" / "zhenghe-2017.yaml")
    types = {a.id: (a.type, a.within) for a in charter.associations}
    assert types == {
        "zhenghe-medical-association": ("unspecified", None),
        "zhenghe-pilot-tieshan": ("loose", "zhenghe-medical-association"),
        "zhenghe-pilot-lingyao": ("trusteeship", "zhenghe-medical-association"),
    }


# ---------------------------------------------------------------- lead or core unit


def test_no_core_unit(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-a")["members"][0]["role"] = "member"
    found = only(findings(tmp_path, data))
    assert "has no lead or core unit" in found.message
    assert "[huangzhong-2017 II.1]" in found.message


def test_two_core_units(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-a")["members"][1]["role"] = "core"
    found = only(findings(tmp_path, data))
    assert "2 lead or core units (core-a, town-a1)" in found.message
    assert "[huangzhong-2017 II.1]" in found.message
    assert "town-a1" in line_at(found)


# ---------------------------------------------------------------- one association per unit


def test_a_unit_in_two_associations(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-b")["members"].append({"unit": "town-a2", "role": "member"})
    found = [d for d in findings(tmp_path, data) if "belongs to one association" in d.message]
    assert len(found) == 1
    assert "'town-a2' is in association 'assoc-a' and in 'assoc-b'" in found[0].message
    assert "[huangzhong-2017 II.3]" in found[0].message
    assert "town-a2" in line_at(found[0])


def test_a_part_of_a_member_in_another_association(tmp_path: Path) -> None:
    data = broken()
    data["units"].append({"id": "part-of-core-a", "name": "Part", "kind": "maternal_child_hospital",
                          "part_of": "core-a", "clause": "huangzhong-2017 II.1"})
    association(data, "assoc-b")["members"].append({"unit": "part-of-core-a", "role": "member"})
    found = only(findings(tmp_path, data))
    assert "'part-of-core-a' is in association 'assoc-a' and in 'assoc-b'" in found.message


def test_a_pilot_may_share_units_with_the_association_it_is_within(tmp_path: Path) -> None:
    data = broken()
    data["associations"].append({
        "id": "pilot-a", "name": "Pilot", "type": "loose", "within": "assoc-a",
        "clause": "zhenghe-2017 II", "source": "pilot",
        "members": [{"unit": "core-a", "role": "lead"}, {"unit": "town-a1", "role": "member"}],
    })
    assert findings(tmp_path, data) == []


def test_a_pilot_member_outside_its_parent_association(tmp_path: Path) -> None:
    data = broken()
    data["associations"].append({
        "id": "pilot-a", "name": "Pilot", "type": "loose", "within": "assoc-a",
        "clause": "zhenghe-2017 II", "source": "pilot",
        "members": [{"unit": "core-a", "role": "lead"}, {"unit": "chsc-b", "role": "member"}],
    })
    found = only(findings(tmp_path, data))
    assert "'chsc-b' of pilot 'pilot-a' is not a member of 'assoc-a'" in found.message
    assert "[zhenghe-2017 II]" in found.message


# ---------------------------------------------------------------- board of supervisors


@pytest.mark.parametrize("size", [5, 6, 7])
def test_supervisory_board_within_five_to_seven(tmp_path: Path, size: int) -> None:
    data = broken()
    association(data, "assoc-a")["governing_bodies"][1]["size"] = size
    assert findings(tmp_path, data) == []


@pytest.mark.parametrize("size", [4, 8])
def test_supervisory_board_outside_five_to_seven(tmp_path: Path, size: int) -> None:
    data = broken()
    association(data, "assoc-a")["governing_bodies"][1]["size"] = size
    found = only(findings(tmp_path, data))
    assert f"has {size} members; the plan allows 5 to 7 members" in found.message
    assert "[huangzhong-2017 III.1]" in found.message
    assert "size" in line_at(found)


def test_supervisory_board_range_reaching_outside(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-b")["governing_bodies"][1]["size"] = {"min": 5, "max": 9}
    found = only(findings(tmp_path, data))
    assert "may have 5 to 9 members" in found.message


def test_supervisory_board_as_the_plan_states_it(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-b")["governing_bodies"][1]["size"] = {"min": 5, "max": 7}
    assert findings(tmp_path, data) == []


# ---------------------------------------------------------------- village clinics


def test_named_village_clinic_without_parent(tmp_path: Path) -> None:
    data = broken()
    del data["units"][3]["parent"]
    found = only(findings(tmp_path, data))
    assert "village clinic 'clinic-a1' has no township_health_centre or community_health_service_centre" \
        in found.message
    assert "[huangzhong-2017 III.2]" in found.message


def test_village_clinic_whose_parent_is_a_hospital(tmp_path: Path) -> None:
    data = broken()
    data["units"][3]["parent"] = "core-a"
    found = only(findings(tmp_path, data))
    assert "village clinic 'clinic-a1'" in found.message
    assert "parent" in line_at(found)


def test_village_clinic_whose_parent_is_in_another_association(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-b")["unit_groups"][0]["parents"] = ["town-a1"]
    found = only(findings(tmp_path, data))
    assert "parent 'town-a1' is not a township_health_centre or community_health_service_centre " \
        "of that association" in found.message


def test_counted_village_clinics_without_parents(tmp_path: Path) -> None:
    data = broken()
    del association(data, "assoc-b")["unit_groups"][0]["parents"]
    found = only(findings(tmp_path, data))
    assert "20 village clinics of association 'assoc-b' have no parent" in found.message


def test_village_clinics_in_an_association_without_township_centre(tmp_path: Path) -> None:
    data = broken()
    assoc_b = association(data, "assoc-b")
    assoc_b["members"] = [m for m in assoc_b["members"] if m["unit"] != "chsc-b"]
    found = findings(tmp_path, data)
    assert any("parent 'chsc-b' is not a township_health_centre" in d.message for d in found)


def test_parent_given_to_a_unit_that_is_not_a_village_clinic(tmp_path: Path) -> None:
    data = broken()
    data["units"][1]["parent"] = "town-a2"
    found = only(findings(tmp_path, data))
    assert "only a village clinic has a parent centre" in found.message


# ---------------------------------------------------------------- counts


def test_count_of_village_clinics_that_does_not_match(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-b")["unit_groups"][0]["count"] = 19
    found = only(findings(tmp_path, data))
    assert "declares 20 village_clinic but its members make 19 (0 named, 19 counted in groups)" \
        in found.message
    assert "[huangzhong-2017 II.3]" in found.message
    assert "count" in line_at(found)


def test_count_of_township_centres_that_does_not_match(tmp_path: Path) -> None:
    data = broken()
    assoc_a = association(data, "assoc-a")
    assoc_a["declared_counts"][0]["count"] = 7
    found = only(findings(tmp_path, data))
    assert "declares 7 township_health_centre + community_health_service_centre" in found.message
    assert "but its members make 2 (2 named, 0 counted in groups)" in found.message


def test_named_and_counted_members_add_up(tmp_path: Path) -> None:
    data = broken()
    assoc_a = association(data, "assoc-a")
    assoc_a["unit_groups"].append({"kind": "township_health_centre", "count": 5, "note": "unnamed"})
    assoc_a["declared_counts"][0]["count"] = 7
    assert findings(tmp_path, data) == []


# ---------------------------------------------------------------- bodies and principles


def test_required_body_missing(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-b")["governing_bodies"].pop(1)
    found = only(findings(tmp_path, data))
    assert "association 'assoc-b' has no board of supervisors" in found.message
    assert "[huangzhong-2017 III]" in found.message


def test_liaison_meeting_at_the_wrong_interval(tmp_path: Path) -> None:
    data = broken()
    data["requirements"]["required_bodies"].append(
        {"kind": "liaison_meeting", "frequency": "monthly", "clause": "zhenghe-2017 III.1.2",
         "source": "once a month"})
    for assoc in data["associations"]:
        assoc["governing_bodies"].append(
            {"kind": "liaison_meeting", "name": "Liaison meeting", "clause": "zhenghe-2017 III.1.2",
             "source": "once a month", "frequency": "monthly"})
    assert findings(tmp_path, data) == []
    association(data, "assoc-a")["governing_bodies"][-1]["frequency"] = "quarterly"
    found = only(findings(tmp_path, data))
    assert "meets quarterly; the plan requires monthly [zhenghe-2017 III.1.2]" in found.message
    assert "frequency" in line_at(found)


def test_council_seated_away_from_the_core_unit(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-a")["governing_bodies"][0]["seat"] = "town-a1"
    found = only(findings(tmp_path, data))
    assert "sits at 'town-a1', not at the association's lead or core unit" in found.message


def test_principles_that_do_not_match_their_count(tmp_path: Path) -> None:
    data = broken()
    data["principles_unchanged"][0]["items"].pop()
    found = only(findings(tmp_path, data))
    assert "counts 5 unchanged principles here but 4 are listed [huangzhong-2017 III]" in found.message


# ---------------------------------------------------------------- references, schema, YAML


def test_unknown_unit(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-a")["members"].append({"unit": "nowhere", "role": "member"})
    found = only(findings(tmp_path, data))
    assert "lists unknown unit 'nowhere'" in found.message
    assert "nowhere" in line_at(found)


def test_unknown_field_is_a_schema_error_with_its_line(tmp_path: Path) -> None:
    data = broken()
    data["units"][0]["knid"] = "county_hospital"
    found = only(findings(tmp_path, data))
    assert "unknown field 'knid'" in found.message
    assert "knid" in line_at(found)


def test_unit_kind_outside_the_list(tmp_path: Path) -> None:
    data = broken()
    data["units"][0]["kind"] = "provincial_hospital"
    found = only(findings(tmp_path, data))
    assert "'provincial_hospital' is not allowed" in found.message


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    path.write_text(path.read_text(encoding="utf-8").replace("kind: charter\n", "kind: charter\nkind: charter\n"),
                    encoding="utf-8")
    with pytest.raises(MedunionError) as caught:
        load_charter(path)
    assert "duplicate key 'kind'" in str(caught.value)


def test_a_rule_set_is_not_a_charter(tmp_path: Path) -> None:
    path = tmp_path / "ruleset.yaml"
    path.write_text("kind: ruleset\nid: x\n", encoding="utf-8")
    found = only(check_charter_file(path))
    assert "expected a file with kind: charter, found kind: ruleset" in found.message


def test_directory_scan_finds_only_charters(tmp_path: Path) -> None:
    write(tmp_path, BASE, "a.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ruleset.yaml").write_text("kind: ruleset\n", encoding="utf-8")
    assert charter_files([tmp_path]) == [tmp_path / "a.yaml"]


# ---------------------------------------------------------------- command line


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """medunion (test app)."""

    register(app)
    return app


def test_cli_passes_the_shipped_charters() -> None:
    result = CliRunner().invoke(_app(), ["charter", "check", *map(str, SHIPPED)])
    assert result.exit_code == 0, result.output
    assert "2 charter file(s) checked: 0 error(s)" in result.output


def test_cli_fails_on_a_broken_charter_and_names_the_clause(tmp_path: Path) -> None:
    data = broken()
    association(data, "assoc-a")["governing_bodies"][1]["size"] = 8
    path = write(tmp_path, data)
    result = CliRunner().invoke(_app(), ["charter", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output
    assert "[huangzhong-2017 III.1]" in result.output


def test_a_clause_that_is_not_a_key_of_the_plans(tmp_path: Path) -> None:
    (tmp_path / "clauses.yaml").write_text(
        (ROOT / "rules" / "clauses.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "charters").mkdir()
    assert check_charter_file(write(tmp_path / "charters", BASE)) == []
    data = broken()
    data["units"][0]["clause"] = "huangzhong-2017 IX.9"
    found = only(check_charter_file(write(tmp_path / "charters", data)))
    assert "clause 'huangzhong-2017 IX.9' is not a clause key of the plans" in found.message
    assert "IX.9" in line_at(found)
