"""The column evaluator's fast paths give what the plain ones give.

Inputs are checked by whole columns (`check_column`), texts become integer codes (`Coded`),
literals stay one-row columns, selections blend bits instead of branching, and what decided
each row is kept as codes: each is compared here with the cell-by-cell rule it replaces
(`check_field`, `np.where`, `decide`) on generated data, over the column types pandas gives.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fixtures.builders import BENEFITS, load_body, rule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.bulk import _overwrite, decide_frame, source_labels
from governance.compile import plan_for
from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.expressions import ExpressionType, evaluate, evaluate_columns, parse_expression
from governance.expressions.vector import Coded, choose, pick
from governance.load import load_ruleset
from governance.model import Field
from governance.source import Location
from governance.values import check_column, check_field, column_problems, is_missing, plain_value

HERE = Location("test", 1, 1)
ON = dt.date(2018, 8, 1)


def _field(kind: str, minimum: float | None = None, maximum: float | None = None, values: tuple[str, ...] = ()
           ) -> Field:
    return Field("x", ExpressionType(kind, values), None, None, None, HERE, minimum=minimum, maximum=maximum)


FIELDS = {
    "boolean": _field("boolean"),
    "number": _field("number", minimum=0),
    "integer": _field("integer", minimum=-5, maximum=100),
    "date": _field("date"),
    "enum": _field("enum", values=("a", "b", "c")),
    "string": _field("string"),
}

# Cells of every type in every column: good values, bad ones, and the nulls pandas knows.
ANY_CELL = st.one_of(
    st.booleans(), st.integers(-10, 200), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([2**63, -(2**63), 2**70, 1e20, 0.5, -0.0, "9", "true", "", "a", "b", "c", "A", "2018-01-31",
                     "2018-02-30", "20180131", "2018-1-31", None, math.nan, pd.NA, pd.NaT, np.int64(7),
                     np.float32(1.5), np.bool_(True), np.str_("a"), np.datetime64("2018-03-01"),
                     np.datetime64("NaT"), dt.date(2018, 1, 31), dt.datetime(2018, 1, 31, 23, 59),
                     pd.Timestamp("2018-01-31 12:00"), pd.Timestamp("2018-01-31 12:00", tz="Asia/Shanghai"),
                     ["a"]]),
)
GOOD_CELL = {
    "boolean": st.one_of(st.booleans(), st.none()),
    "number": st.one_of(st.floats(0, 1e9), st.integers(0, 10**12), st.none()),
    "integer": st.one_of(st.integers(-5, 100), st.none()),
    "date": st.one_of(st.dates(dt.date(1600, 1, 1), dt.date(2400, 1, 1)).map(dt.date.isoformat), st.none()),
    "enum": st.one_of(st.sampled_from(["a", "b", "c"]), st.none()),
    "string": st.one_of(st.text(max_size=3), st.none()),
}


def _reference(field: Field, series: pd.Series) -> tuple[list[Any], list[bool], list[tuple[int, str]]]:
    """Cell by cell, as the one-case evaluator reads a value: typed values, missing, problems."""
    values: list[Any] = []
    missing: list[bool] = []
    problems: list[tuple[int, str]] = []
    for i, cell in enumerate(series.to_numpy(dtype=object)):
        if is_missing(cell):
            values.append(None)
            missing.append(True)
            continue
        typed, reason = check_field(field, cell)
        if field.type.kind == "date" and isinstance(cell, np.datetime64) and not np.isnat(cell):
            typed, reason = cell.astype("datetime64[D]").astype(object), None  # numpy's dates are dates
        values.append(typed)
        missing.append(reason is not None)
        if reason is not None:
            problems.append((i, reason))
    return values, missing, problems


def _typed(field: Field, values: Any, position: int) -> Any:
    if isinstance(values, Coded):
        return values.labels[values.codes[position]]
    return plain_value(values[position])


def _same_as_cell_by_cell(field: Field, series: pd.Series) -> None:
    expected, missing, problems = _reference(field, series)
    checked = check_column(field, series)
    assert checked.problems == problems
    assert column_problems(field, series) == problems
    actual_missing = [False] * len(series) if checked.missing is None else checked.missing.tolist()
    assert actual_missing == missing
    for position, (value, gone) in enumerate(zip(expected, missing, strict=True)):
        if not gone:
            got = _typed(field, checked.values, position)
            if field.type.numeric:
                assert got == pytest.approx(float(value), rel=1e-15), position
            else:
                assert got == value and type(got) is type(value), position


def _series_of(cells: list[Any], how: str) -> pd.Series:
    if how == "object":
        return pd.Series(cells, dtype=object)
    if how == "inferred":
        return pd.Series(cells)
    return pd.Series(cells).convert_dtypes()  # pandas' nullable types (boolean, Int64, string...)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(FIELDS)), cells=st.lists(ANY_CELL, max_size=8),
       how=st.sampled_from(["object", "inferred", "nullable"]))
def test_a_column_of_anything_is_checked_as_each_cell_would_be(kind: str, cells: list[Any], how: str) -> None:
    try:
        series = _series_of(cells, how)
    except (TypeError, ValueError, OverflowError):  # pandas cannot hold these cells that way
        return
    _same_as_cell_by_cell(FIELDS[kind], series)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(sorted(FIELDS)), how=st.sampled_from(["object", "inferred", "nullable"]))
def test_a_typed_column_takes_the_fast_path_to_the_same_result(data: st.DataObject, kind: str, how: str) -> None:
    cells = data.draw(st.lists(GOOD_CELL[kind], max_size=12))
    try:
        series = _series_of(cells, how)
    except (TypeError, ValueError, OverflowError):
        return
    _same_as_cell_by_cell(FIELDS[kind], series)


@pytest.mark.parametrize("series", [
    pd.Series(pd.to_datetime(["2018-01-31 23:00", None, "1969-12-31 01:00"])),
    pd.Series(pd.to_datetime(["2018-01-31 23:00", "2018-02-01 01:00"]).tz_localize("Asia/Shanghai")),
    pd.Series(["2018-01-31", None, "2018-02-30", "1500-01-01"], dtype="str"),
    pd.Series([dt.date(2018, 1, 31), None, dt.date(2400, 2, 29)], dtype=object),
    pd.Series(["2018-01-31", "2018-01-31"], dtype="category"),
])
def test_date_columns_of_every_kind(series: pd.Series) -> None:
    _same_as_cell_by_cell(FIELDS["date"], series)


@pytest.mark.parametrize("series", [
    pd.Series(["a", "b", None, "z", "c"], dtype="str"),
    pd.Series(["a", "b", None, "z", "c"], dtype=object),
    pd.Series(["a", "b", None, "z", "c"], dtype="category"),
    pd.Series(["a", "b", None, "z"], dtype=pd.ArrowDtype(__import__("pyarrow").string())),
    pd.Series([], dtype="str"),
    pd.Series([1, 2], dtype="int64"),
])
def test_enum_columns_of_every_kind(series: pd.Series) -> None:
    _same_as_cell_by_cell(FIELDS["enum"], series)
    _same_as_cell_by_cell(FIELDS["string"], series)


@pytest.mark.parametrize("series", [
    pd.Series([2**63, 5], dtype="uint64"),  # 2**63 and 2**63 - 1 are the same float: compared as integers
    pd.Series([-(2**63), 5], dtype="int64"),
    pd.Series([2**63, None], dtype="UInt64"),
    pd.Series([2**70, 1e20, 3], dtype=object),
])
def test_whole_numbers_beyond_64_bits_are_refused_and_large_decimals_taken(series: pd.Series) -> None:
    _same_as_cell_by_cell(FIELDS["number"], series)
    assert check_column(FIELDS["number"], series).problems


def test_nulls_are_missing_not_problems() -> None:
    for kind, field in FIELDS.items():
        series = pd.Series([None, math.nan], dtype=object)
        checked = check_column(field, series)
        assert checked.problems == [] and checked.missing is not None and checked.missing.all(), kind


# --- coded texts and one-row constants in expressions ---------------------------------------------

ENUM = ("a", "b", "c")
TEXTS = ["'a'", "'b'", "'c'", "'z'", "e", "f", "t"]


def _conditions() -> st.SearchStrategy[str]:
    comparison = st.tuples(st.sampled_from(TEXTS), st.sampled_from(["==", "!="]), st.sampled_from(TEXTS)).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}")
    member = st.tuples(st.sampled_from(["e", "f", "t"]), st.sampled_from(["in", "not in"]),
                       st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} {t[1]} [{', '.join(t[2])}]")
    chosen = st.tuples(st.sampled_from(["b1", "e == 'a'"]), st.sampled_from(TEXTS), st.sampled_from(TEXTS),
                       st.sampled_from(TEXTS)).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]}) == {t[3]}")
    return st.one_of(comparison, member, chosen)


@settings(max_examples=300, deadline=None)
@given(text=_conditions(), table=st.lists(st.fixed_dictionaries({
    "e": st.sampled_from(ENUM), "f": st.sampled_from(("b", "c")), "t": st.sampled_from(["a", "z", "", "x"]),
    "b1": st.booleans()}), min_size=1, max_size=6))
def test_coded_texts_compare_as_the_texts_do(text: str, table: list[dict[str, Any]]) -> None:
    expr = parse_expression(text)
    expected = [evaluate(expr, row) for row in table]
    texts = sorted({row["t"] for row in table})
    columns = {
        "e": Coded(np.array([ENUM.index(r["e"]) for r in table], dtype=np.int8), ENUM),
        "f": Coded(np.array([("b", "c").index(r["f"]) for r in table], dtype=np.int8), ("b", "c")),
        "t": Coded(np.array([texts.index(r["t"]) for r in table], dtype=np.int8), tuple(texts)),
        "b1": np.array([r["b1"] for r in table]),
    }
    assert evaluate_columns(expr, columns, len(table)).tolist() == expected
    plain = {name: (c.decode() if isinstance(c, Coded) else c) for name, c in columns.items()}
    assert evaluate_columns(expr, plain, len(table)).tolist() == expected


@pytest.mark.parametrize("text, expected", [
    ("1 + 2", [3, 3, 3]), ("'k'", ["k", "k", "k"]), ("round(2.345, 2)", [2.35, 2.35, 2.35]),
    ("date('2018-01-31') + 1", [dt.date(2018, 2, 1)] * 3), ("x * 2", [2.0, 4.0, 6.0]),
    ("if x > 1 then 'big' else 'small'", ["small", "big", "big"]),
])
def test_literals_stay_one_row_until_the_result_is_asked_for(text: str, expected: list[Any]) -> None:
    result = evaluate_columns(parse_expression(text), {"x": np.array([1.0, 2.0, 3.0])}, 3)
    assert [plain_value(v) for v in result] == expected


arrays = st.sampled_from([np.bool_, np.int8, np.int16, np.int64, np.float64]).flatmap(
    lambda dtype: st.tuples(st.just(dtype), st.integers(1, 40)))


@settings(max_examples=200, deadline=None)
@given(spec=arrays, data=st.data())
def test_pick_is_numpy_where(spec: tuple[Any, int], data: st.DataObject) -> None:
    dtype, n = spec
    condition = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    values = st.integers(-100, 100) if dtype is not np.bool_ else st.booleans()
    sizes = data.draw(st.sampled_from([(n, n), (1, n), (n, 1), (1, 1)]))
    a, b = (np.array(data.draw(st.lists(values, min_size=k, max_size=k)), dtype=dtype) for k in sizes)
    assert np.array_equal(pick(condition, a, b), np.where(condition, a, b))
    coded = choose(condition, Coded(a.astype(np.int8) % 3 if dtype is not np.bool_ else a.astype(np.int8), ENUM),
                   np.array(["b"], dtype=object))
    assert coded.decode().tolist() == np.where(
        condition, np.array(ENUM, dtype=object)[a.astype(np.int8) % 3 if dtype is not np.bool_
                                                 else a.astype(np.int8)], "b").tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(-100, 100)), min_size=1, max_size=30), st.integers(-1, 100))
def test_overwriting_codes_is_indexing_by_the_mask(cells: list[tuple[bool, int]], code: int) -> None:
    mask = np.array([m for m, _ in cells])
    codes = np.array([c for _, c in cells], dtype=np.int8)
    expected = codes.copy()
    expected[mask] = code
    _overwrite(codes, mask, code)
    assert np.array_equal(codes, expected)


# --- whole frames ---------------------------------------------------------------------------------

_BENEFITS = load_ruleset(BENEFITS)
CASES = pd.DataFrame([
    {"age": 30, "income": 500, "household": 1, "member": False, "severity": "acute", "admitted_on": "2018-01-31",
     "cost": 1000},
    {"age": 70, "income": 6000, "household": 2, "member": True, "severity": "severe", "admitted_on": "2018-11-30",
     "cost": 10},
    {"age": 65, "income": 4999.5, "household": 10, "member": False, "severity": "acute", "admitted_on": "2018-12-31",
     "cost": 99.99},
])


@pytest.mark.parametrize("convert", [
    lambda f: f,
    lambda f: f.astype({"severity": object, "admitted_on": object}),
    lambda f: f.astype({"severity": "category"}).assign(admitted_on=pd.to_datetime(f["admitted_on"])),
    lambda f: f.convert_dtypes(),
    lambda f: f.convert_dtypes(dtype_backend="pyarrow"),
])
def test_every_column_type_pandas_gives_decides_alike(convert: Any) -> None:
    expected = decide_frame(_BENEFITS, CASES, ON, with_sources=True)
    actual = decide_frame(_BENEFITS, convert(CASES), ON, with_sources=True)
    for name in expected.columns:
        assert [plain_value(v) for v in actual[name]] == [plain_value(v) for v in expected[name]], name


def test_what_decided_each_row_is_a_categorical_of_the_same_names() -> None:
    result = decide_frame(_BENEFITS, CASES, ON, with_sources=True)
    plan = plan_for(_BENEFITS)
    for name in _BENEFITS.outputs:
        column = result[f"{name}__by"]
        assert isinstance(column.dtype, pd.CategoricalDtype)
        assert list(column.cat.categories) == list(source_labels(plan, name))
    assert list(result["grade__by"]) == ["default", "grade:row 1", "grade:row 2"]
    assert result["payment__by"].isna().tolist() == result["payment"].isna().tolist()


TEXT_RULES = """inputs:
  clinic:
    type: string
  kind:
    type: enum
    values: [public, private]
    default: public
