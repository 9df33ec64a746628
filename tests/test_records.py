"""Decision records: what an insurance office keeps of each decision, on SQLite and on a real
PostgreSQL server. A record reads back as written, the chain stays one chain under two writing
processes, any edit, deletion or reordering is named, and a replay says whether today's rules
decide the same and, if not, why."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from importlib import metadata
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.load import resolve_ruleset
from medunion.cli import app
from records import (
    GENESIS_HASH,
    DecisionRecord,
    DuplicateRecord,
    RecordStore,
    record_decision,
    record_hash,
    record_of,
    replay,
    verify,
)

ROOT = Path(__file__).resolve().parents[1]
RULESET = "zhenghe-referral"
ON = dt.date(2017, 9, 1)
CASE = {"referral_direction": "upward", "within_primary_scope": True, "severity": "acute",
        "within_association": True, "eligible_cost": 12000}

# A writer process: waits until both writers are ready, so that their appends overlap, then
# records `count` decisions with ids `<prefix>-<i>`.
WRITER = """
import datetime as dt, pathlib, sys, time
from governance.decide import decide
from governance.load import resolve_ruleset
from records import RecordStore, record_decision
url, prefix, count, rules, barrier = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], pathlib.Path(sys.argv[5])
on = dt.date(2017, 9, 1)
ruleset = resolve_ruleset("zhenghe-referral", on, rules)
store = RecordStore(url)
(barrier / prefix).touch()
while not (barrier / "go").exists():
    time.sleep(0.01)
for i in range(count):
    case = {"referral_direction": "upward", "within_primary_scope": True, "severity": "acute",
            "within_association": True, "eligible_cost": 1000 + i}
    record_decision(store, decide(ruleset, case, on), on, record_id=f"{prefix}-{i}", engine="test")
print("done")
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.sqlite'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'records.sqlite'}"


def _decision(rules: Path = ROOT / "rules", **changes: object):
    ruleset = resolve_ruleset(RULESET, ON, rules)
    return decide(ruleset, {**CASE, **changes}, ON)


def _filled(url: str, count: int) -> list[DecisionRecord]:
    store = RecordStore(url)
    try:
        ruleset = resolve_ruleset(RULESET, ON, ROOT / "rules")
        return [record_decision(store, decide(ruleset, {**CASE, "eligible_cost": 1000 + i}, ON), ON,
                                record_id=f"r-{i + 1}", engine="test")
                for i in range(count)]
    finally:
        store.close()


def _sql(url: str, *statements: str) -> None:
    """Change the database behind the store's back, as someone with write access could."""
    db = create_engine(url)
    try:
        with db.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        db.dispose()


def _verify(url: str):
    store = RecordStore(url)
    try:
        return verify(store)
    finally:
        store.close()


def _copied_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "copied-rules"
    shutil.copytree(ROOT / "rules" / RULESET, rules / RULESET)
    shutil.copy(ROOT / "rules" / "clauses.yaml", rules / "clauses.yaml")  # the citations are checked against it
    return rules


def _edit_township_ratio(rules: Path) -> None:
    path = rules / RULESET / "2017.1.yaml"
    source = path.read_text(encoding="utf-8")
    assert source.count("        value: 0.85\n") == 1
    path.write_text(source.replace("        value: 0.85\n", "        value: 0.90\n"), encoding="utf-8")


# --- what a record holds ------------------------------------------------------------------------


def test_a_record_holds_the_decision_its_rules_and_engine() -> None:
    decision = _decision()
    record = record_of(decision, ON)
    ruleset = decision.ruleset
    assert (record.ruleset_id, record.ruleset_version) == (RULESET, "2017.1")
    assert record.ruleset_digest == ruleset.digest
    assert record.ruleset_digest == hashlib.sha256(Path(ruleset.path).read_bytes()).hexdigest()
    assert record.engine_version == metadata.version("medunion")
    assert record.on == ON
    assert record.inputs == CASE
    assert record.outputs["applicable_ratio"] == 0.85 and record.outputs["reimbursement"] == 10200
    assert record.explanation == decision.explanation
    made = dt.datetime.fromisoformat(record.made_at)
    assert made.utcoffset() == dt.timedelta(0)
    assert (record.sequence, record.previous_hash, record.hash) == (None, None, None)
    assert record_of(decision, ON).record_id != record.record_id


