"""`make demo` keeps showing what the README promises: a referral decision with its explanation,
the appraisal outputs, rectification cases from the appraisal, and the doc site."""

from __future__ import annotations

from pathlib import Path

import pytest

from medunion.demo import main


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(tmp_path / "out", tmp_path / "site") == 0
    shown = capsys.readouterr().out
    assert "transfer to county: yes" in shown
    assert "zhenghe-2017 IV.7.2" in shown and "\u201cPatients who are not within the scope" in shown
    assert (tmp_path / "out" / "referral-decision.json").is_file()
    assert (tmp_path / "out" / "appraisal" / "zhenghe-member-appraisal" / "2019" / "appraisal.xlsx").is_file()
    assert "Why terminated" in shown
    assert (tmp_path / "site" / "index.html").is_file()


def test_demo_speaks_chinese_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from medunion.demo import referral

    monkeypatch.delenv("MEDUNION_LANG")
    referral(tmp_path)
    shown = capsys.readouterr().out
    assert "决定结果：" in shown and "What was decided" not in shown
    assert "（transfer_to_county）：是" in shown
