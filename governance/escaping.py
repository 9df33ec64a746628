"""Text from rule files and cases made literal where it is shown: in Markdown, on a terminal and in spreadsheets.

A rule set's titles, source sentences and notes, and a case's values, are data: whoever wrote
them must not be able to add a tag, a link or emphasis to an explanation, nor move the cursor
or recolour a terminal. Every renderer of the core passes such text through these functions
(the public site reuses `markdown_text`, so there is one escaper).
"""

from __future__ import annotations

import html
import re

MARKDOWN_SPECIALS = "\\`*_[]{}|#"
"""Characters that change the meaning of Markdown text: escapes, code, emphasis, links,
attribute lists (`{: onclick=...}`), table cells and headings."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def backslash_specials(text: str) -> str:
    """Every Markdown-significant character preceded by a backslash (shown as itself)."""
    for char in MARKDOWN_SPECIALS:
        text = text.replace(char, "\\" + char)
    return text


def markdown_text(text: object) -> str:
    """Text shown literally in Markdown, on one line: `<`, `>`, `&` become HTML entities (no tag
    and no `<http://…>` link), Markdown's special characters are backslash-escaped (no emphasis,
    no `[text](url)` link, no table cell break) and control characters are written as escapes
    (Markdown is often read on a terminal). Plain words come out unchanged."""
    value = terminal_text(" ".join(str(text).split()))
    return backslash_specials(html.escape(value, quote=False))


def inline_code(text: object) -> str:
    """A Markdown code span showing `text` exactly, on one line: its fence is a run of backticks
    longer than any inside the text, so a backtick in the data cannot end it (Markdown shows `<`
    and `&` in code literally by itself)."""
    value = terminal_text(" ".join(str(text).splitlines()))
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    if longest == 0:
        return f"`{value}`"
    fence = "`" * (longest + 1)
    return f"{fence} {value} {fence}"


def terminal_text(text: object) -> str:
    """Text for a terminal: control characters (escape sequences, carriage returns, line breaks
    inside one value) shown as Python escapes (`\\x1b`, `\\r`, `\\n`), never acted on."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], str(text))


SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutral_text(text: str) -> str:
    """`text`, with a leading `'` when a spreadsheet would read it as a formula (OWASP's CSV
    injection rule: `=`, `+`, `-`, `@`, tab, carriage return), unless it is only a number. The one
    rule every writer of CSV and workbooks uses."""
    if text.startswith(SPREADSHEET_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
