"""What a submitted event came to: applied, duplicate, refused or conflict, with the reason and the guards.

Kept apart from the runner so that every stage can refuse (`Refused`) without importing the
runner, and callers (the command line, the appraisal feed) read one plain dataclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the checker imports refusals without loading the database layer
    from lifecycle.store import HistoryEntry


@dataclass
class Outcome:
    """What happened to one submitted event."""

    status: str  # applied | duplicate | refused | conflict (an event id re-used with other content)
    case_id: str
    event: str
    event_id: str
    from_state: str | None = None
    to_state: str | None = None
    transition: str | None = None
    reason: str | None = None
    entry: HistoryEntry | None = None
    guards: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[Outcome] = field(default_factory=list)  # deadline events applied (or refused) first

    @property
    def applied(self) -> bool:
        return self.status == "applied"


class Refused(Exception):
    """The event cannot be applied; the message says why and `guards` shows what was evaluated.

    Raised by any stage before the store is written, so a refusal never changes anything.
    """

    def __init__(self, reason: str, guards: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(reason)
        self.reason = reason  # a catalog `Message` where it is one: English text, shown in the reader's language
        self.guards = list(guards)
