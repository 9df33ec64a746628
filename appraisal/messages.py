"""Notes and rejection reasons that can be shown in either language.

A run's notes ("20 row(s) of other years were not part of 2019") and its rejected rows' reasons
("negative count") are read by code as plain English strings: joined, written to JSON and CSV,
compared in tests. `Message` (the core's, `governance.diagnostics.Message`) is such a string that
also remembers its catalog template and the values filled into it, so whatever shows it to a
person can show it in Chinese (`Message.text(gettext)`), as the core does for refusals. Values inside braces
(column names, row numbers, the officer's own text) are never translated, except a value that is
itself a `Message` ("unknown unit: {outside}" with outside "not a unit of X"), translated in turn.
"""

from __future__ import annotations

from collections.abc import Iterable

from governance.diagnostics import Message
from governance.i18n import translator

__all__ = ["Message", "shown", "shown_all"]


def shown(text: object, lang: str) -> str:
    """A note or reason in `lang`: a `Message` translated, any other text as it is."""
    if isinstance(text, Message):
        return text.text(translator(lang).gettext)
    return "" if text is None else str(text)


def shown_all(texts: Iterable[object], lang: str) -> list[str]:
    """Many notes or reasons in `lang`, each distinct one translated once."""
    done: dict[object, str] = {}
    out = []
    for text in texts:
        key = (text.template, text.args) if isinstance(text, Message) else text
        try:
            if key not in done:
                done[key] = shown(text, lang)
            out.append(done[key])
        except TypeError:  # an argument that cannot be hashed: translate it on its own
            out.append(shown(text, lang))
    return out
