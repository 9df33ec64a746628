"""`medunion decide-bulk` and `batch`: rows in = decided + rejected, each rejection with its row,
column and reason; each row decided by the version and parameter values of its own date."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import batch.run
from batch.run import ROW_BY_ROW_LIMIT, decide_file, decide_table
from batch.write import arrow_table, output_schema
from governance.diagnostics import MedunionError
from governance.textfile import sniff_encoding
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
EXAMPLE = ROOT / "examples" / "bulk"
REFERRAL = "zhenghe-referral"

_spec = importlib.util.spec_from_file_location("generate_claims", EXAMPLE / "generate_claims.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

FEE_2017 = """\
kind: ruleset
id: test-fee
title: A fee whose rate changes within a version and in the next one
title_zh: 测试费用
jurisdiction: Test County
version: "2017.1"
status: draft
effective:
  from: 2017-01-01
  until: 2017-12-31
sources:
  - key: zhenghe-2017
    title: Test source
    document: seeds/003_cee1db1c5aec49d7.txt
inputs:
  amount: {type: number, unit: yuan, minimum: 0}
  kind: {type: enum, values: [a, b]}
parameters:
  rate:
    type: number
    unit: ratio
    clause: zhenghe-2017 IV.7.2
    status: drafter-choice
    note: test figures
    values:
      - {from: 2017-01-01, value: 0.1}
      - {from: 2017-07-01, value: 0.2}
outputs:
  fee: {type: number, unit: yuan}
  is_a: {type: boolean, default: false}
rules:
  - id: fee
    title: The fee is the rate of the amount
    title_zh: 费用
    clause: zhenghe-2017 IV.7.2
    source: test
    status: law
    then:
      fee: amount * rate
  - id: kind-a
    title: Kind a
    title_zh: 甲类
    clause: zhenghe-2017 IV.7.2
    source: test
    status: law
    when: kind == 'a'
    then:
      is_a: true
"""
FEE_2018 = (FEE_2017.replace('version: "2017.1"', 'version: "2018.1"')
            .replace("  from: 2017-01-01\n  until: 2017-12-31", "  from: 2018-01-01")
            .replace("      - {from: 2017-01-01, value: 0.1}\n      - {from: 2017-07-01, value: 0.2}",
                     "      - {from: 2018-01-01, value: 0.5}"))


@pytest.fixture(scope="module")
def fee_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rule set with two versions, the first changing its rate on 2017-07-01."""
    root = tmp_path_factory.mktemp("rules")
    shutil.copy(RULES / "clauses.yaml", root / "clauses.yaml")
    (root / "test-fee").mkdir()
    (root / "test-fee" / "2017.1.yaml").write_text(FEE_2017, encoding="utf-8")
    (root / "test-fee" / "2018.1.yaml").write_text(FEE_2018, encoding="utf-8")
    return root


def run(*args: str | Path) -> object:
    return CliRunner().invoke(app, ["decide-bulk", *[str(a) for a in args]])


def claims_csv(path: Path, rows: int, bad: float, seed: int = 7, encoding: str = "utf-8") -> pd.DataFrame:
    frame, planted = generate.claims(rows, bad, seed)
    frame.to_csv(path, index=False, encoding=encoding)
    return planted


# --- rows in = decided + rejected -------------------------------------------------------------


def test_bad_rows_are_rejected_with_row_column_and_reason_and_the_rest_decided(tmp_path: Path) -> None:
    planted = claims_csv(tmp_path / "claims.csv", 2000, 0.01)
    result = run(REFERRAL, "--data", tmp_path / "claims.csv", "--out", tmp_path / "out.parquet",
                 "--columns", EXAMPLE / "columns.yaml", "--date-column", generate.DATE,
                 "--rejects", tmp_path / "rejects.csv", "--rules", RULES)
    assert result.exit_code == 3, result.output
    decided = pd.read_parquet(tmp_path / "out.parquet")
    rejects = pd.read_csv(tmp_path / "rejects.csv", keep_default_na=False, dtype={"value": str})
    assert len(planted) == 20
    assert len(decided) + rejects["row"].nunique() == 2000
    assert f"rows in 2,000 = decided {len(decided):,} + rejected 20" in result.output
    assert sorted(rejects["row"]) == sorted(planted["row"])
    for (_, want), (_, got) in zip(planted.iterrows(), rejects.iterrows(), strict=True):
        assert got["row"] == want["row"]
        assert got["column"] == want["header"]
        assert want["reason"] in got["reason"], (want, got)
    assert not set(decided["row"]) & set(rejects["row"])
    assert decided["row"].is_monotonic_increasing


