"""Safe YAML loading that remembers where every node came from.

Rule files are data: they are read with PyYAML's safe loader only, and every
value keeps its file:line:col so that later stages can point at it.

Scalars follow YAML 1.2's core schema, not PyYAML's YAML 1.1: `012000` is the number 12000
(not octal 5120), `3:20` is text (not 200), `yes`/`on` are text (only true/false are
booleans). Every file is bounded (size, nesting depth, aliases, values after alias
expansion; see `docs/reference/limits.md`), and a file over a bound is refused at the place
where it crosses it, so no input can hang a command or exhaust Python's recursion limit.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from governance.diagnostics import Location, MedunionError, Message, error
from governance.i18n import N_

NodePath = tuple[Any, ...]

MAX_FILE_BYTES = 5 * 1024 * 1024
"""A rule file, case file or scheme larger than this is refused before it is parsed."""
MAX_DEPTH = 64
"""Mappings and lists nest at most this deep (the shipped rule files nest 7 deep)."""
MAX_ALIASES = 200
"""At most this many `*alias` references in one file."""
MAX_VALUES = 100_000
"""At most this many values after aliases are expanded (an alias 'bomb' crosses it at once)."""

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


_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_CORE_TAGS = {"tag:yaml.org,2002:" + name for name in ("int", "float", "bool")}
_SURROGATE = re.compile("[\ud800-\udfff]")


MAX_DIGITS = 4_000
"""A whole number written with more digits than this is refused (Python itself refuses to read more
than 4,300, and no amount in a rule or case file comes near it)."""


def _not_a_number(loader: yaml.SafeLoader, node: yaml.ScalarNode, what: str) -> MedunionError:
    """`!!int x`: a tag that calls text a number it is not."""
    return MedunionError(error(what, _mark(getattr(loader, "path", "<yaml>"), node.start_mark),
                               value=repr(str(node.value))))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if len(text) > MAX_DIGITS:
        raise MedunionError(error(
            N_("a number written with {digits} digits; at most {limit} are read: write a decimal such as 1.5e20 or "
               "check the value"), _mark(getattr(loader, "path", "<yaml>"), node.start_mark),
            digits=f"{len(text):,}", limit=f"{MAX_DIGITS:,}"))
    try:
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)  # leading zeros are decimal in YAML 1.2: 012000 is 12000
    except ValueError:  # only an explicit `!!int` tag brings text here that the resolver did not match
        raise _not_a_number(loader, node, N_("{value} is tagged as a whole number (!!int) but is not one; remove "
                                             "the tag or write the number")) from None


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(node.value).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    try:
        return float(text)
    except ValueError:  # `!!float abc`
        raise _not_a_number(loader, node, N_("{value} is tagged as a number (!!float) but is not one; remove the "
                                             "tag or write the number")) from None


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(node.value).lower() == "true"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core scalars, and bounds on nesting and aliases.

    The composer is the only recursive stage of PyYAML, so bounding its depth here keeps
    every later stage far from Python's recursion limit.
    """

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text)
        self.path = path
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise MedunionError(error(
                    N_("more than {limit} aliases (*name) in one file; write the values out instead"),
                    _mark(self.path, event.start_mark), limit=MAX_ALIASES))
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise MedunionError(error(
                    N_("nested more than {limit} levels deep; flatten the structure"),
                    _mark(self.path, event.start_mark), limit=MAX_DEPTH))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _CORE_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


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
        self.values = 0

    def refuse_tag(self, node: yaml.Node) -> None:
        """A rule file is data: a tag that would build an object (or anything but plain data) is an error."""
        allowed = {yaml.MappingNode: (_MAP_TAG,), yaml.SequenceNode: (_SEQ_TAG,)}.get(type(node), _SCALAR_TAGS)
        if node.tag not in allowed:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise MedunionError(error(
                N_("the YAML tag '{tag}' is not allowed: rule files are plain data (text, numbers, "
                   "true/false, dates, lists and mappings); remove the tag"),
                _mark(self.doc.path, node.start_mark), tag=tag,
            ))

    def build(self, node: yaml.Node, node_path: NodePath) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise MedunionError(error(
                N_("the file holds more than {limit} values once its aliases are expanded; "
                   "an alias that repeats other aliases multiplies them: write the data out instead"),
                _mark(self.doc.path, node.start_mark), limit=f"{MAX_VALUES:,}"))
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
                            N_("duplicate key '{key}' (first written at line {line}); "
                               "YAML would silently keep only the last one: remove or rename one"),
                            _mark(self.doc.path, key_node.start_mark), key=key, line=first.line,
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
        return self.text(self.loader.construct_object(node, deep=True), node)

    def text(self, value: Any, node: yaml.Node) -> Any:
        """A scalar as read, unless it is text holding half of a UTF-16 pair (`"\\ud800"`): no character,
        and nothing can print, store or send it, so it is refused where it is written."""
        if isinstance(value, str) and _SURROGATE.search(value):
            found = _SURROGATE.search(value)
            assert found is not None
            raise MedunionError(error(
                N_("the text holds {escape}, half of a UTF-16 pair and no character; write the character itself"),
                _mark(self.doc.path, node.start_mark), escape=f"\\u{ord(found.group(0)):04x}"))
        return value

    def build_key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise MedunionError(
                error(N_("a mapping key must be a plain name"), _mark(self.doc.path, node.start_mark))
            )
        self.refuse_tag(node)
        if node.tag in (_TIMESTAMP_TAG, _BOOL_TAG):
            return self.text(node.value, node)  # `on:` and `yes:` are names here, not YAML 1.1 booleans
        return self.text(self.loader.construct_object(node), node)


