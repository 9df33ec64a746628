"""The syntax tree of the expression language: plain frozen dataclasses with source offsets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from governance.diagnostics import Location

Value = int | float | str | bool | dt.date


@dataclass(frozen=True)
class Node:
    start: int
    end: int

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Literal(Node):
    value: Value


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # a key of operators.UNARY
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    op: str  # a key of operators.BINARY
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class ListExpr(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class Membership(Node):
    operand: Node
    collection: Node
    negated: bool

    def children(self) -> tuple[Node, ...]:
        return (self.operand, self.collection)


@dataclass(frozen=True)
class Call(Node):
    function: str  # a key of builtins.BUILTINS once type-checked
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node

    def children(self) -> tuple[Node, ...]:
        return (self.condition, self.then, self.otherwise)


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents before children."""
    yield node
    for child in node.children():
        yield from walk(child)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, its tree, and where its text sits in a file."""

    text: str
    tree: Node
    origin: Location | None = field(default=None, compare=False)
    exact: bool = field(default=True, compare=False)
    full_text: str = field(default="", compare=False, repr=False)
    positions: tuple[Location, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.full_text:
            object.__setattr__(self, "full_text", self.text)
        # Computed once: evaluators ask for these on every case.
        names = frozenset(n.name for n in walk(self.tree) if isinstance(n, Name))
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_conjuncts", None)

    def names(self) -> frozenset[str]:
        """The inputs, parameters and outputs it reads."""
        return self._names  # type: ignore[attr-defined]

    def conjuncts(self) -> list[Expression]:
        """Top-level `and` parts, so an explanation can say which one failed."""
        cached = self._conjuncts  # type: ignore[attr-defined]
        if cached is None:
            cached = self._split()
            object.__setattr__(self, "_conjuncts", cached)
        return cached

    def _split(self) -> list[Expression]:
        parts: list[Node] = []

        def split(node: Node) -> None:
            if isinstance(node, Binary) and node.op == "and":
                split(node.left)
                split(node.right)
            else:
                parts.append(node)

        split(self.tree)
        if len(parts) == 1:
            return [self]
        return [self.sub(part) for part in parts]

    def sub(self, node: Node) -> Expression:
        """A sub-expression sharing this one's source position."""
        snippet = self.full_text[node.start : node.end].strip()
        return Expression(snippet, node, self.origin, self.exact, self.full_text, self.positions)

    def location_of(self, node: Node) -> Location | None:
        """The file position of a node; exact for one-line scalars, else the scalar's start."""
        return self.location_at(node.start)

    @property
    def mapped(self) -> bool:
        """Whether offsets in the text map to exact file positions."""
        return self.origin is not None and (self.exact or self.positions is not None)

    def location_at(self, offset: int) -> Location | None:
        """The file position of a character offset in the full text."""
        if self.positions:
            if offset < len(self.positions):
                return self.positions[offset]
            return self.positions[-1].shifted(offset - len(self.positions) + 1)
        if self.origin is None:
            return None
        if self.exact:
            return self.origin.shifted(offset)
        return self.origin

    def __str__(self) -> str:
        return self.text
