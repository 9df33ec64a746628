"""The hostile corpus, every entry point: each input gives its exit status and its message at its place.

tests/hostile/<entry point>/corpus.yaml lists, for every file of that folder, the command it is
given to, the exit status, and the line that command must print: `path:line:col: error: message`
for a refusal (`at: none` for a refusal that has no file position, such as an unknown rule set
named on the command line), or a `line` for any other output. Every entry is run through the real
command line (`medunion.cli.app`; in a separate `python -m medunion` process, with a generous
timeout, for the inputs that once hung or exhausted the stack). For each: the exact exit status,
the message at its place, no traceback and no "internal error" line, and for inputs that must
succeed, the right result (the decision's outputs, read from strict JSON).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from typer.testing import CliRunner

from medunion import cli
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "hostile"
ENTRY_POINTS = ("rules", "cases", "schemes", "charters", "lifecycles")
NOT_INPUTS = {"corpus.yaml", "clauses.yaml"}  # the listing itself, and the clause index the rules cite
HANG_TIMEOUT = 300  # seconds: generous, so only a real hang (or a machine far slower than any) fails
INTERNAL = "internal error"

sys.path.insert(0, str(HOSTILE))
import make_corpus  # noqa: E402  (the generator of the files that cannot be written by hand)

sys.path.pop(0)


@dataclass(frozen=True)
class Entry:
    folder: str
    spec: dict[str, Any]
    commands: dict[str, list[str]]

    @property
    def id(self) -> str:
        run = self.spec.get("run", "")
        named = f"{self.folder}/{self.spec['file']}" + (f"[{run}]" if isinstance(run, str) and run else "")
        return named + ("[outside]" if self.spec.get("outside") else "")

    @property
    def here(self) -> Path:
        return HOSTILE / self.folder


def _corpus(folder: str) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    data = yaml.safe_load((HOSTILE / folder / "corpus.yaml").read_text(encoding="utf-8"))
    return data.get("commands", {}), data["entries"]


def entries() -> Iterator[Entry]:
    for folder in ENTRY_POINTS:
        commands, specs = _corpus(folder)
        for spec in specs:
            yield Entry(folder, spec, commands)


ENTRIES = list(entries())


def corpus_counts() -> dict[str, int]:
    """How many inputs each part of the hostile corpus holds (docs/reference/limits.md states them)."""
    counts = {folder: sum(1 for e in ENTRIES if e.folder == folder) for folder in ENTRY_POINTS}
    counts["data"] = len(yaml.safe_load((HOSTILE / "data" / "corpus.yaml").read_text(encoding="utf-8")))
    counts["faults"] = sum(1 for p in (ROOT / "tests" / "faults").glob("*.yaml") if p.name != "clauses.yaml")
    expressions = HOSTILE / "expressions.yaml"
    if expressions.exists():
        counts["expressions"] = len(yaml.safe_load(expressions.read_text(encoding="utf-8"))["expressions"])
    counts["site"] = _site_payload_fields()
    return counts


def _site_payload_fields() -> int:
    """The rule-file fields into which tests/test_site_escaping.py writes a payload: counted by
    applying its own poisoning to the shipped files and counting the text fields that now carry one."""
    import test_site_escaping as site

    def carrying(node: Any) -> int:
        if isinstance(node, dict):
            return sum(carrying(v) for v in node.values())
        if isinstance(node, list):
            return sum(carrying(v) for v in node)
        return int(isinstance(node, str) and (site.MARK in node or site.JAVASCRIPT in node))

    total = 0
    for relative, poison in (("zhenghe-referral/2017.1.yaml", site._poison_ruleset),
                             ("appraisal/zhenghe-member-appraisal/2017.1.yaml", site._poison_scheme)):
        data = yaml.safe_load((ROOT / "rules" / relative).read_text(encoding="utf-8"))
        poison(data)
        total += carrying(data)
    return total


# --- running an entry ---------------------------------------------------------------------------


@dataclass
class Ran:
    code: int
    output: str
    exception: BaseException | None = None


def _place(text: str, places: dict[str, str]) -> str:
    """`{file}`, `{here}`, `{db}` and `{tmp}` replaced (any other brace is text)."""
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


def _args(entry: Entry, run: str | list[str], places: dict[str, str]) -> list[str]:
    template = entry.commands[run] if isinstance(run, str) else run
    return [_place(part, places) for part in template]


def _invoke(args: list[str], process: bool) -> Ran:
    if process:
        env = {k: v for k, v in os.environ.items() if k not in ("MEDUNION_DEBUG", "MEDUNION_RULES")}
        done = subprocess.run([sys.executable, "-m", "medunion", *args], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=HANG_TIMEOUT, check=False)
        return Ran(done.returncode, done.stdout + done.stderr)
    result = CliRunner().invoke(app, args, env={"MEDUNION_RULES": None, "MEDUNION_DEBUG": None})
    return Ran(result.exit_code, result.output, result.exception)


def _materialise(entry: Entry, tmp: Path) -> Path:
    """The path the entry's command is given: the corpus file, or a copy or a file made in `tmp`."""
    spec = entry.spec
    if "make" in spec:
        kind, size = spec["make"]
        return make_corpus.huge_line(tmp / Path(spec["file"]).name, make_corpus.HEADS[kind], size)
    source = entry.here / spec["file"]
    if spec.get("outside"):  # a copy outside any rules folder: no clauses.yaml above it
        target = tmp / "outside" / Path(spec["file"]).name
        target.parent.mkdir()
        shutil.copyfile(source, target)
        return target
    if spec.get("absent"):
        assert not source.exists(), f"{source} must not exist"
    return source


