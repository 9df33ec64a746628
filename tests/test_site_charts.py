"""The weights chart of an appraisal page: a standalone SVG, the same for the same scheme."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from publication.charts import weights_chart_svg

LABELS = ["Downward referrals", "Referral files", "Outpatient visits"]
WEIGHTS = [15.0, 15.0, 25.0]
GROUPS = ["Two-way referral", "Two-way referral", "Service quantity"]


def test_the_chart_is_svg_and_names_every_dimension() -> None:
    svg = weights_chart_svg(LABELS, WEIGHTS, GROUPS)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = {"".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("text")}
    assert set(LABELS) <= texts
    assert {"Two-way referral", "Service quantity"} <= texts
    assert {"15", "25"} <= texts


def test_the_same_scheme_gives_the_same_bytes() -> None:
    assert weights_chart_svg(LABELS, WEIGHTS, GROUPS) == weights_chart_svg(LABELS, WEIGHTS, GROUPS)
    assert weights_chart_svg(LABELS, WEIGHTS, GROUPS) != weights_chart_svg(
        LABELS, [15.0, 15.0, 20.0], GROUPS
    )


@pytest.mark.parametrize(
    ("labels", "weights", "groups"),
    [(LABELS, WEIGHTS[:2], GROUPS), (LABELS, WEIGHTS, GROUPS[:1])],
)
def test_mismatched_lengths_are_refused(
    labels: list[str], weights: list[float], groups: list[str]
) -> None:
    with pytest.raises(ValueError, match="one"):
        weights_chart_svg(labels, weights, groups)