def test_a_rule_set_not_loaded_from_a_file_cannot_be_recorded() -> None:
    decision = _decision()
    unfiled = replace(decision, ruleset=replace(decision.ruleset, digest=""))
    with pytest.raises(MedunionError, match="not loaded from a file"):
        record_of(unfiled, ON)


def test_append_then_get_gives_back_the_same_record(sqlite_url: str) -> None:
    store = RecordStore(sqlite_url)
    try:
        record = record_of(_decision(), ON)
        stored = store.append(record)
        assert stored.sequence == 1 and stored.previous_hash == GENESIS_HASH
        assert stored.hash == record_hash(stored)
        assert replace(stored, sequence=None, previous_hash=None, hash=None) == record
        assert store.get(record.record_id) == stored
        assert store.get("no-such-record") is None
    finally:
        store.close()


def test_the_hash_is_sha256_of_the_canonical_json_of_every_other_field(sqlite_url: str) -> None:
    (stored,) = _filled(sqlite_url, 1)
    fields = {
        "format": "medunion/record@1", "record_id": stored.record_id, "made_at": stored.made_at,
        "ruleset_id": stored.ruleset_id, "ruleset_version": stored.ruleset_version,
        "ruleset_digest": stored.ruleset_digest, "engine_version": stored.engine_version,
        "on": "2017-09-01", "inputs": stored.inputs, "outputs": stored.outputs,
        "explanation": stored.explanation, "sequence": 1, "previous_hash": "0" * 64,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert stored.hash == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_a_record_id_is_stored_once(sqlite_url: str) -> None:
    store = RecordStore(sqlite_url)
    try:
        record = record_of(_decision(), ON)
        store.append(record)
        with pytest.raises(DuplicateRecord):
            store.append(record)
        assert [r.record_id for r in store.iterate()] == [record.record_id]
    finally:
        store.close()


# --- the chain ----------------------------------------------------------------------------------


def test_two_hundred_appends_form_one_chain(sqlite_url: str) -> None:
    appended = _filled(sqlite_url, 200)
    store = RecordStore(sqlite_url)
    try:
        stored = list(store.iterate(batch=64))  # several batches
        assert stored == appended
        assert [r.sequence for r in stored] == list(range(1, 201))
        assert stored[0].previous_hash == GENESIS_HASH
        for before, after in pairwise(stored):
            assert after.previous_hash == before.hash
        assert all(r.hash == record_hash(r) for r in stored)
        assert store.head() == stored[-1]
        assert verify(store) == []
    finally:
        store.close()


def test_two_processes_appending_at_once_make_one_whole_chain(store_url: str, tmp_path: Path) -> None:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    count = 150
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, prefix, str(count), str(ROOT / "rules"),
                                 str(barrier)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for prefix in ("a", "b")]
    try:
        while not all((barrier / prefix).exists() for prefix in ("a", "b")):
            for writer in writers:
                assert writer.poll() is None, writer.communicate()[1]
        (barrier / "go").touch()
        for writer in writers:
            _, err = writer.communicate(timeout=300)
            assert writer.returncode == 0, err
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.communicate()
    store = RecordStore(store_url)
    try:
        stored = list(store.iterate())
        assert verify(store) == []
    finally:
        store.close()
    ids = [r.record_id for r in stored]
    assert sorted(ids) == sorted(f"{p}-{i}" for p in ("a", "b") for i in range(count))  # none lost, none twice
    assert [r.sequence for r in stored] == list(range(1, 2 * count + 1))
    for before, after in pairwise(stored):
        assert after.previous_hash == before.hash
    for prefix in ("a", "b"):  # each writer's records keep the order it wrote them in
        own = [int(i.split("-")[1]) for i in ids if i.startswith(prefix)]
        assert own == sorted(own)


# --- verify -------------------------------------------------------------------------------------


def test_an_untouched_store_verifies_whole(store_url: str) -> None:
    _filled(store_url, 12)
    assert _verify(store_url) == []


def test_an_empty_store_verifies_whole(sqlite_url: str) -> None:
    RecordStore(sqlite_url).close()
    assert _verify(sqlite_url) == []


def test_verify_names_a_record_whose_outputs_were_edited_in_the_database(store_url: str) -> None:
    _filled(store_url, 10)
    _sql(store_url, "UPDATE decision_record SET outputs = REPLACE(outputs, '0.85', '0.95') WHERE seq = 4")
    (problem,) = _verify(store_url)
    assert (problem.kind, problem.sequence, problem.record_id) == ("edited", 4, "r-4")
    assert "r-4" in str(problem) and "sequence 4" in str(problem)


