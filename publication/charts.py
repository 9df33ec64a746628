"""Charts for the site, drawn at build time as SVG (no network, no JavaScript)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a build machine

import matplotlib.pyplot as plt  # after use("Agg"): the backend must be chosen first

from appraisal.fonts import chart_context


def weights_chart_svg(
    labels: Sequence[str],
    weights: Sequence[float],
    groups: Sequence[str] | None = None,
    title: str = "Indicator weights",
) -> str:
    """A horizontal bar per indicator, coloured by dimension, as a standalone SVG document.

    Labels may be Chinese: the chart's fonts come from `appraisal.fonts` (an installed CJK
    font first, DejaVu Sans after it), and the SVG names the same families for the browser.
    The output is deterministic (same input, same bytes), so a rebuild does not churn the
    site (on the same machine: the font list is part of the bytes).
    """
    if len(labels) != len(weights):
        raise ValueError("one weight per label")
    if groups is not None and len(groups) != len(labels):
        raise ValueError("one group per label")
    group_names = list(dict.fromkeys(groups)) if groups is not None else []
    palette = plt.get_cmap("tab10")
    colours = [
        palette(group_names.index(g) % 10) if groups is not None else palette(0)
        for g in (groups or [""] * len(labels))
    ]
    legend_rows = -(-len(group_names) // 3) if group_names else 0
    height = max(2.0, 0.42 * len(labels) + 1.2 + 0.3 * legend_rows)
    # text stays text (fonttype none): readable by screen readers and findable in the page
    with chart_context(), plt.rc_context({"svg.hashsalt": "medunion", "svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(8, height))
        try:
            positions = list(range(len(labels)))[::-1]
            bars = ax.barh(positions, weights, color=colours)
            ax.set_yticks(positions, labels=list(labels))
            ax.bar_label(bars, labels=[_number(w) for w in weights], padding=3, fontsize=8)
            ax.set_xlabel("weight (points)")
            ax.set_title(title)
            ax.margins(x=0.12)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            if group_names:
                handles = [
                    plt.Rectangle((0, 0), 1, 1, color=palette(i % 10))
                    for i in range(len(group_names))
                ]
                ax.legend(
                    handles,
                    group_names,
                    loc="upper center",
                    bbox_to_anchor=(0.5, -0.1 - 0.5 / height),
                    ncol=min(len(group_names), 3),
                    fontsize=8,
                    frameon=False,
                )
            fig.tight_layout()
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        finally:
            plt.close(fig)
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{value:g}"
