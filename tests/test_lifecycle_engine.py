"""The durable-rules wrapper: statechart compilation, sentinel refusal, validation, no leaked sessions."""

from __future__ import annotations

import itertools

import pytest

from lifecycle.engine import (
    ChartSpec,
    ChartTransition,
    EngineError,
    LifecycleEngine,
    bare_durable_rate,
    compile_chart,
)

SPEC = ChartSpec(
    "demo",
    ("active", "ordered", "terminated"),
    (
        ChartTransition("order", "active", "assess", "ordered"),
        ChartTransition("stay", "active", "assess", "active"),
        ChartTransition("terminate", "ordered", "deadline", "terminated"),
    ),
)


@pytest.fixture
def engine():
    eng = LifecycleEngine()
    eng.register(SPEC)
    yield eng
    eng.close()


def test_the_first_transition_whose_guard_holds_fires(engine):
    fired = engine.fire("demo", "c1", "active", "assess", {"order": True, "stay": True})
    assert (fired.transition, fired.state) == ("order", "ordered")
    fired = engine.fire("demo", "c1", "active", "assess", {"order": False, "stay": True})
    assert (fired.transition, fired.state) == ("stay", "active")


def test_the_sentinel_refuses_when_no_guard_holds_or_the_event_is_not_accepted(engine):
    assert engine.fire("demo", "c1", "active", "assess", {"order": False, "stay": False}).transition is None
    refused = engine.fire("demo", "c1", "active", "deadline", {})
    assert refused.transition is None and refused.state == "active"
    assert engine.fire("demo", "c1", "terminated", "assess", {}).transition is None


def test_no_session_survives_a_call(engine):
    for i in range(50):
        engine.fire("demo", f"s{i}", "ordered", "deadline", {"terminate": i % 2 == 0})
    assert engine.live_sessions == 0
    assert engine.max_live_sessions == 1
    assert not any(engine.engine_holds("demo", f"s{i}") for i in range(50))


def test_values_of_the_wrong_type_never_reach_the_engine(engine):
    with pytest.raises(EngineError, match="true or false"):
        engine.fire("demo", "c1", "active", "assess", {"order": "true"})
    with pytest.raises(EngineError, match="no state"):
        engine.fire("demo", "c1", "nowhere", "assess", {})
    with pytest.raises(EngineError, match="no event"):
        engine.fire("demo", "c1", "active", "explode", {})
    with pytest.raises(EngineError, match="no transition"):
        engine.fire("demo", "c1", "active", "assess", {"nonsense": True})
    assert engine.live_sessions == 0


def test_compile_does_not_share_state_between_registrations():
    chart = compile_chart(SPEC)
    assert set(chart) == {"_load", "_unrestored", "_refused", "active", "ordered", "terminated"}
    first, second = LifecycleEngine(), LifecycleEngine()
    try:
        first.register(SPEC)
        second.register(SPEC)  # Ruleset() mutates its input: each host gets its own copy
        assert second.fire("demo", "x", "active", "assess", {"order": True}).transition == "order"
    finally:
        first.close()
        second.close()


def test_a_different_chart_under_a_registered_name_is_refused(engine):
    other = ChartSpec("demo", ("a",), (ChartTransition("t", "a", "e", "a"),))
    with pytest.raises(EngineError, match="already registered"):
        engine.register(other)


@pytest.mark.parametrize(("order", "stay"), list(itertools.product([True, False], repeat=2)))
def test_the_engine_agrees_with_first_match(engine, order, stay):
    fired = engine.fire("demo", "h", "active", "assess", {"order": order, "stay": stay})
    expected = "order" if order else "stay" if stay else None
    assert fired.transition == expected
    assert engine.live_sessions == 0


def test_bare_rate_counts_every_case():
    cases, seconds = bare_durable_rate(200)
    assert cases == 200 and seconds > 0


def test_an_exception_inside_an_action_is_not_swallowed(monkeypatch):
    import lifecycle.engine as engine_module

    def failing(field, value, target):
        def action(c):
            raise RuntimeError("boom in action")

        return action

    monkeypatch.setattr(engine_module, "_record", failing)
    eng = LifecycleEngine()
    try:
        eng.register(SPEC)
        with pytest.raises(EngineError, match="boom in action"):
            eng.fire("demo", "c1", "active", "assess", {"order": True})
        assert eng.live_sessions == 0
        assert not eng.engine_holds("demo", "c1")
    finally:
        eng.close()
