"""The templates of the generated pages, and the filters they escape data with.

Pages are Markdown with some HTML in it (mkdocs turns them into HTML). Templates live in
`publication/templates/` and are found through the package (`PackageLoader`), so an
installed wheel has them. Autoescaping is on for every template: a value printed without
a filter is HTML-escaped. Data fields go through one of the filters below, which make
them literal in Markdown as well (see `publication.escaping`).
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from governance.i18n import translator
from publication import anchors, escaping


def _md(text: object) -> Markup:
    """Filter `md`: a data field as literal Markdown text."""
    return Markup(escaping.markdown_text(text))


def _box_title(text: object) -> Markup:
    """Filter `box_title`: a data field inside an admonition's quoted title."""
    return Markup(escaping.admonition_title(text))


def _code(text: object) -> Markup:
    """Filter `code`: a data field as inline code."""
    return Markup(escaping.inline_code(text))


def _zh(text: object) -> Markup:
    """Filter `zh`: a Chinese data field, marked with its language."""
    return Markup(escaping.chinese(text))


def _url(url: object) -> Markup | None:
    """Filter `url`: a link target, or None for a URL that must not be a link."""
    safe = escaping.safe_url(url)
    return None if safe is None else Markup(safe)


def _code_block(text: object, info: str = "", indent: int = 0) -> Markup:
    """Filter `code_block`: a data field shown as written, in a fenced code block."""
    return Markup(escaping.code_block(str(text), info, indent))


def _core_markdown(text: str) -> Markup:
    """Filter `core_markdown`: HTML for Markdown the core wrote (an explanation)."""
    return Markup(escaping.core_markdown_html(text))


def _words(lang: str) -> Any:
    """The templates' `_`: the site's own words in `lang` from the gettext catalog (msgids are
    English). The catalog is the program's own text, so the message is trusted markup; its
    `{fields}` are data and are escaped unless a filter already made them Markup."""
    gettext = translator(lang).gettext

    def words(message: str, **fields: Any) -> Markup:
        return Markup(gettext(message)).format(**fields)

    return words


@cache
def environment(lang: str = "en") -> Environment:
    """The template environment of one language (its `_` speaks it; `lang` is a global too)."""
    env = _build_environment()
    env.globals.update(_=_words(lang), lang=lang)
    return env


def _build_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("publication", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=_md,
        box_title=_box_title,
        code=_code,
        zh=_zh,
        url=_url,
        code_block=_code_block,
        core_markdown=_core_markdown,
    )
    env.globals.update(clause_anchor=anchors.clause_anchor)
    return env


ENVIRONMENT = environment("en")


def render(template: str, lang: str = "en", **context: Any) -> str:
    """The text of `template` (a path under publication/templates/) for the given view data in
    `lang` (zh or en), ending in exactly one newline (templates end sections with a blank line)."""
    return environment(lang).get_template(template).render(**context).rstrip("\n") + "\n"


def nav_title(text: str) -> str:
    """A title for mkdocs' navigation. The theme prints nav titles as HTML, unescaped."""
    return html.escape(" ".join(text.split()), quote=False)
