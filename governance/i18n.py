"""The program's own words in Chinese or English, and numbers, money and dates as each reads them.

Messages live in gettext catalogs, not in code: the source strings are the English messages, and
`governance/locale/zh_CN/LC_MESSAGES/medunion.po` holds their Chinese. The .po file is read at run
time with Babel (`read_po`, compiled in memory to a `babel.support.Translations`), so no compiled
.mo binary is committed; `make messages` re-extracts the strings and updates the catalog
(docs/reference/languages.md).

There is no "current language": a command chooses one with `choose_language` and passes the
`Translator` (or the language) to whatever renders text. The only state is a cache of the parsed
catalog per language, which never changes once read. Babel is imported inside the functions that
format or translate, so `medunion --help` does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

LANG_ENV = "MEDUNION_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "medunion"


class Language(str, Enum):
    """The languages medunion speaks: Chinese (zh-CN), the users' own, and English."""

    zh = "zh"
    en = "en"


LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
_BABEL_LOCALE = {"zh": "zh_CN", "en": "en_US"}
_ALIASES = {"zh": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "en": "en", "en-us": "en", "en_us": "en",
            "en-gb": "en", "en_gb": "en"}


class UnknownLanguage(ValueError):
    """A language medunion has no catalog for; commands turn it into a usage error (exit 2)."""


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


def normalise_language(value: str, where: str) -> str:
    """`zh` or `en` for a language as a person may write it (zh, zh-CN, zh_CN, en, en-US …)."""
    found = _ALIASES.get(value.strip().lower())
    if found is None:
        raise UnknownLanguage(f"{where}: unknown language {value!r}; choose one of {', '.join(LANGUAGES)}")
    return found


def choose_language(option: str | None, default: str) -> str:
    """The one rule for the language of an output: `--lang`, then $MEDUNION_LANG, then `default`.

    An empty MEDUNION_LANG counts as not set; an unknown value in either place is refused (a
    typo would otherwise silently give the other language).
    """
    if option is not None:
        return normalise_language(option, "--lang")
    from_env = os.environ.get(LANG_ENV, "").strip()
    if from_env:
        return normalise_language(from_env, LANG_ENV)
    return normalise_language(default, "default language")


@dataclass(frozen=True)
class Translator:
    """A language's `gettext`/`ngettext` pair, with the language it speaks."""

    lang: str
    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]


def catalog_path(lang: str) -> Path | None:
    """The .po file of a language (None for English: the source strings are English)."""
    if lang == "en":
        return None
    return LOCALE_DIR / _BABEL_LOCALE[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translator(lang: str) -> Translator:
    """The translator of `lang` (zh or en), its catalog read once per process."""
    lang = normalise_language(lang, "language")
    path = catalog_path(lang)
    if path is None:
        return Translator(lang, _same, _english_plural)
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.support import Translations

    catalog = read_catalog(lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: an unchecked translation falls back to English
    compiled.seek(0)
    translations = Translations(compiled, domain=DOMAIN)
    return Translator(lang, translations.gettext, translations.ngettext)


def read_catalog(lang: str) -> Any:
    """The Babel catalog of `lang`, read from its .po file (English has none: it is the source)."""
    from babel.messages.pofile import read_po

    path = catalog_path(lang)
    if path is None:
        raise UnknownLanguage(f"{lang}: English is the source language and has no catalog")
    with path.open("rb") as po:
        return read_po(po, locale=_BABEL_LOCALE[lang], domain=DOMAIN)


def _same(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


# Numbers, money and dates ------------------------------------------------------------------------

def format_number(value: float | int, lang: str) -> str:
    """A number with its digits grouped as the language groups them (10200.5 → 10,200.5)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_BABEL_LOCALE[lang])


@cache
def _number_symbols(lang: str) -> tuple[str, str, str]:
    """The language's group separator, decimal sign and minus sign from Babel's CLDR data, read
    once: Babel's `format_decimal` parses its locale and pattern on every call (about 0.2 ms),
    too slow for a workbook or report of thousands of cells."""
    from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

    locale = _BABEL_LOCALE[lang]
    return get_group_symbol(locale), get_decimal_symbol(locale), get_minus_sign_symbol(locale)


def localised_digits(text: str, lang: str) -> str:
    """A number Python formatted with "," grouping and "." ("1,234.50", "-3") in the language's
    own symbols: for cells by the thousand, where `format_number` would be slow."""
    group, decimal, minus = _number_symbols(lang)
    if (group, decimal, minus) == (",", ".", "-"):
        return text
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group).replace("-", minus)


def format_money(value: float, lang: str) -> str:
    """Yuan to the fen, rounded half up (四舍五入, `governance.rounding`): 10200 → 10,200.00 元."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    from governance.rounding import round_half_up

    amount = float(value)
    if amount != amount or amount in (float("inf"), float("-inf")):
        return str(amount)
    rounded = Decimal(repr(round_half_up(amount, 2))).quantize(Decimal("0.01"))  # exact: Babel rounds nothing
    text = format_decimal(rounded, format="#,##0.00", locale=_BABEL_LOCALE[lang])
    return f"{text} 元" if lang == "zh" else f"{text} yuan"


def format_date(value: dt.date, lang: str) -> str:
    """A date as the language writes it: 2020年3月31日, or ISO 2020-03-31 in English."""
    if lang != "zh":
        return value.isoformat()
    from babel.dates import format_date as babel_date

    return babel_date(value, format="long", locale=_BABEL_LOCALE[lang])


def format_boolean(value: bool, lang: str) -> str:
    """是/否, or yes/no."""
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def localised_title(title: str, title_zh: str | None, lang: str) -> str:
    """A rule file's label in the language asked for: its Chinese form where the file gives one."""
    return title_zh if lang == "zh" and title_zh else title


def format_any(value: Any, lang: str) -> str:
    """A value of a decision in the language's conventions (booleans, dates, grouped numbers)."""
    if isinstance(value, bool):
        return format_boolean(value, lang)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    if isinstance(value, int | float) and lang == "zh":
        return format_number(value, lang)
    return str(value)