def test_outputs_carry_the_deciding_rule_the_version_and_warnings(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "referral_direction": ["upward", "downward"], "within_primary_scope": ["false", "true"],
        "severity": ["acute", "ordinary"], "within_association": ["true", "true"], "eligible_cost": ["10000", "800"],
    })
    result = decide_table(REFERRAL, frame, RULES, on=dt.date(2017, 9, 1))
    decided = result.decided.set_index("row")
    assert decided.loc[1, "transfer_to_county"] == True  # noqa: E712 (a numpy/pandas boolean)
    assert decided.loc[1, "transfer_to_county__by"] == "upward-referral"
    assert decided.loc[1, "applicable_ratio"] == pytest.approx(0.85)
    assert decided.loc[1, "version"] == "2017.1"
    assert pd.isna(decided.loc[1, "warnings"])
    # the plan states no ratio for a downward referral: the row is decided, the ratio is not
    assert pd.isna(decided.loc[2, "applicable_ratio"])
    assert "applicable_ratio" in decided.loc[2, "warnings"]
    assert result.rows_in == 2 and result.rows_decided == 2 and result.rows_rejected == 0


def test_explain_levels(tmp_path: Path) -> None:
    frame = pd.DataFrame({"referral_direction": ["upward"], "within_primary_scope": [False], "severity": ["acute"],
                          "within_association": [True], "eligible_cost": [1000.0]})
    plain = decide_table(REFERRAL, frame, RULES, on=dt.date(2017, 9, 1), explain="none").decided
    assert not [c for c in plain.columns if c.endswith("__by")]
    assert {"row", "version", "transfer_to_county"} <= set(plain.columns)
    full = decide_table(REFERRAL, frame, RULES, on=dt.date(2017, 9, 1), explain="full").decided
    conditions = json.loads(full.loc[0, "explanation"])
    upward = next(r for r in conditions["rules"] if r["id"] == "upward-referral")
    assert upward["fired"] is True
    assert upward["conditions"][0]["value"] is True
    assert "referral_direction (= 'upward')" in upward["conditions"][0]["expression"]


def test_explain_full_is_refused_above_its_row_limit(tmp_path: Path) -> None:
    frame = pd.DataFrame({"referral_direction": ["none"] * (ROW_BY_ROW_LIMIT + 1)})
    with pytest.raises(MedunionError, match="limited to 10,000 rows"):
        decide_table(REFERRAL, frame, RULES, on=dt.date(2017, 9, 1), explain="full")


# --- dates: each row by its own version and parameter values ----------------------------------


def test_date_column_chooses_version_and_parameter_period_per_row(fee_rules: Path) -> None:
    frame = pd.DataFrame({
        "amount": ["100"] * 7, "kind": ["a", "b", "a", "b", "a", "a", "b"],
        "day": ["2017-03-01", "2017-06-30", "2017-07-01", "2017-12-31", "2018-02-01", "2016-12-31", None],
    })
    result = decide_table("test-fee", frame, fee_rules, date_column="day")
    decided = result.decided.set_index("row")
    assert decided["fee"].to_dict() == {1: 10.0, 2: 10.0, 3: 20.0, 4: 20.0, 5: 50.0}
    assert decided["version"].to_dict() == {1: "2017.1", 2: "2017.1", 3: "2017.1", 4: "2017.1", 5: "2018.1"}
    assert decided["is_a"].tolist() == [True, False, True, False, True]
    rejects = result.rejects.set_index("row")
    assert "no version of test-fee is in force on 2016-12-31" in rejects.loc[6, "reason"]
    assert rejects.loc[6, "column"] == "day"
    assert "no date" in rejects.loc[7, "reason"]
    assert result.rows_in == result.rows_decided + result.rows_rejected == 7


