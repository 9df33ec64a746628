"""Lifecycle files → checked model: safe YAML, the schema and guards (`build`), then the semantic checks.

Loading refuses a file with any error, so a runner never sees a lifecycle that could strand
a case; `medunion check` reports the same findings without refusing (`check_lifecycle_file`).
"""

from __future__ import annotations

from pathlib import Path

from governance.diagnostics import MedunionError, error
from governance.i18n import N_
from governance.load import kind_of, yaml_files
from governance.source import load_yaml
from lifecycle.build import build_lifecycle
from lifecycle.check import check_lifecycle
from lifecycle.model import Lifecycle


def load_lifecycle(path: str | Path) -> Lifecycle:
    """Load and check one lifecycle file; any error raises MedunionError with all of them."""
    doc = load_yaml(path)
    lifecycle, found = build_lifecycle(doc)
    if lifecycle is not None:
        found = found + check_lifecycle(lifecycle)
    errors = [d for d in found if d.severity == "error"]
    if errors or lifecycle is None:
        raise MedunionError(errors)
    return lifecycle


def lifecycle_files(root: str | Path) -> list[Path]:
    """Every `kind: lifecycle` file under a folder (by default rules/lifecycles/).

    The kind is read from the parsed YAML, exactly as `medunion check` reads it, so a file
    that check treats as a lifecycle (`kind: lifecycle  # note`, `kind: "lifecycle"`) is one
    here too; a file that does not parse raises rather than being skipped unseen.
    """
    root = Path(root)
    files = yaml_files([root]) if root.is_dir() else [root]
    return [p for p in files if kind_of(load_yaml(p)) == "lifecycle"]


def find_lifecycle(reference: str | Path, root: str | Path = "rules/lifecycles") -> Lifecycle:
    """A lifecycle by file path or by id under `root`."""
    path = Path(reference)
    if path.is_file():
        return load_lifecycle(path)
    known = []
    for candidate in lifecycle_files(root):
        doc = load_yaml(candidate)
        if doc.data.get("id") == str(reference):
            return load_lifecycle(candidate)
        known.append(str(doc.data.get("id")))
    raise MedunionError(error(N_("no lifecycle '{reference}' under {root}/ (known: {known})"), reference=reference,
                              root=root, known=", ".join(known) or "none"))
