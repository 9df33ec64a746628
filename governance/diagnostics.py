"""Messages that say where (file:line:col) and what to do, shared by every stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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
    """One finding of the loader, schema, checker or evaluator."""

    severity: Severity
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        loc = self.location
        return {
            "severity": self.severity,
            "message": self.message,
            "path": loc.path if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }


def error(message: str, location: Location | None = None) -> Diagnostic:
    return Diagnostic("error", message, location)


def warning(message: str, location: Location | None = None) -> Diagnostic:
    return Diagnostic("warning", message, location)


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