def test_the_same_rows_in_other_batches_decide_the_same(fee_rules: Path, tmp_path: Path) -> None:
    """Batches cut the file anywhere: row numbers and decisions do not depend on where."""
    days = pd.date_range("2017-01-01", "2018-12-31", freq="D").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"amount": [str(i % 97) for i in range(len(days))], "kind": ["a", "b"] * (len(days) // 2)
                          + ["a"] * (len(days) % 2), "day": days})
    frame.loc[100, "amount"] = "-1"
    frame.to_csv(tmp_path / "fees.csv", index=False)
    whole = decide_table("test-fee", frame, fee_rules, date_column="day")
    summary = decide_file("test-fee", tmp_path / "fees.csv", tmp_path / "fees.parquet", fee_rules, date_column="day",
                          rejects=tmp_path / "rejects.parquet", batch_bytes=4096)
    streamed = pd.read_parquet(tmp_path / "fees.parquet")
    assert summary.rows_in == len(frame) and summary.rows_rejected == 1
    job = batch.run.make_job("test-fee", fee_rules, date_column="day")
    written = arrow_table(whole.decided, output_schema(job.columns(), job.outputs())).to_pandas()
    pd.testing.assert_frame_equal(streamed, written, check_dtype=False)
    assert pd.read_parquet(tmp_path / "rejects.parquet")["row"].tolist() == [101]


def test_on_before_every_version_refuses_the_whole_file(fee_rules: Path) -> None:
    with pytest.raises(MedunionError, match="no version of test-fee is in force on 2016-01-01"):
        decide_table("test-fee", pd.DataFrame({"amount": [1.0], "kind": ["a"]}), fee_rules, on=dt.date(2016, 1, 1))


def test_a_missing_input_column_refuses_the_whole_table() -> None:
    frame = pd.DataFrame({"referral_direction": ["upward"]})
    with pytest.raises(MedunionError, match="no column for input 'within_primary_scope'"):
        decide_table(REFERRAL, frame, RULES, on=dt.date(2017, 9, 1))


def test_a_null_in_a_required_input_is_not_a_reject() -> None:
    """Contracts #1: the outputs that need the value stay undecided in that row; the rest are decided."""
    frame = pd.DataFrame({"referral_direction": ["none", "none"], "within_primary_scope": ["true", "true"],
                          "severity": ["ordinary", "ordinary"], "within_association": ["false", "false"],
                          "eligible_cost": ["1000", None]})
    result = decide_table(REFERRAL, frame, RULES, on=dt.date(2017, 9, 1))
    assert result.rows_rejected == 0 and result.rows_decided == 2
    decided = result.decided.set_index("row")
    assert decided.loc[1, "reimbursement"] == pytest.approx(700.0)
    assert pd.isna(decided.loc[2, "reimbursement"])
    assert decided.loc[2, "applicable_ratio"] == pytest.approx(0.70)
    assert "reimbursement" in decided.loc[2, "warnings"]


# --- files: column map, encodings, Parquet -----------------------------------------------------


def test_column_map_with_chinese_headers_and_gb18030(tmp_path: Path) -> None:
    claims_csv(tmp_path / "gbk.csv", 300, 0.0, encoding="gb18030")
    assert sniff_encoding(tmp_path / "gbk.csv").codec == "gb18030"
    summary = decide_file(REFERRAL, tmp_path / "gbk.csv", tmp_path / "out.parquet", RULES,
                          date_column=generate.DATE, columns=EXAMPLE / "columns.yaml")
    assert summary.encoding == "GB18030 (GBK)"
    assert summary.rows_in == summary.rows_decided == 300
    assert summary.unused_columns == (generate.CLAIM_ID,)
    source = pd.read_csv(tmp_path / "gbk.csv", encoding="gb18030", dtype=str)
    decided = pd.read_parquet(tmp_path / "out.parquet")
    upward = source["转诊方向"].eq("upward") & (source["基层诊疗范围内"].eq("false")
                                               | source["病情"].isin(["acute", "dangerous", "difficult", "severe"]))
    assert decided["transfer_to_county"].tolist() == upward.tolist()


