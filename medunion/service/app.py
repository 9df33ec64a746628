"""The HTTP API of `medunion serve`: rule sets, one-case decisions with their explanation and
record, bulk decisions of a CSV or Parquet file, and decision records.

Everything the app serves is held by the app itself (`app.state.service`): the rule sets read
from one rules folder when it is made, their request models, and the record store. There is no
global state, so a test makes as many apps as it likes, each on its own folder and store.
Rule files are read once, when the app is made: restart the server to serve changed rules.

Every refusal is an answer, never a 500: a body that does not fit the rule set's schema, or
that the core refuses, is 422 with each problem's place (`loc`) and message; an unknown rule
set, version or record is 404; a body over its limit is 413.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.diagnostics import Message as Text
from governance.explain import render_text
from governance.i18n import N_
from governance.load import ruleset_in_force
from governance.model import DecisionTable, Field, Reading, Rule, RuleSet
from governance.values import check_field, json_value
from medunion.service import responses as r
from medunion.service.bulk import add_bulk_routes
from medunion.service.catalogue import Catalogue, load_catalogue
from medunion.service.language import request_language
from medunion.service.refusals import (
    DECIDE_BODY_LIMIT,
    NOT_FOUND,
    REFUSED,
    TOO_LARGE,
    JsonBodyCheck,
    LocalisedTooLarge,
    Refusal,
    internal_error,
    problem,
    refusal,
    refused_by_core,
    unparsable_body,
    validation_problems,
)
from records import record_of
from records.record import record_json

# -- views --------------------------------------------------------------------------------------


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _clause(catalogue: Catalogue, key: str) -> r.Clause:
    found = catalogue.clauses.get(key)
    return r.Clause(key=key, heading=found.heading if found else None, provides=found.provides if found else None)


def _reading(reading: Reading) -> dict[str, Any] | None:
    """The drafter's reading of a rule, table or parameter, where it is not law (issue 11)."""
    if not reading.marked:
        return None
    return {"status": reading.status, "text": reading.text, "text_zh": reading.text_zh}


def _rule_view(catalogue: Catalogue, item: Rule | DecisionTable) -> r.RuleView:
    common: dict[str, Any] = {
        "id": item.id, "title": item.title, "title_zh": item.title_zh, "clause": _clause(catalogue, item.clause),
        "source": item.source, "reading": _reading(item.reading), "note": item.note,
    }
    if isinstance(item, Rule):
        return r.RuleView(kind="rule", when=[c.text for c in item.conditions],
                          then={name: e.text for name, e in item.assignments.items()},
                          outputs=list(item.assignments), exception_to=item.exception_to, priority=item.priority,
                          **common)
    return r.RuleView(kind="table", when=[c.text for c in item.columns], outputs=list(item.outputs), hit=item.hit,
                      rows=len(item.rows), **common)


def _field_view(item: Field) -> r.FieldView:
    return r.FieldView(
        type=item.type.kind, values=list(item.type.values) or None if item.type.kind == "enum" else None,
        unit=item.unit, description=item.description, description_zh=item.description_zh, minimum=item.minimum,
        maximum=item.maximum, default=json_value(item.default) if item.has_default else None,
        has_default=item.has_default,
    )


def version_view(catalogue: Catalogue, rs: RuleSet) -> r.VersionView:
    parameters = {
        name: r.ParameterView(
            type=p.type.kind, unit=p.unit, clause=_clause(catalogue, p.clause), status=p.status, note=p.note,
            description=p.description, reading=_reading(p.reading),
            values=[{"from": v.start.isoformat(), "value": json_value(v.value), "reference": v.reference}
                    for v in p.values])
        for name, p in rs.parameters.items()
    }
    return r.VersionView(
        id=rs.id, version=rs.version, title=rs.title, title_zh=rs.title_zh, jurisdiction=rs.jurisdiction,
        status=rs.status, effective_from=rs.effective_from.isoformat(), effective_until=_day(rs.effective_until),
        digest=rs.digest,
        sources=[{"key": s.key, "title": s.title, "document": s.document, "url": s.url} for s in rs.sources],
        inputs={n: _field_view(f) for n, f in rs.inputs.items()},
        outputs={n: _field_view(f) for n, f in rs.outputs.items()},
        parameters=parameters,
        rules=[_rule_view(catalogue, item) for item in (*rs.rules, *rs.tables)],
    )


