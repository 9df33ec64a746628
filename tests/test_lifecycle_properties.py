"""Any sequence of events: refused ones change nothing (but passed deadlines are applied first), applied ones
are each recorded once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.deadlines import has_passed
from lifecycle.load import load_lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store

LIFECYCLE = load_lifecycle(Path(__file__).resolve().parents[1] / "rules" / "lifecycles"
                           / "zhenghe-membership.yaml")
BOOL_FIELDS = ["violation_found", "violation_serious", "rectified", "rectification_in_place",
               "rectification_checked"]

events = st.tuples(
    st.sampled_from(sorted(LIFECYCLE.events)),
    st.dictionaries(st.sampled_from(BOOL_FIELDS), st.booleans(), max_size=3),
    st.integers(min_value=0, max_value=60),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(events, min_size=1, max_size=12))
def test_refusals_change_nothing_and_applications_are_recorded_once(sequence):
    runner = Runner(Store("sqlite://"))
    try:
        day = dt.date(2017, 1, 1)
        applied = 0
        for i, (event, raw, gap) in enumerate(sequence):
            day += dt.timedelta(days=gap)
            data = {k: v for k, v in raw.items() if k in LIFECYCLE.events[event].data}
            before = runner.store.get_case("u")
            outcome = runner.submit(LIFECYCLE, "u", event, data, day, event_id=f"e{i}")
            after = runner.store.get_case("u")
            assert outcome.status in ("applied", "refused")
            # a deadline that passed before the event's date is applied first, as tick would have
            first = [d for d in outcome.deadlines if d.applied]
            applied += len(first)
            assert all(d.entry.occurred_on <= day for d in first)
            assert not has_passed(after.deadline if after else None, day) or any(
                d.status == "refused" for d in outcome.deadlines)
            if outcome.status == "refused":
                assert outcome.reason
                if first:  # the event itself wrote nothing after the deadlines
                    assert (after.state, after.revision) == (first[-1].to_state, before.revision + len(first))
                else:
                    assert (before is None and after is None) or (
                        (after.state, after.revision, after.data) == (before.state, before.revision, before.data))
            else:
                applied += 1
                assert after.revision == (0 if before is None else before.revision) + len(first) + 1
                assert after.state == outcome.to_state
                t = next(t for t in LIFECYCLE.candidates(outcome.from_state, event)
                         if t.id == outcome.transition)
                assert t.target == after.state
                if LIFECYCLE.states[after.state].deadline is None:
                    assert after.deadline is None
            again = runner.submit(LIFECYCLE, "u", event, data, day, event_id=f"e{i}")
            assert again.status == ("duplicate" if outcome.applied else outcome.status)
            assert not any(d.applied for d in again.deadlines)  # each deadline is applied once
        assert len(runner.store.history("u")) == applied
        assert runner.engine.live_sessions == 0
    finally:
        runner.engine.close()
        runner.store.close()
