"""Decision records: what was decided, with which rules and engine, kept so it can be proved and replayed.

An insurance office or hospital system that runs claims through the rules must be able to show
later what was decided and why, and that nobody changed it since: each decision becomes a
`DecisionRecord` (`record_of`), appended to a hash chain in any SQLAlchemy database
(`RecordStore`, `record_decision`), checked by `verify` and decided again by `replay`.
A client of the core: it imports `governance` only.
"""

from __future__ import annotations

from records.record import GENESIS_HASH, RECORD_FORMAT, DecisionRecord, canonical_json, record_hash, record_of
from records.replay import ReplayResult, replay
from records.store import DEFAULT_URL, DuplicateRecord, RecordStore, record_decision
from records.verify import Problem, verify

__all__ = [
    "DEFAULT_URL",
    "GENESIS_HASH",
    "RECORD_FORMAT",
    "DecisionRecord",
    "DuplicateRecord",
    "Problem",
    "RecordStore",
    "ReplayResult",
    "canonical_json",
    "record_decision",
    "record_hash",
    "record_of",
    "replay",
    "verify",
]
