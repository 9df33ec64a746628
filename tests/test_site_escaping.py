"""Text in a rule file is shown on the public site as text: it never becomes a tag, an event
handler or a `javascript:` link, whatever a drafter (or an attacker with write access to a
rule file) puts in a title, a source sentence, a note or a source's URL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml

from publication.escaping import core_markdown_html, inline_code, safe_url
from publication.plugin import RULES_ENV, rules_root

REPO = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
JAVASCRIPT = "javascript:alert(1)"
MARK = "alert(1)"


class _Live(HTMLParser):
    """What in a page would run: script content, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") and value and MARK in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and MARK in data:
            self.found.append(f"<script>{data.strip()[:60]}")


def live_payloads(html: str) -> list[str]:
    parser = _Live()
    parser.feed(html)
    parser.close()
    return parser.found


def _edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _poison_ruleset(data: dict[str, Any]) -> None:
    data["title"] = f"Referral {SCRIPT}"
    data["sources"][0]["url"] = JAVASCRIPT
    data["sources"].append({"key": "plan-online", "title": "The plan online", "url": "https://example.org/plan"})
    rule = data["rules"][0]
    rule["title"] = f"Upward {IMAGE} [click]({JAVASCRIPT})"
    rule["source"] = f"{SCRIPT} {IMAGE} [click]({JAVASCRIPT}) <{JAVASCRIPT}>"
    parameter = next(iter(data["parameters"].values()))
    parameter["note"] = f"{IMAGE} {SCRIPT} {{: onclick=alert(1) }}"


def _poison_scheme(data: dict[str, Any]) -> None:
    data["title"] = f"Appraisal {SCRIPT}"
    data["dimensions"][0]["indicators"][0]["title"] = f"Indicator {IMAGE}"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built (strict, with this repository's mkdocs.yml) from a copy of rules/ whose
    texts carry payloads; the copy is found through $MEDUNION_RULES."""
    work = tmp_path_factory.mktemp("hostile")
    rules = work / "rules"
    shutil.copytree(REPO / "rules", rules)
    _edit_yaml(rules / "zhenghe-referral" / "2017.1.yaml", _poison_ruleset)
    _edit_yaml(rules / "appraisal" / "zhenghe-member-appraisal" / "2017.1.yaml", _poison_scheme)
    out = work / "site"
    env = {**os.environ, RULES_ENV: str(rules), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(rules.resolve()) in result.stdout + result.stderr  # built from the copy, not from rules/
    return out


def test_no_payload_from_a_rule_file_runs_on_any_page(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html")) + sorted(hostile_site.rglob("*.svg"))
    assert len(pages) > 20
    found = {str(p.relative_to(hostile_site)): live_payloads(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: live for page, live in found.items() if live} == {}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_payloads_are_shown_as_text(hostile_site: Path, language: str) -> None:
    """On the English page (under en/) the payloads are the titles; the Chinese page (at the root)
    shows the English title beside the Chinese one, and its explanations use the Chinese titles."""
    folder = hostile_site / "en" if language == "en" else hostile_site
    html = (folder / "rules" / "zhenghe-referral" / "2017.1" / "index.html").read_text(encoding="utf-8")
    assert "Referral &lt;script&gt;alert(1)&lt;/script&gt;" in html  # title, nav and the explanations
    if language == "zh":
        assert "Upward &lt;img src=x onerror=alert(1)&gt; [click](javascript:alert(1))" in html
        return
    assert "Upward &lt;img src=x onerror=alert(1)&gt; [click](javascript:alert(1))" in html
    assert "{: onclick=alert(1) }" in html
    assert html.count("<strong>Upward &lt;img") >= 1  # the rule's title inside a worked example's explanation


def test_a_source_url_is_a_link_only_for_a_safe_scheme(hostile_site: Path) -> None:
    html = (hostile_site / "rules" / "zhenghe-referral" / "2017.1" / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://example.org/plan">link</a>' in html
    assert f") {JAVASCRIPT}</li>" in html  # the unsafe URL is shown, not linked


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://example.org/plan?a=1&b=2#p3", "https://example.org/plan?a=1&b=2#p3"),
        ("http://example.org/a plan (2017).pdf", "http://example.org/a%20plan%20%282017%29.pdf"),
        ("mailto:office@example.org", "mailto:office@example.org"),
        ("../docs/plan.md#clause-iv", "../docs/plan.md#clause-iv"),
        ("javascript:alert(1)", None),
        ("  JavaScript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("javascript&#58;alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox(1)", None),
        ("", None),
    ],
)
def test_link_targets_from_data(url: str, target: str | None) -> None:
    assert safe_url(url) == target


@pytest.mark.parametrize("text", ["a`b", "a|b", "two\nlines", "plain"])
def test_inline_code_shows_any_text_literally(text: str) -> None:
    rendered = markdown.markdown(f"| x |\n|---|\n| {inline_code(text)} |", extensions=["tables"])
    assert rendered.count("<td>") == 1
    assert "<code>" + " ".join(text.splitlines()) + "</code>" in rendered


def test_the_cores_markdown_keeps_its_layout_but_not_html_or_links() -> None:
    written = (
        f"**Referral {SCRIPT}** — version 1\n\n"
        "| output | value | by |\n|---|---|---|\n"
        f"| ratio | 0.85 | Upward {IMAGE} [x]({JAVASCRIPT}) |\n\n"
        "- **Upward** applies:\n    - `months < 6 and kind in ['a']` → true\n\n"
        '!!! warning "Uncertain reading"\n    the figure [x](https://example.org) is uncertain\n'
    )
    html = core_markdown_html(written)
    assert live_payloads(html) == []
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<strong>Referral &lt;script&gt;alert(1)&lt;/script&gt;</strong>" in html
    assert "<table>" in html and "<td>0.85</td>" in html
    assert "<code>months &lt; 6 and kind in ['a']</code> → true" in html
    assert '<div class="admonition warning">' in html


def test_the_rules_folder_comes_from_the_option_then_the_environment_then_beside_mkdocs_yml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path.resolve()
    monkeypatch.delenv(RULES_ENV, raising=False)
    assert rules_root(None, base) == base / "rules"
    monkeypatch.setenv(RULES_ENV, str(base / "county-rules"))
    assert rules_root(None, base) == base / "county-rules"
    assert rules_root("pinned", base) == base / "pinned"
