"""The lifecycle checker: unknown, unreachable and dead-end states, unused events, typed guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.diagnostics import MedunionError
from lifecycle.check import check_lifecycle_file
from lifecycle.load import load_lifecycle

ROOT = Path(__file__).resolve().parents[1]

HEADER = """\
kind: lifecycle
id: demo
title: Demo
jurisdiction: Nowhere
version: "1.0"
status: draft
effective: {from: 2017-01-01}
subject: a demo case
sources: [{key: zhenghe-2017, title: plan}]
data:
  ok: {type: boolean, default: false}
  count: {type: integer, default: 0}
"""

GOOD = HEADER + """\
states:
  open: {title: Open, initial: true}
  closed: {title: Closed, final: true}
events:
  close: {title: Close, data: [ok]}
transitions:
  - id: close
    title: Close it
    from: open
    event: close
    to: closed
    guard: ok
    clause: zhenghe-2017 IV.8.1
    source: a sentence
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(tmp_path: Path, text: str) -> list[str]:
    # a missing Chinese label is tested in test_chinese_labels.py
    return [str(d) for d in check_lifecycle_file(write(tmp_path, text)) if "no Chinese label" not in d.message]


@pytest.mark.parametrize("name", ["zhenghe-membership", "referral-case"])
def test_the_shipped_lifecycles_are_clean(name):
    path = ROOT / "rules" / "lifecycles" / f"{name}.yaml"
    assert check_lifecycle_file(path) == []
    assert load_lifecycle(path).id == name


def test_a_good_lifecycle_is_clean(tmp_path):
    assert messages(tmp_path, GOOD) == []


def test_unknown_state_is_reported_at_its_transition(tmp_path):
    found = messages(tmp_path, GOOD.replace("to: closed", "to: shut"))
    assert any("unknown state 'shut'" in m and "demo.yaml:23:9:" in m for m in found), found


def test_unreachable_state(tmp_path):
    text = GOOD.replace("  closed: {title: Closed, final: true}\n",
                        "  closed: {title: Closed, final: true}\n  limbo: {title: Limbo, final: true}\n")
    found = messages(tmp_path, text)
    assert any("'limbo' cannot be reached" in m and "demo.yaml:16:3" in m for m in found), found


def test_a_state_with_no_way_out_that_is_not_final(tmp_path):
    found = messages(tmp_path, GOOD.replace("{title: Closed, final: true}", "{title: Closed}"))
    assert any("'closed' has no way out and is not final" in m and ":15:3:" in m for m in found), found


def test_an_event_no_transition_accepts(tmp_path):
    text = GOOD.replace("  close: {title: Close, data: [ok]}\n",
                        "  close: {title: Close, data: [ok]}\n  reopen: {title: Reopen}\n")
    found = messages(tmp_path, text)
    assert any("event 'reopen' is accepted by no transition" in m and ":18:3:" in m for m in found), found


def test_a_guard_that_is_not_boolean_or_reads_unknown_names(tmp_path):
    found = messages(tmp_path, GOOD.replace("guard: ok", "guard: count + 1"))
    assert any("must be true or false" in m for m in found), found
    found = messages(tmp_path, GOOD.replace("guard: ok", "guard: okay"))
    assert any("okay" in m and "demo.yaml:24:12:" in m for m in found), found


def test_a_guard_with_a_syntax_error_points_at_the_character(tmp_path):
    found = messages(tmp_path, GOOD.replace("guard: ok", "guard: ok and and"))
    assert any("demo.yaml:24:19:" in m for m in found), found  # the second `and`


def test_schema_errors_name_the_field(tmp_path):
    found = messages(tmp_path, GOOD.replace("    event: close\n", "    evnt: close\n"))
    assert any("evnt" in m for m in found), found


def test_deadline_must_name_an_integer_parameter_and_an_accepted_event(tmp_path):
    text = GOOD.replace("  open: {title: Open, initial: true}",
                        "  open:\n    title: Open\n    initial: true\n"
                        "    deadline: {days: period, event: close}")
    found = messages(tmp_path, text)
    assert any("'period' is not a parameter" in m for m in found), found


def test_unknown_decision_rule_set(tmp_path):
    found = messages(tmp_path, GOOD.replace("subject: a demo case\n",
                                            "subject: a demo case\ndecisions: [no-such-rules]\n"))
    assert any("no-such-rules" in m for m in found), found


def test_loading_a_bad_file_raises_with_every_error(tmp_path):
    path = write(tmp_path, GOOD.replace("to: closed", "to: shut"))
    with pytest.raises(MedunionError) as caught:
        load_lifecycle(path)
    assert any("shut" in str(d) for d in caught.value.diagnostics)
