"""Amendments: a version that `extends:` another states only what changes.

A rule-set file with `extends: <version>` is merged onto the document of that version (found
beside it: same folder, same `id`) before the model is built, so everything after loading sees
one ordinary rule set. The amendment states its own `version`, `status` and `effective`; it may

- give new dated values of a parameter (appended to the base's dated values, so a value copied
  unchanged is never written twice), or declare a new parameter whole;
- add or replace (same id) rules and tables, and repeal them by id (`repeal: [ids]`);
- add or replace inputs, outputs and sources (by name / key), and restate the title or description.

Positions survive the merge: every node of the merged document points into the file it came
from, so an error in the amendment points at the amendment and an error in an inherited part
at the base file. Chains (2019.1 extends 2018.1 extends 2017.1) resolve recursively; a cycle or
an unknown base version is refused at the `extends:` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.diagnostics import Diagnostic, Location, MedunionError, Message, error
from governance.i18n import N_
from governance.source import NodePath, SourceDocument, load_yaml

OWN_FIELDS = ("version", "status", "effective")
"""What every amendment states itself: inheriting a version number, a status (an adopted base
would make a draft amendment look adopted) or a period in force would be wrong."""
REPLACED_FIELDS = ("title", "title_zh", "description", "jurisdiction")
"""Plain fields an amendment may restate; the base's stand otherwise."""
BY_NAME = ("inputs", "outputs")
BY_ID = ("rules", "tables")


@dataclass
class MergedDocument(SourceDocument):
    """The document of an amended version: plain data merged from several files, each node
    located in the file it came from (`origins`: merged path prefix -> (document, its path))."""

    origins: dict[NodePath, tuple[SourceDocument, NodePath]] = field(default_factory=dict)

    def _origin(self, node_path: NodePath) -> tuple[SourceDocument, NodePath]:
        node_path = tuple(node_path)
        for cut in range(len(node_path), -1, -1):
            found = self.origins.get(node_path[:cut])
            if found is not None:
                doc, prefix = found
                return doc, (*prefix, *node_path[cut:])
        raise KeyError(node_path)  # the root is always mapped

    def locate(self, node_path: NodePath = ()) -> Location:
        doc, path = self._origin(node_path)
        return doc.locate(path)

    def locate_key(self, node_path: NodePath) -> Location:
        doc, path = self._origin(node_path)
        return doc.locate_key(path)

    def text_origin(self, node_path: NodePath) -> Location | None:
        doc, path = self._origin(node_path)
        return doc.text_origin(path)

    def text_positions(self, node_path: NodePath) -> tuple[Location, ...] | None:
        doc, path = self._origin(node_path)
        return doc.text_positions(path)


def _version_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def find_base(doc: SourceDocument, version: str) -> SourceDocument:
    """The document of `version` of the same rule set, among the YAML files beside `doc`."""
    folder = Path(doc.path).parent
    found: list[str] = []
    unreadable: list[str] = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        if path.resolve() == Path(doc.path).resolve():
            continue
        try:  # a broken file that is not the base must not stop the amendment
            other = load_yaml(path)
        except MedunionError:
            unreadable.append(path.name)
            continue
        data = other.data
        if not isinstance(data, dict) or data.get("kind") != "ruleset" or data.get("id") != doc.data.get("id"):
            continue
        found.append(str(data.get("version")))
        if str(data.get("version")) == version:
            return other
    known = ", ".join(found) or Message(N_("none"))
    where = doc.locate(("extends",))
    if unreadable:
        raise MedunionError(error(
            N_("extends '{version}': no version {version} of {ruleset} in {folder}/ (versions there: {known}; not "
               "readable there: {unreadable} (run medunion check)); name an existing version"), where,
            version=version, ruleset=doc.data.get("id"), folder=folder, known=known, unreadable=", ".join(unreadable)))
    raise MedunionError(error(
        N_("extends '{version}': no version {version} of {ruleset} in {folder}/ (versions there: {known}); name an "
           "existing version"), where, version=version, ruleset=doc.data.get("id"), folder=folder, known=known))