def test_rejects_name_the_files_header_and_quote_the_chinese_value(tmp_path: Path) -> None:
    frame, _ = generate.claims(5, 0.0, 3)
    frame.loc[2, "转诊方向"] = "上转"
    frame.to_csv(tmp_path / "c.csv", index=False)
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--columns",
                 EXAMPLE / "columns.yaml", "--on", "2017-05-01", "--rejects", tmp_path / "r.csv", "--rules", RULES)
    assert result.exit_code == 3, result.output
    rejects = pd.read_csv(tmp_path / "r.csv")
    chinese = rejects.pop("reason_zh")  # the same reason in Chinese (tests/test_outer_zh.py checks the words)
    assert rejects.to_dict("records") == [{"row": 3, "column": "转诊方向", "value": "上转",
                                           "reason": "'上转' is not one of: upward, downward, none"}]
    assert chinese[0].startswith("'上转'") and "upward, downward, none" in chinese[0]


def test_parquet_in_and_out(tmp_path: Path) -> None:
    frame = pd.DataFrame({"referral_direction": ["upward", "none", "sideways"],
                          "within_primary_scope": [False, True, True],
                          "severity": ["acute", "ordinary", "ordinary"], "within_association": [True, False, True],
                          "eligible_cost": [1000.0, 2000.0, 5.0], "day": [dt.date(2017, 2, 1)] * 3})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "in.parquet")
    result = run(REFERRAL, "--data", tmp_path / "in.parquet", "--out", tmp_path / "out.parquet",
                 "--date-column", "day", "--rejects", tmp_path / "rejects.parquet", "--rules", RULES)
    assert result.exit_code == 3, result.output
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.schema.field("transfer_to_county").type == pa.bool_()
    assert out.schema.field("reimbursement").type == pa.float64()
    assert out.column("row").to_pylist() == [1, 2]
    assert out.column("reimbursement").to_pylist() == [850.0, 1400.0]
    rejects = pd.read_parquet(tmp_path / "rejects.parquet")
    assert rejects[["row", "column", "value"]].values.tolist() == [[3, "referral_direction", "sideways"]]


def test_a_parquet_string_is_not_read_as_a_number(tmp_path: Path) -> None:
    """Parquet is typed: "9" in a text column is text, as in a case file (a CSV has no types)."""
    frame = pd.DataFrame({"referral_direction": ["none"], "within_primary_scope": [True], "severity": ["ordinary"],
                          "within_association": [False], "eligible_cost": ["900"]})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "in.parquet")
    summary = decide_file(REFERRAL, tmp_path / "in.parquet", tmp_path / "o.parquet", RULES, on=dt.date(2017, 2, 1),
                          rejects=tmp_path / "r.csv")
    assert summary.rows_rejected == 1
    assert "expected a number" in pd.read_csv(tmp_path / "r.csv")["reason"][0]


def test_rejects_csv_cannot_carry_a_formula(tmp_path: Path) -> None:
    frame, _ = generate.claims(3, 0.0, 5)
    frame.loc[0, "病情"] = '=HYPERLINK("http://x","y")'
    frame.to_csv(tmp_path / "c.csv", index=False)
    run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--columns", EXAMPLE / "columns.yaml",
        "--on", "2017-05-01", "--rejects", tmp_path / "r.csv", "--rules", RULES)
    rejects = pd.read_csv(tmp_path / "r.csv")
    assert rejects["value"][0].startswith("'=")
    assert rejects["reason"][0].startswith("'")  # the reason quotes the value first


# --- exit codes and refusals -------------------------------------------------------------------


def test_exit_codes(tmp_path: Path) -> None:
    claims_csv(tmp_path / "good.csv", 50, 0.0)
    args = ["--columns", EXAMPLE / "columns.yaml", "--rules", RULES]
    good = run(REFERRAL, "--data", tmp_path / "good.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01", *args)
    assert good.exit_code == 0, good.output
    assert "rows in 50 = decided 50 + rejected 0" in good.output
    claims_csv(tmp_path / "bad.csv", 50, 0.1)
    bad = run(REFERRAL, "--data", tmp_path / "bad.csv", "--out", tmp_path / "o.parquet", "--date-column",
              generate.DATE, *args)
    assert bad.exit_code == 3, bad.output
    assert "give --rejects FILE" in bad.output
    usage = run(REFERRAL, "--data", tmp_path / "good.csv", "--out", tmp_path / "o.parquet", *args)
    assert usage.exit_code == 2
    assert "--on DATE" in usage.output
    (tmp_path / "empty.csv").write_bytes(b"")
    refused = run(REFERRAL, "--data", tmp_path / "empty.csv", "--out", tmp_path / "e.parquet", "--on", "2017-06-01",
                  *args)
    assert refused.exit_code == 1
    assert "empty.csv:1:1: error: the file is empty" in refused.output
    assert not (tmp_path / "e.parquet").exists()


