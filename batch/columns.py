"""`--columns MAP.yaml`: the data file's headers mapped to a rule set's inputs."""

from __future__ import annotations

from pathlib import Path

from governance.columnmap import read_column_map
from governance.model import RuleSet


def read_input_map(path: str | Path, versions: list[RuleSet]) -> dict[str, str]:
    """file header -> input name; a pair naming no input of any version, or a second header for
    the same input, is refused at its file:line:column."""
    inputs = {name for ruleset in versions for name in ruleset.inputs}
    return read_column_map(path, inputs, what="input").rename()
