"""Text from rule files made literal on pages that are Markdown first and HTML after.

A rule file's titles, source sentences, notes and values pass through mkdocs' Markdown
and then reach the reader's browser as HTML. Every function here makes such text
literal in both languages, so that no rule file can add a tag, an attribute or a link
to the public site. The templates apply them (as Jinja filters, see `publication.render`)
to every data field; Jinja's autoescaping is the net under them: a field left unfiltered
is HTML-escaped, never live.

The functions return plain `str`; `publication.render` marks their results safe for Jinja.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import markdown

from governance.escaping import MARKDOWN_SPECIALS, backslash_specials, markdown_text

__all__ = ["MARKDOWN_SPECIALS", "admonition_title", "chinese", "code_block", "core_markdown_html", "inline_code",
           "markdown_text", "safe_url"]

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")  # browsers skip these when reading a scheme
_URL_SAFE = "/:?#@!$&+,;=%~-._*"  # kept as is in a link target; everything else is %-encoded


def admonition_title(text: object) -> str:
    """Text for an admonition's quoted title: literal, with no double quote to end it early."""
    return markdown_text(text).replace('"', "'")


def inline_code(text: object) -> str:
    """Inline code. Markdown escapes a code span's content itself; text that would end the span
    (a backtick), split a table cell (`|`) or a paragraph (a line break) is written as HTML."""
    value = str(text)
    if any(char in value for char in "`|\r\n"):
        flat = " ".join(value.splitlines())
        return f"<code>{html.escape(backslash_specials(flat))}</code>"
    return f"`{value}`"


def chinese(text: object) -> str:
    """A Chinese label, marked as such so browsers and screen readers treat it right."""
    if not text:
        return ""
    value = " ".join(str(text).split())
    return f'<span lang="zh-Hans">{html.escape(backslash_specials(value))}</span>'


def safe_url(url: object) -> str | None:
    """The link target for a URL from a rule file, or None when it must not be a link.

    Only http, https, mailto and relative URLs are links; `javascript:`, `data:` and any
    other scheme are not (the caller shows the text instead). Characters that could end
    a Markdown link target or an HTML attribute are %-encoded.
    """
    text = html.unescape(str(url)).strip()
    if not text:
        return None
    compact = _IGNORED_IN_SCHEME.sub("", text)
    match = _SCHEME.match(compact)
    if match is not None:
        if match.group(1).lower() not in ALLOWED_SCHEMES:
            return None
    elif ":" in re.split(r"[/?#]", compact, maxsplit=1)[0]:
        return None  # a colon before the first slash would be read as a scheme by some browser
    return quote(text, safe=_URL_SAFE)


def code_block(text: str, info: str = "", indent: int = 0) -> str:
    """A fenced code block showing `text` as written, indented by `indent` spaces (inside an
    admonition). Its fence is longer than any run of backticks in the text and every line
    is indented, so no line of the text can end the block or leave the admonition."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    pad = " " * indent
    return "\n".join(pad + line for line in [fence + info, *text.splitlines(), fence])


# Markdown written by the core (`governance.explain.render_markdown`) escapes the rule files' and
# cases' text itself (`governance.escaping`). It is converted here with raw HTML and links switched
# off as well, a second net: tables, lists, code, emphasis and admonitions work, nothing else.
_NO_RAW_HTML = ("html_block",)
_NO_LINKS_OR_HTML = (
    "html",
    "reference",
    "link",
    "image_link",
    "image_reference",
    "short_reference",
    "short_image_ref",
    "autolink",
    "automail",
)


def core_markdown_html(text: str) -> str:
    """HTML for Markdown the core wrote, in which no tag or link can come from the data."""
    converter = markdown.Markdown(extensions=["tables", "admonition"])
    for name in _NO_RAW_HTML:
        converter.preprocessors.deregister(name)
    for name in _NO_LINKS_OR_HTML:
        converter.inlinePatterns.deregister(name)
    converter.parser.blockprocessors.deregister("reference")
    return converter.convert(text)