# -- deciding -----------------------------------------------------------------------------------


def decide_case(catalogue: Catalogue, ruleset_id: str, on: dt.date, given: dict[str, Any],
                lang: str = "en") -> r.Decided:
    """Decide one case under the version in force on `on`; record it when the app records.

    The request model has checked every value against the newest declaration of its input; the
    version in force may declare its inputs otherwise, so each value is checked against it too.
    """
    versions = catalogue.ruleset_versions(ruleset_id)
    try:
        ruleset = ruleset_in_force(versions, on)
    except MedunionError as exc:
        raise Refusal([problem(["body", "on"], d.message) for d in exc.diagnostics]) from None
    problems = []
    for name, value in given.items():
        declared = ruleset.inputs.get(name)
        if declared is None:
            problems.append(problem(["body", "inputs", name], Text(
                N_("version {version} of {ruleset}, in force on {on}, has no input '{name}'; remove it"),
                version=ruleset.version, ruleset=ruleset_id, on=on, name=name)))
        elif value is not None:
            _typed, wrong = check_field(declared, value)
            if wrong:
                problems.append(problem(["body", "inputs", name], wrong))
    if problems:
        raise Refusal(problems)
    try:
        decision = decide(ruleset, given, on)
        record = (catalogue.store.append(record_of(decision, on, engine=catalogue.engine))
                  if catalogue.store is not None else None)
    except MedunionError as exc:
        raise refused_by_core(exc, list(ruleset.inputs)) from None
    return r.Decided(
        record_id=record.record_id if record else None, sequence=record.sequence if record else None,
        hash=record.hash if record else None,
        outputs={name: json_value(value) for name, value in decision.outputs.items()},
        explanation=record.explanation if record else decision.explanation,
        text=render_text(decision.trace, lang),
    )


def _decide_endpoint(catalogue: Catalogue, ruleset_id: str, model: type[BaseModel]
                     ) -> Callable[..., r.Decided]:
    def endpoint(case: Any, request: Request) -> r.Decided:  # a plain def: FastAPI runs it in its threadpool
        given = case.inputs.model_dump(exclude_unset=True)
        return decide_case(catalogue, ruleset_id, case.on, given, request_language(request))

    newest = catalogue.versions[ruleset_id][-1]
    examples = catalogue.examples.get(ruleset_id)
    endpoint.__annotations__["case"] = Annotated[model, Body(openapi_examples=examples or None)]
    endpoint.__name__ = "decide_" + ruleset_id.replace("-", "_")
    title = newest.title + (f" ({newest.title_zh})" if newest.title_zh else "")
    endpoint.__doc__ = (f"Decide one case of `{ruleset_id}`, {title}, on a date, with the explanation of every "
                        "output (`medunion/explanation@1`) and the id of its decision record.")
    return endpoint


# -- the app ------------------------------------------------------------------------------------


