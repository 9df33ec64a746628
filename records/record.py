"""One decision as a record, and the canonical form its hash is taken of.

A record must let someone prove later what was decided (the inputs, outputs and explanation),
under which rules (the rule set's id, version and the sha256 of its file) and by which engine,
so that the decision can be replayed and any later change to the record detected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from governance.diagnostics import MedunionError, error
from governance.i18n import N_
from governance.values import json_value

if TYPE_CHECKING:
    from governance.decide import Decision

RECORD_FORMAT = "medunion/record@1"  # part of every hash: a change of the canonical form is a new format
GENESIS_HASH = "0" * 64  # the previous_hash of the first record of a chain
UNKNOWN_ENGINE = "0.0.0+unknown"


@dataclass(frozen=True)
class DecisionRecord:
    """A decision as recorded. `sequence`, `previous_hash` and `hash` are set by the store that
    appends it (None before): they place the record in its chain.

    A JSON field (or `on`) that was edited in the database into something that does not parse is
    read back as its raw text, so that `verify` reports the record instead of failing on it.
    """

    record_id: str
    made_at: str  # UTC, ISO 8601
    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str  # sha256 of the rule file's text (RuleSet.digest)
    engine_version: str
    on: dt.date
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    explanation: dict[str, Any]  # the `medunion/explanation@1` JSON
    format: str = RECORD_FORMAT
    sequence: int | None = None
    previous_hash: str | None = None
    hash: str | None = None


def canonical_json(value: Any) -> str:
    """The one text of a JSON value: sorted keys, no spaces, UTF-8 as is, no NaN or Infinity.

    Equal values always give the same text, so a hash of it is a hash of the value.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_json(record: DecisionRecord) -> dict[str, Any]:
    """Every field of the record as JSON-ready data (`on` as YYYY-MM-DD)."""
    data = {f.name: getattr(record, f.name) for f in fields(record)}
    data["on"] = json_value(record.on)
    return data


def record_hash(record: DecisionRecord) -> str:
    """sha256 of the canonical JSON of every field except `hash` (so `sequence` and
    `previous_hash` are covered: a record cannot be moved or relinked unseen)."""
    payload = record_json(record)
    del payload["hash"]
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def engine_version() -> str:
    """The installed medunion distribution's version (a source tree never installed has none)."""
    from importlib import metadata

    try:
        return metadata.version("medunion")
    except metadata.PackageNotFoundError:
        return UNKNOWN_ENGINE


def stored_json(value: Any) -> str:
    """The text a JSON field is stored as: compact, in the order written (outputs in the rule set's
    order, for people reading it); the hash does not depend on it, as it sorts keys itself."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _plain(value: Any) -> Any:
    """A JSON copy: what is stored and hashed must be exactly what is read back."""
    return json.loads(stored_json(value))


def record_of(decision: Decision, on: dt.date, *, record_id: str | None = None, made_at: dt.datetime | None = None,
              engine: str | None = None) -> DecisionRecord:
    """The record of a decision made on `on`, not yet in any chain.

    `record_id` (default a new UUID4), `made_at` (default now) and `engine` (default the installed
    version; pass it when recording many decisions) may be given for callers that fix them.
    A rule set not loaded from a file has no digest and cannot be replayed, so it is refused.
    """
    ruleset = decision.ruleset
    if not ruleset.digest:
        raise MedunionError(error(N_("rule set {ruleset} version {version} was not loaded from a file "
                                     "(it has no content hash); only decisions under a rule file can be recorded"),
                                  ruleset=ruleset.id, version=ruleset.version))
    if decision.trace.on != on:
        raise ValueError(f"the decision was made on {decision.trace.on}, not on {on}")
    explanation = _plain(decision.explanation)
    when = made_at or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        raise ValueError("made_at must carry a time zone (records are made in UTC)")
    return DecisionRecord(
        record_id=record_id or str(uuid.uuid4()),
        made_at=when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_digest=ruleset.digest,
        engine_version=engine or engine_version(),
        on=on,
        inputs=explanation["inputs"],
        outputs=_plain({name: json_value(value) for name, value in decision.outputs.items()}),
        explanation=explanation,
    )
