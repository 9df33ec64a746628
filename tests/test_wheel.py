"""The built wheel works outside the repository: schemas, checkers and commands come from the
installed package, and rule sets from the folder the user names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding only the wheel (its dependencies are borrowed from this
    interpreter's site-packages by a path line, which does not run this checkout's editable hook)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # built from a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "site", "out", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", source, cwd=work)
    if built.returncode != 0 and "Could not find a version that satisfies the requirement setuptools" in built.stderr:
        pytest.skip("the wheel's build backend (setuptools) cannot be fetched on this machine")
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("medunion-*.whl")
    venv = work / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).stdout.strip()
    Path(site, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel, cwd=work)
    assert done.returncode == 0, done.stderr
    return venv


@pytest.fixture()
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the repository with a copy of the rules and one example case."""
    shutil.copytree(ROOT / "rules", tmp_path / "county-rules")
    shutil.copy(ROOT / "examples" / "cases" / "zhenghe-upward-referral.yaml", tmp_path / "case.yaml")
    return tmp_path


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MEDUNION_RULES")}
    return env


def test_the_installed_package_is_not_the_checkout(installed: Path, elsewhere: Path) -> None:
    found = _run(installed / "bin" / "python", "-c", "import governance, medunion; print(governance.__file__)",
                 cwd=elsewhere, env=_clean_env())
    assert found.returncode == 0, found.stderr
    assert str(installed) in found.stdout and str(ROOT) not in found.stdout


def test_check_and_decide_from_the_wheel_on_a_copied_rules_folder(installed: Path, elsewhere: Path) -> None:
    medunion = installed / "bin" / "medunion"
    checked = _run(medunion, "check", "--rules", "county-rules", cwd=elsewhere, env=_clean_env())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 error(s)" in checked.stderr
    decided = _run(medunion, "decide", "--case", "case.yaml", "--format", "json", "--rules", "county-rules",
                   cwd=elsewhere, env=_clean_env())
    assert decided.returncode == 0, decided.stderr
    explanation = json.loads(decided.stdout)
    assert explanation["ruleset"]["id"] == "zhenghe-referral"
    assert any(o["decided"] for o in explanation["outputs"].values())


def test_the_rules_folder_may_come_from_the_environment(installed: Path, elsewhere: Path) -> None:
    env = {**_clean_env(), "MEDUNION_RULES": str(elsewhere / "county-rules")}
    decided = _run(installed / "bin" / "medunion", "decide", "--case", "case.yaml", cwd=elsewhere, env=env)
    assert decided.returncode == 0, decided.stderr
    missing = _run(installed / "bin" / "medunion", "decide", "--case", "case.yaml", cwd=elsewhere, env=_clean_env())
    assert missing.returncode == 1
    assert "no such file or folder: rules" in missing.stderr


def test_a_schema_error_is_positioned_from_the_packaged_schema(installed: Path, elsewhere: Path) -> None:
    target = elsewhere / "county-rules" / "zhenghe-referral" / "2017.1.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("\njurisdiction:", "\njurisdicton:", 1), encoding="utf-8")
    checked = _run(installed / "bin" / "medunion", "check", str(target), cwd=elsewhere, env=_clean_env())
    assert checked.returncode == 1
    assert "2017.1.yaml:" in checked.stdout and "did you mean 'jurisdiction'" in checked.stdout


def test_python_dash_m_and_version(installed: Path, elsewhere: Path) -> None:
    helped = _run(installed / "bin" / "python", "-m", "medunion", "--help", cwd=elsewhere, env=_clean_env())
    assert helped.returncode == 0 and "decide" in helped.stdout
    version = _run(installed / "bin" / "medunion", "--version", cwd=elsewhere, env=_clean_env())
    assert version.returncode == 0 and version.stdout.startswith("medunion 0.")
