"""Shared test settings.

Under CI (the `CI` environment variable is set) hypothesis runs derandomized: the same
generated examples on every run, so a red build always reproduces and a green one does not
depend on luck. Locally it explores new examples on every run and keeps failures in
.hypothesis/ to replay them.
"""

from __future__ import annotations

import os

from hypothesis import settings

pytest_plugins = ["fixtures.postgres"]

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
