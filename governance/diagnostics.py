"""Messages that say where (file:line:col) and what to do, shared by every stage."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column are 1-based, as editors count."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def shifted(self, columns: int) -> Location:
        """The same line, `columns` characters further right (for positions inside a scalar)."""
        return Location(self.path, self.line, self.column + columns)


class Message(str):
    """English text that keeps its catalog template and fields: a part of a message (why a value
    does not fit its field) that a larger message quotes, so the whole is shown in the reader's
    language. It is a str, so code that reads it as English text keeps working."""

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, /, **fields: Any) -> Message:
        # str.format gives each field as str() does for the values messages hold (text, numbers,
        # dates, Messages); the fields become text only when the message is shown in another language.
        self = str.__new__(cls, template.format_map(fields) if fields else template)
        self.template, self.fields = template, fields
        return self

    @property
    def args(self) -> tuple[tuple[str, str], ...]:
        return _fields(self.fields)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole (dask sends refusals between processes)
        return (_message, (self.template, self.args))

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The text in the language of `translate` (a gettext); English without one."""
        return _shown(self.template, self.args, translate) if translate is not None else str(self)


def joined(parts: list[Message], template: str) -> Message:
    """Messages as one list, each still translatable: `template` joins two, its fields {first} and
    {rest} (e.g. N_("{first}; {rest}"), N_("{first} or {rest}"))."""
    if len(parts) == 1:
        return parts[0]
    return Message(template, first=parts[0], rest=joined(parts[1:], template))


def said(diagnostic: Diagnostic) -> Message:
    """What a diagnostic says, as a `Message` another message can quote (still translatable)."""
    if diagnostic.template is None:
        return Message(diagnostic.message)
    return _message(diagnostic.template, diagnostic.args)


def _message(template: str, args: tuple[tuple[str, str], ...]) -> Message:
    return Message(template, **dict(args))


def _fields(args: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A template's fields as text; a field that is itself a `Message` is kept, to be translated too."""
    return tuple((key, value if isinstance(value, Message) else str(value)) for key, value in args.items())


def _shown(template: str, args: tuple[tuple[str, str], ...], translate: Callable[[str], str]) -> str:
    translated = translate(template)
    if not args:
        return translated
    return translated.format(**{k: v.text(translate) if isinstance(v, Message) else v for k, v in args})


@dataclass(frozen=True)
class Diagnostic:
    """One finding of the loader, schema, checker or evaluator.

    `message` is the English text, itself a catalog entry when it has no fields. A message written
    as a template (`error(N_("{name} is not a number"), loc, name=x)`) keeps its `template` and
    `args`, so a command shows it in the reader's language with `text(translator.gettext)`: the
    core chooses no language.
    """

    severity: Severity
    message: str
    location: Location | None = None
    template: str | None = None
    args: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message}"

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message in the language of `translate` (a gettext); English without one, or
        where the catalog has no translation of the template."""
        if translate is None:
            return self.message
        return _shown(self.template or self.message, self.args, translate)

    def to_dict(self, translate: Callable[[str], str] | None = None) -> dict[str, object]:
        """The diagnostic as data; `message` in the language of `translate`, with the English
        beside it as `message_en` when that differs."""
        loc = self.location
        shown = self.text(translate)
        out: dict[str, object] = {
            "severity": self.severity,
            "message": shown,
            "path": loc.path if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }
        if shown != self.message:
            out["message_en"] = self.message
        return out


def diagnostic(severity: Severity, message: str, location: Location | None = None, **args: Any) -> Diagnostic:
    """A diagnostic whose `message` is a catalog template when `args` are given: `{name}` fields
    are filled with str(value) in English now and in the reader's language when shown."""
    if not args and isinstance(message, Message) and message.args:
        return Diagnostic(severity, str(message), location, template=message.template, args=message.args)
    if not args:
        return Diagnostic(severity, str(message), location)
    values = _fields(args)
    return Diagnostic(severity, message.format(**dict(values)), location, template=message, args=values)


def error(message: str, location: Location | None = None, **args: Any) -> Diagnostic:
    return diagnostic("error", message, location, **args)


def warning(message: str, location: Location | None = None, **args: Any) -> Diagnostic:
    return diagnostic("warning", message, location, **args)


class MedunionError(Exception):
    """Bad input of any kind; carries every diagnostic found, not just the first."""

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic | str) -> None:
        if isinstance(diagnostics, str):
            diagnostics = [error(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def first_line(exc: BaseException) -> str:
    """The first line of an error from a library (a database driver's is often long), for a message."""
    message = str(getattr(exc, "orig", None) or exc)
    return message.splitlines()[0] if message.strip() else type(exc).__name__


def shown_url(url: str) -> str:
    """A database URL as a message may show it: without its password, or not at all when it
    does not parse. The stores of the layers above all print their `--db` this way."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "(the --db URL does not parse)"
