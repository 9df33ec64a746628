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
        translated = translate(self.template or self.message)
        return translated.format(**dict(self.args)) if self.args else translated

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
    if not args:
        return Diagnostic(severity, message, location)
    values = tuple((key, str(value)) for key, value in args.items())
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
