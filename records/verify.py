"""Walk a chain of decision records and name every place it was changed.

A record's hash covers all its fields, its sequence and its predecessor's hash, so an edited
field shows as a hash that no longer matches, a deleted record as a gap in the sequence, and a
record moved or put in place of another as a link to the wrong predecessor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from records.record import GENESIS_HASH, DecisionRecord, record_hash
from records.store import RecordStore

EDITED = "edited"
MISSING = "missing"
MOVED = "moved"
BROKEN_LINK = "broken-link"
MOVED_SEARCH = 64  # how far back verify follows a moved run of records to find where it was written


@dataclass(frozen=True)
class Problem:
    """One place the chain is not as it was written: which record, at which sequence, and how."""

    kind: str  # edited | missing | moved | broken-link
    sequence: int
    record_id: str
    message: str

    def __str__(self) -> str:
        return self.message


def _written_at(store: RecordStore, record: DecisionRecord, depth: int = MOVED_SEARCH) -> int | None:
    """The sequence a record was written at, when its contents are intact and only its place may
    have changed: found through its predecessors (by their hashes) back to an unmoved record."""
    if record_hash(record) == record.hash:
        return record.sequence
    if depth == 0:
        return None
    if record.previous_hash == GENESIS_HASH:
        original: int | None = 1
    else:
        before = store.find_hash(record.previous_hash or "")
        found = _written_at(store, before, depth - 1) if before is not None else None
        original = found + 1 if found is not None else None
    if original is None or record_hash(replace(record, sequence=original)) != record.hash:
        return None
    return original


def verify(store: RecordStore) -> list[Problem]:
    """Every problem of the chain, in sequence order; an empty list when it is whole.

    The chain cannot show records removed from its end: compare the head (the last sequence and
    hash) with one written down earlier for that.
    """
    problems: list[Problem] = []
    expected, previous = 1, GENESIS_HASH
    previous_id: str | None = None
    previous_moved = False
    for record in store.iterate():
        sequence = record.sequence
        assert sequence is not None  # every stored record has one
        where = f"record {record.record_id} (sequence {sequence})"
        gap = sequence > expected
        moved = False
        if gap:
            span = f"sequence {expected} is" if sequence == expected + 1 else f"sequences {expected}-{sequence - 1} are"
            between = (f"between record {previous_id} (sequence {expected - 1}) and {where}" if previous_id
                       else f"before {where}, the first left")
            problems.append(Problem(MISSING, expected, record.record_id, f"{span} missing {between}: deleted"))
        if record_hash(record) != record.hash:
            original = _written_at(store, record)
            moved = original is not None
            if original is not None:
                problems.append(Problem(MOVED, sequence, record.record_id,
                                        f"{where} was recorded at sequence {original}: the records were reordered"))
            else:
                problems.append(Problem(EDITED, sequence, record.record_id,
                                        f"{where} was changed after it was recorded: its hash does not match "
                                        "its contents"))
        elif record.previous_hash != previous and not gap and not previous_moved:
            before = f"record {previous_id} (sequence {sequence - 1})" if previous_id else "the start of the chain"
            problems.append(Problem(BROKEN_LINK, sequence, record.record_id,
                                    f"{where} does not follow {before}: its previous_hash is another record's "
                                    "hash; a record before it was replaced, re-hashed or inserted"))
        expected, previous, previous_id, previous_moved = sequence + 1, record.hash or "", record.record_id, moved
    return problems
