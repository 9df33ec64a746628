"""Charts draw Chinese with a CJK font, never with a fallback that shows boxes (issue 12)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from matplotlib import font_manager

from appraisal import fonts
from appraisal.pipeline import appraise_frame
from appraisal.report_html import _charts, charts
from appraisal.scheme import resolve_scheme
from publication.charts import weights_chart_svg

ROOT = Path(__file__).resolve().parents[1]
CHINESE = "政和县湟中县卫生院双向转诊医保基金考核得分"
NO_CJK_FONT = "no Chinese font installed (run `make fonts`, i.e. apt-get install fonts-noto-cjk): skipped"
needs_cjk = pytest.mark.skipif(fonts.cjk_family() is None, reason=NO_CJK_FONT)


def _chinese_appraisal():
    scheme = resolve_scheme("county-monitoring", 2019, ROOT / "rules" / "appraisal")
    rows = pd.DataFrame({
        "unit_id": ["zhenghe", "huangzhong", "ws01"], "unit_name": ["政和县", "湟中县", "石屯镇中心卫生院"],
        "year": [2019] * 3,
        "county_inpatient_rate": [85.0, 80.0, 70.0], "county_visit_rate": [90.0, 90.5, 88.0],
        "primary_outpatient_share": [60.0, 62.5, 55.0], "fund_in_county_share": [80.0, 80.0, 75.0],
        "primary_fund_share": [25.0, 25.0, 20.0],
    })
    app, _ = appraise_frame(scheme, rows, 2019)
    return app


@contextlib.contextmanager
def _glyph_warnings_are_errors() -> Iterator[None]:
    """matplotlib warns 'Glyph 21355 (...) missing from font(s) DejaVu Sans' for each box it draws."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")
        yield


@needs_cjk
def test_the_chosen_font_has_every_chinese_glyph() -> None:
    from fontTools.ttLib import TTCollection, TTFont

    family = fonts.chart_fonts()[0]
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    faces = TTCollection(path).fonts if path.lower().endswith((".ttc", ".otc")) else [TTFont(path)]
    face = next((f for f in faces if f["name"].getBestFamilyName() == family), faces[0])
    cmap = face.getBestCmap()
    assert [ch for ch in CHINESE if ord(ch) not in cmap] == []
    assert "DejaVu" not in Path(path).name


@needs_cjk
def test_the_report_charts_draw_chinese_unit_names_without_a_missing_glyph() -> None:
    app = _chinese_appraisal()
    assert "石屯镇中心卫生院" in set(app.results["unit_name"])
    with _glyph_warnings_are_errors():
        drawn = charts(app)
    assert set(drawn) == {"distribution", "dimensions"} and all(drawn.values())


@needs_cjk
def test_the_site_chart_names_the_cjk_font_first_and_misses_no_glyph() -> None:
    with _glyph_warnings_are_errors():
        svg = weights_chart_svg(["下转患者人次", "转诊档案完整率"], [15.0, 10.0], ["双向转诊", "双向转诊"],
                                title="各指标分值")
    assert f"font-family: '{fonts.cjk_family()}', 'DejaVu Sans'" in svg
    assert "下转患者人次" in svg  # text stays text in the SVG


def test_the_glyph_check_fails_on_a_chart_drawn_in_dejavu_sans() -> None:
    """The control: the same charts drawn in matplotlib's default font do draw boxes, and the
    warning the tests above turn into errors is there."""
    import matplotlib

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _charts(_chinese_appraisal())
    assert any("missing from font(s) DejaVu Sans" in str(w.message) for w in seen)


