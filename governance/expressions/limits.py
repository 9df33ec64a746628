"""The bounds on one expression, stated once: the parser enforces them, the docs cite them.

Every walk of a syntax tree (the parser itself, the type checker, both evaluators, the text
renderer and the site's plain wording) recurses a few Python frames per level of nesting, and
no tree the parser accepts nests deeper than `MAX_EXPRESSION_DEPTH`; so no input, however
hostile, can reach Python's recursion limit (1000). `FRAMES_PER_LEVEL` is the budget the tests
hold every walker to.
"""

from __future__ import annotations

from typing import Final

MAX_EXPRESSION_LENGTH: Final = 2_000
"""Characters in one expression, spaces included. The longest shipped expression has 108; a long
list of values belongs in a list parameter. This also bounds what nothing else does:
how many items a list or arguments a call can have (at most about 1,000)."""

MAX_EXPRESSION_DEPTH: Final = 64
"""Levels of nesting. Each of these puts what it contains one level deeper: a pair of brackets
(even redundant ones), a list, a function call, `not`, a unary `-`, an `if … then … else`, and an
operator (`+`, `and`, `==`, `in`, …) for its operands. A run of operators of one precedence leans
left, so `a + b - c` is two levels for `a`: a chain of n operators is n levels deep. A name or
a literal on its own is level 0. The shipped rules nest at most 5 deep."""

MAX_INTEGER: Final = 2**63 - 1
"""The largest whole number an expression may write: the column evaluator holds integers in 64
bits. A larger amount can be written as a decimal (`1.5e20`); decimals must be finite."""

FRAMES_PER_LEVEL: Final = 6
"""The most Python frames any walker spends per level of nesting, as tests/test_expression_limits.py
measures it: the parser up to 5 (a call: primary, call, expression, operation, operand), the type
checker, both evaluators, the renderers and the plain wording 2 to 3. With the depth limit every
walk stays under 6 × 64 + 30 frames above its caller, far below the recursion limit of 1000."""
