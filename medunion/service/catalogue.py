"""What one app serves, held by the app (`app.state.service`), never by the module: the rule sets
read once from one rules folder, their request models, the clause index, and the record store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel

from governance.clauses import Clause, clause_index
from governance.diagnostics import Message as Text
from governance.i18n import N_
from governance.load import load_rulesets
from governance.model import RuleSet
from medunion.service.schemas import request_model
from records import RecordStore
from records.record import engine_version


@dataclass
class Catalogue:
    rules_root: Path
    versions: dict[str, list[RuleSet]]  # id -> versions, oldest first
    models: dict[str, type[BaseModel]]  # id -> the body of its decide request
    clauses: dict[str, Clause]
    store: RecordStore | None  # None: decisions are not recorded
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> OpenAPI examples of a request
    engine: str = field(default_factory=engine_version)  # read once, not per record

    def ruleset_versions(self, ruleset_id: str) -> list[RuleSet]:
        """The versions of a served rule set; 404 for any other id."""
        found = self.versions.get(ruleset_id)
        if found is None:
            raise HTTPException(404, Text(N_("no rule set '{ruleset}' (served: {served})"), ruleset=ruleset_id,
                                          served=", ".join(self.versions) or "none"))
        return found

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def load_catalogue(rules_root: Path, records_url: str | None) -> Catalogue:
    """Read every rule set under the folder once. A broken rule file refuses the start with its
    positions (MedunionError), rather than a server that answers for some rule sets only; so does
    a record store that cannot be opened."""
    versions = load_rulesets(rules_root)
    models = {ruleset_id: request_model(ruleset_id, found) for ruleset_id, found in versions.items()}
    first = next((found[0] for found in versions.values()), None)
    clauses = (clause_index(first.path) or {}) if first is not None else {}
    store = RecordStore(records_url) if records_url is not None else None
    examples = {ruleset_id: request_examples(rules_root, ruleset_id) for ruleset_id in versions}
    return Catalogue(rules_root, versions, models, clauses, store, examples)


def request_examples(rules_root: Path, ruleset_id: str, most: int = 3) -> dict[str, Any]:
    """The first cases of the rule set's own tests (`<rules>/<id>/tests/*.yaml`) as OpenAPI examples of a
    decide request: real cases with known answers for the reader of /docs. A test file that does not
    load gives none (`medunion check` reports it; the API does not depend on it)."""
    from governance.diagnostics import MedunionError
    from governance.testing import load_tests
    from governance.values import json_value

    found: dict[str, Any] = {}
    for path in sorted((rules_root / ruleset_id / "tests").glob("*.yaml")):
        try:
            tests = load_tests(path)
        except MedunionError:
            continue
        for test in tests:
            if test.expect_error is None and len(found) < most:
                found[f"example-{len(found) + 1}"] = {"summary": test.name, "value": {
                    "on": test.on.isoformat(), "inputs": {k: json_value(v) for k, v in test.inputs.items()}}}
    return found
