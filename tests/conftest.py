"""Shared test settings.

The terminal commands speak Chinese unless told otherwise; most tests read their English
(messages, summary lines), so every test runs with MEDUNION_LANG=en unless it sets or removes it
itself (the tests of the default language do).

Under CI (the `CI` environment variable is set) hypothesis runs derandomized: the same
generated examples on every run, so a red build always reproduces and a green one does not
depend on luck. Locally it explores new examples on every run and keeps failures in
.hypothesis/ to replay them.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

pytest_plugins = ["fixtures.postgres"]

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _english_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """English on the terminal for the tests that read English lines (see the module's docstring)."""
    monkeypatch.setenv("MEDUNION_LANG", "en")
