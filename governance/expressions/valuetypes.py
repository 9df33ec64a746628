"""The static types of the expression language, apart from the checker so built-ins can name them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from governance.diagnostics import Message
from governance.i18n import N_

KINDS = ("number", "integer", "boolean", "enum", "date", "string", "list")


@dataclass(frozen=True)
class ExpressionType:
    """A value's type; enum carries its allowed values, list its element type."""

    kind: str
    values: tuple[str, ...] = ()
    element: ExpressionType | None = field(default=None)

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer")

    @property
    def textual(self) -> bool:
        return self.kind in ("enum", "string")

    def accepts(self, value: ExpressionType) -> bool:
        """Whether a value of type `value` may be stored where this type is declared (a rule's output,
        a lifecycle's `set`): numbers widen but do not narrow, text may go into an enum (checked
        against its values when stored) and an enum into text."""
        if self.numeric and value.numeric:
            return not (self.kind == "integer" and value.kind == "number")
        if self.kind == "enum" and value.kind in ("enum", "string"):
            return value.kind == "string" or set(value.values) <= set(self.values)
        return self.kind == value.kind or (self.kind == "string" and value.kind == "enum")

    def describe(self) -> Message:
        """The type in words ("a number"), as a `Message`: English where it is read as text, and
        in the reader's language where a diagnostic quotes it."""
        return _described(self)


@cache
def _described(kind: ExpressionType) -> Message:
    """Once per type: every refused value of a column quotes its type."""
    if kind.kind == "enum":
        return Message(N_("an enum ({values})"), values=", ".join(repr(v) for v in kind.values))
    if kind.kind == "list" and kind.element is not None:
        return Message(N_("a list of {element}"), element=kind.element.describe())
    return Message(_NAMES.get(kind.kind, kind.kind))


_NAMES = {"integer": N_("an integer"), "number": N_("a number"), "boolean": N_("a boolean"),
          "date": N_("a date"), "string": N_("a string")}


NUMBER = ExpressionType("number")
INTEGER = ExpressionType("integer")
BOOLEAN = ExpressionType("boolean")
DATE = ExpressionType("date")
STRING = ExpressionType("string")


def literal_type(value: object) -> ExpressionType:
    """The type of a literal value as written in a rule set or a case."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, str):
        return STRING
    raise TypeError(f"no expression type for {value!r}")
