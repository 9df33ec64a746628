"""The core's escapers: data shown as text in Markdown and on a terminal, plain text left alone."""

from __future__ import annotations

import markdown
import pytest

from governance.escaping import inline_code, markdown_text, terminal_text
from publication import escaping as site_escaping


@pytest.mark.parametrize("text", ["Pay the grant", "zhenghe-2017 IV.7.4", "600 yuan", "2018-02-01",
                                  "Half of a county hospital's cost is paid (close, trusteeship)"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert markdown_text(text) == text
    assert terminal_text(text) == text


@pytest.mark.parametrize(("text", "shown"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
    ("*loud* _quiet_ `code` | cell # head {: onclick=x }", "*loud* _quiet_ `code` | cell # head {: onclick=x }"),
    ("<http://example.org>", "&lt;http://example.org&gt;"),
    ("a \\ b", "a \\ b"),
])
def test_markdown_shows_data_as_written(text: str, shown: str) -> None:
    """Rendered with raw HTML and links allowed, the text is the paragraph's only content."""
    html = markdown.markdown(markdown_text(text), extensions=["tables"])
    assert html == f"<p>{shown}</p>"


def test_a_table_cell_holds_data_with_a_pipe() -> None:
    html = markdown.markdown(f"| a | b |\n|---|---|\n| {markdown_text('x | y')} | z |", extensions=["tables"])
    assert html.count("<td>") == 2 and "<td>x | y</td>" in html


@pytest.mark.parametrize("text", ["a < b", "x == `y`", "``", "a ``b`` c", "`start", "end`"])
def test_inline_code_is_one_code_span_with_the_text(text: str) -> None:
    html = markdown.markdown(f"- {inline_code(text)} → true")
    assert html.count("<code>") == 1
    shown = html.split("<code>")[1].split("</code>")[0]
    assert shown == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_control_characters_are_shown_never_sent() -> None:
    assert terminal_text("\x1b[2J\x1b]8;;http://x\x07\r") == "\\x1b[2J\\x1b]8;;http://x\\x07\\r"
    assert "\x1b" not in markdown_text("title \x1b[31m") and "\x1b" not in inline_code("a\x1bb")


def test_the_site_uses_the_cores_escaper() -> None:
    assert site_escaping.markdown_text is markdown_text


def test_a_database_url_is_shown_without_its_password() -> None:
    from governance.diagnostics import shown_url

    assert shown_url("postgresql+psycopg://clerk:s3cret@db.local/cases") == (
        "postgresql+psycopg://clerk:***@db.local/cases")
    assert "s3cret" not in shown_url("postgresql://clerk:s3cret@:5432")
    assert shown_url("not a url at all") == "(the --db URL does not parse)"
