"""The shapes of the API's answers, as pydantic models, so the OpenAPI document states them and
schemathesis can hold every response to them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """One reason a request was refused: where in the request (`loc`) and what is wrong."""

    loc: list[str | int] = Field(description="Where: e.g. [\"body\", \"inputs\", \"eligible_cost\"]")
    msg: str
    type: str = Field(description="pydantic's error type, or `medunion` for a refusal of the rules engine")


class Refused(BaseModel):
    """A request refused as invalid (422): every problem found, each with its place."""

    detail: list[Problem]


class Message(BaseModel):
    """An answer without data: not found (404), too large (413)."""

    detail: str


class Health(BaseModel):
    status: str
    rulesets: int
    records: bool = Field(description="Whether decisions are recorded")


class VersionSummary(BaseModel):
    version: str
    status: str
    effective_from: str
    effective_until: str | None


class RulesetSummary(BaseModel):
    id: str
    title: str
    title_zh: str | None
    jurisdiction: str
    versions: list[VersionSummary]


class Clause(BaseModel):
    key: str
    heading: str | None = Field(description="The clause's heading in rules/clauses.yaml (null if not listed)")
    provides: str | None = Field(description="What the clause provides, from rules/clauses.yaml")


class RuleView(BaseModel):
    kind: str = Field(description="rule or table")
    id: str
    title: str
    title_zh: str | None
    clause: Clause
    source: str = Field(description="The sentence of the plan the rule encodes, quoted")
    reading: dict[str, Any] | None = Field(default=None, description="The drafter's reading, when not law")
    when: list[str] = Field(default_factory=list, description="A rule's conditions; a table's input columns")
    then: dict[str, str] = Field(default_factory=dict, description="A rule's assignments (output: expression)")
    outputs: list[str] = Field(default_factory=list)
    exception_to: str | None = None
    priority: int = 0
    hit: str | None = Field(default=None, description="A table's hit policy")
    rows: int | None = Field(default=None, description="A table's number of rows")
    note: str | None = None


class FieldView(BaseModel):
    type: str
    values: list[str] | None = None
    unit: str | None = None
    description: str | None = None
    description_zh: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    has_default: bool = False


class ParameterView(BaseModel):
    type: str
    unit: str | None
    clause: Clause
    status: str
    note: str | None
    description: str | None
    reading: dict[str, Any] | None = Field(default=None, description="The drafter's reading, when not law")
    values: list[dict[str, Any]]


class VersionView(BaseModel):
    id: str
    version: str
    title: str
    title_zh: str | None
    jurisdiction: str
    status: str
    effective_from: str
    effective_until: str | None
    digest: str = Field(description="sha256 of the rule file's text: the hash decision records carry")
    sources: list[dict[str, Any]]
    inputs: dict[str, FieldView]
    outputs: dict[str, FieldView]
    parameters: dict[str, ParameterView]
    rules: list[RuleView]


class Decided(BaseModel):
    """A decided case: its outputs, the explanation and where it was recorded."""

    record_id: str | None = Field(description="The decision record's id (null when the server does not record)")
    sequence: int | None = Field(default=None, description="The record's place in the hash chain")
    hash: str | None = Field(default=None, description="The record's sha256")
    outputs: dict[str, Any] = Field(description="Every output by name; null where not decided")
    explanation: dict[str, Any] = Field(description="The explanation, format `medunion/explanation@1`")
    text: str | None = Field(default=None, description="The explanation as a letter, in the language asked for "
                             "(`?lang=zh|en`, then Accept-Language; English by default)")


class RecordView(BaseModel):
    """A decision record as stored (format `medunion/record@1`, docs/reference/records.md)."""

    record_id: str
    format: str
    made_at: str
    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str
    engine_version: str
    on: Any = Field(description="The date decided on, YYYY-MM-DD (as stored, even if edited)")
    inputs: Any
    outputs: Any
    explanation: Any
    sequence: int | None
    previous_hash: str | None
    hash: str | None
