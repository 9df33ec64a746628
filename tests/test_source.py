"""Safe YAML with positions: data only, every problem at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.builders import position

from governance.diagnostics import Location, MedunionError
from governance.source import load_yaml, parse_yaml


def _only_error(exc: pytest.ExceptionInfo[MedunionError]) -> str:
    assert len(exc.value.diagnostics) == 1
    diagnostic = exc.value.diagnostics[0]
    assert diagnostic.severity == "error"
    return str(diagnostic)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: 1\nb: !!python/object:os.system x\n", "!!python/object:os.system"),
        ("a: 1\nb: !!python/object/apply:os.system ['echo hacked']\n", "!!python/object/apply:os.system"),
        ("a: 1\nb:\n  - !!python/object/new:builtins.dict {x: 1}\n", "!!python/object/new:builtins.dict"),
        ("a: 1\nb: !!python/name:os.system\n", "!!python/name:os.system"),
    ],
)
def test_python_tags_are_refused_at_their_position(text: str, tag: str) -> None:
    with pytest.raises(MedunionError) as exc:
        parse_yaml(text, "rule.yaml")
    line, column = position(text, tag)
    message = _only_error(exc)
    assert message.startswith(f"rule.yaml:{line}:{column}: error: ")
    assert tag in message


def test_python_tag_in_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "created"
    path.write_text(f"kind: ruleset\nid: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(MedunionError) as exc:
        load_yaml(path)
    assert f"{path}:2:5: error:" in _only_error(exc)
    assert not marker.exists()


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    text = "kind: ruleset\ninputs:\n  age:\n    type: number\n  age:\n    type: integer\n"
    with pytest.raises(MedunionError) as exc:
        parse_yaml(text, "dup.yaml")
    line, column = position(text, "age", nth=1)
    message = _only_error(exc)
    assert message.startswith(f"dup.yaml:{line}:{column}: error: duplicate key 'age'")
    assert f"line {position(text, 'age')[0]}" in message


def test_duplicate_key_at_top_level() -> None:
    text = "id: a\ntitle: x\nid: b\n"
    with pytest.raises(MedunionError) as exc:
        parse_yaml(text, "dup.yaml")
    assert _only_error(exc).startswith("dup.yaml:3:1: error: duplicate key 'id'")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: [1, 2\nb: 3\n", (2, 2)),  # the unclosed list is noticed at the ':' after b
        ("a: 1\n  b: 2\n", (2, 4)),  # a mapping value where none is allowed
        ("a: 'open\n", (2, 1)),  # an unclosed quote runs to the end of the file
    ],
)
def test_syntax_errors_name_line_and_column(text: str, where: tuple[int, int]) -> None:
    with pytest.raises(MedunionError) as exc:
        parse_yaml(text, "bad.yaml")
    message = _only_error(exc)
    assert message.startswith(f"bad.yaml:{where[0]}:{where[1]}: error: YAML syntax")


def test_on_and_yes_as_keys_stay_names() -> None:
    doc = parse_yaml("on: 2017-09-01\nyes: 1\noff: x\nvalue: true\n", "t.yaml")
    assert doc.data == {"on": "2017-09-01", "yes": 1, "off": "x", "value": True}


def test_dates_stay_iso_strings_and_plain_values_keep_their_types() -> None:
    doc = parse_yaml("from: 2017-01-01\nn: 3\nx: 0.85\nt: true\nnothing: ~\ntext: '9'\n", "t.yaml")
    assert doc.data == {"from": "2017-01-01", "n": 3, "x": 0.85, "t": True, "nothing": None, "text": "9"}


def test_every_node_has_a_position() -> None:
    text = "kind: ruleset\nrules:\n  - id: a\n    when: x > 3\n  - id: b\n    then:\n      y: 1\n"
    doc = parse_yaml(text, "p.yaml")
    assert doc.locate(("rules", 1, "then", "y")) == Location("p.yaml", *position(text, "1\n", nth=0))
    assert doc.locate(("rules", 0, "when")) == Location("p.yaml", *position(text, "x > 3"))
    assert doc.locate_key(("rules", 0, "when")) == Location("p.yaml", *position(text, "when"))
    # a path that does not exist falls back to its nearest ancestor
    assert doc.locate(("rules", 1, "missing")) == Location("p.yaml", *position(text, "id: b"))


def test_text_origin_maps_offsets_to_columns_for_one_line_scalars_only() -> None:
    text = 'a: x > 3\nb: "x = 3"\nc: |\n  x > 3\n'
    doc = parse_yaml(text, "o.yaml")
    assert doc.text_origin(("a",)) == Location("o.yaml", *position(text, "x > 3"))
    # the quote is not part of the text: character 0 is the one after it
    assert doc.text_origin(("b",)) == Location("o.yaml", *position(text, "x = 3"))
    assert doc.text_origin(("c",)) is None


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(MedunionError) as exc:
        load_yaml(path)
    assert _only_error(exc).startswith(f"{path}:1:1: error:")


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("title: 双向转诊\n".encode("gbk"))
    with pytest.raises(MedunionError) as exc:
        load_yaml(path)
    assert "UTF-8" in _only_error(exc)


def test_text_origin_is_withheld_when_escapes_shift_the_columns() -> None:
    # '' and \" are one character in the value but two in the file: offsets would point wrong
    text = "a: 'x == ''y'' and z = 3'\nb: \"q \\\" = 1\"\nc: 'x == 3'\n"
    doc = parse_yaml(text, "e.yaml")
    assert doc.data["a"] == "x == 'y' and z = 3"
    assert doc.text_origin(("a",)) is None
    assert doc.text_origin(("b",)) is None
    assert doc.text_origin(("c",)) == Location("e.yaml", 3, 5)
