"""The HTTP API (`medunion serve`) through FastAPI's TestClient, on the shipped rules and a
temporary SQLite record store."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from medunion.service.app import create_app
from medunion.service.bulk import OutputFormat, encoded
from medunion.service.refusals import DECIDE_BODY_LIMIT, MAX_JSON_DEPTH, json_depth
from records import RecordStore, verify

RULES = Path(__file__).resolve().parents[1] / "rules"
REFERRAL = "/rulesets/zhenghe-referral/decide"
UPWARD = {"referral_direction": "upward", "within_primary_scope": False, "severity": "acute",
          "within_association": True, "eligible_cost": 12000}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('service') / 'records.sqlite'}"


@pytest.fixture(scope="module")
def client(db: str) -> Iterator[TestClient]:
    """One app for the module (reading every rule set takes a while), recording in a temporary store."""
    with TestClient(create_app(RULES, db)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def unrecorded() -> Iterator[TestClient]:
    with TestClient(create_app(RULES, None)) as test_client:
        yield test_client


def decide(client: TestClient, inputs: dict[str, Any], on: str = "2017-09-01", path: str = REFERRAL) -> Any:
    return client.post(path, json={"on": on, "inputs": inputs})


def locs(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [p["loc"] for p in response.json()["detail"]]


# -- reading the rule sets ------------------------------------------------------------------------


def test_health_counts_the_rule_sets_and_says_whether_it_records(client: TestClient) -> None:
    answer = client.get("/health").json()
    assert answer == {"status": "ok", "rulesets": len([p for p in RULES.iterdir() if (p / "2017.1.yaml").is_file()]),
                      "records": True}


def test_rulesets_lists_ids_titles_in_both_languages_and_dated_versions(client: TestClient) -> None:
    found = {item["id"]: item for item in client.get("/rulesets").json()}
    referral = found["zhenghe-referral"]
    assert referral["title"] == "Two-way referral and its insurance tilt"
    assert referral["title_zh"] == "双向转诊与医保倾斜"
    assert referral["versions"][0] == {"version": "2017.1", "status": "adopted", "effective_from": "2017-01-01",
                                       "effective_until": None}
    payment = [v["version"] for v in found["huangzhong-insurance-payment"]["versions"]]
    assert payment[:2] == ["2017.1", "2018.1"] and payment == sorted(payment)


def test_a_version_shows_each_rule_with_its_clause_text_and_source_sentence(client: TestClient) -> None:
    answer = client.get("/rulesets/zhenghe-referral/versions/2017.1")
    assert answer.status_code == 200
    view = answer.json()
    rule = next(r for r in view["rules"] if r["id"] == "upward-referral")
    assert rule["clause"]["key"] == "zhenghe-2017 IV.7.2"
    assert rule["clause"]["heading"] and rule["clause"]["provides"]  # from rules/clauses.yaml
    assert rule["source"].startswith("Patients who are not within the scope")
    assert rule["when"][0] == "referral_direction == 'upward'"
    assert rule["then"] == {"transfer_to_county": "true"}
    assert view["inputs"]["referral_direction"]["values"] == ["upward", "downward", "none"]
    assert view["parameters"]["township_reimbursement_ratio"]["values"][0]["value"] == 0.85
    assert len(view["digest"]) == 64
    readings = {r["id"]: r["reading"] for r in view["rules"] if r["reading"]}
    assert readings["upward-referral-township-ratio"]["status"] == "drafter-reading"  # issue 11: marked, not law
    assert "upward-referral" not in readings
    assert view["parameters"]["township_reimbursement_ratio"]["reading"]["status"] == "drafter-reading"


def test_unknown_rule_set_version_and_record_are_404(client: TestClient) -> None:
    assert client.get("/rulesets/no-such-set/versions/2017.1").status_code == 404
    missing = client.get("/rulesets/zhenghe-referral/versions/1999.1")
    assert missing.status_code == 404 and "2017.1" in missing.json()["detail"]
    assert decide(client, UPWARD, path="/rulesets/no-such-set/decide").status_code == 404
    assert client.get("/records/no-such-record").status_code == 404
    upload = client.post("/rulesets/no-such-set/decide-bulk?on=2017-09-01",
                         files={"file": ("cases.csv", b"a\n1\n", "text/csv")})
    assert upload.status_code == 404


# -- deciding one case ----------------------------------------------------------------------------


def test_decide_gives_the_outputs_the_explanation_and_a_readable_record(client: TestClient, db: str) -> None:
    answer = decide(client, UPWARD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outputs"]["transfer_to_county"] is True
    assert body["outputs"]["applicable_ratio"] == 0.85
    assert body["outputs"]["reimbursement"] == pytest.approx(10200)
    explanation = body["explanation"]
    assert explanation["format"] == "medunion/explanation@1"
    assert explanation["inputs"]["eligible_cost"] == 12000  # a whole amount stays whole, as in a case file
    assert explanation["outputs"]["transfer_to_county"]["by"]["clause"] == "zhenghe-2017 IV.7.2"
    record = client.get(f"/records/{body['record_id']}")
    assert record.status_code == 200
    stored = record.json()
    assert stored["sequence"] == body["sequence"] >= 1
    assert stored["hash"] == body["hash"]
    assert stored["ruleset_id"] == "zhenghe-referral" and stored["on"] == "2017-09-01"
    assert stored["explanation"] == explanation
    assert stored["outputs"] == body["outputs"]


def test_records_chain_and_verify(client: TestClient, db: str) -> None:
    ids = [decide(client, {**UPWARD, "eligible_cost": cost}).json()["record_id"] for cost in (100, 200, 300)]
    assert len(set(ids)) == 3
    store = RecordStore(db, create=False)
    try:
        assert [r.record_id for r in store.iterate()][-3:] == ids
        assert verify(store) == []
    finally:
        store.close()


def test_no_record_server_decides_without_records(unrecorded: TestClient) -> None:
    body = decide(unrecorded, UPWARD).json()
    assert body["record_id"] is None and body["outputs"]["transfer_to_county"] is True
    assert unrecorded.get("/health").json()["records"] is False
    assert unrecorded.get("/records/anything").status_code == 404


def test_an_input_left_out_or_null_blocks_only_the_outputs_that_need_it(unrecorded: TestClient) -> None:
    without_cost = {k: v for k, v in UPWARD.items() if k != "eligible_cost"}
    for given in (without_cost, {**without_cost, "eligible_cost": None}):
        answer = decide(unrecorded, given)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["outputs"]["transfer_to_county"] is True and body["outputs"]["applicable_ratio"] == 0.85
        assert body["outputs"]["reimbursement"] is None
        assert "eligible_cost" in body["explanation"]["outputs"]["reimbursement"]["reason"]


def test_the_version_in_force_on_the_date_decides(client: TestClient) -> None:
    inputs = {"institution_kind": "township_health_centre", "eligible_cost": 1000}
    path = "/rulesets/huangzhong-insurance-payment/decide"
    versions = {v["version"]: v for v in next(r for r in client.get("/rulesets").json()
                                              if r["id"] == "huangzhong-insurance-payment")["versions"]}
    for version, period in versions.items():
        answer = decide(client, inputs, on=period["effective_from"], path=path)
        assert answer.status_code == 200, answer.text
        assert answer.json()["explanation"]["ruleset"]["version"] == version


# -- refusals: 422 with the place of each problem ---------------------------------------------------


def test_wrong_type_is_refused_at_the_input(client: TestClient) -> None:
    answer = decide(client, {**UPWARD, "eligible_cost": "12000"})
    assert locs(answer) == [["body", "inputs", "eligible_cost"]]
    assert "expected a number" in answer.json()["detail"][0]["msg"]
    assert locs(decide(client, {**UPWARD, "within_association": "yes"})) == [["body", "inputs", "within_association"]]
    assert locs(decide(client, {**UPWARD, "eligible_cost": True})) == [["body", "inputs", "eligible_cost"]]


def test_unknown_enum_value_is_refused_at_the_input(client: TestClient) -> None:
    answer = decide(client, {**UPWARD, "severity": "mild"})
    assert locs(answer) == [["body", "inputs", "severity"]]
    assert "'ordinary'" in answer.json()["detail"][0]["msg"]


def test_out_of_bounds_is_refused_at_the_input(client: TestClient) -> None:
    assert locs(decide(client, {**UPWARD, "eligible_cost": -1})) == [["body", "inputs", "eligible_cost"]]


def test_missing_on_is_refused_at_on(client: TestClient) -> None:
    assert locs(client.post(REFERRAL, json={"inputs": UPWARD})) == [["body", "on"]]
    assert locs(decide(client, UPWARD, on="2017-13-01")) == [["body", "on"]]
    assert locs(decide(client, UPWARD, on="20170901")) == [["body", "on"]]


def test_a_date_without_a_version_in_force_is_refused_at_on(client: TestClient) -> None:
    answer = decide(client, UPWARD, on="1990-01-01")
    assert locs(answer) == [["body", "on"]]
    assert "in force" in answer.json()["detail"][0]["msg"]


def test_an_input_the_rule_set_does_not_declare_is_refused_at_its_name(client: TestClient) -> None:
    assert locs(decide(client, {**UPWARD, "eligble_cost": 5})) == [["body", "inputs", "eligble_cost"]]
    assert locs(client.post(REFERRAL, json={"on": "2017-09-01", "inputs": UPWARD, "extra": 1})) == [["body", "extra"]]


def test_every_problem_is_listed_not_just_the_first(client: TestClient) -> None:
    answer = decide(client, {**UPWARD, "severity": "mild", "eligible_cost": "x", "unknown": 1})
    assert sorted(map(tuple, locs(answer))) == [("body", "inputs", "eligible_cost"), ("body", "inputs", "severity"),
                                                ("body", "inputs", "unknown")]


def test_malformed_json_and_a_wrong_body_are_422_not_500(client: TestClient) -> None:
    broken = client.post(REFERRAL, content=b'{"on": "2017-09-01",', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"][0]["loc"][0] == "body"
    assert client.post(REFERRAL, json=[1, 2]).status_code == 422
    assert client.post(REFERRAL, json={"on": "2017-09-01", "inputs": [1]}).status_code == 422


def test_a_refusal_does_not_echo_a_huge_value(client: TestClient) -> None:
    answer = decide(client, {**UPWARD, "severity": "x" * 100_000})
    assert answer.status_code == 422
    assert len(answer.text) < 2_000


def test_a_fault_of_medunion_is_a_one_line_500_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import medunion.service.app as service

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the evaluator broke")

    monkeypatch.setattr(service, "decide", broken)
    with TestClient(create_app(RULES, None), raise_server_exceptions=False) as client:
        answer = decide(client, UPWARD)
    assert answer.status_code == 500
    assert answer.json() == {"detail": "internal error: RuntimeError: the evaluator broke (this is a bug in medunion)"}


def test_deciding_runs_in_the_threadpool_not_on_the_event_loop(client: TestClient) -> None:
    import inspect

    from fastapi.routing import APIRoute

    routes = [r for r in client.app.routes if isinstance(r, APIRoute) and "decide" in r.path]
    assert len(routes) >= len(client.get("/rulesets").json()) + 1  # one per rule set, and decide-bulk
    assert not any(inspect.iscoroutinefunction(r.endpoint) for r in routes)  # FastAPI runs a plain def in threads


# -- limits -----------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    big = json.dumps({"on": "2017-09-01", "inputs": {"severity": "x" * DECIDE_BODY_LIMIT}}).encode()
    answer = client.post(REFERRAL, content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413


def test_json_nested_too_deep_is_refused_before_parsing(client: TestClient) -> None:
    depth = 200_000  # deep enough to exhaust Python's recursion limit if it were parsed
    body = b'{"on": "2017-09-01", "inputs": {"severity": ' + b"[" * depth + b"]" * depth + b"}}"
    answer = client.post(REFERRAL, content=body, headers={"content-type": "application/json"})
    assert locs(answer) == [["body"]]
    assert "deeper than" in answer.json()["detail"][0]["msg"]


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[[[{{{{"}') == 1
    assert json_depth(b'{"a": [[1]], "b": "\\"[["}') == 3
    assert json_depth(b"[" * 100 + b"]" * 100) == MAX_JSON_DEPTH + 1  # counting stops once it is too deep


# -- bulk -------------------------------------------------------------------------------------------

CSV = (b"referral_direction,within_primary_scope,severity,within_association,eligible_cost\n"
       b"upward,false,acute,true,12000\n"
       b"upward,maybe,acute,true,abc\n"
       b"downward,true,ordinary,true,500\n")


def bulk(client: TestClient, data: bytes, query: str = "on=2017-09-01", name: str = "cases.csv",
         headers: dict[str, str] | None = None) -> Any:
    return client.post(f"/rulesets/zhenghe-referral/decide-bulk?{query}", files={"file": (name, data, "text/csv")},
                       headers=headers or {})


def test_bulk_csv_decides_good_rows_and_rejects_bad_ones_with_reasons(client: TestClient, db: str) -> None:
    answer = bulk(client, CSV, "on=2017-09-01&format=csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert (answer.headers["x-rows-in"], answer.headers["x-rows-decided"], answer.headers["x-rows-rejected"]) == \
        ("3", "2", "1")
    table = pd.read_csv(io.StringIO(answer.text))
    assert list(table["row"]) == [1, 2, 3]
    assert list(table["rejected"]) == [False, True, False]
    assert table.loc[0, "reimbursement"] == pytest.approx(10200)
    assert table.loc[0, "transfer_to_county__by"] == "upward-referral"
    problems = json.loads(table.loc[1, "rejects"])
    assert {p["column"] for p in problems} == {"within_primary_scope", "eligible_cost"}
    assert all(p["reason"] for p in problems)
    recorded = [r for r in table["record_id"] if isinstance(r, str)]
    assert len(recorded) == 2 and all(client.get(f"/records/{r}").status_code == 200 for r in recorded)


def test_bulk_answers_parquet_by_default_and_csv_by_accept(client: TestClient) -> None:
    parquet = bulk(client, CSV)
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert len(pd.read_parquet(io.BytesIO(parquet.content))) == 3
    by_accept = bulk(client, CSV, headers={"accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")


def test_bulk_takes_a_parquet_upload_and_a_date_column(client: TestClient) -> None:
    frame = pd.DataFrame({"referral_direction": ["upward", "upward"], "within_primary_scope": [False, False],
                          "severity": ["acute", "acute"], "within_association": [True, True],
                          "eligible_cost": [12000.0, 100.0], "day": ["2017-09-01", "1990-01-01"]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    answer = bulk(client, buffer.getvalue(), "date_column=day&format=csv", name="cases.parquet")
    assert answer.status_code == 200, answer.text
    table = pd.read_csv(io.StringIO(answer.text))
    assert list(table["rejected"]) == [False, True]  # 1990: no version in force
    assert "in force" in json.loads(table.loc[1, "rejects"])[0]["reason"]


def test_bulk_csv_output_neutralises_formula_cells(client: TestClient) -> None:
    data = CSV + b"upward,false,acute,true,=HYPERLINK(1)\n"
    table = pd.read_csv(io.StringIO(bulk(client, data, "on=2017-09-01&format=csv").text))
    assert json.loads(table.loc[3, "rejects"])[0]["value"] == "=HYPERLINK(1)"  # quoted inside JSON text: inert
    written = encoded(pd.DataFrame({"rejects": ["=HYPERLINK(1)", "-3", "ok"], "n": [1, -2, 3]}), OutputFormat.csv)
    assert written.decode().splitlines() == ["rejects,n", "'=HYPERLINK(1),1", "-3,-2", "ok,3"]


def test_bulk_refusals_of_the_whole_file_are_422(client: TestClient) -> None:
    assert locs(bulk(client, CSV, "")) == [["query", "on"]]
    assert locs(bulk(client, b"")) == [["body", "file"]]
    missing = bulk(client, b"a,b\n1,2\n")
    assert locs(missing) == [["body", "file"]] and "referral_direction" in missing.json()["detail"][0]["msg"]
    assert locs(bulk(client, b"PAR1 not really parquet", name="x.parquet")) == [["body", "file"]]
    assert client.post("/rulesets/zhenghe-referral/decide-bulk?on=2017-09-01").status_code == 422  # no file


def test_bulk_without_records(unrecorded: TestClient) -> None:
    answer = bulk(unrecorded, CSV, "on=2017-09-01&format=csv&explain=none")
    assert answer.status_code == 200, answer.text
    table = pd.read_csv(io.StringIO(answer.text))
    assert "record_id" not in table.columns and "transfer_to_county__by" not in table.columns
    assert len(table) == 3


def test_a_bulk_upload_may_be_larger_than_a_decide_request(unrecorded: TestClient) -> None:
    line = b"upward,false,acute,true,12000\n"
    data = CSV.split(b"\n")[0] + b"\n" + line * (DECIDE_BODY_LIMIT // len(line) + 1000)  # over 1 MiB
    answer = bulk(unrecorded, data, "on=2017-09-01&explain=none")
    assert answer.status_code == 200, answer.text[:500]
    assert int(answer.headers["x-rows-decided"]) == DECIDE_BODY_LIMIT // len(line) + 1000


def test_a_bulk_upload_over_its_limit_is_413(monkeypatch: pytest.MonkeyPatch) -> None:
    import medunion.service.bulk as service_bulk

    monkeypatch.setattr(service_bulk, "BULK_BODY_LIMIT", 10_000)  # the real one is 64 MiB
    with TestClient(create_app(RULES, None)) as client:
        assert bulk(client, CSV).status_code == 200
        assert bulk(client, CSV * 200).status_code == 413


def test_bulk_reads_the_shipped_example_through_its_column_map(unrecorded: TestClient) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "bulk"
    data = (example / "claims-SYNTHETIC.csv").read_bytes()
    client = unrecorded
    answer = client.post("/rulesets/zhenghe-referral/decide-bulk", params={"date_column": "就诊日期", "format": "csv"},
                         files={"file": ("claims.csv", data, "text/csv"),
                                "columns": ("columns.yaml", (example / "columns.yaml").read_bytes(), "text/yaml")})
    assert answer.status_code == 200, answer.text
    table = pd.read_csv(io.StringIO(answer.text))
    rows_in = data.decode().count("\n") - 1
    assert int(answer.headers["x-rows-in"]) == len(table) == rows_in
    assert int(answer.headers["x-rows-decided"]) + int(answer.headers["x-rows-rejected"]) == rows_in
    assert (~table["rejected"]).sum() == int(answer.headers["x-rows-decided"])
    wrong_map = client.post("/rulesets/zhenghe-referral/decide-bulk", params={"on": "2017-09-01"},
                            files={"file": ("claims.csv", data, "text/csv"),
                                   "columns": ("columns.yaml", "转诊方向: no_such_input\n".encode(), "text/yaml")})
    assert locs(wrong_map) == [["body", "columns"]]


# -- the command -------------------------------------------------------------------------------------


def test_serve_refuses_a_broken_rule_file_or_store_before_listening(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medunion.cli import app

    broken = tmp_path / "rules" / "x"
    broken.mkdir(parents=True)
    (broken / "1.yaml").write_text("kind: ruleset\nid: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--rules", str(tmp_path / "rules"), "--no-record"])
    assert result.exit_code == 1
    assert "1.yaml:1:1: error:" in result.output
    result = CliRunner().invoke(app, ["serve", "--rules", str(RULES), "--db", "nosuch://x"])
    assert result.exit_code == 1 and "cannot open the record store" in result.output


# -- the OpenAPI document ---------------------------------------------------------------------------


def test_openapi_has_one_request_schema_per_rule_set_with_enums_and_bounds(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    served = [r["id"] for r in client.get("/rulesets").json()]
    for ruleset_id in served:
        assert f"/rulesets/{ruleset_id}/decide" in document["paths"]
    requests = [name for name in schemas if name.endswith("DecideRequest")]
    assert len(requests) == len(served)
    referral = schemas["ZhengheReferralInputs"]
    assert referral["additionalProperties"] is False
    severity = referral["properties"]["severity"]
    assert {"type": "string", "enum": ["ordinary", "acute", "dangerous", "difficult", "severe"]} in severity["anyOf"]
    assert "Severity as recorded" in severity["description"]
    cost = next(s for s in referral["properties"]["eligible_cost"]["anyOf"] if s.get("type") == "number")
    assert cost["minimum"] == 0
    assert "Unit: yuan" in referral["properties"]["eligible_cost"]["description"]
    assert "双向转诊与医保倾斜" in referral["description"]  # the rule set's Chinese title
    staffing = schemas["ZhengheStaffingInputs"]["properties"]
    assert any(s.get("maximum") == 600 for v in staffing.values() for s in v.get("anyOf", [v]))
    assert schemas["ZhengheReferralDecideRequest"]["required"] == ["on"]


def test_the_openapi_examples_are_the_rule_sets_own_test_cases_and_decide(unrecorded: TestClient) -> None:
    document = unrecorded.get("/openapi.json").json()
    decided = 0
    for path, item in document["paths"].items():
        if not path.endswith("/decide"):
            continue
        examples = item["post"]["requestBody"]["content"]["application/json"].get("examples", {})
        for example in examples.values():
            answer = unrecorded.post(path, json=example["value"])
            assert answer.status_code == 200, (path, example["summary"], answer.text)
            decided += 1
    assert decided >= len(unrecorded.get("/rulesets").json())  # every rule set ships tests


def test_an_input_model_carries_the_chinese_label_unit_bounds_and_the_cores_checks() -> None:
    from pydantic import ValidationError

    from governance.diagnostics import Location
    from governance.expressions import ExpressionType
    from governance.model import Field
    from medunion.service.schemas import inputs_model

    where = Location("x.yaml", 1, 1)
    fields = {
        "beds": Field("beds", ExpressionType("integer"), "beds", "Beds open", "开放床位", where, minimum=0,
                      maximum=600),
        "grade": Field("grade", ExpressionType("enum", ("a", "b")), None, "Grade", None, where, default="a"),
        "day": Field("day", ExpressionType("date"), None, "Day", None, where),
    }

    class Version:  # the two attributes a model is made from
        inputs = fields
        version_key = (1,)
        title, title_zh = "Staffing", "人员编制"

    model = inputs_model("x-set", [Version()])  # type: ignore[list-item]
    schema = model.model_json_schema()
    beds = schema["properties"]["beds"]
    assert "开放床位" in beds["description"] and beds["x-description-zh"] == "开放床位" and beds["x-unit"] == "beds"
    assert {"type": "integer", "minimum": 0, "maximum": 600} in beds["anyOf"]
    assert schema["properties"]["grade"]["default"] == "a" and "grade" not in schema.get("required", [])
    assert "人员编制" in schema["description"]
    given = model.model_validate({"beds": 3.0, "day": "2017-09-01"}).model_dump(exclude_unset=True)
    assert given == {"beds": 3, "day": dt.date(2017, 9, 1)}  # 3.0 is the whole number 3, as in a case file
    for bad in ({"beds": 601}, {"beds": "3"}, {"beds": True}, {"grade": "c"}, {"day": "20170901"}, {"day": 1500000000},
                {"other": 1}):
        with pytest.raises(ValidationError):
            model.model_validate(bad)