def run_entry(entry: Entry, tmp: Path) -> tuple[Ran, dict[str, str]]:
    """Run the entry's setup and command; in a process of its own for `process: true`."""
    process = entry.spec.get("process", False)
    path = _materialise(entry, tmp)
    places = {"file": str(path), "here": str(entry.here), "db": f"sqlite:///{tmp / 'cases.sqlite'}",
              "tmp": str(tmp)}
    for step in entry.spec.get("setup", []):
        ran = _invoke(_args(entry, step, places), process)
        assert ran.code == 0, f"setup {step} failed: {ran.output}"
    return _invoke(_args(entry, entry.spec.get("run", "default"), places), process), places


@pytest.fixture(scope="module")
def in_processes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Ran, dict[str, str]]]:
    """The `process: true` entries, each in a process of its own, run side by side (each with its
    own timeout); the test of each entry then reads its result."""
    chosen = [e for e in ENTRIES if e.spec.get("process")]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {e.id: pool.submit(run_entry, e, tmp_path_factory.mktemp("process")) for e in chosen}
        return {name: future.result() for name, future in futures.items()}


def _expected_line(entry: Entry, places: dict[str, str]) -> str:
    spec = entry.spec
    if "line" in spec:
        return _place(spec["line"], places)
    where = _place(spec.get("where", "{file}"), places)
    message = _place(spec["message"], places)
    return f"error: {message}" if spec["at"] == "none" else f"{where}:{spec['at']}: error: {message}"


