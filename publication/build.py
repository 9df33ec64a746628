"""Build or serve the doc site from Python, for the CLI and `make demo`."""

from __future__ import annotations

from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_FILE = REPO_ROOT / "mkdocs.yml"


def build_site(
    out_dir: Path | str = REPO_ROOT / "site",
    *,
    strict: bool = True,
    config_file: Path | str = CONFIG_FILE,
) -> Path:
    """Build the site into `out_dir` and return its absolute path.

    Strict by default: a broken link or a missing page is an error, not a warning,
    so what is published has been checked. Raises mkdocs' Abort on failure.
    """
    site_dir = Path(out_dir).resolve()
    config = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=strict)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    return site_dir


def serve_site(
    host: str = "127.0.0.1", port: int = 8000, *, config_file: Path | str = CONFIG_FILE
) -> None:
    """Serve the site with live reload (the plugin also watches rules/); blocks until Ctrl-C."""
    from mkdocs.commands.serve import serve

    serve(config_file=str(config_file), dev_addr=f"{host}:{port}", open_in_browser=False)
