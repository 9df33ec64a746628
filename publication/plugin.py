"""The mkdocs plugin: `mkdocs build` alone publishes whatever is in rules/.

Pages are generated in memory at build time (nothing generated is committed),
and `medunion:<section>` entries of the configured nav are expanded into them,
so the navigation always lists exactly the rule sets that exist.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from governance.diagnostics import MedunionError
from publication.site import NAV_PREFIX, Site, collect_site, expand_nav

log = logging.getLogger("mkdocs.plugins.medunion")


class MedunionPluginConfig(base.Config):
    rules_dir = c.Type(str, default="rules")


class MedunionPlugin(BasePlugin[MedunionPluginConfig]):
    """Generates rule-set, history, diff, appraisal and clause pages from rules/."""

    def __init__(self) -> None:
        self.site: Site | None = None
        self.rules_root: Path | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base_dir = Path(config.config_file_path or ".").resolve().parent
        self.rules_root = (base_dir / self.config.rules_dir).resolve()
        try:
            coverage = Path(config.docs_dir, "coverage.md").is_file()
            self.site = collect_site(
                self.rules_root, coverage_notes="coverage.md" if coverage else None
            )
        except MedunionError as exc:
            raise PluginError(f"medunion: the rules could not be loaded:\n{exc}") from exc
        if config.nav is not None:
            config.nav = expand_nav(config.nav, self.site.sections)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.site is not None, "on_config runs before on_files"
        for page in self.site.pages:
            if files.get_file_from_path(page.src_uri) is not None:
                raise PluginError(
                    f"medunion: docs/{page.src_uri} exists but is generated from rules/; "
                    "remove the file (generated pages are never committed)"
                )
            files.append(File.generated(config, page.src_uri, content=page.content))
        log.info("medunion: generated %d pages from %s", len(self.site.pages), self.rules_root)
        return files

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a rule changes, not only when docs/ does."""
        if self.rules_root is not None and self.rules_root.is_dir():
            server.watch(str(self.rules_root))
        return server


__all__ = ["NAV_PREFIX", "MedunionPlugin"]
