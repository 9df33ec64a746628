"""The operators of the expression language, declared once.

The tokenizer, the parser's precedence levels, the type checker's families, both evaluators,
the canonical text renderer and the plain-language renderer all read this table, so an
operator cannot bind one way when parsed and another when printed or explained.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final


class Precedence:
    """How tightly each form binds, loosest first: `a or b and c` is `a or (b and c)`.

    Plain ints rather than an enum: the renderers compare them for every node of every
    explained case, and int comparisons are the fast path.
    """

    CONDITIONAL: Final = 0  # if … then … else …
    OR: Final = 1
    AND: Final = 2
    NOT: Final = 3
    COMPARISON: Final = 4  # == != < <= > >= in, not in; never chained
    SUM: Final = 5  # + -
    PRODUCT: Final = 6  # * / %
    NEGATE: Final = 7  # unary -
    ATOM: Final = 8  # literals, names, calls, lists, brackets


# families of binary operators
LOGICAL_FAMILY = "logical"
EQUALITY_FAMILY = "equality"
ORDERING_FAMILY = "ordering"
ARITHMETIC_FAMILY = "arithmetic"


@dataclass(frozen=True)
class BinaryOperator:
    """One binary operator: how it parses, computes, and reads.

    `apply` works on Python values and numpy columns alike; it is None for `and`/`or`, which
    both evaluators short-circuit themselves. `words` is the plain-English reading the public
    pages use; `date_words` its reading between dates; `negation` the comparison that holds
    exactly when this one does not (so "not a > b" can read "a is at most b").
    """

    symbol: str
    family: str
    precedence: int  # a Precedence level
    apply: Callable[[Any, Any], Any] | None
    words: str
    associative: bool = False  # a + (b + c) reads as a + b + c; a - (b - c) keeps its brackets
    divides: bool = False  # / and %: a zero right side is an evaluation error
    verb: str = ""  # arithmetic, for type errors: "cannot add a date and a boolean"
    negation: str = ""
    date_words: str = ""


@dataclass(frozen=True)
class UnaryOperator:
    """A prefix operator; `words` is its plain-English reading."""

    symbol: str
    precedence: int  # a Precedence level
    words: str


def _comparison(symbol: str, family: str, apply: Callable[[Any, Any], Any], negation: str,
                words: str, date_words: str) -> BinaryOperator:
    return BinaryOperator(symbol, family, Precedence.COMPARISON, apply, words, negation=negation,
                          date_words=date_words)


BINARY: Mapping[str, BinaryOperator] = MappingProxyType({op.symbol: op for op in (
    BinaryOperator("or", LOGICAL_FAMILY, Precedence.OR, None, "or", associative=True),
    BinaryOperator("and", LOGICAL_FAMILY, Precedence.AND, None, "and", associative=True),
    _comparison("==", EQUALITY_FAMILY, operator.eq, "!=", "is", "is"),
    _comparison("!=", EQUALITY_FAMILY, operator.ne, "==", "is not", "is not"),
    _comparison("<", ORDERING_FAMILY, operator.lt, ">=", "is less than", "is before"),
    _comparison("<=", ORDERING_FAMILY, operator.le, ">", "is at most", "is on or before"),
    _comparison(">", ORDERING_FAMILY, operator.gt, "<=", "is more than", "is after"),
    _comparison(">=", ORDERING_FAMILY, operator.ge, "<", "is at least", "is on or after"),
    BinaryOperator("+", ARITHMETIC_FAMILY, Precedence.SUM, operator.add, "+", associative=True, verb="add"),
    BinaryOperator("-", ARITHMETIC_FAMILY, Precedence.SUM, operator.sub, "−", verb="subtract"),
    BinaryOperator("*", ARITHMETIC_FAMILY, Precedence.PRODUCT, operator.mul, "×", associative=True,
                   verb="multiply"),
    BinaryOperator("/", ARITHMETIC_FAMILY, Precedence.PRODUCT, operator.truediv, "÷", divides=True,
                   verb="divide"),
    BinaryOperator("%", ARITHMETIC_FAMILY, Precedence.PRODUCT, operator.mod, "modulo", divides=True,
                   verb="take the remainder of"),
)})

UNARY: Mapping[str, UnaryOperator] = MappingProxyType({op.symbol: op for op in (
    UnaryOperator("not", Precedence.NOT, "not"),
    UnaryOperator("-", Precedence.NEGATE, "−"),
)})


def _family(*families: str) -> frozenset[str]:
    return frozenset(symbol for symbol, op in BINARY.items() if op.family in families)


LOGICAL = _family(LOGICAL_FAMILY)
EQUALITY = _family(EQUALITY_FAMILY)
ORDERING = _family(ORDERING_FAMILY)
COMPARISON = _family(EQUALITY_FAMILY, ORDERING_FAMILY)
ARITHMETIC = _family(ARITHMETIC_FAMILY)

MEMBERSHIP = "in"  # `x in [..]`, `x not in [..]`: a comparison by precedence
CONDITIONAL = ("if", "then", "else")
BOOLEANS = ("true", "false")

# Words that are operators or syntax, never names.
KEYWORDS = frozenset(
    {s for s in (*BINARY, *UNARY) if s.isalpha()} | {MEMBERSHIP, *CONDITIONAL, *BOOLEANS}
)
# Operator symbols the tokenizer reads, longest first so `<=` is not read as `<` then `=`.
SYMBOLS = tuple(sorted({s for s in (*BINARY, *UNARY) if not s.isalpha()}, key=lambda s: (-len(s), s)))
