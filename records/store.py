"""Decision records in one table of any SQLAlchemy database, as a single hash chain.

Each record's hash covers its `previous_hash`, the hash of the record before it in sequence,
so an append must read the head and write after it with no other append in between. Writers
take the database's write lock first (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a table lock that
readers do not wait for), and the table itself refuses a fork (`seq` is the key, `previous_hash`
is unique), so on any other database a lost race is an integrity error that is retried.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from governance.diagnostics import MedunionError, error, first_line, shown_url
from governance.i18n import N_
from records.record import GENESIS_HASH, DecisionRecord, record_hash, record_of, stored_json

if TYPE_CHECKING:
    from governance.decide import Decision

DEFAULT_URL = "sqlite:///medunion-records.sqlite"
TABLE = "decision_record"
APPEND_ATTEMPTS = 50  # lost races and lock time-outs retried before an append gives up

_metadata = MetaData()

records = Table(
    TABLE,
    _metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("record_id", String(200), nullable=False, unique=True),
    Column("format", String(40), nullable=False),
    Column("made_at", String(40), nullable=False),
    Column("ruleset_id", String(200), nullable=False, index=True),
    Column("ruleset_version", String(40), nullable=False),
    Column("ruleset_digest", String(64), nullable=False),
    Column("engine_version", String(100), nullable=False),
    Column("decided_on", String(10), nullable=False),
    Column("inputs", Text, nullable=False),
    Column("outputs", Text, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("previous_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
)

_HEAD = select(records.c.seq, records.c.hash).order_by(records.c.seq.desc()).limit(1)
_LAST = select(records).order_by(records.c.seq.desc()).limit(1)
_BY_ID = select(records).where(records.c.record_id == bindparam("k"))
_BY_HASH = select(records).where(records.c.hash == bindparam("k"))
_PAGE = select(records).where(records.c.seq > bindparam("after")).order_by(records.c.seq).limit(bindparam("n"))
_INSERT = insert(records)


class DuplicateRecord(Exception):
    """A record with this id is already in the store; nothing was written."""


def make_engine(url: str) -> Engine:
    """An engine whose SQLite transactions SQLAlchemy begins itself, so an append can ask for
    `BEGIN IMMEDIATE` (the write lock before the head is read); WAL lets readers go on meanwhile."""
    memory = url in ("sqlite://", "sqlite:///:memory:")
    db = (create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False}) if memory
          else create_engine(url))
    if db.dialect.name == "sqlite":

        @event.listens_for(db, "connect")
        def _connect(connection: Any, _record: Any) -> None:
            connection.isolation_level = None  # the driver's own transaction handling off
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")  # first: another process may be switching to WAL
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(db, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("append") else "BEGIN")

    return db


def _loads(value: str) -> Any:
    """A stored JSON text; text edited into something that is not JSON is kept as it is (verify reports it)."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _day(value: str) -> Any:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _record(row: Any) -> DecisionRecord:
    return DecisionRecord(
        record_id=row.record_id, made_at=row.made_at, ruleset_id=row.ruleset_id,
        ruleset_version=row.ruleset_version, ruleset_digest=row.ruleset_digest,
        engine_version=row.engine_version, on=_day(row.decided_on), inputs=_loads(row.inputs),
        outputs=_loads(row.outputs), explanation=_loads(row.explanation), format=row.format,
        sequence=row.seq, previous_hash=row.previous_hash, hash=row.hash,
    )


def _row(record: DecisionRecord) -> dict[str, Any]:
    return {
        "seq": record.sequence, "record_id": record.record_id, "format": record.format, "made_at": record.made_at,
        "ruleset_id": record.ruleset_id, "ruleset_version": record.ruleset_version,
        "ruleset_digest": record.ruleset_digest, "engine_version": record.engine_version,
        "decided_on": record.on.isoformat(), "inputs": stored_json(record.inputs),
        "outputs": stored_json(record.outputs), "explanation": stored_json(record.explanation),
        "previous_hash": record.previous_hash, "hash": record.hash,
    }