def _unprintable(error_: yaml.reader.ReaderError, text: str, path: str) -> MedunionError:
    """A character YAML does not allow in a file (a NUL, a control character), at its place."""
    before = text[: error_.position]
    line = before.count("\n") + 1
    column = error_.position - (before.rfind("\n") + 1) + 1
    code = error_.character if isinstance(error_.character, int) else ord(str(error_.character)[:1] or "\0")
    return MedunionError(error(N_("the control character {code} is not allowed in a YAML file; remove it "
                                  "(is this a binary file?)"), Location(path, line, column), code=f"U+{code:04X}"))


# PyYAML's most common words for a syntax error, as catalog entries, so a Chinese reader sees
# them in Chinese; any other wording of the library stays as it is (English).
_YAML_PHRASES = {phrase: phrase for phrase in (
    N_("mapping values are not allowed here"),
    N_("could not find expected ':'"),
    N_("did not find expected key"),
    N_("did not find expected '-' indicator"),
    N_("did not find expected node content"),
    N_("found unexpected end of stream"),
    N_("found a tab character that violates indentation"),
    N_("found unexpected ':'"),
    N_("invalid YAML"),
    N_("while scanning a simple key"),
    N_("while scanning a quoted scalar"),
    N_("while scanning a plain scalar"),
    N_("while scanning a block scalar"),
    N_("while parsing a block mapping"),
    N_("while parsing a block collection"),
    N_("while parsing a flow mapping"),
    N_("while parsing a flow sequence"),
    N_("while parsing a flow node"),
    N_("while parsing a block node"),
    N_("while scanning for the next token"),
    N_("but found another document"),
    N_("expected a single document in the stream"),
)}
_YAML_PATTERNS = (
    (re.compile(r"found character (.+) that cannot start any token"),
     N_("found character {first} that cannot start any token")),
    (re.compile(r"expected (.+), but found (.+)"), N_("expected {first}, but found {second}")),
    (re.compile(r"expected (.+), but got (.+)"), N_("expected {first}, but got {second}")),
    (re.compile(r"found undefined alias (.+)"), N_("found undefined alias {first}")),
    (re.compile(r"found unknown escape character (.+)"), N_("found unknown escape character {first}")),
)


def _yaml_words(problem: str) -> Message:
    """A PyYAML problem as a catalog message where its wording is a known one."""
    if problem in _YAML_PHRASES:
        return Message(problem)
    for pattern, template in _YAML_PATTERNS:
        found = pattern.fullmatch(problem)
        if found:
            return Message(template, **dict(zip(("first", "second"), found.groups(), strict=False)))
    return Message(problem)  # not formatted: braces in it stay as they are


def parse_yaml(text: str, path: str) -> SourceDocument:
    """Parse YAML text safely; syntax errors and duplicate keys raise MedunionError."""
    try:
        loader = _Loader(text, path)  # the reader refuses control characters here, before parsing
    except yaml.reader.ReaderError as exc:
        raise _unprintable(exc, text, path) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = _mark(path, mark) if mark else Location(path, 1, 1)
            problem = _yaml_words(exc.problem or exc.context or "invalid YAML")
            started = exc.context_mark
            if exc.context and started is not None and mark is not None and started.line != mark.line:
                problem = Message(N_("{problem} ({context} that starts at line {line}, column {column})"),
                                  problem=problem, context=_yaml_words(exc.context), line=started.line + 1,
                                  column=started.column + 1)
            raise MedunionError(
                error(N_("YAML syntax: {problem}; check indentation and quoting"), where, problem=problem)
            ) from None
        except yaml.YAMLError as exc:
            raise MedunionError(error(N_("YAML syntax: {problem}"), Location(path, 1, 1), problem=exc)) from None
        if node is None:
            raise MedunionError(error(N_("the file is empty"), Location(path, 1, 1)))
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
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise MedunionError(error(
                N_("the file is {size} bytes, more than the {limit} a rule or case file may have; split it"),
                Location(str(path), 1, 1), size=f"{size:,}", limit=f"{MAX_FILE_BYTES:,}"))
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MedunionError(error(N_("cannot read the file: {reason}"), Location(str(path), 1, 1),
                                  reason=exc.strerror)) from None  # the system's words
    except UnicodeDecodeError as exc:
        raise MedunionError(
            error(N_("not UTF-8 text ({reason}); save the file as UTF-8"), Location(str(path), 1, 1), reason=exc.reason)
        ) from None
    return parse_yaml(text, str(path))
