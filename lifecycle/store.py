"""Each case's state and its full event history, outside the engine, in any SQLAlchemy database.

durable-rules holds at most 1,024 live sessions per rule set, so the engine keeps nothing
between events: the case lives here, and an event is applied in one transaction that
records it (its id is unique, so it is applied once) and moves the case (its revision is
checked, so two writers cannot both move it from the same state).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from governance.diagnostics import MedunionError, error, first_line, shown_url
from governance.i18n import N_
from governance.values import json_value
from lifecycle.deadlines import latest_passed

DEFAULT_URL = "sqlite:///medunion-lifecycle.sqlite"

_metadata = MetaData()

cases = Table(
    "lifecycle_case",
    _metadata,
    Column("case_id", String(200), primary_key=True),
    Column("lifecycle", String(100), nullable=False, index=True),
    Column("lifecycle_version", String(20), nullable=False),
    Column("state", String(100), nullable=False, index=True),
    Column("data", Text, nullable=False),
    Column("opened_on", String(10), nullable=False),
    Column("entered_on", String(10), nullable=False),
    Column("deadline", String(10), nullable=True, index=True),
    Column("revision", Integer, nullable=False),
)

events = Table(
    "lifecycle_event",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("case_id", String(200), nullable=False, index=True),
    Column("lifecycle", String(100), nullable=False),
    Column("event", String(100), nullable=False),
    Column("occurred_on", String(10), nullable=False),
    Column("data", Text, nullable=False),
    Column("from_state", String(100), nullable=True),
    Column("to_state", String(100), nullable=False),
    Column("transition", String(100), nullable=False),
    Column("record", Text, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)


# The latest date in a case's history, read with the case: events are applied in date order.
_LAST_EVENT_ON = (select(func.max(events.c.occurred_on)).where(events.c.case_id == cases.c.case_id)
                  .correlate(cases).scalar_subquery().label("last_event_on"))
_CASE = select(cases, _LAST_EVENT_ON)

# Statements built once: building a statement per call costs more than running it on SQLite.
_GET_CASE = _CASE.where(cases.c.case_id == bindparam("k"))
_FIND_EVENT = select(events).where(events.c.event_id == bindparam("k"))
_INSERT_EVENT = insert(events)
_INSERT_CASE = insert(cases)
_UPDATE_CASE = (update(cases).where(cases.c.case_id == bindparam("k"))
                .where(cases.c.revision == bindparam("expected")))


class DuplicateEvent(Exception):
    """The event id was already applied; nothing was changed."""


class Conflict(Exception):
    """The case moved under us (another writer); nothing was changed, try again."""


@dataclass
class CaseRecord:
    """A case as stored; `last_event_on` is read from its history (the date no new event may precede)."""

    case_id: str
    lifecycle: str
    lifecycle_version: str
    state: str
    data: dict[str, Any]
    opened_on: dt.date
    entered_on: dt.date
    deadline: dt.date | None
    revision: int = 0
    last_event_on: dt.date | None = None


@dataclass
class HistoryEntry:
    """One applied event: what came in, what it did, and why (the `record`)."""

    event_id: str
    case_id: str
    lifecycle: str
    event: str
    occurred_on: dt.date
    data: dict[str, Any]
    from_state: str | None
    to_state: str
    transition: str
    record: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None
    recorded_at: str | None = None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_default, allow_nan=False)


def _default(value: Any) -> Any:
    """What json.dumps cannot write, converted by the core's values module (dates as ISO text)."""
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"cannot store {value!r}")
    return converted


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """A SQLAlchemy engine; SQLite gets WAL and one shared connection when in memory."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    db = create_engine(url)
    if db.dialect.name == "sqlite":

        @event.listens_for(db, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return db


class Store:
    """Cases and their histories; every write is one transaction."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        try:
            self.db = make_engine(url)
            _metadata.create_all(self.db)
        except (SQLAlchemyError, ImportError) as exc:  # a bad URL, a missing driver, a file that is no database
            raise MedunionError(error(N_("cannot open the case store {url}: {problem}; give --db a SQLAlchemy URL "
                                         "such as sqlite:///cases.sqlite"), url=shown_url(url),
                                      problem=first_line(exc))) from None

    def _case(self, row: Any) -> CaseRecord:
        return CaseRecord(
            case_id=row.case_id, lifecycle=row.lifecycle, lifecycle_version=row.lifecycle_version,
            state=row.state, data=json.loads(row.data), opened_on=_date(row.opened_on),  # type: ignore[arg-type]
            entered_on=_date(row.entered_on), deadline=_date(row.deadline),  # type: ignore[arg-type]
            revision=row.revision, last_event_on=_date(row.last_event_on),
        )

    def _entry(self, row: Any) -> HistoryEntry:
        return HistoryEntry(
            event_id=row.event_id, case_id=row.case_id, lifecycle=row.lifecycle, event=row.event,
            occurred_on=_date(row.occurred_on), data=json.loads(row.data),  # type: ignore[arg-type]
            from_state=row.from_state, to_state=row.to_state, transition=row.transition,
            record=json.loads(row.record), seq=row.seq, recorded_at=row.recorded_at,
        )

    def get_case(self, case_id: str) -> CaseRecord | None:
        with self.db.connect() as conn:
            row = conn.execute(_GET_CASE, {"k": case_id}).first()
        return self._case(row) if row else None

    def find_event(self, event_id: str) -> HistoryEntry | None:
        with self.db.connect() as conn:
            row = conn.execute(_FIND_EVENT, {"k": event_id}).first()
        return self._entry(row) if row else None

    def load(self, case_id: str, event_id: str) -> tuple[CaseRecord | None, HistoryEntry | None]:
        """The case and any earlier application of the event id, read on one connection."""
        with self.db.connect() as conn:
            earlier = conn.execute(_FIND_EVENT, {"k": event_id}).first()
            row = conn.execute(_GET_CASE, {"k": case_id}).first() if earlier is None else None
        return (self._case(row) if row else None), (self._entry(earlier) if earlier else None)

    def history(self, case_id: str) -> list[HistoryEntry]:
        with self.db.connect() as conn:
            rows = conn.execute(
                select(events).where(events.c.case_id == case_id).order_by(events.c.seq)
            ).all()
        return [self._entry(r) for r in rows]

    def cases(self, state: str | None = None, lifecycle: str | None = None) -> list[CaseRecord]:
        query = _CASE.order_by(cases.c.case_id)
        if state is not None:
            query = query.where(cases.c.state == state)
        if lifecycle is not None:
            query = query.where(cases.c.lifecycle == lifecycle)
        with self.db.connect() as conn:
            return [self._case(r) for r in conn.execute(query).all()]

    def due(self, on: dt.date) -> Iterator[CaseRecord]:
        """Cases whose deadline has passed on `on` (`lifecycle.deadlines.has_passed`: the day itself is in time)."""
        query = (_CASE.where(cases.c.deadline.is_not(None))
                 .where(cases.c.deadline <= latest_passed(on).isoformat())
                 .order_by(cases.c.deadline, cases.c.case_id))
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield self._case(row)

    def apply(self, case: CaseRecord, entry: HistoryEntry, new: bool) -> HistoryEntry:
        """Record the event and save the moved case in one transaction.

        `case.revision` is the revision the case had when it was loaded; the save only
        succeeds if it is still that (a new case must not exist yet).
        """
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        values = {
            "lifecycle": case.lifecycle, "lifecycle_version": case.lifecycle_version,
            "state": case.state, "data": _json(case.data), "opened_on": case.opened_on.isoformat(),
            "entered_on": case.entered_on.isoformat(),
            "deadline": case.deadline.isoformat() if case.deadline else None,
            "revision": case.revision + 1,
        }
        try:
            with self.db.begin() as conn:
                result = conn.execute(_INSERT_EVENT, {
                    "event_id": entry.event_id, "case_id": entry.case_id, "lifecycle": entry.lifecycle,
                    "event": entry.event, "occurred_on": entry.occurred_on.isoformat(),
                    "data": _json(entry.data), "from_state": entry.from_state,
                    "to_state": entry.to_state, "transition": entry.transition,
                    "record": _json(entry.record), "recorded_at": now,
                })
                if new:
                    conn.execute(_INSERT_CASE, {"case_id": case.case_id, **values})
                else:
                    moved = conn.execute(_UPDATE_CASE, {"k": case.case_id, "expected": case.revision,
                                                        **values})
                    if moved.rowcount != 1:
                        raise Conflict(f"case {case.case_id} changed while the event was handled")
        except IntegrityError as exc:
            if self.find_event(entry.event_id) is not None:
                raise DuplicateEvent(entry.event_id) from None
            raise Conflict(f"case {case.case_id} was opened by another writer") from exc
        case.revision += 1
        case.last_event_on = max(filter(None, (case.last_event_on, entry.occurred_on)))
        entry.seq = result.inserted_primary_key[0] if result.inserted_primary_key else None
        entry.recorded_at = now
        return entry

    def close(self) -> None:
        self.db.dispose()
