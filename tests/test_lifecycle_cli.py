"""`medunion lifecycle event/show/list/tick/open-from-appraisal` against a SQLite file."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from medunion.commands.lifecycle import register

ROOT = Path(__file__).resolve().parents[1]
LIFECYCLES = str(ROOT / "rules" / "lifecycles")


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """medunion (test)."""

    register(app)
    return app


def test_event_show_list_and_tick(tmp_path):
    app, cli = make_app(), CliRunner()
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    data = tmp_path / "finding.yaml"
    data.write_text("violation_found: true\nfinding: referral files missing\n", encoding="utf-8")
    common = ["--db", db, "--lifecycles", LIFECYCLES]

    result = cli.invoke(app, ["lifecycle", "event", "zhenghe-membership", "tieshan", "assessment",
                              "--data", str(data), "--on", "2017-09-01", *common])
    assert result.exit_code == 0, result.output
    assert "active → rectification_ordered" in result.output
    again = cli.invoke(app, ["lifecycle", "event", "zhenghe-membership", "tieshan", "assessment",
                             "--data", str(data), "--on", "2017-09-01", *common])
    assert again.exit_code == 0 and "duplicate" in again.output

    refused = cli.invoke(app, ["lifecycle", "event", "zhenghe-membership", "tieshan", "rectification_check",
                               "--on", "2017-09-02", *common])
    assert refused.exit_code == 1
    assert "changes nothing" in refused.output

    listed = cli.invoke(app, ["lifecycle", "list", "--state", "rectification_ordered", "--db", db])
    assert "tieshan" in listed.output and "2017-11-30" in listed.output

    ticked = cli.invoke(app, ["lifecycle", "tick", "--on", "2017-12-02", *common])
    assert ticked.exit_code == 0 and "rectification_ordered → terminated" in ticked.output

    shown = cli.invoke(app, ["lifecycle", "show", "tieshan", "--db", db])
    assert shown.exit_code == 0
    assert "Why terminated" in shown.output and "terminate-at-deadline" in shown.output
    assert "zhenghe-2017 IV.8.1" in shown.output
    missing = cli.invoke(app, ["lifecycle", "show", "nobody", "--db", db])
    assert missing.exit_code == 1


def test_open_from_appraisal_results_csv(tmp_path):
    app, cli = make_app(), CliRunner()
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    csv = tmp_path / "results.csv"
    csv.write_text("unit_id,year,grade,rank,rectification_notice\n"
                   "tieshan,2017,D,10,True\nlingyao,2017,A,1,False\n", encoding="utf-8")
    args = ["lifecycle", "open-from-appraisal", str(csv), "--db", db, "--lifecycles", LIFECYCLES]
    first = cli.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "tieshan" in first.output and "lingyao" not in first.output
    second = cli.invoke(app, args)
    assert "duplicate" in second.output
    listed = cli.invoke(app, ["lifecycle", "list", "--state", "rectification_ordered", "--db", db,
                              "--format", "json"])
    assert '"tieshan"' in listed.output and "lingyao" not in listed.output