def test_without_a_cjk_font_one_warning_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback is DejaVu Sans alone: one warning naming the package, not one per character,
    and none about a font family that is not there."""
    monkeypatch.setattr(fonts, "cjk_family", lambda: None)
    assert fonts.chart_fonts() == ["DejaVu Sans"]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        drawn = charts(_chinese_appraisal())
        weights_chart_svg(["下转患者人次"], [15.0])
    assert all(drawn.values())
    assert [str(w.message) for w in seen] == [fonts.NO_CJK_FONT] * 2
    assert "fonts-noto-cjk" in fonts.NO_CJK_FONT


def test_the_chart_rc_changes_no_global_setting() -> None:
    import matplotlib

    before = list(matplotlib.rcParams["font.family"])
    charts(_chinese_appraisal())
    weights_chart_svg(["转诊"], [1.0])
    assert list(matplotlib.rcParams["font.family"]) == before


@pytest.mark.parametrize(
    ("installed", "chosen"),
    [
        ({"DejaVu Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Serif CJK SC"}, "Noto Sans CJK SC"),
        ({"DejaVu Sans", "WenQuanYi Zen Hei", "Noto Serif CJK SC"}, "WenQuanYi Zen Hei"),
        ({"DejaVu Sans", "Noto Sans Mono CJK SC", "Source Han Sans K"}, "Source Han Sans K"),
        ({"DejaVu Sans", "Noto Sans Mono CJK SC"}, "Noto Sans Mono CJK SC"),
        ({"DejaVu Sans", "Liberation Serif"}, None),
    ],
)
def test_simplified_chinese_sans_serif_is_preferred(installed: set[str], chosen: str | None) -> None:
    assert fonts._pick(installed) == chosen


@needs_cjk
def test_a_font_installed_after_matplotlib_cached_its_font_list_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test` may install fonts-noto-cjk after matplotlib has cached a list without it."""
    import copy

    stale = copy.copy(font_manager.fontManager)
    stale.ttflist = [f for f in font_manager.fontManager.ttflist if fonts._pick({f.name}) is None]
    assert fonts._pick({f.name for f in stale.ttflist}) is None
    monkeypatch.setattr(font_manager, "fontManager", stale)
    assert fonts.cjk_family.__wrapped__() == fonts.cjk_family()


def _texts(fig) -> list:
    """Every text a figure draws: titles, axis labels, tick labels, legend entries and annotations."""
    found = []
    for ax in fig.axes:
        found += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_yticklabels(), *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            found += legend.get_texts()
    return [t for t in found if t.get_text().strip()]


@needs_cjk
def test_the_report_charts_speak_chinese_in_the_cjk_font() -> None:
    """Titles, axes, legend (the dimensions' title_zh), grade names and unit names are Chinese, and
    each is drawn with the CJK font's file, not a fallback (issue 12)."""
    from appraisal.report_html import chart_figures

    app = _chinese_appraisal()
    cjk_file = font_manager.findfont(font_manager.FontProperties(family=fonts.cjk_family()),
                                     fallback_to_default=False)
    with fonts.chart_context(), _glyph_warnings_are_errors():
        figures = chart_figures(app, "zh")
        try:
            dist, dims = figures["distribution"].axes[0], figures["dimensions"].axes[0]
            assert (dist.get_title(), dist.get_xlabel(), dist.get_ylabel()) == ("2019年总分分布", "总分", "单位数")
            assert [t.get_text().strip() for t in dist.texts] == ["优秀", "良好", "合格"]  # the band lines
            assert dims.get_title() == "各维度得分" and dims.get_xlabel() == "得分"
            assert [t.get_text() for t in dims.get_legend().get_texts()] == ["有序就医格局", "医保基金使用效率"]
            assert {t.get_text() for t in dims.get_yticklabels()} == {"政和县", "湟中县", "石屯镇中心卫生院"}
            for fig in figures.values():
                for text in _texts(fig):
                    used = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
                    assert used == cjk_file, (text.get_text(), used)
                fig.canvas.draw()  # drawn: a missing glyph would warn, and the warning is an error here
        finally:
            import matplotlib.pyplot as plt

            for fig in figures.values():
                plt.close(fig)


def test_the_report_charts_in_english() -> None:
    import matplotlib.pyplot as plt

    from appraisal.report_html import chart_figures

    figures = chart_figures(_chinese_appraisal(), "en")
    try:
        dist, dims = figures["distribution"].axes[0], figures["dimensions"].axes[0]
        assert (dist.get_title(), dist.get_xlabel()) == ("Distribution of totals, 2019", "total points")
        assert [t.get_text() for t in dims.get_legend().get_texts()] == [
            "Orderly care-seeking", "Efficiency of the insurance fund"]
    finally:
        for fig in figures.values():
            plt.close(fig)