def test_verify_names_a_record_edited_into_text_that_is_not_json(sqlite_url: str) -> None:
    _filled(sqlite_url, 5)
    _sql(sqlite_url, "UPDATE decision_record SET explanation = '{broken' WHERE seq = 2")
    (problem,) = _verify(sqlite_url)
    assert (problem.kind, problem.record_id) == ("edited", "r-2")


def test_verify_names_the_gap_a_deleted_record_leaves(store_url: str) -> None:
    _filled(store_url, 10)
    _sql(store_url, "DELETE FROM decision_record WHERE seq = 5")
    (problem,) = _verify(store_url)
    assert (problem.kind, problem.sequence) == ("missing", 5)
    assert "sequence 5 is missing between record r-4 (sequence 4) and record r-6 (sequence 6)" in str(problem)


def test_verify_names_deleted_records_at_the_start(sqlite_url: str) -> None:
    _filled(sqlite_url, 6)
    _sql(sqlite_url, "DELETE FROM decision_record WHERE seq <= 2")
    (problem,) = _verify(sqlite_url)
    assert problem.kind == "missing" and "sequences 1-2 are missing" in str(problem)


def test_verify_names_records_that_were_reordered(store_url: str) -> None:
    _filled(store_url, 8)
    _sql(store_url, "UPDATE decision_record SET seq = -1 WHERE seq = 3",
         "UPDATE decision_record SET seq = 3 WHERE seq = 4",
         "UPDATE decision_record SET seq = 4 WHERE seq = -1")
    problems = _verify(store_url)
    assert [(p.kind, p.sequence, p.record_id) for p in problems] == [("moved", 3, "r-4"), ("moved", 4, "r-3")]
    assert "recorded at sequence 4" in str(problems[0])


def test_verify_catches_an_edit_whose_hash_was_recomputed(sqlite_url: str) -> None:
    """Someone who edits a record and writes its new hash still breaks the next record's link."""
    stored = _filled(sqlite_url, 6)
    forged = replace(stored[2], outputs={**stored[2].outputs, "reimbursement": 1})
    _sql(sqlite_url, f"UPDATE decision_record SET outputs = '{json.dumps(forged.outputs)}', "
                     f"hash = '{record_hash(forged)}' WHERE seq = 3")
    (problem,) = _verify(sqlite_url)
    assert (problem.kind, problem.sequence, problem.record_id) == ("broken-link", 4, "r-4")
    assert "record r-3 (sequence 3)" in str(problem)


# --- replay -------------------------------------------------------------------------------------


def test_replay_under_the_same_rules_is_identical(tmp_path: Path) -> None:
    record = record_of(_decision(), ON)
    result = replay(record, _copied_rules(tmp_path))  # another folder, the same file
    assert result.identical and result.lines() == []
    assert not result.rules_changed


def test_replay_after_a_parameter_edit_reports_the_rule_change_first_then_the_outputs(tmp_path: Path) -> None:
    record = record_of(_decision(), ON)
    rules = _copied_rules(tmp_path)
    _edit_township_ratio(rules)
    result = replay(record, rules)
    assert not result.identical and result.rules_changed
    lines = result.lines()
    assert lines[0].startswith("the rules changed since the decision was recorded")
    assert record.ruleset_digest in lines[0]
    changed = {c.name: (c.recorded, c.now) for c in result.outputs}
    assert changed == {"applicable_ratio": (0.85, 0.9), "reimbursement": (10200, 10800)}
    assert [(c.name, c.recorded, c.now) for c in result.parameters] == [("township_reimbursement_ratio", 0.85, 0.9)]
    assert "outputs" in result.explanation_parts and "parameters" in result.explanation_parts
    assert "output applicable_ratio: recorded 0.85, now 0.9" in lines


def test_replay_says_when_the_version_is_no_longer_there(tmp_path: Path) -> None:
    record = replace(record_of(_decision(), ON), ruleset_version="2016.9")
    result = replay(record, _copied_rules(tmp_path))
    assert not result.identical
    assert "version 2016.9 of zhenghe-referral is no longer under" in result.lines()[0]
    assert "2017.1" in result.lines()[0]


