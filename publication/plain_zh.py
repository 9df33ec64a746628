"""Expressions in plain Chinese, for the Chinese pages: `referral_direction == 'upward'` → 转诊方向为上转.

The English reading (`publication.plain`) names things by their code names made into words;
a Chinese reader needs the rule file's Chinese names instead: `label_zh` of inputs, outputs and
parameters, `values_zh` of enum values. A name or value the file gives no Chinese for is shown
as its code name, so nothing is invented. Like the English renderer, this walks the core's
syntax tree (never the text), so what is shown is what runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from governance.expressions.operators import ARITHMETIC, BINARY, COMPARISON, EQUALITY, LOGICAL
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
from governance.model import CellTest, RuleSet
from publication.plain import _flatten, _tree, format_number

# A unit after a number, as Chinese writes it (ratios are shown as a percentage beside them).
UNIT_ZH = {
    "month": "个月", "day": "天", "year": "年", "week": "周", "person": "人", "bed": "张床位",
    "visit": "人次", "time": "次", "yuan": "元", "%": "%",
}
# Comparisons: (between numbers, between dates)
COMPARISON_ZH = {
    "==": ("为", "为"), "!=": ("不为", "不为"), "<": ("小于", "早于"), "<=": ("不超过", "不晚于"),
    ">": ("大于", "晚于"), ">=": ("不少于", "不早于"),
}
ARITHMETIC_ZH = {"+": "+", "-": "−", "*": "×", "/": "÷", "%": "除以后的余数"}


@dataclass(frozen=True)
class Names:
    """The Chinese names a rule set gives: its inputs', outputs' and parameters' labels, its enum
    values per name, and the units of its names."""

    labels: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.labels.get(name) or name


def names_of(ruleset: RuleSet) -> Names:
    labels: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    units: dict[str, str] = {}
    for group in (ruleset.inputs, ruleset.outputs):
        for name, f in group.items():
            if f.label_zh:
                labels[name] = f.label_zh
            if f.type.kind == "enum":
                values[name] = {str(v): zh for v in f.type.values if (zh := f.value_zh(str(v)))}
            if f.unit:
                units[name] = f.unit
    for name, p in ruleset.parameters.items():
        if p.label_zh:
            labels[name] = p.label_zh
        if p.unit:
            units[name] = p.unit
    return Names(labels, values, units)


def literal_zh(value: object, unit: str | None = None, enum: Mapping[str, str] | None = None) -> str:
    """A value as Chinese writes it: 6个月, 0.85（85%）, 是/否, 2017年1月1日, an enum value's Chinese."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        number = format_number(value)
        if unit == "ratio":
            return f"{number}（{value * 100:g}%）"
        return f"{number}{UNIT_ZH.get(unit or '', '')}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, str):
        return (enum or {}).get(value) or value
    if isinstance(value, list | tuple):
        return "、".join(literal_zh(v, unit, enum) for v in value)
    return "—" if value is None else str(value)