def _lock_lost(exc: OperationalError) -> bool:
    """A wait for the lock that timed out or deadlocked: nothing was written, try again."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock not available
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


class RecordStore:
    """The chain of decision records in one database; every append is one transaction."""

    def __init__(self, url: str = DEFAULT_URL, *, create: bool = True) -> None:
        """Open the store; `create=False` (for commands that only read) refuses a database
        that holds no records rather than making an empty one."""
        self.url = url
        try:
            parsed = make_url(url)
            if (not create and parsed.get_backend_name() == "sqlite" and parsed.database
                    and parsed.database != ":memory:" and not Path(parsed.database).is_file()):
                raise MedunionError(error(N_("no decision records at {url}: the file {file} does not exist"),
                                          url=shown_url(url), file=parsed.database))
            self.db = make_engine(url)
            if create:
                self._create()
            elif not inspect(self.db).has_table(TABLE):
                raise MedunionError(error(N_("no decision records at {url}: it has no {table} table"),
                                          url=shown_url(url), table=TABLE))
        except (SQLAlchemyError, ImportError, ValueError) as exc:  # a bad URL, a missing driver, not a database
            raise MedunionError(error(N_("cannot open the record store {url}: {problem}; give --db a SQLAlchemy URL "
                                         "such as sqlite:///records.sqlite"), url=shown_url(url),
                                      problem=first_line(exc))) from None

    def _create(self) -> None:
        """Create the table; two processes opening a new store at once may race, and the loser
        finds the winner's table."""
        try:
            _metadata.create_all(self.db)
        except SQLAlchemyError:
            if not inspect(self.db).has_table(TABLE):
                raise

    def append(self, record: DecisionRecord) -> DecisionRecord:
        """Place the record after the head of the chain: its sequence, previous_hash and hash.

        Returns the chained record. A record id already stored raises DuplicateRecord.
        """
        for attempt in range(APPEND_ATTEMPTS):
            try:
                return self._append(record)
            except IntegrityError:
                if self.get(record.record_id) is not None:
                    raise DuplicateRecord(record.record_id) from None
            except OperationalError as exc:
                if not _lock_lost(exc):
                    raise
            time.sleep(min(0.01 * (attempt + 1), 0.5))  # another writer took the place: read the head again
        raise MedunionError(error(N_("could not append record {record} to {url}: other writers kept the chain busy "
                                     "through {attempts} attempts"), record=record.record_id, url=shown_url(self.url),
                                  attempts=APPEND_ATTEMPTS))

    def _append(self, record: DecisionRecord) -> DecisionRecord:
        with self.db.connect().execution_options(append=True) as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # appenders queue here; readers are not blocked
                conn.execute(text(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE"))
            head = conn.execute(_HEAD).first()
            chained = replace(record, sequence=head.seq + 1 if head else 1,
                              previous_hash=head.hash if head else GENESIS_HASH, hash=None)
            chained = replace(chained, hash=record_hash(chained))
            conn.execute(_INSERT, _row(chained))
        return chained

    def get(self, record_id: str) -> DecisionRecord | None:
        with self.db.connect() as conn:
            row = conn.execute(_BY_ID, {"k": record_id}).first()
        return _record(row) if row else None

    def find_hash(self, digest: str) -> DecisionRecord | None:
        """The record whose hash this is (verify uses it to say where a moved record belongs)."""
        with self.db.connect() as conn:
            row = conn.execute(_BY_HASH, {"k": digest}).first()
        return _record(row) if row else None

    def head(self) -> DecisionRecord | None:
        """The last record of the chain (its sequence and hash are what to write down to detect,
        later, records removed from the end)."""
        with self.db.connect() as conn:
            row = conn.execute(_LAST).first()
        return _record(row) if row else None

    def iterate(self, batch: int = 1000) -> Iterator[DecisionRecord]:
        """Every record in sequence order, read a batch at a time (no transaction is held open
        between batches, so appends go on while a large store is walked)."""
        after = -1
        while True:
            with self.db.connect() as conn:
                rows = conn.execute(_PAGE, {"after": after, "n": batch}).all()
            for row in rows:
                yield _record(row)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def close(self) -> None:
        self.db.dispose()


def record_decision(store: RecordStore, decision: Decision, on: dt.date, **options: Any) -> DecisionRecord:
    """Record one decision: `record_of` then `store.append`; returns the chained record.

    `options` go to `record_of` (`record_id`, `made_at`, `engine`).
    """
    return store.append(record_of(decision, on, **options))