def _strict_json(text: str) -> Any:
    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in JSON output: not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_hostile_input(entry: Entry, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if entry.spec.get("process"):
        ran, places = request.getfixturevalue("in_processes")[entry.id]
    else:
        ran, places = run_entry(entry, tmp_path)
    spec = entry.spec
    assert "Traceback" not in ran.output, ran.output
    assert INTERNAL not in ran.output, ran.output
    assert ran.exception is None or isinstance(ran.exception, SystemExit), repr(ran.exception)
    assert ran.code == spec["exit"], ran.output[-3000:]
    wanted = _expected_line(entry, places)
    lines = ran.output.splitlines()
    assert any(line.startswith(wanted) for line in lines), f"no line starts with\n  {wanted}\nin\n{ran.output[-3000:]}"
    if "contains" in spec:
        assert any(line.startswith(wanted) and spec["contains"] in line for line in lines), ran.output[-3000:]
    if "outputs" in spec or "inputs" in spec:  # a decision that must succeed: its JSON, strictly read
        explanation = _strict_json(ran.output[: ran.output.rindex("}") + 1])
        for name, value in spec.get("outputs", {}).items():
            assert explanation["outputs"][name]["value"] == value, name
        for name, value in spec.get("inputs", {}).items():
            assert explanation["inputs"][name] == value, name
    if spec.get("markdown"):  # Markdown from data: with raw HTML and links allowed, still nothing live
        html = markdown.markdown(ran.output, extensions=["tables", "admonition"])
        assert _live(html) == [], html
    if spec.get("terminal"):  # no escape sequence from the data reaches the terminal
        assert "\x1b" not in ran.output and "\x9b" not in ran.output


_LIVE = re.compile(r"<script|<img|<a\s", re.IGNORECASE)  # tags, not their escaped text


def _live(html: str) -> list[str]:
    """Tags, event handlers and links that came from the data (the corpus's payloads use alert(1))."""
    import test_site_escaping as site

    return site.live_payloads(html) + [m.group(0) for m in _LIVE.finditer(html)]


# --- the corpus itself --------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ENTRY_POINTS)
def test_every_corpus_file_has_an_entry(folder: str) -> None:
    """No file of the corpus goes untested, and no entry names a file that is not there. (A folder
    named like a YAML file is one input: the folder given where a file belongs.)"""
    here = HOSTILE / folder

    def inputs(folder_: Path) -> Iterator[str]:
        for path in sorted(folder_.iterdir()):
            if path.name in NOT_INPUTS or (folder == "cases" and path == here / "rules"):
                continue  # the rule set the cases are decided with is checked by tests/test_hostile.py
            if path.is_dir() and path.suffix != ".yaml":
                yield from inputs(path)
            else:
                yield str(path.relative_to(here))

    listed = {e.spec["file"] for e in ENTRIES if e.folder == folder and not e.spec.get("absent")
              and "make" not in e.spec}
    assert set(inputs(here)) == listed


def test_the_rule_set_the_cases_are_decided_with_is_clean() -> None:
    result = CliRunner().invoke(app, ["check", str(HOSTILE / "cases" / "rules")])
    assert result.exit_code == 0 and "0 error(s), 0 warning(s)" in result.output, result.output


def test_the_generated_files_are_what_the_generator_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """make_corpus.py and the files kept in the repository agree (run it after changing it)."""
    copy = tmp_path / "hostile"
    shutil.copytree(HOSTILE, copy, symlinks=True, ignore=shutil.ignore_patterns("data"))
    monkeypatch.setattr(make_corpus, "HERE", copy)
    make_corpus.main()
    changed = [str(p.relative_to(copy)) for p in sorted(copy.rglob("*")) if p.is_file() and not p.is_symlink()
               and p.read_bytes() != (HOSTILE / p.relative_to(copy)).read_bytes()]
    assert changed == []


def test_each_entry_is_named_once() -> None:
    names = [e.id for e in ENTRIES]
    assert len(names) == len(set(names))


def test_every_class_of_the_review_is_in_the_corpus() -> None:
    files = {(e.folder, e.spec["file"]) for e in ENTRIES}
    for folder in ENTRY_POINTS:  # every YAML entry point gets the alias bomb and 500-deep nesting
        assert (folder, "alias-bomb.yaml") in files and (folder, "deep-500.yaml") in files
    assert ("lifecycles", "events/alias-bomb.yaml") in files
    for needed in ("sum-500-terms.yaml", "parentheses-200.yaml", "nan-minimum.yaml", "kind-comment.yaml",
                   "unknown-clause.yaml", "python-object-tag.yaml", "empty.yaml", "binary-junk.yaml",
                   "not-utf8.yaml", "huge-line.yaml", "a-folder.yaml", "no-such-file.yaml"):
        assert ("rules", needed) in files, needed
    for needed in ("octal.yaml", "sexagesimal.yaml", "inf.yaml", "nan.yaml", "top-level-list.yaml",
                   "top-level-text.yaml", "misspelt-field.yaml", "missing-field.yaml", "wrong-type.yaml",
                   "unknown-ruleset.yaml", "not-a-date.yaml", "not-in-force.yaml"):
        assert ("cases", needed) in files, needed
    assert ("lifecycles", "scan/kind-comment.yaml") in files and ("charters", "scan/kind-comment.yaml") in files


def test_no_corpus_input_is_decided_wrongly_by_a_python_caller(tmp_path: Path) -> None:
    """`decide(ruleset, case, on)` keeps working without positions: the octal case pays 6000."""
    import datetime as dt

    from governance.decide import decide
    from governance.load import load_ruleset

    ruleset = load_ruleset(HOSTILE / "cases" / "rules" / "hostile-pay" / "1.yaml")
    case = yaml.safe_load("cost: 12000\nlevel: county\nadmitted_on: 2018-01-02\n")
    case["admitted_on"] = dt.date(2018, 1, 2)
    assert decide(ruleset, case, dt.date(2018, 6, 1)).outputs["pay"] == 6000


def test_docs_build_names_the_broken_rule_file(tmp_path: Path) -> None:
    """`medunion docs build` refuses broken rules with their file:line:col (mkdocs only logs it)."""
    rules = tmp_path / "rules"
    (rules / "broken").mkdir(parents=True)
    shutil.copyfile(ROOT / "rules" / "clauses.yaml", rules / "clauses.yaml")
    broken = rules / "broken" / "1.yaml"
    broken.write_text("kind: ruleset\nid: [x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["docs", "build", "--out", str(tmp_path / "site")],
                                env={"MEDUNION_RULES": str(rules), "NO_MKDOCS_2_WARNING": "1"})
    assert result.exit_code == 1, result.output
    assert f"{broken}:3:1: error: YAML syntax: expected ',' or ']'" in result.output
    assert "the site was not built" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site" / "index.html").exists()


# --- docs/reference/limits.md states the corpus's sizes -----------------------------------------

LIMITS = ROOT / "docs" / "reference" / "limits.md"
_CORPUS_PATHS = {
    "tests/hostile/rules": "rules", "tests/hostile/cases": "cases", "tests/hostile/schemes": "schemes",
    "tests/hostile/charters": "charters", "tests/hostile/lifecycles": "lifecycles", "tests/hostile/data": "data",
    "tests/faults": "faults", "tests/hostile/expressions.yaml": "expressions", "tests/test_site_escaping.py": "site",
}


def test_the_limits_page_states_the_corpus_as_it_is() -> None:
    """The counts in limits.md are the corpus's sizes, so the page cannot drift from the tests."""
    text = LIMITS.read_text(encoding="utf-8")
    stated = {_CORPUS_PATHS[path]: int(count)
              for path, count in re.findall(r"^\|[^|\n]*\| `([^`]+)` \| (\d+) \|$", text, re.MULTILINE)}
    counts = corpus_counts()
    assert stated == counts
    (total,) = re.findall(r"^\| \*\*all\*\* \| \| \*\*(\d+)\*\* \|$", text, re.MULTILINE)
    assert int(total) == sum(counts.values())
    in_processes = sum(1 for e in ENTRIES if e.spec.get("process"))
    assert f"deadlines in a cycle: {in_processes} inputs)" in " ".join(text.split())
    assert f"timeout of {HANG_TIMEOUT} seconds" in " ".join(text.split())


# --- the last-resort handler --------------------------------------------------------------------


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError("a fault\nover two lines")


def test_an_unexpected_exception_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "app", _boom)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["medunion: internal error: RuntimeError: a fault over two lines (this is a bug; "
                                "run with MEDUNION_DEBUG=1 for the traceback)"]


def test_medunion_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "app", _boom)
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    with pytest.raises(RuntimeError, match="a fault"):
        cli.main()


def test_usage_errors_exit_2_and_a_refusal_exits_1() -> None:
    """typer's own usage errors keep exit 2; a bad date on the command line is one of them."""
    runner = CliRunner()
    assert runner.invoke(app, ["decide", "--bogus"]).exit_code == 2
    bad_date = runner.invoke(app, ["decide", "hostile-pay", "--on", "2018-02-30", "--case", "x.yaml"])
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    assert runner.invoke(app, ["check", str(HOSTILE / "rules" / "empty.yaml")]).exit_code == 1
