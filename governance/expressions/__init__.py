"""One small typed expression language for conditions and formulas: parsed, never eval'ed."""

from governance.expressions.parser import parse_expression
from governance.expressions.render import format_value, render_with_values, to_text
from governance.expressions.scalar import EvaluationError, evaluate
from governance.expressions.syntax import Expression
from governance.expressions.typecheck import infer_type
from governance.expressions.valuetypes import (
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    STRING,
    ExpressionType,
    literal_type,
)
from governance.expressions.vector import as_column, evaluate_columns

__all__ = [
    "BOOLEAN",
    "DATE",
    "INTEGER",
    "NUMBER",
    "STRING",
    "EvaluationError",
    "Expression",
    "ExpressionType",
    "as_column",
    "evaluate",
    "evaluate_columns",
    "format_value",
    "infer_type",
    "literal_type",
    "parse_expression",
    "render_with_values",
    "to_text",
]