def test_a_refused_run_leaves_no_partial_output(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("referral_direction\nupward\n", encoding="utf-8")
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01",
                 "--rejects", tmp_path / "r.csv", "--rules", RULES)
    assert result.exit_code == 1
    assert "no column for input 'within_primary_scope'" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfeh\x00", "UTF-16"),
    (b"a,b\n\x001,2\n", "NUL bytes"),
    (b"referral_direction,referral_direction\nupward,none\n", "more than once"),
    (b"\x81\x30\xff\xff,b\n", "neither UTF-8 nor GB18030"),
])
def test_unreadable_csv_is_refused_whole(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "c.csv").write_bytes(content)
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01",
                 "--rules", RULES)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "c.csv:1:1: error:" in result.output


def test_a_ragged_csv_is_refused_saying_after_which_row(tmp_path: Path) -> None:
    claims_csv(tmp_path / "c.csv", 20, 0.0)
    with (tmp_path / "c.csv").open("a", encoding="utf-8") as handle:
        handle.write("SYN1,2017-01-01,upward,true,acute,true,1,extra\n")
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01",
                 "--columns", EXAMPLE / "columns.yaml", "--rules", RULES)
    assert result.exit_code == 1
    assert "Expected 7 columns, got 8" in result.output


# --- the column map ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "where", "message"), [
    ("转诊方向: referral_directon\n", ":1:7:", "not a known input; did you mean 'referral_direction'?"),
    ("转诊方向: severity\n病情: severity\n", ":2:5:", "both map to 'severity'"),
    ("a: &x severity\nb: *x\n", ":1:4:", "both map to 'severity'"),  # an alias can only repeat a target
    ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 10)),
     ":1:", "once its aliases are expanded"),
    ("- severity\n", ":1:1:", "a column map is a mapping"),
    ("转诊方向: [severity]\n", ":1:7:", "give the name of input"),
    ("转诊方向: severity\n转诊方向: within_association\n", ":2:1:", "duplicate key"),
])
def test_a_bad_column_map_is_refused_at_its_position(tmp_path: Path, text: str, where: str, message: str) -> None:
    claims_csv(tmp_path / "c.csv", 5, 0.0)
    (tmp_path / "map.yaml").write_text(text, encoding="utf-8")
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01",
                 "--columns", tmp_path / "map.yaml", "--rules", RULES)
    assert result.exit_code == 1, result.output
    assert f"map.yaml{where}" in result.output, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_huge_column_map_is_refused(tmp_path: Path) -> None:
    claims_csv(tmp_path / "c.csv", 5, 0.0)
    with (tmp_path / "map.yaml").open("w", encoding="utf-8") as handle:
        for n in range(400_000):
            handle.write(f"header_{n}: severity\n")
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01",
                 "--columns", tmp_path / "map.yaml", "--rules", RULES)
    assert result.exit_code == 1
    assert "map.yaml:1:1: error:" in result.output
    assert "bytes" in result.output


# --- decision records --------------------------------------------------------------------------


def test_record_keeps_one_record_per_decided_row(tmp_path: Path) -> None:
    from records import RecordStore

    claims_csv(tmp_path / "c.csv", 12, 0.0)
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--columns",
                 EXAMPLE / "columns.yaml", "--date-column", generate.DATE, "--record", url, "--rules", RULES)
    assert result.exit_code == 0, result.output
    decided = pd.read_parquet(tmp_path / "o.parquet")
    store = RecordStore(url)
    try:
        stored = list(store.iterate())
    finally:
        store.close()
    assert [r.record_id for r in stored] == decided["record_id"].tolist()
    first = stored[0]
    assert first.ruleset_id == REFERRAL
    assert first.outputs["transfer_to_county"] == bool(decided["transfer_to_county"][0])


