"""Static types of expressions, so a wrong comparison is caught before any case is decided."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from governance.diagnostics import MedunionError, error
from governance.expressions.builtins import BUILTINS, Mismatch, unknown_function
from governance.expressions.operators import BINARY, EQUALITY, LOGICAL, ORDERING
from governance.expressions.parser import printable
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
from governance.expressions.valuetypes import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    ExpressionType,
    literal_type,
)


class _Checker:
    def __init__(self, expr: Expression, env: Mapping[str, ExpressionType]) -> None:
        self.expr = expr
        self.env = env

    def fail(self, node: Node, message: str) -> MedunionError:
        snippet = self.expr.full_text[node.start : node.end]
        where = self.expr.location_of(node)
        suffix = "" if self.expr.mapped or where is None else f" (in `{self.expr.text.strip()}`)"
        return MedunionError(error(printable(f"`{snippet}`: {message}{suffix}"), where))

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
        if op in LOGICAL:
            for side, side_type in ((node.left, left), (node.right, right)):
                if side_type.kind != "boolean":
                    raise self.fail(side, f"'{op}' joins conditions; this is {side_type.describe()}")
            return BOOLEAN
        if op in EQUALITY:
            self.comparable(node, node.left, left, node.right, right)
            return BOOLEAN
        if op in ORDERING:
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
        verb = BINARY[op].verb
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
        if not isinstance(node.collection, ListExpr | Name):
            # an `if` choosing between lists: the column evaluator looks lists up by name or literal
            raise self.fail(node.collection, "'in' needs a list written out, [a, b], or a list parameter")
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
        builtin = BUILTINS.get(node.function)
        if builtin is None:
            raise self.fail(node, unknown_function(node.function))
        count = len(node.args)
        if not builtin.accepts(count):
            raise self.fail(node, f"{node.function}() takes {builtin.arity()} argument(s), not {count}")
        result = builtin.type_rule(tuple(self.check(arg) for arg in node.args))
        if isinstance(result, Mismatch):
            culprit = node if result.argument is None else node.args[result.argument]
            raise self.fail(culprit, result.message)
        return result


def infer_type(expr: Expression, env: Mapping[str, ExpressionType]) -> ExpressionType:
    """The type of an expression given the types of the names it may read."""
    return _Checker(expr, env).check(expr.tree)
