"""Output folders that are replaced whole or not at all.

A run writes into a fresh folder beside the target (same file system, so renames are
atomic) and renames it into place only when every file is written. A crash leaves the
previous run's folder as it was and removes its own half-written folder; an officer never
finds files of two runs mixed in one folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from governance.diagnostics import MedunionError, error


def _beside(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{uuid.uuid4().hex[:12]}"


@contextmanager
def replacing_folder(target: Path, recognised: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """Yield an empty folder to write into; on a clean exit it becomes `target`.

    An existing `target` is replaced as a whole: renamed aside, the new folder renamed in,
    the old one deleted. Only a folder that is empty or that `recognised` accepts (an earlier
    run's output) is replaced, so `--out` pointed at a folder of other files deletes nothing.
    """
    target = Path(os.path.abspath(target))
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise MedunionError(error(f"{target} exists and is not a folder: choose another output folder"))
        if any(target.iterdir()) and not (recognised and recognised(target)):
            raise MedunionError(error(
                f"{target} holds files that are not an earlier appraisal's output: the output folder "
                "is replaced as a whole, so choose a new or empty folder"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = _beside(target, "partial")
    fresh.mkdir()  # honours the umask, unlike tempfile.mkdtemp's 0700
    try:
        yield fresh
        _swap_in(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _swap_in(fresh: Path, target: Path) -> None:
    """Rename `fresh` to `target`, replacing an existing `target` folder; undo on failure."""
    if not target.exists():
        os.rename(fresh, target)
        return
    old = _beside(target, "old")
    os.rename(target, old)
    try:
        os.rename(fresh, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
