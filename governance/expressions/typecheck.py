"""Static types of expressions, so a wrong comparison is caught before any case is decided."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from governance.diagnostics import MedunionError, error
from governance.expressions.syntax import (
    Binary,
    Call,
    Conditional,
    Expression,
    ListExpr,
    Literal,
    Membership,
    Name,
    Node,
    Unary,
)

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

    def describe(self) -> str:
        if self.kind == "enum":
            return "an enum (" + ", ".join(repr(v) for v in self.values) + ")"
        if self.kind == "list" and self.element is not None:
            return f"a list of {self.element.describe()}"
        return {"integer": "an integer", "number": "a number", "boolean": "a boolean",
                "date": "a date", "string": "a string"}.get(self.kind, self.kind)


NUMBER = ExpressionType("number")
INTEGER = ExpressionType("integer")
BOOLEAN = ExpressionType("boolean")
DATE = ExpressionType("date")
STRING = ExpressionType("string")

# name -> (minimum args, maximum args or None)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "round": (1, 2),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "add_months": (2, 2),
    "months_between": (2, 2),
    "year": (1, 1),
    "month": (1, 1),
    "day": (1, 1),
}


def literal_type(value: object) -> ExpressionType:
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


class _Checker:
    def __init__(self, expr: Expression, env: Mapping[str, ExpressionType]) -> None:
        self.expr = expr
        self.env = env

    def fail(self, node: Node, message: str) -> MedunionError:
        snippet = self.expr.full_text[node.start : node.end]
        where = self.expr.location_of(node)
        suffix = "" if self.expr.mapped or where is None else f" (in `{self.expr.text.strip()}`)"
        return MedunionError(error(f"`{snippet}`: {message}{suffix}", where))

    def check(self, node: Node) -> ExpressionType:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Literal(self, node: Literal) -> ExpressionType:
        return literal_type(node.value)

    def visit_Name(self, node: Name) -> ExpressionType:
        if node.name in self.env:
            return self.env[node.name]
        if any(node.name in t.values for t in self.env.values() if t.kind == "enum"):
            hint = f"to write the value '{node.name}', put it in quotes: '{node.name}'"
        else:
            close = difflib.get_close_matches(node.name, list(self.env), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "declare it under inputs, parameters or outputs"
        raise self.fail(node, f"unknown name '{node.name}'; {hint}")

    def visit_Unary(self, node: Unary) -> ExpressionType:
        operand = self.check(node.operand)
        if node.op == "not":
            if operand.kind != "boolean":
                raise self.fail(node, f"'not' needs a boolean, not {operand.describe()}")
            return BOOLEAN
        if not operand.numeric:
            raise self.fail(node, f"cannot negate {operand.describe()}")
        return operand

    def visit_Binary(self, node: Binary) -> ExpressionType:
        left = self.check(node.left)
        right = self.check(node.right)
        op = node.op
        if op in ("and", "or"):
            for side, side_type in ((node.left, left), (node.right, right)):
                if side_type.kind != "boolean":
                    raise self.fail(side, f"'{op}' joins conditions; this is {side_type.describe()}")
            return BOOLEAN
        if op in ("==", "!="):
            self.comparable(node, node.left, left, node.right, right)
            return BOOLEAN
        if op in ("<", "<=", ">", ">="):
            if (left.numeric and right.numeric) or (left.kind == right.kind == "date"):
                return BOOLEAN
            raise self.fail(node, f"cannot order {left.describe()} against {right.describe()}")
        return self.arithmetic(node, left, right)

    def arithmetic(self, node: Binary, left: ExpressionType, right: ExpressionType) -> ExpressionType:
        op = node.op
        if left.numeric and right.numeric:
            if op == "/":
                return NUMBER
            both_int = left.kind == right.kind == "integer"
            return INTEGER if both_int else NUMBER
        if op in ("+", "-") and left.kind == "date" and right.kind == "integer":
            return DATE
        if op == "+" and left.kind == "integer" and right.kind == "date":
            return DATE
        if op == "-" and left.kind == right.kind == "date":
            return INTEGER
        verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "take the remainder of"}[op]
        hint = " (dates move by whole days: add an integer)" if "date" in (left.kind, right.kind) else ""
        raise self.fail(node, f"cannot {verb} {left.describe()} and {right.describe()}{hint}")

    def comparable(
        self, node: Node, left_node: Node, left: ExpressionType, right_node: Node, right: ExpressionType
    ) -> None:
        if left.numeric and right.numeric:
            return
        if left.textual and right.textual:
            self.enum_literal(left, right_node)
            self.enum_literal(right, left_node)
            if left.kind == right.kind == "enum" and not set(left.values) & set(right.values):
                raise self.fail(node, "these two enums share no value: the comparison is never true")
            return
        if left.kind == right.kind and left.kind in ("boolean", "date"):
            return
        raise self.fail(node, f"cannot compare {left.describe()} with {right.describe()}")

    def enum_literal(self, enum: ExpressionType, other: Node) -> None:
        """An enum compared with a literal that is not one of its values is a typo."""
        if enum.kind != "enum" or not isinstance(other, Literal) or not isinstance(other.value, str):
            return
        if other.value not in enum.values:
            close = difflib.get_close_matches(other.value, list(enum.values), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(enum.values)
            raise self.fail(other, f"'{other.value}' is not one of the enum's values; {hint}")

    def visit_ListExpr(self, node: ListExpr) -> ExpressionType:
        if not node.items:
            raise self.fail(node, "an empty list matches nothing; remove the condition")
        types = [self.check(item) for item in node.items]
        return ExpressionType("list", element=self.unify(node, types))

    def visit_Membership(self, node: Membership) -> ExpressionType:
        operand = self.check(node.operand)
        collection = self.check(node.collection)
        if collection.kind != "list" or collection.element is None:
            raise self.fail(node.collection, f"'in' needs a list, not {collection.describe()}")
        element = collection.element
        if isinstance(node.collection, ListExpr):
            for item in node.collection.items:
                self.comparable(node, node.operand, operand, item, self.check(item))
        else:
            ok = (operand.numeric and element.numeric) or (operand.textual and element.textual) or (
                operand.kind == element.kind
            )
            if not ok:
                raise self.fail(node, f"cannot look for {operand.describe()} in {collection.describe()}")
        return BOOLEAN

    def visit_Conditional(self, node: Conditional) -> ExpressionType:
        condition = self.check(node.condition)
        if condition.kind != "boolean":
            raise self.fail(node.condition, f"'if' needs a condition, not {condition.describe()}")
        return self.unify(node, [self.check(node.then), self.check(node.otherwise)])

    def unify(self, node: Node, types: list[ExpressionType]) -> ExpressionType:
        if all(t.numeric for t in types):
            return INTEGER if all(t.kind == "integer" for t in types) else NUMBER
        if all(t.textual for t in types):
            enums = [t for t in types if t.kind == "enum"]
            return enums[0] if enums and len(enums) == len(types) else STRING
        first = types[0]
        if all(t == first for t in types):
            return first
        kinds = ", ".join(sorted({t.describe() for t in types}))
        raise self.fail(node, f"mixes values of different types ({kinds})")

    def visit_Call(self, node: Call) -> ExpressionType:
        if node.function not in FUNCTIONS:
            close = difflib.get_close_matches(node.function, list(FUNCTIONS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(sorted(FUNCTIONS))
            raise self.fail(node, f"unknown function '{node.function}'; {hint}")
        low, high = FUNCTIONS[node.function]
        count = len(node.args)
        if count < low or (high is not None and count > high):
            wanted = str(low) if low == high else f"{low} to {high}" if high else f"at least {low}"
            raise self.fail(node, f"{node.function}() takes {wanted} argument(s), not {count}")
        args = [self.check(arg) for arg in node.args]
        name = node.function
        if name in ("min", "max"):
            if all(a.kind == "date" for a in args):
                return DATE
            for arg_node, arg in zip(node.args, args, strict=True):
                if not arg.numeric:
                    raise self.fail(arg_node, f"{name}() takes numbers or dates, not {arg.describe()}")
            return self.unify(node, args)
        if name == "round":
            self.need(node.args[0], args[0], "number")
            if count == 2 and args[1].kind != "integer":
                raise self.fail(node.args[1], "round()'s digits must be an integer")
            return NUMBER
        if name == "abs":
            self.need(node.args[0], args[0], "number")
            return args[0]
        if name in ("floor", "ceil"):
            self.need(node.args[0], args[0], "number")
            return INTEGER
        if name == "add_months":
            self.need(node.args[0], args[0], "date")
            if args[1].kind != "integer":
                raise self.fail(node.args[1], "add_months() moves by a whole number of months")
            return DATE
        if name == "months_between":
            self.need(node.args[0], args[0], "date")
            self.need(node.args[1], args[1], "date")
            return INTEGER
        self.need(node.args[0], args[0], "date")  # year, month, day
        return INTEGER

    def need(self, node: Node, actual: ExpressionType, kind: str) -> None:
        ok = actual.numeric if kind == "number" else actual.kind == kind
        if not ok:
            raise self.fail(node, f"expected {ExpressionType(kind).describe()}, found {actual.describe()}")


def infer_type(expr: Expression, env: Mapping[str, ExpressionType]) -> ExpressionType:
    """The type of an expression given the types of the names it may read."""
    return _Checker(expr, env).check(expr.tree)