def test_record_is_refused_above_its_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch.run, "ROW_BY_ROW_LIMIT", 10)
    claims_csv(tmp_path / "c.csv", 11, 0.0)
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--columns",
                 EXAMPLE / "columns.yaml", "--on", "2017-06-01", "--record", f"sqlite:///{tmp_path / 'r.sqlite'}",
                 "--rules", RULES)
    assert result.exit_code == 1
    assert "--record decides each row again" in result.output
    assert not (tmp_path / "o.parquet").exists()


# --- the bundled example and scale ------------------------------------------------------------


def test_the_bundled_example_runs_as_the_readme_says(tmp_path: Path) -> None:
    result = run(REFERRAL, "--data", EXAMPLE / "claims-SYNTHETIC.csv", "--columns", EXAMPLE / "columns.yaml",
                 "--date-column", generate.DATE, "--rejects", tmp_path / "rejects.csv", "--out",
                 tmp_path / "decided.parquet", "--rules", RULES)
    assert result.exit_code == 3, result.output
    rejects = pd.read_csv(tmp_path / "rejects.csv", keep_default_na=False)
    reasons = " | ".join(rejects["reason"])
    for _, _, reason in generate.BAD_CELLS:  # each kind of bad cell planted in the example is rejected
        assert reason in reasons
    decided = pd.read_parquet(tmp_path / "decided.parquet")
    assert len(decided) + rejects["row"].nunique() == 3000


@pytest.mark.slow
def test_a_million_claims_with_one_percent_bad_rows(tmp_path: Path) -> None:
    """The issue's done-when: 99% decided, 1% rejected, each rejection with its reason."""
    planted = claims_csv(tmp_path / "million.csv", 1_000_000, 0.01, seed=11)
    summary = decide_file(REFERRAL, tmp_path / "million.csv", tmp_path / "out.parquet", RULES,
                          date_column=generate.DATE, columns=EXAMPLE / "columns.yaml", explain="none",
                          rejects=tmp_path / "rejects.parquet")
    assert summary.rows_in == 1_000_000
    assert summary.rows_rejected == len(planted) == 10_000
    assert summary.rows_decided == 990_000
    rejects = pd.read_parquet(tmp_path / "rejects.parquet")
    assert rejects["row"].tolist() == planted["row"].tolist()
    assert rejects["reason"].str.len().min() > 0
    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.num_rows == 990_000


def test_the_output_may_not_overwrite_the_data(tmp_path: Path) -> None:
    pq.write_table(pa.table({"referral_direction": ["none"]}), tmp_path / "c.parquet")
    result = run(REFERRAL, "--data", tmp_path / "c.parquet", "--out", tmp_path / "c.parquet", "--on", "2017-06-01",
                 "--rules", RULES)
    assert result.exit_code == 1
    assert "three different files" in result.output
    assert pq.read_table(tmp_path / "c.parquet").num_rows == 1


def test_a_bad_rejects_name_leaves_nothing_behind(tmp_path: Path) -> None:
    claims_csv(tmp_path / "c.csv", 5, 0.0)
    result = run(REFERRAL, "--data", tmp_path / "c.csv", "--out", tmp_path / "o.parquet", "--on", "2017-06-01",
                 "--columns", EXAMPLE / "columns.yaml", "--rejects", tmp_path / "r.xlsx", "--rules", RULES)
    assert result.exit_code == 1
    assert "r.xlsx:1:1: error: the rejects are written as CSV (.csv) or Parquet (.parquet)" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_a_utf8_bom_does_not_become_part_of_the_first_header(tmp_path: Path) -> None:
    frame, _ = generate.claims(20, 0.0, 9)
    frame = frame.drop(columns=[generate.CLAIM_ID])  # the date column comes first, right after the BOM
    frame.to_csv(tmp_path / "bom.csv", index=False, encoding="utf-8-sig")
    summary = decide_file(REFERRAL, tmp_path / "bom.csv", tmp_path / "o.parquet", RULES, date_column=generate.DATE,
                          columns=EXAMPLE / "columns.yaml")
    assert summary.encoding == "UTF-8 with BOM"
    assert summary.rows_decided == 20
