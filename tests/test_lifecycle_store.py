"""The case store: one transaction per event, unique event ids, revision-checked saves."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle.store import CaseRecord, Conflict, DuplicateEvent, HistoryEntry, Store


def entry(event_id: str, to: str = "b") -> HistoryEntry:
    return HistoryEntry(event_id, "c1", "demo", "go", dt.date(2017, 1, 2), {"x": 1}, "a", to, "t",
                        {"why": "because"})


def test_a_stale_writer_cannot_move_the_case(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    case = CaseRecord("c1", "demo", "1", "a", {}, dt.date(2017, 1, 1), dt.date(2017, 1, 1), None)
    store.apply(case, entry("e1"), new=True)
    mine, theirs = store.get_case("c1"), store.get_case("c1")
    mine.state = "b"
    store.apply(mine, entry("e2"), new=False)
    theirs.state = "c"
    with pytest.raises(Conflict):
        store.apply(theirs, entry("e3", to="c"), new=False)
    assert store.get_case("c1").state == "b"
    assert [h.event_id for h in store.history("c1")] == ["e1", "e2"]  # the loser left no trace


def test_an_event_id_is_stored_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    case = CaseRecord("c1", "demo", "1", "a", {}, dt.date(2017, 1, 1), dt.date(2017, 1, 1),
                      dt.date(2017, 3, 1))
    store.apply(case, entry("e1"), new=True)
    again = store.get_case("c1")
    with pytest.raises(DuplicateEvent):
        store.apply(again, entry("e1"), new=False)
    assert store.get_case("c1").revision == 1
    assert store.find_event("e1").record == {"why": "because"}
    assert [c.case_id for c in store.due(dt.date(2017, 3, 2))] == ["c1"]
    assert list(store.due(dt.date(2017, 3, 1))) == []
