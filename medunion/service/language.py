"""The language of an API answer: `?lang=zh|en`, then the Accept-Language header, else English.

English is the default so that existing clients read what they always read; a client asking for
Chinese gets each refusal's `msg` in Chinese with the English beside it (`msg_en`), and the decision's
letter (`text`) in Chinese. The JSON explanation carries both languages already (`title_zh`,
`label_zh`, …), whatever is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import HTTPConnection

from governance.diagnostics import Message
from governance.i18n import LANGUAGES, UnknownLanguage, normalise_language, translator

DEFAULT = "en"


def request_language(request: HTTPConnection) -> str:
    """zh or en for a request. An unknown `?lang=` or header falls back to English: an answer in the
    wrong language is better than no answer to a refusal (a bad `lang` is not itself refused)."""
    asked = request.query_params.get("lang")
    if asked:
        try:
            return normalise_language(asked, "lang")
        except UnknownLanguage:
            return DEFAULT
    return accepted_language(request.headers.get("accept-language", ""))


def accepted_language(header: str) -> str:
    """The first language of an Accept-Language header medunion speaks, by the client's q-values
    (`zh-CN,zh;q=0.9,en;q=0.8` → zh; `fr, en;q=0.5` → en; `*` or nothing → en)."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        base = tag.lower()
        found = next((lang for lang in LANGUAGES if base == lang or base.startswith(lang + "-")), None)
        if found is not None and quality > 0:
            ranked.append((-quality, order, found))
    return min(ranked)[2] if ranked else DEFAULT


def shown(message: str, lang: str) -> str:
    """A message of the API in `lang`: a `Message` through its template, a plain text as its own msgid."""
    gettext: Callable[[str], str] = translator(lang).gettext
    return message.text(gettext) if isinstance(message, Message) else gettext(str(message))


def localised_problems(problems: list[dict[str, Any]], lang: str, short: Callable[[str], str]
                       ) -> list[dict[str, Any]]:
    """The problems of a refusal with `msg` in `lang`, and the English as `msg_en` where it differs."""
    found = []
    for item in problems:
        english = short(str(item["msg"]))
        message = short(shown(item["msg"], lang))
        found.append({**item, "msg": message, **({"msg_en": english} if message != english else {})})
    return found