class _Renderer:
    def __init__(self, names: Names) -> None:
        self.names = names

    def condition(self, node: Node) -> str:
        if isinstance(node, Binary) and node.op in LOGICAL:
            parts = [self.grouped(p, node.op) for p in _flatten(node, node.op)]
            return ("，且" if node.op == "and" else "，或").join(parts)
        if isinstance(node, Unary) and node.op == "not":
            if isinstance(node.operand, Name):
                return f"{self.names.label(node.operand.name)}（否）"
            return f"并非{self.grouped(node.operand, '')}"
        if isinstance(node, Binary) and node.op in COMPARISON:
            return self.comparison(node.op, node.left, node.right)
        if isinstance(node, Membership):
            return self.membership(node)
        if isinstance(node, Literal) and isinstance(node.value, bool):
            return "始终" if node.value else "从不"
        if isinstance(node, Name):
            return f"{self.names.label(node.name)}（是）"
        return self.value(node)

    def grouped(self, node: Node, inside: str) -> str:
        """A nested and/or inside the other one, bracketed so the grouping stays visible."""
        if isinstance(node, Binary) and node.op in LOGICAL and node.op != inside:
            return f"（{self.condition(node)}）"
        return self.condition(node)

    def comparison(self, op: str, left: Node, right: Node) -> str:
        if op in EQUALITY and isinstance(right, Literal) and isinstance(right.value, bool):
            answer = "是" if right.value == (op == "==") else "否"
            return f"{self.value(left)}（{answer}）"
        words = COMPARISON_ZH[op][1 if isinstance(right, Literal) and isinstance(right.value, dt.date) else 0]
        return f"{self.value(left)}{words}{self.value(right, self._context(left))}"

    def membership(self, node: Membership) -> str:
        subject = self.value(node.operand)
        context = self._context(node.operand)
        if isinstance(node.collection, ListExpr):
            items = [self.value(item, context) for item in node.collection.items]
            joined = "或".join(items)
            return f"{subject}{'不为' if node.negated else '为'}{joined}"
        return f"{subject}{'不属于' if node.negated else '属于'}{self.value(node.collection)}"

    def value(self, node: Node, context: str | None = None) -> str:
        """A value in words; `context` is the name it is compared with (its unit, its enum values)."""
        if isinstance(node, Literal):
            unit = self.names.units.get(context) if context else None
            enum = self.names.values.get(context) if context else None
            return literal_zh(node.value, unit, enum)
        if isinstance(node, Name):
            return self.names.label(node.name)
        if isinstance(node, Binary) and node.op in ARITHMETIC:
            op = BINARY[node.op]
            left = self._operand(node.left, op.precedence)
            right = self._operand(node.right, op.precedence + (0 if op.associative else 1))
            return f"{left} {ARITHMETIC_ZH[node.op]} {right}"
        if isinstance(node, Unary) and node.op == "-":
            return f"−{self._operand(node.operand, 99)}"
        if isinstance(node, ListExpr):
            return "、".join(self.value(item, context) for item in node.items)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Conditional):
            condition, then = self.condition(node.condition), self.value(node.then)
            return f"若{condition}，则为{then}，否则为{self.value(node.otherwise)}"
        return self.condition(node)

    def _operand(self, node: Node, level: int) -> str:
        text = self.value(node)
        if isinstance(node, Binary) and node.op in ARITHMETIC and BINARY[node.op].precedence < level:
            return f"（{text}）"
        if isinstance(node, Conditional | Call):
            return f"（{text}）" if " " in text or "，" in text else text
        return text

    def call(self, node: Call) -> str:
        # an argument joined by 与 (max, min) is bracketed when it is a formula; round's is not
        args = [self.value(a) if node.function == "round" else self._operand(a, 99) for a in node.args]
        if node.function == "round" and len(args) == 2:
            return f"{args[0]}，四舍五入保留{args[1]}位小数"
        if node.function == "round" and len(args) == 1:
            return f"{args[0]}，四舍五入取整"
        if node.function == "max":
            return f"{'与'.join(args)}中的较大者"
        if node.function == "min":
            return f"{'与'.join(args)}中的较小者"
        if node.function == "abs" and len(args) == 1:
            return f"{args[0]}的绝对值"
        return f"{node.function}（{'，'.join(args)}）"  # a function with no Chinese wording yet: as written

    def _context(self, node: Node) -> str | None:
        return node.name if isinstance(node, Name) else None


def condition_zh(expression: Expression | Node | str, names: Names) -> str:
    """A condition in Chinese: `months_in_township > 6` → 在乡镇工作月数大于6个月."""
    return _Renderer(names).condition(_tree(expression))


def conditions_zh(expressions: list[Expression | Node | str], names: Names) -> str:
    """A `when:` list (all must hold) in Chinese; an empty list: 始终."""
    if not expressions:
        return "始终"
    renderer = _Renderer(names)
    if len(expressions) == 1:
        return renderer.condition(_tree(expressions[0]))
    return "，且".join(renderer.grouped(_tree(e), "and") for e in expressions)


def value_zh(expression: Expression | Node | str | int | float | bool, names: Names) -> str:
    """A formula or value in Chinese with symbols: `round(a * b, 2)` → a × b，四舍五入保留2位小数."""
    return _Renderer(names).value(_tree(expression))


def cell_zh(cell: CellTest, unit: str | None = None, enum: Mapping[str, str] | None = None) -> str:
    """A decision-table cell in Chinese: `> 6` → 大于6个月, `[0, 6)` → 0至不足6个月, any → 任意."""
    if cell.kind == "any":
        return "任意"
    if cell.kind == "compare":
        value = literal_zh(cell.value, unit, enum)
        return value if cell.op == "==" else f"{COMPARISON_ZH[cell.op][0]}{value}"
    if cell.kind == "interval":
        low = literal_zh(cell.low, None)
        high = literal_zh(cell.high, unit)
        return f"{'' if cell.low_closed else '大于'}{low}至{'' if cell.high_closed else '不足'}{high}"
    if cell.kind == "member":
        items = "或".join(literal_zh(v, unit, enum) for v in cell.items)
        return f"不为{items}" if cell.negated else items
    return cell.text