outputs:
  named:
    type: string
  flagged:
    type: boolean
    default: false
rules:
""" + rule("named", "clinic != 'x'", "named: clinic") + rule(
    "flagged", "clinic in ['a', 'zz'] or kind == 'private'", "flagged: true")


def test_free_text_is_coded_by_its_own_texts(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, TEXT_RULES)
    cases = [{"clinic": "a", "kind": "private"}, {"clinic": "x", "kind": None}, {"clinic": None, "kind": "public"},
             {"clinic": "b", "kind": "public"}]
    for frame in (pd.DataFrame(cases), pd.DataFrame(cases, dtype=object)):
        result = decide_frame(ruleset, frame, ON, with_sources=True)
        for position, case in enumerate(cases):
            expected = decide(ruleset, {k: v for k, v in case.items() if v is not None}, ON).outputs
            assert {k: plain_value(result[k].iloc[position]) for k in expected} == expected


def test_a_bad_text_is_refused_with_its_row(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, TEXT_RULES)
    frame = pd.DataFrame({"clinic": ["a", 5, "b"], "kind": ["public", "private", "secret"]}, index=["r1", "r2", "r3"])
    with pytest.raises(MedunionError) as exc:
        decide_frame(ruleset, frame, ON)
    assert [d.message for d in exc.value.diagnostics] == [
        "row r2, column 'clinic': expected text, found 5",
        "row r3, column 'kind': 'secret' is not one of: public, private",
    ]


def test_an_output_set_to_an_input_is_a_column_of_its_own(tmp_path: Path) -> None:
    ruleset = load_body(tmp_path, """inputs:
  amount:
    type: number
  member:
    type: boolean