def resolve_extends(doc: SourceDocument, _chain: tuple[str, ...] = ()) -> SourceDocument:
    """The document itself when it extends nothing; else the base (resolved in turn) with this
    amendment merged onto it. Raises MedunionError (at the amendment) for a bad amendment."""
    data = doc.data
    if not isinstance(data, dict) or "extends" not in data:
        return doc
    here = str(Path(doc.path).resolve())
    if here in _chain:
        names = " -> ".join(Path(p).name for p in (*_chain[_chain.index(here):], here))
        raise MedunionError(error(N_("the versions extend each other in a circle ({names}); "
                                     "one of them must state its rules in full"), doc.locate(("extends",)),
                                  names=names))
    version = _version_text(data["extends"])
    if version is None:
        raise MedunionError(error(N_("extends must be a version in quotes (e.g. extends: \"2017.1\"), found {value}"),
                                  doc.locate(("extends",)), value=repr(data["extends"])))
    _check_own_fields(doc, version)
    base = resolve_extends(find_base(doc, version), (*_chain, here))
    return merge(base, doc)


def _check_own_fields(doc: SourceDocument, version: str) -> None:
    found: list[Diagnostic] = []
    if not isinstance(doc.data.get("id"), str):
        found.append(error(N_("an amendment names its rule set: add `id:` (the id of the version it extends)"),
                           doc.locate(())))
    for name in OWN_FIELDS:
        if name not in doc.data:
            found.append(error(N_("an amendment states its own '{name}' (it is not inherited from {version}); add it"),
                               doc.locate(()), name=name, version=version))
    if str(doc.data.get("version")) == version:
        found.append(error(N_("version {version} cannot extend itself; give the amendment a new version"),
                           doc.locate(("version",)), version=version))
    if found:
        raise MedunionError(found)


