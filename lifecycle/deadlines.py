"""When a deadline has passed, and the deadline event that says so: one definition for `tick` and `submit`.

Plain date rules with no imports from the package, so the store can select with them. A
deadline is the last day in time. `tick --on D` applies it when D is after it, and so does
every event dated D before it is applied; the store's `due` query selects with the same
function, so the three can never disagree about the deadline day itself.
"""

from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def latest_passed(on: dt.date) -> dt.date:
    """The latest deadline that has passed on `on`: the day before (the deadline day is still in time)."""
    return on - ONE_DAY


def has_passed(deadline: dt.date | None, on: dt.date) -> bool:
    """Whether `deadline` has passed on `on`, so that its event is applied before anything dated `on`."""
    return deadline is not None and deadline <= latest_passed(on)


def deadline_event_date(deadline: dt.date) -> dt.date:
    """The date the deadline event carries: the first day late, the day after the deadline."""
    return deadline + ONE_DAY


def deadline_event_id(case_id: str, state: str, deadline: dt.date) -> str:
    """The id of a deadline's event: naming case, state and deadline, it is applied once however often due."""
    return f"deadline:{case_id}:{state}:{deadline.isoformat()}"
