"""Tokenizer and precedence-climbing parser: text in, syntax tree out, never `eval`.

The parser enforces the limits of `limits.py` (length, nesting depth, number sizes) with an
error at the character that crosses each, so no text can make it, or any later walk of its
tree, recurse past a few frames per level.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, replace

from governance.diagnostics import Location, MedunionError, Message, error
from governance.expressions.limits import MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH, MAX_INTEGER
from governance.expressions.operators import BINARY, KEYWORDS, MEMBERSHIP, SYMBOLS, Precedence
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
from governance.i18n import N_

_PUNCTUATION = ("(", ")", "[", "]", ",")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>"""
    + "|".join(re.escape(symbol) for symbol in (*SYMBOLS, *_PUNCTUATION))
    + ")",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, keyword, op, end
    text: str
    start: int
    end: int


class _Failure(Exception):
    def __init__(self, message: Message, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            char = text[pos]
            if char in "'\"":
                raise _Failure(Message(N_("the string starting here has no closing {quote}"), quote=char), pos)
            hint = _CHARACTER_HINTS.get(char, N_("unexpected character {character}: names use letters, digits and _; "
                                                  "strings go in quotes"))
            raise _Failure(Message(hint, character=printable(repr(char))), pos)
        kind = match.lastgroup or ""
        if kind != "space":
            value = match.group()
            if kind == "name" and value in KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, value, match.start(), match.end()))
        pos = match.end()
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _unquote(token: Token) -> str:
    body = token.text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _number(token: Token) -> int | float:
    """A number literal; one the column evaluator cannot hold (64-bit integers, finite decimals)
    is refused here, where it is written, rather than failing or overflowing in bulk."""
    if any(c in token.text for c in ".eE"):
        value: int | float = float(token.text)
        if not math.isfinite(value):
            raise _Failure(Message(N_("{number} is too large for a number"), number=token.text), token.start)
        return value
    value = int(token.text)
    if value > MAX_INTEGER:
        raise _Failure(
            Message(N_("{number} is too large: whole numbers go up to {largest}; write a larger amount "
                       "as a decimal (e.g. 1.5e20)"), number=token.text, largest=f"{MAX_INTEGER:,}"),
            token.start,
        )
    return value


_TOO_DEEP = Message(
    N_("nested more than {levels} levels deep (each bracket, list, call, 'not', '-', 'if' "
       "and operator is one level); give part of it its own output, or write a long list of "
       "alternatives as `x in [...]`"), levels=MAX_EXPRESSION_DEPTH)

_CHARACTER_HINTS = {
    "=": N_("unexpected character {character}: use == to compare"),
    "&": N_("unexpected character {character}: write 'and'"),
    "|": N_("unexpected character {character}: write 'or'"),
    "!": N_("unexpected character {character}: write 'not' (or != to compare)"),
}


