"""Fuzzing every parser a user's file reaches: expressions, YAML, and appraisal data files.

Each family feeds random deep, long and malformed input to one entry point and checks the one
promise a user relies on: the outcome is a result or a `MedunionError` whose diagnostics each
point inside the input (the expression's character, the YAML file's line and column, the data
file) and can be printed, never another exception, never a hang, never a memory blow-up.

Bounds, stated here rather than timed (timing assertions are flaky on shared machines): each
family runs its whole hypothesis loop in a child process limited to `MEMORY_BYTES` (1 GiB) of
address space (RLIMIT_AS; the child needs about 400 MB for its imports) and `TIMEOUT_SECONDS`
(120 s) of wall time, so a hang or a runaway allocation fails the test as such. `EXAMPLES` keeps
the whole file under about a minute on two cores. Under CI (`CI` set) hypothesis runs
derandomized, as everywhere (tests/conftest.py); locally it explores new examples on every run
and a failure prints the example that reproduces it.

    .venv/bin/python tests/test_fuzz.py expressions      # one family, in this process
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.diagnostics import Location, MedunionError
from governance.expressions import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    ExpressionType,
    evaluate,
    evaluate_columns,
    infer_type,
    parse_expression,
    render_with_values,
    to_text,
)
from governance.expressions.builtins import BUILTINS
from governance.expressions.limits import MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH
from governance.expressions.operators import KEYWORDS, SYMBOLS
from governance.expressions.syntax import Literal, walk

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BYTES = 1 << 30
TIMEOUT_SECONDS = 120
EXAMPLES = {"expressions": 1500, "yaml": 800, "data": 150}

# any character at all, lone surrogates included (YAML's "\ud800" produces them)
ANY_CHARACTER = st.characters(exclude_categories=())


def _printable(exc: MedunionError) -> None:
    for diagnostic in exc.diagnostics:
        str(diagnostic).encode("utf-8")  # a terminal, a log or a JSON file must be able to take it


# --- expressions ----------------------------------------------------------------------------------

SEVERITY = ExpressionType("enum", ("ordinary", "acute", "severe"))
ENV = {
    "x": NUMBER,
    "n": INTEGER,
    "flag": BOOLEAN,
    "day": DATE,
    "severity": SEVERITY,
    "label": STRING,
    "codes": ExpressionType("list", element=STRING),
}
CODES = ["A01", "B02"]
ORIGIN = Location("fuzz.yaml", 1, 1)

_LITERALS = ["0", "1", "2.5", "0.0", "1e308", "9223372036854775807", "'acute'", "'severe'", "'x'", '"A01"',
             "true", "false", "date('2017-01-01')", "date('9999-12-31')", "date('0001-01-01')"]
_TOKENS = sorted({*SYMBOLS, "(", ")", "[", "]", ",", *KEYWORDS, *ENV, *BUILTINS, "date", "flor", *_LITERALS,
                  "'", '"', "\\", "=", "&", "|", "!", "\x00", "中", "，", "（", "\ud800", "１２", "٣", "\u3000"})
_SEPARATORS = st.sampled_from(["", " ", " ", "  ", "\t", "\n"])

_ATOMS = st.sampled_from([*ENV, *_LITERALS, "-x", "-1"])
_BINARY = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "not in"])


def _grown(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, _BINARY, inner).map(" ".join),
        inner.map(lambda s: f"({s})"),
        inner.map(lambda s: f"not {s}"),
        inner.map(lambda s: f"-{s}"),
        st.lists(inner, min_size=1, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.tuples(st.sampled_from([*BUILTINS, "flor"]), st.lists(inner, max_size=3)).map(
            lambda call: f"{call[0]}({', '.join(call[1])})"),
        st.tuples(inner, inner, inner).map(lambda parts: "if {} then {} else {}".format(*parts)),
    )


# expressions from the grammar: mostly well formed, often well typed, so the evaluators run
_GRAMMAR = st.recursive(_ATOMS, _grown, max_leaves=40)
# token soup: every token the tokenizer knows (and some it refuses), in any order
_SOUP = st.lists(st.tuples(st.sampled_from(_TOKENS), _SEPARATORS), max_size=60).map(
    lambda pairs: "".join(token + gap for token, gap in pairs))
# nesting of one construct around the limit and far beyond it, sometimes cut short (unbalanced)
_NESTINGS = [("(", "x", ")"), ("not ", "flag", ""), ("-", "x", ""), ("abs(", "x", ")"), ("[", "1", "]"),
             ("if flag then ", "1", " else 2"), ("x + ", "x", ""), ("flag and ", "flag", ""), ("x - (", "x", ")"),
             ("max(x, ", "x", ")"), ("if ", "flag", " then flag else flag")]
_DEEP = st.tuples(st.sampled_from(_NESTINGS), st.integers(MAX_EXPRESSION_DEPTH - 3, 300), st.integers(0, 5)).map(
    lambda spec: spec[0][0] * spec[1] + spec[0][1] + spec[0][2] * max(0, spec[1] - spec[2]))
# long: around the length limit and far beyond
_LONG = st.tuples(st.sampled_from(["x + ", "1, ", "a", " ", "(x)", "'", "not "]),
                  st.integers(MAX_EXPRESSION_LENGTH // 4 - 10, 30_000)).map(lambda spec: spec[0] * spec[1])
_UNICODE = st.text(ANY_CHARACTER, max_size=80)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """A grammar expression with a few characters inserted, deleted or replaced."""
    text = draw(_GRAMMAR)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from(list("()[]'\",=\x00-+ ")) | ANY_CHARACTER)
        if change == "insert":
            text = text[:at] + char + text[at:]
        elif change == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + char + text[at + 1:]
    return text


EXPRESSIONS = st.one_of(_GRAMMAR, _SOUP, _DEEP, _LONG, _UNICODE, _mutated())

ROWS = st.lists(
    st.fixed_dictionaries({
        "x": st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, -0.0, 1e308, 0.5]),
        "n": st.integers(-(2**63), 2**63 - 1) | st.sampled_from([0, 1, -1, 10**6]),
        "flag": st.booleans(),
        "day": st.dates() | st.sampled_from([dt.date.min, dt.date.max]),
        "severity": st.sampled_from(SEVERITY.values),
        "label": st.text(ANY_CHARACTER, max_size=4) | st.sampled_from(CODES),
    }),
    min_size=1,
    max_size=3,
)


def _inside(exc: MedunionError, text: str) -> None:
    """Every diagnostic points at a character of the one-line expression, or just past its end."""
    assert exc.diagnostics
    for diagnostic in exc.diagnostics:
        where = diagnostic.location
        assert where is not None and where.path == "fuzz.yaml" and where.line == 1, diagnostic
        assert 1 <= where.column <= len(text) + 1, (where, len(text))
    _printable(exc)


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns: dict[str, Any] = {"codes": CODES}
    for name in rows[0]:
        values = [row[name] for row in rows]
        kind = "datetime64[D]" if name == "day" else object if name in ("severity", "label") else None
        columns[name] = np.array(values, dtype=kind)
    return columns


@given(text=EXPRESSIONS, rows=ROWS)
def fuzz_expressions(text: str, rows: list[dict[str, Any]]) -> None:
    """Parse, type check, render, evaluate one case at a time and as columns: each step gives a
    result or a positioned MedunionError."""
    from publication.plain import plain_condition, plain_value

    try:
        expr = parse_expression(text, ORIGIN)
        kind = infer_type(expr, ENV)
    except MedunionError as exc:
        _inside(exc, text)
        return
    canonical = to_text(expr.tree)
    strings = [node.value for node in walk(expr.tree) if isinstance(node, Literal) and isinstance(node.value, str)]
    if all(string.isprintable() for string in strings):
        # what `diff` compares reads back as itself (a control character in a string is written
        # as Python writes it, '\x1f', which the language, with no such escape, reads as 'x1f')
        assert to_text(parse_expression(canonical).tree) == canonical
    render_with_values(expr, {**rows[0], "codes": CODES})
    plain_condition(expr) if kind == BOOLEAN else plain_value(expr)
    if kind.kind == "list":
        return  # a list is no rule's value: only `in` reads one, and that is checked above
    for row in rows:
        try:
            evaluate(expr, {**row, "codes": CODES})
        except MedunionError as exc:
            _inside(exc, text)
    try:
        with np.errstate(all="ignore"):  # int64 overflow wraps in a column, as numpy does
            evaluate_columns(expr, _columns(rows), len(rows))
    except MedunionError as exc:
        _inside(exc, text)


# --- YAML -----------------------------------------------------------------------------------------

_YAML_TOKENS = [":", ": ", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "&b ", "*b", "<<: *a", "!!str ",
                "!!python/object:os.system ", "!!python/object/apply:os.system ['ls']", "!!set ", "!custom ",
                "!!binary ", "!!timestamp ", "!!omap ", "!!int ", "!!float ", "? ", "|", "|-", ">", "'", '"',
                "# c", "\n", "\n  ", "\n    ", "\t", "---", "...", "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "key",
                "id", "when", "then", "1", "012000", "0x1F", ".inf", ".nan", "yes", "~", "null", "2017-01-01",
                "\\", "\\u0000", "\\ud800", "\x00", "\ufeff", "\x85", "\u2028", "\r", "中文"]
_RULE_FILE = (ROOT / "tests" / "fixtures" / "benefits" / "1.0.yaml").read_text(encoding="utf-8")


@st.composite
def _mutated_rule_file(draw: st.DrawFn) -> str:
    """A real rule file with a few lines swapped, cut, duplicated or re-indented with tabs."""
    lines = _RULE_FILE.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["cut", "duplicate", "tab", "swap", "garble"]))
        if change == "cut":
            del lines[at]
        elif change == "duplicate":
            lines.insert(at, lines[at])  # duplicate keys, repeated list items
        elif change == "tab":
            lines[at] = "\t" + lines[at].lstrip(" ")
        elif change == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))] + draw(st.sampled_from(_YAML_TOKENS))
        if not lines:
            break
    return "\n".join(lines) + "\n"


def _deep_yaml(spec: tuple[str, int]) -> str:
    shape, depth = spec
    if shape == "flow list":
        return "a: " + "[" * depth + "1" + "]" * depth + "\n"
    if shape == "flow map":
        return "a: " + "{b: " * depth + "1" + "}" * depth + "\n"
    if shape == "block map":
        return "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "v\n"
    if shape == "block list":
        return "- " * depth + "x\n"
    if shape == "aliases":
        return "a: &a [1, 2, 3]\nb: [" + ", ".join(["*a"] * depth) + "]\n"
    if shape == "bomb":
        lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for level in range(1, min(depth, 12)):
            lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
        return "\n".join(lines) + "\n"
    if shape == "anchors":
        return "".join(f"k{i}: &a{i} v{i}\n" for i in range(depth))
    if shape == "merge":
        return "base: &b {x: 1}\n" + "".join(f"m{i}: &b{i}\n  <<: *b\n  y: {i}\n" for i in range(depth))
    return "a: '" + "x" * depth * 1000 + "'\n"  # a long scalar


_DEEP_YAML = st.tuples(
    st.sampled_from(["flow list", "flow map", "block map", "block list", "aliases", "bomb", "anchors", "merge",
                     "long"]),
    st.integers(1, 400),
).map(_deep_yaml)

YAML_TEXTS = st.one_of(
    st.binary(max_size=300).map(lambda raw: raw.decode("utf-8", errors="replace")),
    st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
    st.text(ANY_CHARACTER, max_size=200),
    st.lists(st.sampled_from(_YAML_TOKENS), max_size=50).map("".join),
    _DEEP_YAML,
    _mutated_rule_file(),
)



def _line_count(text: str) -> int:
    return sum(text.count(brk) for brk in ("\n", "\r", "\x85", "\u2028", "\u2029")) + 1


@given(text=YAML_TEXTS)
def fuzz_yaml(text: str) -> None:
    """`parse_yaml` gives a document or a MedunionError at a line and column of the file."""
    from governance.source import SourceDocument, parse_yaml

    try:
        doc = parse_yaml(text, "fuzz.yaml")
    except MedunionError as exc:
        assert exc.diagnostics
        for diagnostic in exc.diagnostics:
            where = diagnostic.location
            assert where is not None and where.path == "fuzz.yaml", diagnostic
            assert 1 <= where.line <= _line_count(text) + 1, (where, _line_count(text))
            assert 1 <= where.column <= len(text) + 1, where
        _printable(exc)
        return
    assert isinstance(doc, SourceDocument)


@pytest.mark.parametrize(
    "text",
    [
        # once crashed: an explicit number tag on a scalar that is not a number
        "a: !!int x\n",
        "a: !!int 0x\n",
        "a: !!float abc\n",
        "? !!int\n: 1\n",
        # once crashed: a duplicate key that cannot be printed as it is ("\ud800", a YAML escape)
        '"\\ud800": 1\n"\\ud800": 2\n',
    ],
    ids=["int-tag", "int-tag-hex", "float-tag", "int-tag-key", "unprintable-key"],
)
def test_yaml_crashes_found_by_fuzzing(text: str) -> None:
    fuzz_yaml.hypothesis.inner_test(text)


# --- appraisal data files -------------------------------------------------------------------------

_CELLS = st.one_of(
    st.sampled_from(["", "1", "2.5", "22%", "0.22", "甲", "乡镇卫生院", '"', '""', "\r", "\n", ";", "\t", "=1+1",
                     "=cmd|' /C calc'!A0", "2017-01-01", "1,5", "nan", "NA", "#DIV/0!", "\ufeff"]),
    st.text(ANY_CHARACTER.filter(lambda c: c != "\x00"), max_size=8),
)


@st.composite
def _csv_bytes(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["table", "table", "random", "long field"]))
    if kind == "random":
        return draw(st.binary(min_size=1, max_size=300))
    if kind == "long field":
        return b"name,score\n" + b"x" * draw(st.integers(100_000, 200_000)) + b",1\n"
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(_CELLS, min_size=1, max_size=width + 1), min_size=1, max_size=8))
    separator = draw(st.sampled_from([",", ";", "\t", ",", ","]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(separator.join(row) for row in rows) + draw(st.sampled_from(["", ending, ending * 3]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "big5", "latin-1"]))
    return text.encode(encoding, errors="replace")


@st.composite
def _xlsx_bytes(draw: st.DrawFn) -> bytes:
    """A small workbook: any cell type, formulas with and without values, merged cells, formats."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    if draw(st.booleans()):
        sheet.title = draw(st.sampled_from(["Sheet1", "SYNTHETIC data", "数据", "a'b"]))
    values = st.one_of(
        st.none(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.dates(min_value=dt.date(1900, 3, 1)),
        st.datetimes(min_value=dt.datetime(1900, 3, 1)),
        st.times(),
        st.sampled_from(["name", "score", "甲", "=A2*2", "=1/0", "=SUM(A:A)", "=NOW()", "#DIV/0!", "", " ",
                         "(no header, column B)"]),  # the reader's own name for a column without a header
        st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6),
    )
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            cell = sheet.cell(row=r, column=c, value=draw(values))
            cell.number_format = draw(st.sampled_from(["General", "0%", "0.00%", '0"%"', "yyyy-mm-dd", "0.00"]))
    for _ in range(draw(st.integers(0, 2))):
        r1, c1 = draw(st.integers(1, rows)), draw(st.integers(1, cols))
        r2, c2 = draw(st.integers(r1, rows + 1)), draw(st.integers(c1, cols + 1))
        if (r1, c1) != (r2, c2):
            with suppress(ValueError):  # overlaps one merged before
                sheet.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    if draw(st.booleans()):
        book.create_sheet("second")
    buffer = io.BytesIO()
    book.save(buffer)
    raw = buffer.getvalue()
    if draw(st.integers(0, 5)) == 0:  # now and then a damaged file
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=20)) + raw[cut + 20:]
    return raw


