"""Which font a chart draws Chinese with: an installed CJK font first, DejaVu Sans after it.

Unit names, dimension titles and grades are Chinese; matplotlib's own font (DejaVu Sans) has
no Chinese glyphs and draws them as empty boxes. The set-up installs Debian's
`fonts-noto-cjk` (`make fonts`); this module finds it, or another CJK font, through
matplotlib's font manager. Charts are drawn inside `chart_context()` (a `matplotlib.rc_context`),
so nothing global is changed. Without a CJK font the list is DejaVu Sans alone, and a chart
gives one warning saying what to install instead of one per missing glyph; Chinese text
still shows (as boxes) rather than failing the run.
"""

from __future__ import annotations

import contextlib
import functools
import re
import warnings
from collections.abc import Iterator
from typing import Any

FALLBACK = "DejaVu Sans"
"""matplotlib's bundled font: always present, Latin, Greek and Cyrillic only."""

PREFERRED = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Serif SC",
    "Source Han Serif CN", "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK JP",
    "Noto Sans CJK KR", "Droid Sans Fallback",
)
"""Families in order of preference: simplified-Chinese sans-serif forms first (the glyph shapes
readers in Zhenghe and Huangzhong expect), then serif, then the other regions' forms of the
same characters."""

_CJK_NAME = re.compile(r"CJK|Source Han|WenQuanYi|Droid Sans Fallback|Noto (Sans|Serif) SC", re.IGNORECASE)
_CJK_FILE = re.compile(r"cjk|sourcehan|wqy|wenquanyi|droidsansfallback|notosanssc|notoserifsc", re.IGNORECASE)
_MONO = re.compile(r"\bMono\b", re.IGNORECASE)


def _families() -> set[str]:
    from matplotlib import font_manager

    return {entry.name for entry in font_manager.fontManager.ttflist}


def _pick(families: set[str]) -> str | None:
    """The most preferred CJK family among `families`; a proportional one before a monospace one."""
    for name in PREFERRED:
        if name in families:
            return name
    others = sorted(f for f in families if _CJK_NAME.search(f))
    return next((f for f in others if not _MONO.search(f)), others[0] if others else None)


def _add_system_cjk_fonts() -> None:
    """Register the system's CJK font files with matplotlib's font manager.

    matplotlib caches its font list on first use; a font installed afterwards (as `make test`
    does on a fresh machine after `make setup`) is not in that cache until it is rebuilt.
    """
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if _CJK_FILE.search(path.replace("-", "").replace("_", "")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable font file is not a chart's problem
                continue


@functools.lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None when there is none."""
    found = _pick(_families())
    if found is None:
        _add_system_cjk_fonts()
        found = _pick(_families())
    return found


def chart_fonts() -> list[str]:
    """The font family list of a chart: the CJK font first, DejaVu Sans for anything it lacks."""
    cjk = cjk_family()
    return [cjk, FALLBACK] if cjk else [FALLBACK]


def chart_rc() -> dict[str, Any]:
    """rc settings for `matplotlib.rc_context` around a chart's drawing and saving."""
    return {"font.family": chart_fonts()}


NO_CJK_FONT = ("no Chinese (CJK) font is installed: Chinese text in charts is drawn as empty boxes; "
               "install one (`make fonts`, i.e. apt-get install fonts-noto-cjk)")


@contextlib.contextmanager
def chart_context() -> Iterator[None]:
    """Draw and save a chart inside this: the CJK font first; without one, a single warning
    (NO_CJK_FONT) in place of matplotlib's 'Glyph … missing from font(s) DejaVu Sans' per character."""
    import matplotlib

    with matplotlib.rc_context(chart_rc()):
        if cjk_family() is not None:
            yield
            return
        warnings.warn(NO_CJK_FONT, UserWarning, stacklevel=3)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
            yield
