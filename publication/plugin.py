"""The mkdocs plugin: `mkdocs build` alone publishes whatever is in rules/.

Pages are generated in memory at build time (nothing generated is committed),
and `medunion:<section>` entries of the configured nav are expanded into them,
so the navigation always lists exactly the rule sets that exist.

The rules are found as the command line finds them: the plugin's `rules_dir` option
(relative to mkdocs.yml) when the site's configuration gives one, then the folder
named by $MEDUNION_RULES, then `rules/` beside mkdocs.yml.
"""

from __future__ import annotations

import logging
import os
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
RULES_ENV = "MEDUNION_RULES"


class MedunionPluginConfig(base.Config):
    rules_dir = c.Optional(c.Type(str))


def rules_root(rules_dir: str | None, config_dir: Path) -> Path:
    """The folder of rule files: `rules_dir` (relative to mkdocs.yml), then $MEDUNION_RULES
    (relative to the working directory, as on the command line), then rules/ beside mkdocs.yml."""
    if rules_dir:
        return (config_dir / rules_dir).resolve()
    from_env = os.environ.get(RULES_ENV)
    if from_env:
        return Path(from_env).resolve()
    return (config_dir / "rules").resolve()


class MedunionPlugin(BasePlugin[MedunionPluginConfig]):
    """Generates rule-set, history, diff, appraisal and clause pages from rules/."""

    def __init__(self) -> None:
        self.site: Site | None = None
        self.rules_root: Path | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base_dir = Path(config.config_file_path or ".").resolve().parent
        self.rules_root = rules_root(self.config.rules_dir, base_dir)
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