@given(data=st.one_of(_csv_bytes().map(lambda raw: (".csv", raw)), _xlsx_bytes().map(lambda raw: (".xlsx", raw))))
def fuzz_data(data: tuple[str, bytes]) -> None:
    """`read_input` gives a table or a MedunionError naming the file (and the cell, in messages)."""
    from appraisal.read import InputTable, read_input

    suffix, raw = data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_bytes(raw)
        try:
            table = read_input(path)
        except MedunionError as exc:
            assert exc.diagnostics
            for diagnostic in exc.diagnostics:
                assert diagnostic.location is not None and diagnostic.location.path == str(path), diagnostic
            _printable(exc)
            return
        assert isinstance(table, InputTable) and len(table.frame.columns) and len(table.frame)


FAMILIES: dict[str, Callable[[], None]] = {"expressions": fuzz_expressions, "yaml": fuzz_yaml, "data": fuzz_data}


def run_family(name: str) -> None:
    """Run one family's hypothesis loop here, with the profile tests/conftest.py sets (derandomized
    under CI): settings made now inherit it."""
    import conftest  # noqa: F401  # registers and, under CI, loads the hypothesis profile

    warnings.simplefilter("ignore")  # pandas' and openpyxl's warnings about odd files are not failures
    bounded = settings(
        max_examples=EXAMPLES[name],
        deadline=None,  # the child's overall timeout bounds time; one slow example is no failure
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    bounded(FAMILIES[name])()


def _bounded_child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


@pytest.mark.parametrize("family", list(FAMILIES))
def test_fuzz_family_within_memory_and_time_bounds(family: str) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), family],
            cwd=ROOT, env=env, preexec_fn=_bounded_child, capture_output=True, text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"the {family} fuzz did not finish in {TIMEOUT_SECONDS} s: a hang\n"
                    f"{expired.stdout!s}{expired.stderr!s}")
    assert done.returncode == 0, f"the {family} fuzz failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"


if __name__ == "__main__":
    run_family(sys.argv[1])
