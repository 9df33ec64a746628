"""`medunion charter check`: what a charter breaks, with the clause, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medunion.commands.common import REFUSED, RulesOption, command_group, diagnostic_line, rules_root
from medunion.commands.language import LangOption, chosen_language


def register(app: typer.Typer) -> None:
    """Add the `charter` command group to the medunion app."""
    charter = command_group("Charters: associations, member units and governing bodies.")

    @charter.command("check")
    def check_command(
        paths: Annotated[
            list[Path] | None,
            typer.Argument(help="Charter files or directories (default: <rules>/charters)."),
        ] = None,
        rules: RulesOption = None,
        lang: LangOption = None,
    ) -> None:
        """Check charters; print each finding as file:line:col with its clause; exit 1 on an error."""
        from charter import charter_files, check_charter_file
        from governance.diagnostics import error, has_errors
        from governance.i18n import N_, translator

        language = chosen_language(lang)
        _ = translator(language).gettext
        searched = paths or [rules_root(rules) / "charters"]
        files = charter_files(searched)
        if not files:  # checking nothing is no success
            where = ", ".join(str(p) for p in searched)
            from governance.diagnostics import Location

            nothing = error(N_("no charter files (kind: charter) in {where}"), Location(str(searched[0]), 1, 1),
                            where=where)
            typer.echo(diagnostic_line(nothing, language), err=True)
            raise typer.Exit(REFUSED)
        findings = []
        for path in files:
            found = check_charter_file(path)
            findings.extend(found)
            for diagnostic in found:
                typer.echo(diagnostic_line(diagnostic, language))
        errors = sum(1 for d in findings if d.severity == "error")
        warnings = len(findings) - errors
        typer.echo(_(N_("{files} charter file(s) checked: {errors} error(s), {warnings} warning(s)")).format(
            files=len(files), errors=errors, warnings=warnings))
        if has_errors(findings):
            raise typer.Exit(REFUSED)

    app.add_typer(charter, name="charter")
