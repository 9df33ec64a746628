"""Decide a recorded case again under the rules as they are now, and say what differs and why.

An auditor asking "would this claim be decided the same today?" needs the cause before the
symptoms: first whether the rule file changed since (its hash), then whether the version is still
there or the case is now refused, then each output that differs and the parts of the explanation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.load import ruleset_versions
from governance.values import json_value
from records.record import DecisionRecord, canonical_json, engine_version, record_hash

# Where the rule file was read from is not part of what was decided: a copy of the rules in
# another folder decides the same, so the explanation's `ruleset.path` is left out of the comparison.
_LOCATION_ONLY = ("path",)


@dataclass(frozen=True)
class Change:
    """One value as recorded and as decided now (an output, or a parameter the decision used)."""

    name: str
    recorded: Any
    now: Any


@dataclass(frozen=True)
class ReplayResult:
    """What replaying one record found; `identical` when nothing differs."""

    record_id: str
    ruleset_id: str
    ruleset_version: str
    recorded_digest: str
    current_digest: str | None = None  # None when the version is no longer present
    current_path: str | None = None
    missing: str | None = None  # why the recorded version cannot be found
    refused: str | None = None  # the error the case is now refused with
    record_edited: bool = False  # the record does not match its own hash
    outputs: tuple[Change, ...] = ()
    explanation_parts: tuple[str, ...] = ()  # top-level parts of the explanation that differ
    parameters: tuple[Change, ...] = ()  # parameter values used that differ
    recorded_engine: str = ""
    current_engine: str = ""

    @property
    def rules_changed(self) -> bool:
        return self.current_digest is not None and self.current_digest != self.recorded_digest

    @property
    def identical(self) -> bool:
        return not (self.rules_changed or self.missing or self.refused or self.record_edited or self.outputs
                    or self.explanation_parts)

    def lines(self) -> list[str]:
        """What differs, cause first, one line each (empty when identical)."""
        if self.identical:
            return []
        found: list[str] = []
        if self.rules_changed:
            found.append(f"the rules changed since the decision was recorded: {self.current_path} "
                         f"(version {self.ruleset_version}) has sha256 {self.current_digest}, "
                         f"recorded {self.recorded_digest}")
        if self.missing:
            found.append(self.missing)
        if self.record_edited:
            found.append("the record itself does not match its hash: it was changed after it was recorded "
                         "(run `medunion records verify`)")
        if self.refused:
            found.append(f"the case is now refused: {self.refused}")
        for change in self.outputs:
            found.append(f"output {change.name}: recorded {_shown(change.recorded)}, now {_shown(change.now)}")
        for change in self.parameters:
            found.append(f"parameter {change.name}: recorded {_shown(change.recorded)}, now {_shown(change.now)}")
        if self.explanation_parts:
            found.append("explanation differs in: " + ", ".join(self.explanation_parts))
        if self.recorded_engine != self.current_engine:
            found.append(f"recorded by medunion {self.recorded_engine}, replayed by medunion {self.current_engine}")
        return found


def _shown(value: Any) -> str:
    return "(absent)" if value is _ABSENT else canonical_json(value)


_ABSENT = object()


def _changes(recorded: dict[str, Any], now: dict[str, Any]) -> tuple[Change, ...]:
    """Each name whose value differs, in recorded order then new names (5 and 5.0 are the same)."""
    names = [*recorded, *(n for n in now if n not in recorded)]
    return tuple(Change(n, recorded.get(n, _ABSENT), now.get(n, _ABSENT)) for n in names
                 if n not in recorded or n not in now or recorded[n] != now[n])


def _comparable(explanation: dict[str, Any]) -> dict[str, Any]:
    ruleset = explanation.get("ruleset")
    if not isinstance(ruleset, dict):
        return explanation
    return {**explanation, "ruleset": {k: v for k, v in ruleset.items() if k not in _LOCATION_ONLY}}


def _parameter_values(explanation: Any) -> dict[str, Any]:
    parameters = explanation.get("parameters") if isinstance(explanation, dict) else None
    if not isinstance(parameters, dict):
        return {}
    return {name: p.get("value") if isinstance(p, dict) else p for name, p in parameters.items()}


def replay(record: DecisionRecord, rules_root: str | Path) -> ReplayResult:
    """Decide the record's inputs on its date with its rule set's version as found under `rules_root`."""
    base: dict[str, Any] = {
        "record_id": record.record_id, "ruleset_id": record.ruleset_id, "ruleset_version": record.ruleset_version,
        "recorded_digest": record.ruleset_digest, "record_edited": record.hash is not None
        and record_hash(record) != record.hash, "recorded_engine": record.engine_version,
        "current_engine": engine_version(),
    }
    try:
        versions = ruleset_versions(record.ruleset_id, rules_root)
    except MedunionError as exc:
        return ReplayResult(**base, missing=f"the rule set {record.ruleset_id} cannot be read from {rules_root}: "
                                            + "; ".join(str(d) for d in exc.diagnostics))
    ruleset = next((r for r in versions if r.version == record.ruleset_version), None)
    if ruleset is None:
        present = ", ".join(r.version for r in versions)
        return ReplayResult(**base, missing=f"version {record.ruleset_version} of {record.ruleset_id} is no longer "
                                            f"under {rules_root} (versions present: {present})")
    base.update(current_digest=ruleset.digest, current_path=ruleset.path)
    if not isinstance(record.on, dt.date) or not isinstance(record.inputs, dict):
        return ReplayResult(**base, refused="the record's date or inputs do not parse; it was edited")
    try:
        decision = decide(ruleset, record.inputs, record.on)
    except MedunionError as exc:
        return ReplayResult(**base, refused="; ".join(str(d) for d in exc.diagnostics))
    now_outputs = {name: json_value(value) for name, value in decision.outputs.items()}
    recorded_outputs = record.outputs if isinstance(record.outputs, dict) else {}
    recorded = _comparable(record.explanation) if isinstance(record.explanation, dict) else {}
    now = _comparable(decision.explanation)
    parts = tuple(k for k in [*recorded, *(k for k in now if k not in recorded)]
                  if canonical_json(recorded.get(k)) != canonical_json(now.get(k)))
    return ReplayResult(**base, outputs=_changes(recorded_outputs, now_outputs), explanation_parts=parts,
                        parameters=_changes(_parameter_values(recorded), _parameter_values(now)))