def test_replay_says_when_the_case_is_now_refused(tmp_path: Path) -> None:
    record = record_of(_decision(), ON)
    rules = _copied_rules(tmp_path)
    path = rules / RULESET / "2017.1.yaml"
    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace("    values: [ordinary, acute, dangerous, difficult, severe]",
                                   "    values: [ordinary, dangerous, difficult, severe]"), encoding="utf-8")
    result = replay(record, rules)
    assert result.rules_changed and result.refused and "'acute' is not one of" in result.refused
    assert result.lines()[0].startswith("the rules changed")
    assert any(line.startswith("the case is now refused") for line in result.lines())


# --- the commands -------------------------------------------------------------------------------


def test_records_verify_exits_0_when_whole_and_1_with_a_line_per_problem(sqlite_url: str) -> None:
    _filled(sqlite_url, 6)
    cli = CliRunner()
    whole = cli.invoke(app, ["records", "verify", "--db", sqlite_url])
    assert whole.exit_code == 0, whole.output
    assert "chain whole: 6 record(s)" in whole.output
    _sql(sqlite_url, "UPDATE decision_record SET inputs = REPLACE(inputs, 'acute', 'severe') WHERE seq = 2",
         "DELETE FROM decision_record WHERE seq = 5")
    broken = cli.invoke(app, ["records", "verify", "--db", sqlite_url])
    assert broken.exit_code == 1
    found = [line for line in broken.stdout.splitlines() if line]
    assert len(found) == 2
    assert "record r-2 (sequence 2) was changed" in found[0] and "sequence 5 is missing" in found[1]


def test_records_verify_refuses_a_database_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "typo.sqlite"
    result = CliRunner().invoke(app, ["records", "verify", "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not missing.exists()


def test_records_show_in_text_and_json(sqlite_url: str) -> None:
    stored = _filled(sqlite_url, 2)
    cli = CliRunner()
    shown = cli.invoke(app, ["records", "show", "r-2", "--db", sqlite_url])
    assert shown.exit_code == 0, shown.output
    assert "zhenghe-referral version 2017.1" in shown.output and stored[1].hash in shown.output
    assert "applicable_ratio: 0.85" in shown.output
    as_json = cli.invoke(app, ["records", "show", "r-2", "--db", sqlite_url, "--format", "json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.stdout)
    assert data["hash"] == stored[1].hash and data["previous_hash"] == stored[0].hash and data["on"] == "2017-09-01"
    assert data["explanation"]["format"] == "medunion/explanation@1"
    missing = cli.invoke(app, ["records", "show", "r-99", "--db", sqlite_url])
    assert missing.exit_code == 1


def test_replay_command_exits_0_when_identical_and_1_with_what_differs(sqlite_url: str, tmp_path: Path) -> None:
    _filled(sqlite_url, 1)
    rules = _copied_rules(tmp_path)
    cli = CliRunner()
    same = cli.invoke(app, ["replay", "r-1", "--db", sqlite_url, "--rules", str(rules)])
    assert same.exit_code == 0, same.output
    assert same.output.startswith("identical")
    _edit_township_ratio(rules)
    differs = cli.invoke(app, ["replay", "r-1", "--db", sqlite_url, "--rules", str(rules)])
    assert differs.exit_code == 1
    lines = differs.stdout.splitlines()
    assert lines[0].startswith("differs: record r-1")
    assert lines[1].strip().startswith("the rules changed")
    assert any("output reimbursement: recorded 850.0, now 900.0" in line for line in lines)
    assert any("output applicable_ratio: recorded 0.85, now 0.9" in line for line in lines)


def test_decide_with_record_keeps_a_record_that_verifies_and_replays(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medunion.cli import app

    root = Path(__file__).resolve().parents[1]
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    runner = CliRunner()
    case = str(root / "examples" / "cases" / "zhenghe-upward-referral.yaml")
    decided = runner.invoke(app, ["decide", "--case", case, "--format", "json", "--rules", str(root / "rules"),
                                  "--record", url])
    assert decided.exit_code == 0, decided.output
    json.loads(decided.stdout)  # the record line goes to stderr: stdout stays one JSON document
    recorded = next(line for line in decided.stderr.splitlines() if line.startswith("recorded "))
    record_id = recorded.split()[1]
    assert runner.invoke(app, ["records", "verify", "--db", url]).exit_code == 0
    replayed = runner.invoke(app, ["replay", record_id, "--db", url, "--rules", str(root / "rules")])
    assert replayed.exit_code == 0, replayed.output
