"""The medunion application: the command line, the demo and the wiring of the layers.

It sits on top of everything: the core (`governance`), the clients of the core (`charter`,
`appraisal`, `lifecycle`) and the public site (`publication`). Nothing imports it.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("medunion")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