class _Parser:
    """Precedence climbing over the operator table, bounded by the limits.

    Every nesting construct (brackets, list, call, `not`, unary `-`, `if`, an operator's
    operands) is counted as the parser enters it, and refused at its first token once the count
    passes MAX_EXPRESSION_DEPTH, before the parser recurses any further. A chain of operators
    grows to the left after its first operand is read, so each parse method also returns the
    height of what it read, and each operator of a chain is checked against it. Recursion is at
    most 5 frames per level (a call: primary, call, expression, operation, operand).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0  # how many constructs enclose the current position

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, text: str) -> bool:
        return self.current.kind in ("op", "keyword") and self.current.text == text

    def expect(self, text: str, what: str) -> Token:
        """The token `text`, or a failure naming `what` was expected (a catalog phrase)."""
        if not self.at(text):
            raise _Failure(Message(N_("expected {expected}, found {found}"), expected=Message(what),
                                   found=self.describe(self.current)), self.current.start)
        return self.advance()

    def enter(self, token: Token) -> None:
        """One level deeper, at `token`: refused here, before recursing, past the limit."""
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise _Failure(_TOO_DEEP, token.start)

    @staticmethod
    def describe(token: Token) -> Message:
        return Message(N_("the end of the expression")) if token.kind == "end" else Message(printable(repr(token.text)))

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise _Failure(Message(N_("the expression is empty")), 0)
        node, _ = self.expression()
        if self.current.kind != "end":
            raise _Failure(
                Message(N_("unexpected {found} after a complete expression; join conditions with 'and' or 'or'"),
                        found=self.describe(self.current)),
                self.current.start,
            )
        return node

    def expression(self) -> tuple[Node, int]:
        """A whole expression (where `if` may start): the node and its height in levels."""
        if self.at("if"):
            token = self.current
            self.enter(token)
            start = self.advance().start
            condition, high = self.expression()
            self.expect("then", N_("'then' after the condition of 'if'"))
            then, then_high = self.expression()
            self.expect("else", N_("'else': an 'if' needs both branches"))
            otherwise, otherwise_high = self.expression()
            self.depth -= 1
            return Conditional(start, otherwise.end, condition, then, otherwise), 1 + max(
                high, then_high, otherwise_high
            )
        return self.operation(Precedence.OR)

    def infix(self) -> int | None:
        """The precedence of the binary operator, comparison or membership at the current token."""
        token = self.current
        if token.kind not in ("op", "keyword"):
            return None
        op = BINARY.get(token.text)
        if op is not None:
            return op.precedence
        if token.text == MEMBERSHIP or (token.text == "not" and self.tokens[self.index + 1].text == MEMBERSHIP):
            return Precedence.COMPARISON
        return None

    def operation(self, floor: int) -> tuple[Node, int]:
        """Operators binding at least as tightly as `floor`, each level left-associative
        (`a - b - c` is `(a - b) - c`); comparisons never chain; the levels come from the table."""
        outer = self.depth
        node, height, bound = self.operand(floor)
        while True:
            level = self.infix()
            if level is None or level < floor or level > bound:
                # level > bound: what is left over after a comparison or a `not` (`a == b in c`),
                # which the caller reports as unexpected
                return node, height
            token = self.current
            if level == bound == Precedence.COMPARISON:
                if token.kind == "op":
                    raise _Failure(Message(N_("comparisons cannot be chained; write 'a < b and b < c'")), token.start)
                return node, height
            self.enter(token)
            self.advance()
            if token.text == "not":
                self.advance()
            right, right_height = self.operation(level + 1)
            self.depth -= 1
            height = 1 + max(height, right_height)
            if outer + height > MAX_EXPRESSION_DEPTH:
                raise _Failure(_TOO_DEEP, token.start)  # the chain itself has grown too deep
            if token.text == MEMBERSHIP or token.text == "not":
                node = Membership(node.start, right.end, node, right, token.text == "not")
            else:
                node = Binary(node.start, right.end, token.text, node, right)
            bound = level

    def operand(self, floor: int) -> tuple[Node, int, int]:
        """A value with its prefix operators: the node, its height, and how tightly it binds."""
        token = self.current
        if token.kind == "keyword" and token.text == "not" and floor <= Precedence.NOT:
            self.enter(token)
            self.advance()
            inner, height = self.operation(Precedence.NOT)
            self.depth -= 1
            return Unary(token.start, inner.end, "not", inner), height + 1, Precedence.NOT
        if token.kind == "op" and token.text == "-":
            self.enter(token)
            self.advance()
            operand, height, _ = self.operand(Precedence.NEGATE)
            self.depth -= 1
            if isinstance(operand, Literal) and isinstance(operand.value, int | float) and not (
                isinstance(operand.value, bool)
            ):
                return Literal(token.start, operand.end, -operand.value), height + 1, Precedence.NEGATE
            return Unary(token.start, operand.end, "-", operand), height + 1, Precedence.NEGATE
        node, height = self.primary()
        return node, height, Precedence.ATOM

    def primary(self) -> tuple[Node, int]:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(token.start, token.end, _number(token)), 0
        if token.kind == "string":
            self.advance()
            return Literal(token.start, token.end, _unquote(token)), 0
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.advance()
            return Literal(token.start, token.end, token.text == "true"), 0
        if self.at("("):
            self.enter(token)
            start = self.advance().start
            node, height = self.expression()
            end = self.expect(")", N_("')' to close the '('")).end
            self.depth -= 1
            # the span includes the parentheses, so `a / (b - c)` is quoted whole in messages
            return replace(node, start=start, end=end), height + 1
        if self.at("["):
            self.enter(token)
            start = self.advance().start
            items: list[Node] = []
            height = 0
            if not self.at("]"):
                item, height = self.expression()
                items.append(item)
                while self.at(","):
                    self.advance()
                    item, item_height = self.expression()
                    items.append(item)
                    height = max(height, item_height)
            end = self.expect("]", N_("']' or ',' in the list")).end
            self.depth -= 1
            return ListExpr(start, end, tuple(items)), height + 1
        if token.kind == "name":
            self.advance()
            if self.at("("):
                return self.call(token)
            return Name(token.start, token.end, token.text), 0
        if token.kind == "keyword":
            raise _Failure(Message(N_("'{keyword}' cannot start a value here"), keyword=token.text), token.start)
        raise _Failure(Message(N_("expected a value, found {found}"), found=self.describe(token)), token.start)

    def call(self, name: Token) -> tuple[Node, int]:
        self.enter(name)
        self.expect("(", N_("'('"))
        args: list[Node] = []
        height = 0
        if not self.at(")"):
            arg, height = self.expression()
            args.append(arg)
            while self.at(","):
                self.advance()
                arg, arg_height = self.expression()
                args.append(arg)
                height = max(height, arg_height)
        end = self.expect(")", N_("')' or ',' between arguments")).end
        self.depth -= 1
        if name.text == "date":
            return self.date_literal(name, args, end), height + 1
        return Call(name.start, end, name.text, tuple(args)), height + 1

    def date_literal(self, name: Token, args: list[Node], end: int) -> Node:
        """date('YYYY-MM-DD') is a literal: checked here, so a bad date is a parse error."""
        if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
            raise _Failure(Message(N_("date() takes one quoted ISO date, e.g. date('2017-07-01')")), name.start)
        try:
            value = dt.date.fromisoformat(args[0].value)
        except ValueError:
            raise _Failure(
                Message(N_("{value} is not a date; write YYYY-MM-DD"), value=printable(repr(args[0].value))),
                args[0].start,
            ) from None
        return Literal(name.start, end, value)


def parse_expression(
    text: str | int | float | bool,
    origin: Location | None = None,
    exact: bool = True,
    positions: tuple[Location, ...] | None = None,
) -> Expression:
    """Parse one expression; a syntax error names the position in the file and in the text.

    `origin` is where character 0 of `text` sits in its file; `exact` says whether offsets
    inside the text map to columns (true for one-line scalars); `positions`, where given,
    is the file position of every character (block, folded and escaped scalars). Text over
    MAX_EXPRESSION_LENGTH is refused before it is read.
    """
    if isinstance(text, bool):
        text = "true" if text else "false"
    elif isinstance(text, int | float):
        text = repr(text)
    if not isinstance(text, str):
        raise MedunionError(error(N_("expected an expression, found {type}"), origin, type=type(text).__name__))
    if positions is not None and len(positions) != len(text):
        positions = None
    try:
        if len(text) > MAX_EXPRESSION_LENGTH:
            # checked before the text is read at all, at the first character past the limit
            raise _Failure(
                Message(N_("the expression is {length} characters long; at most {limit} are allowed: give parts "
                           "of it their own outputs, and long lists their own parameter"),
                        length=f"{len(text):,}", limit=f"{MAX_EXPRESSION_LENGTH:,}"),
                MAX_EXPRESSION_LENGTH,
            )
        tree = _Parser(text).parse()
    except _Failure as failure:
        placed = Expression(text, Literal(0, 0, 0), origin, exact, text, positions)
        where = placed.location_at(failure.offset)
        if placed.mapped:
            found = error(N_("in expression `{expression}`: {problem}"), where, expression=_quoted(text),
                          problem=failure.message)
        else:
            found = error(N_("in expression `{expression}`: {problem} (at character {offset} of the expression)"),
                          where, expression=_quoted(text), problem=failure.message, offset=failure.offset + 1)
        raise MedunionError(found) from None
    return Expression(text, tree, origin, exact, text, positions)


def _quoted(text: str) -> str:
    """The expression as an error message quotes it; one over the length limit only its beginning."""
    shown = text.strip()
    if len(text) > MAX_EXPRESSION_LENGTH:
        shown = shown[:60] + " …"
    return printable(shown)


def printable(text: str) -> str:
    """Text for a message: control characters (a NUL) escaped, and lone surrogates, which YAML's
    `"\\ud800"` can produce and which no terminal or UTF-8 file could take."""
    if all(c.isprintable() or c in "\n\t" for c in text):  # the common case costs one pass
        return text
    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" else c for c in text
    )
