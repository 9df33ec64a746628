"""The `--lang` option every command that prints to people shares, and how it is resolved."""

from __future__ import annotations

from typing import Annotated

import typer

TERMINAL_DEFAULT = "zh"
"""The terminal commands' language when neither --lang nor $MEDUNION_LANG is given: Chinese, the
users' own, as for the workbook, report and site (docs/reference/languages.md). Scripts that read
the English lines set MEDUNION_LANG=en once."""

LangOption = Annotated[
    str | None,
    typer.Option("--lang", metavar="zh|en",
                 help="Language of the output: zh or en (default: $MEDUNION_LANG, then zh)"),
]


def chosen_language(option: str | None, default: str = TERMINAL_DEFAULT) -> str:
    """--lang, then $MEDUNION_LANG, then `default`; an unknown language is a usage error (exit 2)."""
    from governance.i18n import UnknownLanguage, choose_language

    try:
        return choose_language(option, default)
    except UnknownLanguage as exc:
        raise typer.BadParameter(str(exc), param_hint="'--lang'") from None
