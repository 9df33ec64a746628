"""Static types of expressions, so a wrong comparison is caught before any case is decided."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from governance.diagnostics import MedunionError, Message, error, joined
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
from governance.i18n import N_


class _Checker:
    def __init__(self, expr: Expression, env: Mapping[str, ExpressionType]) -> None:
        self.expr = expr
        self.env = env

    def fail(self, node: Node, problem: Message) -> MedunionError:
        snippet = printable(self.expr.full_text[node.start : node.end])
        where = self.expr.location_of(node)
        if self.expr.mapped or where is None:
            return MedunionError(error(N_("`{snippet}`: {problem}"), where, snippet=snippet, problem=problem))
        return MedunionError(error(N_("`{snippet}`: {problem} (in `{expression}`)"), where, snippet=snippet,
                                   problem=problem, expression=printable(self.expr.text.strip())))

    def check(self, node: Node) -> ExpressionType:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Literal(self, node: Literal) -> ExpressionType:
        return literal_type(node.value)

    def visit_Name(self, node: Name) -> ExpressionType:
        if node.name in self.env:
            return self.env[node.name]
        if any(node.name in t.values for t in self.env.values() if t.kind == "enum"):
            raise self.fail(node, Message(N_("unknown name '{name}'; to write the value '{name}', put it in quotes: "
                                             "'{name}'"), name=printable(node.name)))
        close = difflib.get_close_matches(node.name, list(self.env), n=1)
        if close:
            raise self.fail(node, Message(N_("unknown name '{name}'; did you mean '{close}'?"),
                                          name=printable(node.name), close=close[0]))
        raise self.fail(node, Message(N_("unknown name '{name}'; declare it under inputs, parameters or outputs"),
                                      name=printable(node.name)))

    def visit_Unary(self, node: Unary) -> ExpressionType:
        operand = self.check(node.operand)
        if node.op == "not":
            if operand.kind != "boolean":
                raise self.fail(node, Message(N_("'not' needs a boolean, not {type}"), type=operand.describe()))
            return BOOLEAN
        if not operand.numeric:
            raise self.fail(node, Message(N_("cannot negate {type}"), type=operand.describe()))
        return operand

    def visit_Binary(self, node: Binary) -> ExpressionType:
        left = self.check(node.left)
        right = self.check(node.right)
        op = node.op
        if op in LOGICAL:
            for side, side_type in ((node.left, left), (node.right, right)):
                if side_type.kind != "boolean":
                    raise self.fail(side, Message(N_("'{op}' joins conditions; this is {type}"), op=op,
                                                      type=side_type.describe()))
            return BOOLEAN
        if op in EQUALITY:
            self.comparable(node, node.left, left, node.right, right)
            return BOOLEAN
        if op in ORDERING:
            if (left.numeric and right.numeric) or (left.kind == right.kind == "date"):
                return BOOLEAN
            raise self.fail(node, Message(N_("cannot order {left} against {right}"), left=left.describe(),
                                          right=right.describe()))
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
        problem = Message(_CANNOT.get(BINARY[op].symbol, N_("cannot compute {left} and {right}")),
                          left=left.describe(), right=right.describe())
        if "date" in (left.kind, right.kind):
            problem = Message(N_("{problem} (dates move by whole days: add an integer)"), problem=problem)
        raise self.fail(node, problem)

    def comparable(
        self, node: Node, left_node: Node, left: ExpressionType, right_node: Node, right: ExpressionType
    ) -> None:
        if left.numeric and right.numeric:
            return
        if left.textual and right.textual:
            self.enum_literal(left, right_node)
            self.enum_literal(right, left_node)
            if left.kind == right.kind == "enum" and not set(left.values) & set(right.values):
                raise self.fail(node, Message(N_("these two enums share no value: the comparison is never true")))
            return
        if left.kind == right.kind and left.kind in ("boolean", "date"):
            return
        raise self.fail(node, Message(N_("cannot compare {left} with {right}"), left=left.describe(),
                                      right=right.describe()))

    def enum_literal(self, enum: ExpressionType, other: Node) -> None:
        """An enum compared with a literal that is not one of its values is a typo."""
        if enum.kind != "enum" or not isinstance(other, Literal) or not isinstance(other.value, str):
            return
        if other.value not in enum.values:
            close = difflib.get_close_matches(other.value, list(enum.values), n=1)
            value = printable(other.value)
            if close:
                raise self.fail(other, Message(N_("'{value}' is not one of the enum's values; did you mean '{close}'?"),
                                               value=value, close=close[0]))
            raise self.fail(other, Message(N_("'{value}' is not one of the enum's values; allowed: {allowed}"),
                                           value=value, allowed=", ".join(enum.values)))

    def visit_ListExpr(self, node: ListExpr) -> ExpressionType:
        if not node.items:
            raise self.fail(node, Message(N_("an empty list matches nothing; remove the condition")))
        types = [self.check(item) for item in node.items]
        return ExpressionType("list", element=self.unify(node, types))

    def visit_Membership(self, node: Membership) -> ExpressionType:
        operand = self.check(node.operand)
        collection = self.check(node.collection)
        if collection.kind != "list" or collection.element is None:
            raise self.fail(node.collection, Message(N_("'in' needs a list, not {type}"),
                                                          type=collection.describe()))
        if not isinstance(node.collection, ListExpr | Name):
            # an `if` choosing between lists: the column evaluator looks lists up by name or literal
            raise self.fail(node.collection, Message(N_("'in' needs a list written out, [a, b], or a list parameter")))
        element = collection.element
        if isinstance(node.collection, ListExpr):
            for item in node.collection.items:
                self.comparable(node, node.operand, operand, item, self.check(item))
        else:
            ok = (operand.numeric and element.numeric) or (operand.textual and element.textual) or (
                operand.kind == element.kind
            )
            if not ok:
                raise self.fail(node, Message(N_("cannot look for {operand} in {collection}"),
                                              operand=operand.describe(), collection=collection.describe()))
        return BOOLEAN

    def visit_Conditional(self, node: Conditional) -> ExpressionType:
        condition = self.check(node.condition)
        if condition.kind != "boolean":
            raise self.fail(node.condition, Message(N_("'if' needs a condition, not {type}"),
                                                         type=condition.describe()))
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
        kinds = joined(sorted({t.describe() for t in types}), N_("{first}, {rest}"))
        raise self.fail(node, Message(N_("mixes values of different types ({types})"), types=kinds))

    def visit_Call(self, node: Call) -> ExpressionType:
        builtin = BUILTINS.get(node.function)
        if builtin is None:
            raise self.fail(node, unknown_function(node.function))
        count = len(node.args)
        if not builtin.accepts(count):
            raise self.fail(node, Message(N_("{function}() takes {arity} argument(s), not {count}"),
                                          function=node.function, arity=builtin.arity(), count=count))
        result = builtin.type_rule(tuple(self.check(arg) for arg in node.args))
        if isinstance(result, Mismatch):
            culprit = node if result.argument is None else node.args[result.argument]
            raise self.fail(culprit, result.message)
        return result


_CANNOT = {"+": N_("cannot add {left} and {right}"), "-": N_("cannot subtract {left} and {right}"),
           "*": N_("cannot multiply {left} and {right}"), "/": N_("cannot divide {left} and {right}"),
           "%": N_("cannot take the remainder of {left} and {right}")}


def infer_type(expr: Expression, env: Mapping[str, ExpressionType]) -> ExpressionType:
    """The type of an expression given the types of the names it may read."""
    return _Checker(expr, env).check(expr.tree)
