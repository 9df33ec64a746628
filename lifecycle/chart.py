"""A lifecycle reduced to the statechart the engine runs: names of states, events and transitions.

The engine sees no guards, clauses or data, only names in priority (file) order, so that
the statechart it compiles decides among transitions exactly as the format promises.
"""

from __future__ import annotations

from lifecycle.engine import ChartSpec, ChartTransition
from lifecycle.model import Lifecycle, Transition


def chart_name(lifecycle: Lifecycle) -> str:
    """The chart's name: one per lifecycle version, as a version may add states or transitions."""
    return f"{lifecycle.id}@{lifecycle.version}"


def chart_id(transition: Transition) -> str:
    """A transition's id in the engine: unique even when one declaration has several `from`."""
    return f"{transition.id}/{transition.source}"


def chart_spec(lifecycle: Lifecycle) -> ChartSpec:
    """The statechart of a lifecycle; transitions keep their file order, which is their priority."""
    return ChartSpec(
        name=chart_name(lifecycle),
        states=tuple(lifecycle.states),
        transitions=tuple(ChartTransition(chart_id(t), t.source, t.event, t.target)
                          for t in lifecycle.transitions),
    )

