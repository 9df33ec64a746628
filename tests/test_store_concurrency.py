"""The lifecycle store under concurrent writers and a writer killed mid-batch, on SQLite and on a
real PostgreSQL server: no event is lost, none is applied twice, and every case's revision
counts its history exactly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lifecycle.load import load_lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store

ROOT = Path(__file__).resolve().parents[1]
LIFECYCLE = ROOT / "rules" / "lifecycles" / "referral-case.yaml"
CASES = [f"patient-{n}" for n in range(8)]

# A writer: reviews of patients who stay in hospital (a transition back to the same state, so a
# case can take any number of them), each with its own event id, spread over all cases.
WRITER = """
import datetime as dt, sys
from lifecycle.load import load_lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store
url, prefix, count, cases = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
lifecycle = load_lifecycle(sys.argv[5])
runner = Runner(Store(url))
for i in range(count):
    outcome = runner.submit(lifecycle, cases[i % len(cases)], "condition_review",
                            {"diagnosis_definite": True, "condition_stable": False},
                            dt.date(2017, 7, 1), event_id=f"{prefix}-{i}")
    assert outcome.status in ("applied", "duplicate"), outcome
print("done")
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cases.sqlite'}"
    return str(request.getfixturevalue("postgres_database"))


def _open_cases(url: str) -> None:
    lifecycle = load_lifecycle(LIFECYCLE)
    runner = Runner(Store(url))
    try:
        for case in CASES:
            steps = [("referral_request", {"association": "second", "within_primary_scope": False}),
                     ("admission", {"receiving_hospital": "second_peoples_hospital"})]
            for day, (event, data) in enumerate(steps, start=1):
                outcome = runner.submit(lifecycle, case, event, data, dt.date(2017, 6, day))
                assert outcome.status == "applied", outcome.reason
    finally:
        runner.engine.close()
        runner.store.close()


def _writer(url: str, prefix: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, url, prefix, str(count), ",".join(CASES),
                             str(LIFECYCLE)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _reviews(store: Store, settled: bool = True) -> list[str]:
    """Every review event id in the history, once per time it was stored. Once no writer runs
    (`settled`), each case's revision must count its history exactly."""
    found: list[str] = []
    for case in CASES:
        history = store.history(case)
        if settled:
            assert store.get_case(case).revision == len(history)
        found += [h.event_id for h in history if h.event == "condition_review"]
    return found


def test_two_processes_writing_the_same_cases_lose_and_repeat_nothing(store_url: str) -> None:
    _open_cases(store_url)
    writers = [_writer(store_url, prefix, 120) for prefix in ("a", "b")]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    store = Store(store_url)
    try:
        reviews = _reviews(store)
    finally:
        store.close()
    expected = {f"{prefix}-{i}" for prefix in ("a", "b") for i in range(120)}
    assert len(reviews) == len(expected) and set(reviews) == expected


def test_a_writer_killed_mid_batch_leaves_whole_events_and_a_rerun_completes_it(store_url: str) -> None:
    _open_cases(store_url)
    count = 400
    writer = _writer(store_url, "k", count)
    store = Store(store_url)
    try:
        deadline = time.monotonic() + 120
        while len(_reviews(store, settled=False)) < 40:  # let it get well into the batch
            assert writer.poll() is None, writer.communicate()[1]
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.05)
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate(timeout=60)
        partial = _reviews(store)
        assert len(partial) == len(set(partial)) and len(partial) < count
        rerun = _writer(store_url, "k", count)
        _, err = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, err
        done = _reviews(store)
        assert sorted(done) == sorted(f"k-{i}" for i in range(count))
    finally:
        store.close()
