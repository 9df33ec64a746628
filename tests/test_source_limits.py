"""Every YAML entry point reads YAML 1.2 core scalars and refuses oversized input at its place."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from governance import source
from governance.diagnostics import MedunionError
from governance.source import load_yaml, parse_yaml


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("012000", 12000),  # YAML 1.1 would read octal 5120 and pay the wrong amount
        ("3:20", "3:20"),  # YAML 1.1 would read sexagesimal 200
        ("1_000", "1_000"),
        ("yes", "yes"),
        ("off", "off"),
        ("true", True),
        ("False", False),
        ("0x1F", 31),
        ("0o17", 15),
        ("-5", -5),
        ("2.5e3", 2500.0),
        ("'012000'", "012000"),
        ("2017-01-01", "2017-01-01"),
    ],
)
def test_scalars_follow_yaml_1_2_core(text: str, value: object) -> None:
    data = parse_yaml(f"amount: {text}\n", "case.yaml").data
    assert data["amount"] == value and type(data["amount"]) is type(value)


def test_infinity_and_nan_are_read_but_no_number_accepts_them() -> None:
    from governance.expressions import NUMBER
    from governance.values import check_value

    data = parse_yaml("a: .inf\nb: -.inf\nc: .nan\n", "case.yaml").data
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])
    for value in data.values():
        _, problem = check_value(NUMBER, value)
        assert problem is not None and "finite" in problem


def _one(text: str, path: str = "hostile.yaml") -> str:
    with pytest.raises(MedunionError) as caught:
        parse_yaml(text, path)
    (diagnostic,) = caught.value.diagnostics
    return str(diagnostic)


def test_an_alias_bomb_is_refused_where_it_explodes() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    message = _one("\n".join(lines) + "\n")
    assert message.startswith("hostile.yaml:")
    assert f"more than {source.MAX_VALUES:,} values once its aliases are expanded" in message


def test_too_many_aliases_are_refused_at_the_first_one_over() -> None:
    body = "base: &b 1\nitems:\n" + "".join("  - *b\n" for _ in range(source.MAX_ALIASES + 1))
    message = _one(body)
    assert message.startswith(f"hostile.yaml:{source.MAX_ALIASES + 3}:5: error: more than")


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 500 + "]" * 500 + "\n",
        "a: " + "{k: " * 500 + "1" + "}" * 500 + "\n",
        "".join(" " * i + f"k{i}:\n" for i in range(500)) + " " * 500 + "1\n",
    ],
    ids=["flow-lists", "flow-maps", "block-maps"],
)
def test_deep_nesting_is_a_positioned_error_not_a_recursion_error(text: str) -> None:
    message = _one(text)
    assert f"nested more than {source.MAX_DEPTH} levels deep" in message
    assert message.startswith("hostile.yaml:")


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 100)
    target = tmp_path / "big.yaml"
    target.write_text("a: " + "x" * 200 + "\n", encoding="utf-8")
    with pytest.raises(MedunionError) as caught:
        load_yaml(target)
    assert str(caught.value.diagnostics[0]).startswith(f"{target}:1:1: error: the file is 204 bytes")


def test_the_shipped_rules_are_well_inside_the_limits() -> None:
    root = Path(__file__).resolve().parents[1] / "rules"
    for path in root.rglob("*.yaml"):
        assert path.stat().st_size < source.MAX_FILE_BYTES / 10
        load_yaml(path)  # no file comes near the depth, alias or value bounds
