"""What every command shares: where rule sets are found, dates, and how a refusal is printed."""

from __future__ import annotations

import datetime as dt
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from governance.diagnostics import Diagnostic, MedunionError

RULES_ENV = "MEDUNION_RULES"

DONE, REFUSED, USAGE, DONE_WITH_REJECTIONS = 0, 1, 2, 3
"""The exit status of every command (README, Commands): done; refused or errors found; a usage
error (typer's own, for a bad option or argument); done, but rows of the data were rejected."""

RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help=f"Folder of rule files (default: ${RULES_ENV}, then ./rules)"),
]


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def command_group(help: str, name: str | None = None) -> typer.Typer:
    """A typer app or group as every medunion command is built: plain click help (rich help
    formatting imports markdown-it and friends, doubling the start-up time of `--help`)."""
    return typer.Typer(name=name, help=help, no_args_is_help=True, add_completion=False,
                       rich_markup_mode=None, pretty_exceptions_enable=False)


def rules_root(option: Path | None) -> Path:
    """The one rule for where rule files are found: `--rules`, then $MEDUNION_RULES, then ./rules."""
    if option is not None:
        return option
    from_env = os.environ.get(RULES_ENV)
    return Path(from_env) if from_env else Path("rules")


def diagnostic_line(diagnostic: Diagnostic, lang: str = "en") -> str:
    """`path:line:col: 错误: message` in `lang`, safe for a terminal.

    A message can quote the input (a field name, a value), so its control characters are shown
    as escapes: no input can clear the screen, recolour it or forge a line of its own.
    """
    from governance.escaping import terminal_text
    from governance.i18n import N_, translator

    _ = translator(lang).gettext
    severity = {"error": N_("error"), "warning": N_("warning")}.get(diagnostic.severity, diagnostic.severity)
    where = f"{diagnostic.location}: " if diagnostic.location else ""
    return terminal_text(f"{where}{_(severity)}: {diagnostic.text(_)}")


def fail(exc: MedunionError, lang: str = "en") -> NoReturn:
    """Print every diagnostic of a refusal on stderr, one a line, in `lang`, and exit 1."""
    for diagnostic in exc.diagnostics:
        typer.echo(diagnostic_line(diagnostic, lang), err=True)
    raise typer.Exit(REFUSED)


def parse_date(text: str | None, default_today: bool = False) -> dt.date:
    """A YYYY-MM-DD option as a date (today's UTC date when allowed and not given)."""
    if text is None:
        if default_today:
            return dt.datetime.now(dt.timezone.utc).date()
        raise typer.BadParameter("give a date, YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD") from None