outputs:
  paid:
    type: number
  flagged:
    type: boolean
rules:
""" + rule("paid", None, "paid: amount") + rule("flagged", None, "flagged: member"))
    frame = pd.DataFrame({"amount": [1.0, 2.0], "member": [True, False]})
    result = decide_frame(ruleset, frame, ON)
    result.loc[0, "paid"] = 99.0
    result.loc[0, "flagged"] = False
    assert frame["amount"].tolist() == [1.0, 2.0] and frame["member"].tolist() == [True, False]
    assert decide_frame(ruleset, frame, ON)["paid"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", ["float64", "int64", "datetime64[D]"])
def test_pick_blends_eight_byte_values_bit_for_bit_across_blocks(dtype: str) -> None:
    rng = np.random.default_rng(5)
    n = 40_000  # more than two blocks of rows
    condition = rng.random(n) < 0.5
    special = np.array([np.nan, np.inf, -0.0]) if dtype == "float64" else np.array([0])
    a = rng.integers(-10**6, 10**6, n).astype(dtype)
    b = rng.integers(-10**6, 10**6, n).astype(dtype)
    if dtype == "float64":
        a[::7] = special[np.arange(len(a[::7])) % 3]
    missing = {"float64": np.array([np.nan]), "int64": b[:1], "datetime64[D]": np.array(["NaT"], dtype="datetime64[D]")}
    for right in (b, b[:1], missing[dtype]):
        expected = np.where(condition, a, right)
        assert pick(condition, a, right).view(np.int64).tolist() == expected.view(np.int64).tolist()
