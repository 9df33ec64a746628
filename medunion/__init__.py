"""The medunion application: the command line, the demo and the wiring of the layers.

It sits on top of everything: the core (`governance`), the clients of the core (`charter`,
`appraisal`, `lifecycle`) and the public site (`publication`). Nothing imports it.
"""

from __future__ import annotations


def version() -> str:
    """The installed distribution's version (read on demand: importlib.metadata is slow to import)."""
    from importlib import metadata

    try:
        return metadata.version("medunion")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0+unknown"
