"""A patient's referral through the Huangzhong association's core hospital and back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lifecycle.explain import explain_case
from lifecycle.load import load_lifecycle
from lifecycle.run import Runner
from lifecycle.store import Store

ROOT = Path(__file__).resolve().parents[1]
D = dt.date


@pytest.fixture
def setup():
    lifecycle = load_lifecycle(ROOT / "rules" / "lifecycles" / "referral-case.yaml")
    runner = Runner(Store("sqlite://"))
    yield runner, lifecycle
    runner.engine.close()


def test_referred_up_through_the_green_channel_and_back_down(setup):
    runner, lc = setup
    steps = [
        ("referral_request", {"association": "second", "within_primary_scope": False}, "requested"),
        ("admission", {"receiving_hospital": "second_peoples_hospital"}, "accepted"),
        ("condition_review", {"diagnosis_definite": True, "condition_stable": False}, "accepted"),
        ("condition_review", {"diagnosis_definite": True, "condition_stable": True}, "stabilised"),
        ("downward_referral", {"referral_direction": "downward"}, "returned_to_primary"),
    ]
    for day, (event, data, state) in enumerate(steps, start=1):
        outcome = runner.submit(lc, "patient-17", event, data, D(2017, 6, day))
        assert (outcome.status, outcome.to_state) == ("applied", state), outcome.reason
    explained = explain_case(runner.store, "patient-17")
    assert explained["why"]["transition"]["id"] == "refer-down"
    assert explained["why"]["transition"]["clause"] == "huangzhong-2017 IV.8"
    green = explained["history"][1]
    assert green["guard"]["values"]["first_referral_hospital"] == "second_peoples_hospital"
    assert "green-channel" in [r["id"] for r in green["decisions"]["huangzhong-referral"]["fired"]]


def test_the_wrong_core_hospital_or_a_condition_within_scope_is_refused(setup):
    runner, lc = setup
    within = runner.submit(lc, "p1", "referral_request", {"association": "first", "within_primary_scope": True},
                           D(2017, 6, 1))
    assert within.status == "refused" and "upward_referral_indicated" in within.reason
    assert runner.store.get_case("p1") is None
    runner.submit(lc, "p2", "referral_request", {"association": "first", "within_primary_scope": False},
                  D(2017, 6, 1))
    elsewhere = runner.submit(lc, "p2", "admission", {"receiving_hospital": "county_tcm_hospital"},
                              D(2017, 6, 2))
    assert elsewhere.status == "refused" and "first_referral_hospital" in elsewhere.reason
    assert runner.store.get_case("p2").state == "requested"


def test_a_missing_input_of_the_decision_refuses_with_its_name(setup):
    runner, lc = setup
    outcome = runner.submit(lc, "p3", "referral_request", {"within_primary_scope": False}, D(2017, 6, 1))
    assert outcome.status == "refused" and "association" in outcome.reason
