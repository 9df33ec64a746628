"""Tokenizer and recursive-descent parser: text in, syntax tree out, never `eval`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from governance.diagnostics import Location, MedunionError, error
from governance.expressions.operators import BINARY, COMPARISON, KEYWORDS, MEMBERSHIP, SYMBOLS, Precedence
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
    def __init__(self, message: str, offset: int) -> None:
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
            hint = {
                "=": "use == to compare",
                "&": "write 'and'",
                "|": "write 'or'",
                "!": "write 'not' (or != to compare)",
            }.get(char, "names use letters, digits and _; strings go in quotes")
            raise _Failure(f"unexpected character {char!r}: {hint}", pos)
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


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

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
        if not self.at(text):
            raise _Failure(f"expected {what}, found {self.describe(self.current)}", self.current.start)
        return self.advance()

    @staticmethod
    def describe(token: Token) -> str:
        return "the end of the expression" if token.kind == "end" else repr(token.text)

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise _Failure("the expression is empty", 0)
        node = self.expression()
        if self.current.kind != "end":
            raise _Failure(
                f"unexpected {self.describe(self.current)} after a complete expression; "
                "join conditions with 'and' or 'or'",
                self.current.start,
            )
        return node

    def expression(self) -> Node:
        if self.at("if"):
            start = self.advance().start
            condition = self.expression()
            self.expect("then", "'then' after the condition of 'if'")
            then = self.expression()
            self.expect("else", "'else': an 'if' needs both branches")
            otherwise = self.expression()
            return Conditional(start, otherwise.end, condition, then, otherwise)
        return self.binary(Precedence.OR)

    def binary(self, level: int) -> Node:
        """A left-associative run of the binary operators at `level` (`a - b - c` is `(a - b) - c`);
        the levels and their operators come from the operator table."""
        if level == Precedence.NOT:
            return self.negation()
        if level == Precedence.COMPARISON:
            return self.comparison()
        if level >= Precedence.NEGATE:
            return self.unary()
        tighter = level + 1
        node = self.binary(tighter)
        while self.current.kind in ("op", "keyword"):
            op = BINARY.get(self.current.text)
            if op is None or op.precedence != level:
                break
            self.advance()
            right = self.binary(tighter)
            node = Binary(node.start, right.end, op.symbol, node, right)
        return node

    def negation(self) -> Node:
        if self.at("not"):
            start = self.advance().start
            operand = self.negation()
            return Unary(start, operand.end, "not", operand)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.binary(Precedence.SUM)
        token = self.current
        if token.kind == "op" and token.text in COMPARISON:
            self.advance()
            right = self.binary(Precedence.SUM)
            node: Node = Binary(left.start, right.end, token.text, left, right)
        elif self.at(MEMBERSHIP):
            self.advance()
            collection = self.binary(Precedence.SUM)
            node = Membership(left.start, collection.end, left, collection, False)
        elif self.at("not") and self.tokens[self.index + 1].text == MEMBERSHIP:
            self.advance()
            self.advance()
            collection = self.binary(Precedence.SUM)
            node = Membership(left.start, collection.end, left, collection, True)
        else:
            return left
        following = self.current
        if following.kind == "op" and following.text in COMPARISON:
            raise _Failure(
                "comparisons cannot be chained; write 'a < b and b < c'", following.start
            )
        return node

    def unary(self) -> Node:
        if self.current.kind == "op" and self.current.text == "-":
            start = self.advance().start
            operand = self.unary()
            if isinstance(operand, Literal) and isinstance(operand.value, int | float) and not (
                isinstance(operand.value, bool)
            ):
                return Literal(start, operand.end, -operand.value)
            return Unary(start, operand.end, "-", operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            is_float = any(c in token.text for c in ".eE")
            value: int | float = float(token.text) if is_float else int(token.text)
            return Literal(token.start, token.end, value)
        if token.kind == "string":
            self.advance()
            return Literal(token.start, token.end, _unquote(token))
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.advance()
            return Literal(token.start, token.end, token.text == "true")
        if self.at("("):
            start = self.advance().start
            node = self.expression()
            end = self.expect(")", "')' to close the '('").end
            # the span includes the parentheses, so `a / (b - c)` is quoted whole in messages
            return replace(node, start=start, end=end)
        if self.at("["):
            start = self.advance().start
            items: list[Node] = []
            if not self.at("]"):
                items.append(self.expression())
                while self.at(","):
                    self.advance()
                    items.append(self.expression())
            end = self.expect("]", "']' or ',' in the list").end
            return ListExpr(start, end, tuple(items))
        if token.kind == "name":
            self.advance()
            if self.at("("):
                return self.call(token)
            return Name(token.start, token.end, token.text)
        if token.kind == "keyword":
            raise _Failure(f"'{token.text}' cannot start a value here", token.start)
        raise _Failure(f"expected a value, found {self.describe(token)}", token.start)

    def call(self, name: Token) -> Node:
        self.expect("(", "'('")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.at(","):
                self.advance()
                args.append(self.expression())
        end = self.expect(")", "')' or ',' between arguments").end
        if name.text == "date":
            return self.date_literal(name, args, end)
        return Call(name.start, end, name.text, tuple(args))

    def date_literal(self, name: Token, args: list[Node], end: int) -> Node:
        """date('YYYY-MM-DD') is a literal: checked here, so a bad date is a parse error."""
        if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
            raise _Failure("date() takes one quoted ISO date, e.g. date('2017-07-01')", name.start)
        try:
            value = dt.date.fromisoformat(args[0].value)
        except ValueError:
            raise _Failure(
                f"{args[0].value!r} is not a date; write YYYY-MM-DD", args[0].start
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
    is the file position of every character (block, folded and escaped scalars).
    """
    if isinstance(text, bool):
        text = "true" if text else "false"
    elif isinstance(text, int | float):
        text = repr(text)
    if not isinstance(text, str):
        raise MedunionError(error(f"expected an expression, found {type(text).__name__}", origin))
    if positions is not None and len(positions) != len(text):
        positions = None
    try:
        tree = _Parser(text).parse()
    except _Failure as failure:
        placed = Expression(text, Literal(0, 0, 0), origin, exact, text, positions)
        where = placed.location_at(failure.offset)
        suffix = "" if placed.mapped else f" (at character {failure.offset + 1} of the expression)"
        raise MedunionError(
            error(f"in expression `{text.strip()}`: {failure.message}{suffix}", where)
        ) from None
    return Expression(text, tree, origin, exact, text, positions)
