"""The mkdocs plugin: `mkdocs build` alone publishes whatever is in rules/.

Pages are generated in memory at build time (nothing generated is committed),
and `medunion:<section>` entries of the configured nav are expanded into them,
so the navigation always lists exactly the rule sets that exist.

The site speaks Chinese by default with English beside it (mkdocs-static-i18n, configured in
mkdocs.yml). The i18n plugin builds the site once per language; each build, this plugin renders
every generated page in that build's language and puts it where the i18n plugin puts that
language's pages (the site root for the default language, `en/` for English), with the
alternates Material's language switch needs to lead to the same page in the other language.
The i18n plugin cannot take generated pages itself (it re-reads every page from docs/), so
these are added after its `on_files`, at a lower priority; nav is expanded after its
`on_config`, which sets each language's own nav.

The rules are found as the command line finds them: the plugin's `rules_dir` option
(relative to mkdocs.yml) when the site's configuration gives one, then the folder
named by $MEDUNION_RULES, then `rules/` beside mkdocs.yml.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from governance.diagnostics import MedunionError
from governance.i18n import UnknownLanguage, normalise_language
from publication.site import NAV_PREFIX, Site, collect_site, expand_nav

log = logging.getLogger("mkdocs.plugins.medunion")
RULES_ENV = "MEDUNION_RULES"
BROWSE_MARKER = "<!-- medunion:browse -->"  # on the home page: replaced by the counties and topics
AFTER_I18N = -110  # mkdocs-static-i18n runs its on_config and on_files at priority -100


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


@dataclass(frozen=True)
class Languages:
    """The language of the build under way, and the folder each language's pages go in."""

    current: str
    folders: dict[str, str]  # language → "" (the default, at the root) or "en/"

    @property
    def folder(self) -> str:
        return self.folders[self.current]


def site_languages(config: MkDocsConfig) -> Languages:
    """From the i18n plugin when the site has one (the language it is building), else the
    theme's language alone (a site of one language, e.g. a small test site)."""
    i18n = config.plugins.get("i18n")
    if i18n is not None and getattr(i18n, "current_language", None):
        folders = {
            _language(lang): "" if lang == i18n.default_language else f"{lang}/"
            for lang in i18n.build_languages
        }
        return Languages(_language(i18n.current_language), folders)
    lang = _language(str(config.theme.get("language") or "en"))
    return Languages(lang, {lang: ""})


def _language(value: str) -> str:
    try:
        return normalise_language(value, "the site's language")
    except UnknownLanguage as exc:
        raise PluginError(f"medunion: {exc} (the site is published in zh and en)") from exc


class MedunionPlugin(BasePlugin[MedunionPluginConfig]):
    """Generates rule-set, history, diff, appraisal and clause pages from rules/."""

    def __init__(self) -> None:
        self.site: Site | None = None
        self.rules_root: Path | None = None
        self.languages: Languages | None = None

    @event_priority(AFTER_I18N)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base_dir = Path(config.config_file_path or ".").resolve().parent
        self.rules_root = rules_root(self.config.rules_dir, base_dir)
        self.languages = site_languages(config)
        try:
            coverage = Path(config.docs_dir, "coverage.md").is_file()
            self.site = collect_site(
                self.rules_root, coverage_notes="coverage.md" if coverage else None, lang=self.languages.current
            )
        except MedunionError as exc:
            raise PluginError(f"medunion: the rules could not be loaded:\n{exc}") from exc
        if config.nav is not None:
            config.nav = expand_nav(config.nav, self.site.sections)
        return config

    @event_priority(AFTER_I18N)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.site is not None and self.languages is not None, "on_config runs before on_files"
        for page in self.site.pages:
            if files.get_file_from_path(page.src_uri) is not None:
                raise PluginError(
                    f"medunion: docs/{page.src_uri} exists but is generated from rules/; "
                    "remove the file (generated pages are never committed)"
                )
            files.append(localised_file(config, page.src_uri, page.content, self.languages))
        log.info(
            "medunion: generated %d pages (%s) from %s", len(self.site.pages), self.languages.current, self.rules_root
        )
        return files

    def on_page_markdown(self, markdown: str, /, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        """The home page's marker becomes the list of counties and topics of the rules as they are."""
        if self.site is not None and BROWSE_MARKER in markdown:
            return markdown.replace(BROWSE_MARKER, self.site.home)
        return markdown

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a rule changes, not only when docs/ does."""
        if self.rules_root is not None and self.rules_root.is_dir():
            server.watch(str(self.rules_root))
        return server


def localised_file(config: MkDocsConfig, src_uri: str, content: str | bytes, languages: Languages) -> File:
    """A generated page of the current language, in that language's folder, knowing where the
    same page is in every other language (what the i18n plugin gives the pages of docs/)."""
    file = File.generated(config, src_uri, content=content)
    root_url = File.generated(config, src_uri, content=b"").url  # its address in the default language
    if languages.folder:
        file.dest_uri = languages.folder + file.dest_uri
    alternates: dict[str, Any] = {}
    for lang, folder in languages.folders.items():
        alternates[lang] = file if lang == languages.current else SimpleNamespace(
            url=folder + root_url, src_uri=src_uri, dest_uri=folder + file.dest_uri.removeprefix(languages.folder)
        )
    # the attributes mkdocs-static-i18n reads on a page's file (its language switch, its sitemap)
    file.alternates = alternates  # type: ignore[attr-defined]
    file.locale = languages.current  # type: ignore[attr-defined]
    file.locale_alternate_of = languages.current  # type: ignore[attr-defined]
    file.localization = None  # type: ignore[attr-defined]
    file.norm_src_uri = src_uri  # type: ignore[attr-defined]
    return file


__all__ = ["NAV_PREFIX", "MedunionPlugin"]