class _Merger:
    """Builds the merged data and the origin of each of its parts."""

    def __init__(self, base: SourceDocument, amendment: SourceDocument) -> None:
        self.base = base
        self.amendment = amendment
        self.origins: dict[NodePath, tuple[SourceDocument, NodePath]] = {(): (amendment, ())}
        self.found: list[Diagnostic] = []

    def take(self, merged: NodePath, doc: SourceDocument, path: NodePath) -> None:
        self.origins[merged] = (doc, path)

    def merge(self) -> dict[str, Any]:
        base, amend = self.base.data, self.amendment.data
        merged: dict[str, Any] = {}
        for key in ("kind", "id"):
            if key in amend and amend[key] != base.get(key):
                self.found.append(error(N_("{key} '{value}' differs from the {key} '{base}' of the version it "
                                           "extends; an amendment keeps its rule set's id"),
                                        self.amendment.locate((key,)), key=key, value=amend[key], base=base.get(key)))
        for key in base:
            if key in amend and key not in (*BY_NAME, *BY_ID, "parameters", "sources"):
                continue
            merged[key] = base[key]
            self.take((key,), self.base, (key,))
        for key in (*OWN_FIELDS, *REPLACED_FIELDS, "kind", "id"):
            if key in amend:
                merged[key] = amend[key]
                self.take((key,), self.amendment, (key,))
        for key in BY_NAME:
            self.by_name(merged, key)
        self.parameters(merged)
        self.sources(merged)
        repealed = self.repealed()
        for key in BY_ID:
            self.by_id(merged, key, repealed)
        for rule_id, where in repealed.items():
            self.found.append(error(N_("repeal: no rule or table '{rule}' in the version extended; "
                                       "name one of its rules or tables"), where, rule=rule_id))
        for key in amend:
            if key not in merged and key not in ("repeal", "extends"):  # unknown: the schema names it
                merged[key] = amend[key]
                self.take((key,), self.amendment, (key,))
        return merged

    def by_name(self, merged: dict[str, Any], key: str) -> None:
        base, amend = self.base.data.get(key), self.amendment.data.get(key)
        if amend is None:
            return
        if not isinstance(amend, dict) or not isinstance(base, dict | None):
            merged[key] = amend
            self.take((key,), self.amendment, (key,))
            return
        result = dict(base or {})
        for name in result:
            self.take((key, name), self.base, (key, name))
        for name, spec in amend.items():
            result[name] = spec
            self.take((key, name), self.amendment, (key, name))
        merged[key] = result

    def parameters(self, merged: dict[str, Any]) -> None:
        base, amend = self.base.data.get("parameters"), self.amendment.data.get("parameters")
        if amend is None:
            return
        if not isinstance(amend, dict) or not isinstance(base, dict | None):
            merged["parameters"] = amend
            self.take(("parameters",), self.amendment, ("parameters",))
            return
        result = dict(base or {})
        for name in result:
            self.take(("parameters", name), self.base, ("parameters", name))
        for name, spec in amend.items():
            where = ("parameters", name)
            old = result.get(name)
            if not isinstance(old, dict) or not isinstance(spec, dict):
                result[name] = spec  # a new parameter is declared whole; the schema checks it where written
                self.take(where, self.amendment, where)
                continue
            combined = dict(old)
            for field_name, value in spec.items():
                if field_name != "values":
                    combined[field_name] = value
                    self.take((*where, field_name), self.amendment, (*where, field_name))
            old_values, new_values = old.get("values"), spec.get("values")
            if isinstance(new_values, list) and isinstance(old_values, list):
                combined["values"] = [*old_values, *new_values]
                self.take((*where, "values"), self.amendment, (*where, "values"))
                for i in range(len(old_values)):
                    self.take((*where, "values", i), self.base, (*where, "values", i))
                for j in range(len(new_values)):
                    self.take((*where, "values", len(old_values) + j), self.amendment, (*where, "values", j))
            elif new_values is not None:
                combined["values"] = new_values
                self.take((*where, "values"), self.amendment, (*where, "values"))
            result[name] = combined
        merged["parameters"] = result

    def sources(self, merged: dict[str, Any]) -> None:
        base, amend = self.base.data.get("sources"), self.amendment.data.get("sources")
        if amend is None:
            return
        if not isinstance(amend, list) or not isinstance(base, list | None):
            merged["sources"] = amend
            self.take(("sources",), self.amendment, ("sources",))
            return
        result: list[Any] = []
        keys: dict[Any, int] = {}
        for i, item in enumerate(base or []):
            keys[item.get("key") if isinstance(item, dict) else object()] = len(result)
            self.take(("sources", len(result)), self.base, ("sources", i))
            result.append(item)
        for j, item in enumerate(amend):
            key = item.get("key") if isinstance(item, dict) else object()
            at = keys.get(key, len(result))
            if at == len(result):
                result.append(item)
            else:
                result[at] = item
            self.take(("sources", at), self.amendment, ("sources", j))
        merged["sources"] = result

    def repealed(self) -> dict[str, Location]:
        repeal = self.amendment.data.get("repeal")
        if repeal is None:
            return {}
        if not isinstance(repeal, list) or not all(isinstance(i, str) for i in repeal):
            self.found.append(error(N_("repeal must be a list of rule or table ids, e.g. repeal: [old-rule]"),
                                    self.amendment.locate(("repeal",))))
            return {}
        restated = {item.get("id") for key in BY_ID for item in self.amendment.data.get(key) or []
                    if isinstance(item, dict)}
        wanted: dict[str, Location] = {}
        for i, rule_id in enumerate(repeal):
            where = self.amendment.locate(("repeal", i))
            if rule_id in restated:
                self.found.append(error(N_("'{rule}' is both repealed and restated; repeal it or replace it"),
                                        where, rule=rule_id))
            wanted[rule_id] = where
        return wanted

    def by_id(self, merged: dict[str, Any], key: str, repealed: dict[str, Location]) -> None:
        base = self.base.data.get(key) or []
        amend = self.amendment.data.get(key)
        if not isinstance(base, list) or (amend is not None and not isinstance(amend, list)):
            if amend is not None:
                merged[key] = amend
                self.take((key,), self.amendment, (key,))
            return
        result: list[Any] = []
        index: dict[Any, int] = {}
        for i, item in enumerate(base):
            item_id = item.get("id") if isinstance(item, dict) else None
            if item_id in repealed:
                del repealed[item_id]
                continue
            if item_id is not None:
                index[item_id] = len(result)
            self.take((key, len(result)), self.base, (key, i))
            result.append(item)
        for j, item in enumerate(amend or []):
            item_id = item.get("id") if isinstance(item, dict) else None
            at = index.get(item_id, len(result)) if item_id is not None else len(result)
            if at == len(result):
                result.append(item)
            else:
                result[at] = item
            self.take((key, at), self.amendment, (key, j))
        if result or key in self.base.data or amend is not None:
            merged[key] = result
            if amend is not None and key not in self.base.data:
                self.take((key,), self.amendment, (key,))


