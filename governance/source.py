"""Safe YAML loading that remembers where every node came from.

Rule files are data: they are read with PyYAML's safe loader only, and every
value keeps its file:line:col so that later stages can point at it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from governance.diagnostics import Location, MedunionError, error

NodePath = tuple[Any, ...]
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# Plain data only: any other tag (!!python/object, !!set, a custom !tag) is refused.
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)


@dataclass
class SourceDocument:
    """Plain data from one YAML file plus the position of each node in it."""

    path: str
    data: Any
    positions: dict[NodePath, Location] = field(default_factory=dict)
    key_positions: dict[NodePath, Location] = field(default_factory=dict)
    single_line: dict[NodePath, int] = field(default_factory=dict)
    spans: dict[NodePath, tuple[int, int, str | None]] = field(default_factory=dict)
    text: str = ""
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def locate(self, node_path: NodePath = ()) -> Location:
        """The position of a node, or of its nearest ancestor that has one."""
        node_path = tuple(node_path)
        while node_path:
            if node_path in self.positions:
                return self.positions[node_path]
            node_path = node_path[:-1]
        return self.positions.get((), Location(self.path, 1, 1))

    def locate_key(self, node_path: NodePath) -> Location:
        """The position of a mapping key (where a misspelt field name is written)."""
        return self.key_positions.get(tuple(node_path)) or self.locate(node_path)

    def text_origin(self, node_path: NodePath) -> Location | None:
        """Where character 0 of a one-line scalar's text sits, so offsets map to columns.

        None for block and multi-line scalars, whose characters do not map to one line.
        """
        node_path = tuple(node_path)
        if node_path not in self.single_line:
            return None
        return self.positions[node_path].shifted(self.single_line[node_path])

    def text_positions(self, node_path: NodePath) -> tuple[Location, ...] | None:
        """The file position of every character of a scalar that spans lines or has escapes.

        Block (`|`, `>`), folded and escaped scalars do not map offsets to columns by
        arithmetic; each character of the value is found in order in the raw source instead
        (folding turns a line break into a space, which stays where the break was).
        """
        node_path = tuple(node_path)
        span = self.spans.get(node_path)
        value: Any = self.data
        for part in node_path:
            value = value[part]
        if span is None or not isinstance(value, str) or not self.text:
            return None
        start, end, style = span
        raw = self.text[start:end]
        cursor = raw.find("\n") + 1 if style in ("|", ">") else (1 if style in ("'", '"') else 0)
        offsets: list[int] = []
        for char in value:
            if char.isspace():
                offsets.append(min(cursor, len(raw) - 1))
                continue
            found = raw.find(char, cursor)
            if found < 0:
                return None
            offsets.append(found)
            cursor = found + 1
        return tuple(self._at(start + offset) for offset in offsets)

    def _at(self, index: int) -> Location:
        if not self._line_starts:  # computed once per document, on the first multi-line expression
            self._line_starts = [0, *(i + 1 for i, c in enumerate(self.text) if c == "\n")]
        line = bisect.bisect_right(self._line_starts, index)
        return Location(self.path, line, index - self._line_starts[line - 1] + 1)


def _mark(path: str, mark: yaml.Mark) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _verbatim(node: yaml.Node) -> bool:
    """Whether a one-line scalar's value is its source text (no '' or \\" escapes), so that a
    character offset in the value is a column in the file."""
    start, end = node.start_mark, node.end_mark
    if start.buffer is None:
        return True
    quote = 1 if node.style else 0
    return bool(start.buffer[start.pointer + quote : end.pointer - quote] == node.value)


class _Builder:
    """Turns a composed node tree into plain data, recording positions as it goes."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.doc = SourceDocument(path=path, data=None)
        self.loader = loader

    def refuse_tag(self, node: yaml.Node) -> None:
        """A rule file is data: a tag that would build an object (or anything but plain data) is an error."""
        allowed = {yaml.MappingNode: (_MAP_TAG,), yaml.SequenceNode: (_SEQ_TAG,)}.get(type(node), _SCALAR_TAGS)
        if node.tag not in allowed:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise MedunionError(error(
                f"the YAML tag '{tag}' is not allowed: rule files are plain data (text, numbers, "
                "true/false, dates, lists and mappings); remove the tag",
                _mark(self.doc.path, node.start_mark),
            ))

    def build(self, node: yaml.Node, node_path: NodePath) -> Any:
        self.doc.positions[node_path] = _mark(self.doc.path, node.start_mark)
        self.refuse_tag(node)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build_key(key_node)
                child = (*node_path, key)
                if key in result:
                    first = self.doc.key_positions[child]
                    raise MedunionError(
                        error(
                            f"duplicate key '{key}' (first written at line {first.line}); "
                            "YAML would silently keep only the last one: remove or rename one",
                            _mark(self.doc.path, key_node.start_mark),
                        )
                    )
                self.doc.key_positions[child] = _mark(self.doc.path, key_node.start_mark)
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*node_path, i)) for i, item in enumerate(node.value)]
        one_line = node.start_mark.line == node.end_mark.line
        if one_line and node.style in ("'", '"', None) and _verbatim(node):
            self.doc.single_line[node_path] = 1 if node.style else 0
        elif node.start_mark.index is not None:
            self.doc.spans[node_path] = (node.start_mark.index, node.end_mark.index, node.style)
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # dates stay ISO strings; the model parses them where a date belongs
        return self.loader.construct_object(node, deep=True)

    def build_key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise MedunionError(
                error("a mapping key must be a plain name", _mark(self.doc.path, node.start_mark))
            )
        self.refuse_tag(node)
        if node.tag in (_TIMESTAMP_TAG, _BOOL_TAG):
            return node.value  # `on:` and `yes:` are names here, not YAML 1.1 booleans
        return self.loader.construct_object(node)


def parse_yaml(text: str, path: str) -> SourceDocument:
    """Parse YAML text safely; syntax errors and duplicate keys raise MedunionError."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = _mark(path, mark) if mark else Location(path, 1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            started = exc.context_mark
            if exc.context and started is not None and mark is not None and started.line != mark.line:
                problem += f" ({exc.context} that starts at line {started.line + 1}, column {started.column + 1})"
            raise MedunionError(
                error(f"YAML syntax: {problem}; check indentation and quoting", where)
            ) from None
        except yaml.YAMLError as exc:
            raise MedunionError(error(f"YAML syntax: {exc}", Location(path, 1, 1))) from None
        if node is None:
            raise MedunionError(error("the file is empty", Location(path, 1, 1)))
        builder = _Builder(path, loader)
        builder.doc.text = text
        builder.doc.data = builder.build(node, ())
        return builder.doc
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> SourceDocument:
    """Read and parse one YAML file; the path is kept as given for messages."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MedunionError(error(f"cannot read the file: {exc.strerror}", Location(str(path), 1, 1))) from None
    except UnicodeDecodeError as exc:
        raise MedunionError(
            error(f"not UTF-8 text ({exc.reason}); save the file as UTF-8", Location(str(path), 1, 1))
        ) from None
    return parse_yaml(text, str(path))