def create_app(rules_root: Path, records_url: str | None) -> FastAPI:
    """The API over the rule sets under `rules_root`, recording every decision in the store at
    `records_url` (a SQLAlchemy URL), or in none when it is None.

    Raises MedunionError when a rule file is broken or the store cannot be opened.
    """
    catalogue = load_catalogue(Path(rules_root), records_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        catalogue.close()

    from medunion import version

    app = FastAPI(
        title="medunion",
        version=version(),
        description="Rules as code for county medical associations: decide cases under the rule sets of the "
                    "county plans, with their explanation and a hash-chained decision record.",
        max_body_size=DECIDE_BODY_LIMIT,
        lifespan=lifespan,
    )
    app.state.service = catalogue
    app.add_middleware(JsonBodyCheck)
    stack = app.build_middleware_stack  # the body limit's 413 is sent outside every middleware an app adds,
    app.build_middleware_stack = lambda: LocalisedTooLarge(stack())  # so its language is set around the whole stack
    app.add_exception_handler(RequestValidationError, validation_problems)
    app.add_exception_handler(Refusal, refusal)
    app.add_exception_handler(StarletteHTTPException, unparsable_body)
    app.add_exception_handler(Exception, internal_error)

    @app.get("/health", response_model=r.Health, tags=["service"])
    async def health() -> r.Health:  # nothing to wait for: answered on the event loop, not in the threadpool
        """Whether the service is up: the number of rule sets served and whether it records."""
        return r.Health(status="ok", rulesets=len(catalogue.versions), records=catalogue.store is not None)

    @app.get("/rulesets", response_model=list[r.RulesetSummary], tags=["rule sets"])
    def rulesets() -> list[r.RulesetSummary]:
        """Every rule set served: its id, titles in English and Chinese, and its versions with their dates."""
        found = []
        for ruleset_id, versions in catalogue.versions.items():
            newest = versions[-1]
            found.append(r.RulesetSummary(
                id=ruleset_id, title=newest.title, title_zh=newest.title_zh, jurisdiction=newest.jurisdiction,
                versions=[r.VersionSummary(version=v.version, status=v.status,
                                           effective_from=v.effective_from.isoformat(),
                                           effective_until=_day(v.effective_until)) for v in versions]))
        return found

    @app.get("/rulesets/{ruleset_id}/versions/{version}", response_model=r.VersionView, responses=NOT_FOUND,
             tags=["rule sets"])
    def ruleset_version(ruleset_id: str, version: str) -> r.VersionView:
        """One version of a rule set: its inputs, outputs and parameters, and every rule and table with its
        clause key, the clause's text from rules/clauses.yaml and the source sentence it encodes."""
        versions = catalogue.ruleset_versions(ruleset_id)
        found = next((v for v in versions if v.version == version), None)
        if found is None:
            raise HTTPException(404, Text(N_("{ruleset} has no version '{version}' (versions: {versions})"),
                                          ruleset=ruleset_id, version=version,
                                          versions=", ".join(v.version for v in versions)))
        return version_view(catalogue, found)

    for ruleset_id, model in catalogue.models.items():
        app.post(f"/rulesets/{ruleset_id}/decide", response_model=r.Decided, responses={**REFUSED, **TOO_LARGE},
                 tags=["decide"], summary=f"Decide a case of {ruleset_id}")(
            _decide_endpoint(catalogue, ruleset_id, model))

    @app.post("/rulesets/{ruleset_id}/decide", include_in_schema=False)
    def decide_unknown(ruleset_id: str) -> None:
        """Any other id (the served ones have their own routes above): not found."""
        catalogue.ruleset_versions(ruleset_id)
        raise HTTPException(404, f"no rule set '{ruleset_id}'")  # not reached: the id is unknown

    @app.get("/records/{record_id}", response_model=r.RecordView, responses=NOT_FOUND, tags=["records"])
    def get_record(record_id: str) -> r.RecordView:
        """A decision record as stored: what was decided, under which rules and engine, and its place in the
        hash chain (docs/reference/records.md)."""
        if catalogue.store is None:
            raise HTTPException(404, N_("this server keeps no decision records (it was started with --no-record)"))
        record = catalogue.store.get(record_id) if "\x00" not in record_id else None  # PostgreSQL text has no NUL
        if record is None:
            raise HTTPException(404, Text(N_("no decision record '{record}'"), record=record_id))
        data = record_json(record)
        return r.RecordView(**data)

    add_bulk_routes(app, catalogue)
    return app


__all__ = ["create_app", "decide_case", "version_view"]