def merge(base: SourceDocument, amendment: SourceDocument) -> MergedDocument:
    """The base document with the amendment's changes applied (see the module docstring)."""
    merger = _Merger(base, amendment)
    data = merger.merge()
    if merger.found:
        raise MedunionError(merger.found)
    # the content hash covers every file the version is made of, so a change to the base is a new plan
    text = amendment.text + "\n# --- extends ---\n" + base.text
    return MergedDocument(path=amendment.path, data=data, text=text, origins=merger.origins)


SKELETON = """\
# yaml-language-server: $schema=../schema/ruleset.schema.json
# Amendment of {id}: version {version}, in force from {start}, extending {base}.
# State only what changes; everything else is inherited from {base} ({base_path}).
# Guide: docs/guides/amending.md. Check it with `medunion check`, compare with `medunion diff`.
kind: ruleset
id: {id}
extends: "{base}"
version: "{version}"
status: draft
effective:
  from: {start}

# A new dated value of a parameter is appended to the values {base} already has:
# parameters:
#   {parameter}:
#     values:
#       - from: {start}
#         value: ...
#         reference: the clause or notice that sets the new figure

# A rule or table with the id of one in {base} replaces it; a new id adds one:
# rules:
#   - id: {rule}
#     title: ...
#     clause: ...
#     status: law
#     source: ...
#     when: ...
#     then: ...

# Rules or tables of {base} that no longer apply:
# repeal: [{rule}]
"""


def skeleton(versions: list[Any], version: str, start: Any, folder: Path) -> tuple[Path, Path | None]:
    """Write `<folder>/<version>.yaml` extending the latest of `versions` (refusing to overwrite, or
    to start on or before the latest's own start); when the latest has no end, add `until:` the day
    before `start` to its `effective:` so that the two are not in force at once. Returns the file
    written and the file closed (None when the latest already ends)."""
    import datetime as dt

    latest = max(versions, key=lambda r: r.version_key)
    target = folder / f"{version}.yaml"
    where = Location(str(target), 1, 1)
    if target.exists():
        raise MedunionError(error(N_("{path} exists; give another --version (it is never overwritten)"), where,
                                  path=target))
    if any(r.version == version for r in versions):
        raise MedunionError(error(N_("version {version} of {ruleset} exists already (in {path})"), where,
                                  version=version, ruleset=latest.id,
                                  path=next(r.path for r in versions if r.version == version)))
    if start <= latest.effective_from:
        raise MedunionError(error(N_("--from {start} is not after {version}'s start ({begins}); "
                                     "an amendment starts after the version it extends"), latest.effective_location,
                                  start=start, version=latest.version, begins=latest.effective_from))
    if latest.effective_until is not None and latest.effective_until >= start:
        raise MedunionError(error(
            N_("{version} is in force until {until}; the amendment would overlap it from {start}: change its `until:` "
               "or start later"), latest.effective_location, version=latest.version, until=latest.effective_until,
            start=start))
    closed = None
    if latest.effective_until is None:
        closed = _close(Path(latest.path), start - dt.timedelta(days=1))
    parameter = next(iter(latest.parameters), "a_parameter")
    rule = latest.rules[0].id if latest.rules else (latest.tables[0].id if latest.tables else "a-rule")
    folder.mkdir(parents=True, exist_ok=True)
    text = SKELETON.format(id=latest.id, version=version, start=start.isoformat(), base=latest.version,
                           base_path=Path(latest.path).name, parameter=parameter, rule=rule)
    with target.open("x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
        out.write(text)
    return target, closed


def _close(path: Path, until: Any) -> Path:
    """Add `until:` under the `from:` of a file's block-style `effective:`; refuse other layouts."""
    doc = load_yaml(path)
    start = doc.key_positions.get(("effective", "from"))
    if start is None or "until" in doc.data.get("effective", {}):
        raise MedunionError(error(N_("cannot find `from:` under `effective:` here"), doc.locate(("effective",))))
    lines = doc.text.splitlines(keepends=True)
    line = lines[start.line - 1]
    if not line.lstrip().startswith("from:"):  # a flow mapping `{from: …}`: not edited by a program
        raise MedunionError(error(N_("add `until: {until}` to `effective:` by hand (it is written on "
                                     "one line), then run amend again"), start, until=until.isoformat()))
    lines.insert(start.line, " " * (start.column - 1) + f"until: {until.isoformat()}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path
