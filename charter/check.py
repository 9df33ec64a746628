"""Charters as data: the associations of a county plan, their units and bodies, checked.

A charter (`kind: charter`, schema `charter/schemas/charter.schema.json`) records who
belongs to which association and how it is governed. The checks here find what a
charter breaks - no lead or core unit or two, a unit in two associations, a
supervisory board outside the size the plan allows, a village clinic without a
township centre, a count that does not match the members - and cite the clause
that the broken statement rests on, so a drafter can go back to the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.check import missing_label
from governance.clauses import clause_index, unknown_clause
from governance.diagnostics import Diagnostic, MedunionError, error
from governance.i18n import N_
from governance.load import kind_of
from governance.schema import validate
from governance.source import NodePath, SourceDocument, load_yaml

PRIMARY_PARENT_KINDS: tuple[str, ...] = ("township_health_centre", "community_health_service_centre")
HEAD_ROLES: tuple[str, ...] = ("lead", "core")


@dataclass(frozen=True)
class Unit:
    """A medical institution named by the plan."""

    id: str
    name: str
    kind: str
    clause: str
    part_of: str | None
    parent: str | None
    path: NodePath
    name_zh: str | None = None


@dataclass(frozen=True)
class Member:
    unit: str
    role: str
    path: NodePath


@dataclass(frozen=True)
class UnitGroup:
    """Members the plan counts but does not name (e.g. '152 village clinics')."""

    kind: str
    count: int
    parents: tuple[str, ...]
    path: NodePath


@dataclass(frozen=True)
class DeclaredCount:
    """A number the plan states ('seven township hospitals'), to be matched by the members."""

    kinds: tuple[str, ...]
    count: int
    clause: str
    path: NodePath


@dataclass(frozen=True)
class Body:
    """A governing body: board, council, board of supervisors, liaison meeting..."""

    kind: str
    name: str
    clause: str
    seat: str | None
    frequency: str | None
    size: int | tuple[int, int] | None
    path: NodePath


@dataclass(frozen=True)
class Association:
    id: str
    name: str
    type: str
    within: str | None
    clause: str
    members: tuple[Member, ...]
    unit_groups: tuple[UnitGroup, ...]
    declared_counts: tuple[DeclaredCount, ...]
    bodies: tuple[Body, ...]
    path: NodePath


@dataclass(frozen=True)
class Principles:
    """Principles that stay unchanged ('five unchanged'), with the count the plan gives."""

    clause: str
    declared_count: int | None
    items: tuple[str, ...]
    path: NodePath


@dataclass(frozen=True)
class SizeRequirement:
    minimum: int
    maximum: int
    clause: str
    path: NodePath


@dataclass(frozen=True)
class ParentRequirement:
    parent_kinds: tuple[str, ...]
    clause: str
    path: NodePath


@dataclass(frozen=True)
class BodyRequirement:
    kind: str
    frequency: str | None
    clause: str
    path: NodePath


@dataclass(frozen=True)
class Charter:
    id: str
    title: str
    jurisdiction: str
    units: tuple[Unit, ...]
    associations: tuple[Association, ...]
    bodies: tuple[Body, ...]
    principles: tuple[Principles, ...]
    supervisors_size: SizeRequirement | None
    village_clinic_parent: ParentRequirement | None
    required_bodies: tuple[BodyRequirement, ...]
    doc: SourceDocument

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def association(self, association_id: str) -> Association | None:
        return next((a for a in self.associations if a.id == association_id), None)

    def unit_ids(self) -> set[str]:
        """Every id a unit register may name: the units, the associations and their members."""
        return ({u.id for u in self.units} | {a.id for a in self.associations}
                | {m.unit for a in self.associations for m in a.members})


# ---------------------------------------------------------------- loading


def _body(data: dict[str, Any], path: NodePath) -> Body:
    size = data.get("size")
    if isinstance(size, dict):
        size = (int(size["min"]), int(size["max"]))
    return Body(
        kind=data["kind"], name=data["name"], clause=data["clause"], seat=data.get("seat"),
        frequency=data.get("frequency"), size=size, path=path,
    )


def _bodies(items: list[dict[str, Any]], path: NodePath) -> tuple[Body, ...]:
    return tuple(_body(b, (*path, i)) for i, b in enumerate(items))


def _association(data: dict[str, Any], path: NodePath) -> Association:
    return Association(
        id=data["id"], name=data["name"], type=data["type"], within=data.get("within"),
        clause=data["clause"],
        members=tuple(
            Member(m["unit"], m["role"], (*path, "members", i)) for i, m in enumerate(data["members"])
        ),
        unit_groups=tuple(
            UnitGroup(g["kind"], g["count"], tuple(g.get("parents", ())), (*path, "unit_groups", i))
            for i, g in enumerate(data.get("unit_groups", []))
        ),
        declared_counts=tuple(
            DeclaredCount(tuple(c["kinds"]), c["count"], c["clause"], (*path, "declared_counts", i))
            for i, c in enumerate(data.get("declared_counts", []))
        ),
        bodies=_bodies(data.get("governing_bodies", []), (*path, "governing_bodies")),
        path=path,
    )


def build_charter(doc: SourceDocument) -> Charter:
    """Schema-valid plain data → a Charter; schema errors raise MedunionError with file:line:col."""
    data = doc.data
    if not isinstance(data, dict):
        what = {list: N_("a charter is a mapping that starts with `kind: charter`; this file holds a list"),
                str: N_("a charter is a mapping that starts with `kind: charter`; this file holds text")}.get(
            type(data), N_("a charter is a mapping that starts with `kind: charter`; this file holds a single value"))
        raise MedunionError(error(what, doc.locate()))
    if data.get("kind") != "charter":
        raise MedunionError(error(N_("expected a file with kind: charter, found kind: {kind}"), doc.locate(),
                                  kind=data.get("kind")))
    problems = validate(doc, "charter", package="charter")
    if problems:
        raise MedunionError(problems)
    req = data.get("requirements", {})
    size = req.get("board_of_supervisors_size")
    if size and size["min"] > size["max"]:  # every board would be reported against an impossible range
        raise MedunionError(error(N_("requirements.board_of_supervisors_size: min {min} is above max {max}"),
                                  doc.locate(("requirements", "board_of_supervisors_size")),
                                  min=size["min"], max=size["max"]))
    parent = req.get("village_clinic_parent")
    return Charter(
        id=data["id"], title=data["title"], jurisdiction=data["jurisdiction"],
        units=tuple(
            Unit(u["id"], u["name"], u["kind"], u["clause"], u.get("part_of"), u.get("parent"), ("units", i),
                 u.get("name_zh"))
            for i, u in enumerate(data["units"])
        ),
        associations=tuple(
            _association(a, ("associations", i)) for i, a in enumerate(data["associations"])
        ),
        bodies=_bodies(data.get("governing_bodies", []), ("governing_bodies",)),
        principles=tuple(
            Principles(p["clause"], p.get("declared_count"), tuple(p["items"]), ("principles_unchanged", i))
            for i, p in enumerate(data.get("principles_unchanged", []))
        ),
        supervisors_size=SizeRequirement(
            size["min"], size["max"], size["clause"], ("requirements", "board_of_supervisors_size"),
        ) if size else None,
        village_clinic_parent=ParentRequirement(
            tuple(parent["parent_kinds"]), parent["clause"], ("requirements", "village_clinic_parent"),
        ) if parent else None,
        required_bodies=tuple(
            BodyRequirement(
                b["kind"], b.get("frequency"), b["clause"], ("requirements", "required_bodies", i),
            )
            for i, b in enumerate(req.get("required_bodies", []))
        ),
        doc=doc,
    )


def load_charter(path: str | Path) -> Charter:
    """Read, validate and build one charter file."""
    return build_charter(load_yaml(path))


# ---------------------------------------------------------------- checks


def _at(charter: Charter, path: NodePath, template: str, clause: str, **args: object) -> Diagnostic:
    """An error at a node; its catalog template ends with ` [{clause}]`, the clause it rests on."""
    return error(template, charter.doc.locate(path), clause=clause, **args)


def _ancestors(charter: Charter, unit_id: str) -> list[str]:
    """The unit and every unit it is part of (a hospital → its general hospital)."""
    chain: list[str] = []
    current: str | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        unit = charter.unit(current)
        current = unit.part_of if unit else None
    return chain


def _covered(charter: Charter, association: Association) -> set[str]:
    """Units an association holds: its members and the units that are part of them."""
    direct = {m.unit for m in association.members}
    return {u.id for u in charter.units if set(_ancestors(charter, u.id)) & direct} | direct


def check_identities(charter: Charter) -> Iterator[Diagnostic]:
    """Ids are unique, and every reference names something the charter defines."""
    seen: dict[str, Unit] = {}
    for unit in charter.units:
        if unit.id in seen:
            yield _at(charter, (*unit.path, "id"), N_("unit '{unit}' is defined twice [{clause}]"), unit.clause,
                      unit=unit.id)
        seen[unit.id] = unit
    names: set[str] = set()
    for association in charter.associations:
        if association.id in names:
            yield _at(charter, (*association.path, "id"),
                      N_("association '{association}' is defined twice [{clause}]"), association.clause,
                      association=association.id)
        names.add(association.id)
    for unit in charter.units:
        for field in ("part_of", "parent"):
            target = getattr(unit, field)
            if target is not None and target not in seen:
                yield _at(charter, (*unit.path, field),
                          N_("unit '{unit}': {field} names unknown unit '{target}' [{clause}]"), unit.clause,
                          unit=unit.id, field=field, target=target)
        if unit.parent is not None and unit.kind != "village_clinic":
            yield _at(charter, (*unit.path, "parent"),
                      N_("unit '{unit}' is a {kind}; only a village clinic has a parent centre [{clause}]"),
                      unit.clause, unit=unit.id, kind=unit.kind)
    for association in charter.associations:
        listed: set[str] = set()
        for member in association.members:
            if member.unit not in seen:
                yield _at(charter, (*member.path, "unit"),
                          N_("association '{association}' lists unknown unit '{unit}' [{clause}]"),
                          association.clause, association=association.id, unit=member.unit)
            elif member.unit in listed:
                yield _at(charter, (*member.path, "unit"),
                          N_("association '{association}' lists unit '{unit}' twice [{clause}]"),
                          association.clause, association=association.id, unit=member.unit)
            listed.add(member.unit)
        if association.within is not None and (
            association.within == association.id or association.within not in names
        ):
            yield _at(charter, (*association.path, "within"),
                      N_("association '{association}' is within unknown association '{within}' [{clause}]"),
                      association.clause, association=association.id, within=association.within)
        for body in association.bodies:
            if body.seat is not None and body.seat not in seen:
                yield _at(charter, (*body.path, "seat"),
                          N_("{body}: seat names unknown unit '{seat}' [{clause}]"), body.clause,
                          body=body.name, seat=body.seat)


def check_head_unit(charter: Charter) -> Iterator[Diagnostic]:
    """Each association has exactly one lead or core unit."""
    for association in charter.associations:
        heads = [m for m in association.members if m.role in HEAD_ROLES]
        if not heads:
            yield _at(charter, (*association.path, "members"),
                      N_("association '{association}' has no lead or core unit; mark one member "
                         "role: lead (or core) [{clause}]"), association.clause, association=association.id)
        elif len(heads) > 1:
            yield _at(charter, heads[1].path,
                      N_("association '{association}' has {count} lead or core units ({units}); "
                         "the plan gives it one [{clause}]"), association.clause,
                      association=association.id, count=len(heads), units=", ".join(m.unit for m in heads))


def check_single_association(charter: Charter) -> Iterator[Diagnostic]:
    """A unit belongs to one association among siblings; a pilot's units belong to its parent."""
    owner: dict[tuple[str | None, str], Association] = {}
    for association in charter.associations:
        for member in association.members:
            held = sorted({member.unit} | _parts(charter, member.unit))
            clash = next(
                (owner[(association.within, u)] for u in held
                 if owner.get((association.within, u), association).id != association.id),
                None,
            )
            if clash is not None:
                yield _at(charter, (*member.path, "unit"),
                          N_("unit '{unit}' is in association '{first}' and in '{second}'; "
                             "a unit belongs to one association [{clause}]"), association.clause,
                          unit=member.unit, first=clash.id, second=association.id)
            for unit_id in held:
                owner.setdefault((association.within, unit_id), association)
        parent = charter.association(association.within) if association.within else None
        if parent is not None:
            parent_units = _covered(charter, parent)
            for member in association.members:
                if not set(_ancestors(charter, member.unit)) & parent_units:
                    yield _at(charter, (*member.path, "unit"),
                              N_("unit '{unit}' of pilot '{pilot}' is not a member of '{parent}', "
                                 "the association it is within [{clause}]"), association.clause,
                              unit=member.unit, pilot=association.id, parent=parent.id)


def _parts(charter: Charter, unit_id: str) -> set[str]:
    return {u.id for u in charter.units if unit_id in _ancestors(charter, u.id)[1:]}


def check_village_clinics(charter: Charter) -> Iterator[Diagnostic]:
    """A village clinic belongs to a township centre (or community centre) of its association."""
    requirement = charter.village_clinic_parent
    kinds = requirement.parent_kinds if requirement else PRIMARY_PARENT_KINDS
    wanted = " or ".join(kinds)
    for association in charter.associations:
        clause = requirement.clause if requirement else association.clause
        direct = {m.unit for m in association.members}
        for member in association.members:
            unit = charter.unit(member.unit)
            if unit is None or unit.kind != "village_clinic":
                continue
            parent = charter.unit(unit.parent) if unit.parent else None
            if parent is None or parent.kind not in kinds or parent.id not in direct:
                yield _at(charter, (*unit.path, "parent") if unit.parent else unit.path,
                          N_("village clinic '{unit}' has no {wanted} of association '{association}' "
                             "as its parent [{clause}]"), clause, unit=unit.id, wanted=wanted,
                          association=association.id)
        for group in association.unit_groups:
            if group.kind != "village_clinic":
                continue
            if not group.parents:
                yield _at(charter, group.path,
                          N_("{count} village clinics of association '{association}' have no parent; "
                             "name the {wanted} they belong to [{clause}]"), clause,
                          count=group.count, association=association.id, wanted=wanted)
            for i, parent_id in enumerate(group.parents):
                parent = charter.unit(parent_id)
                if parent is None or parent.kind not in kinds or parent_id not in direct:
                    yield _at(charter, (*group.path, "parents", i),
                              N_("village clinics of association '{association}': parent '{parent}' "
                                 "is not a {wanted} of that association [{clause}]"), clause,
                              association=association.id, parent=parent_id, wanted=wanted)


def check_counts(charter: Charter) -> Iterator[Diagnostic]:
    """The members of each kind add up to the number the plan states."""
    for association in charter.associations:
        covered = _covered(charter, association)
        for declared in association.declared_counts:
            named = sorted(
                u.id for u in charter.units if u.id in covered and u.kind in declared.kinds
            )
            grouped = sum(g.count for g in association.unit_groups if g.kind in declared.kinds)
            total = len(named) + grouped
            if total != declared.count:
                yield _at(charter, (*declared.path, "count"),
                          N_("association '{association}' declares {count} {kinds} but its members make "
                             "{total} ({named} named, {grouped} counted in groups) [{clause}]"), declared.clause,
                          association=association.id, count=declared.count, kinds=" + ".join(declared.kinds),
                          total=total, named=len(named), grouped=grouped)


def check_supervisors(charter: Charter) -> Iterator[Diagnostic]:
    """A board of supervisors has a size within the range the plan allows."""
    rule = charter.supervisors_size
    if rule is None:
        return
    for association in charter.associations:
        for body in association.bodies:
            if body.kind != "board_of_supervisors" or body.size is None:
                continue
            if isinstance(body.size, int):
                if not rule.minimum <= body.size <= rule.maximum:
                    yield _at(charter, (*body.path, "size"),
                              N_("board of supervisors of '{association}' has {size} members; "
                                 "the plan allows {min} to {max} members [{clause}]"), rule.clause,
                              association=association.id, size=body.size, min=rule.minimum, max=rule.maximum)
            else:
                low, high = body.size
                if low > high or low < rule.minimum or high > rule.maximum:
                    yield _at(charter, (*body.path, "size"),
                              N_("board of supervisors of '{association}' may have {low} to {high} members; "
                                 "the plan allows {min} to {max} members [{clause}]"), rule.clause,
                              association=association.id, low=low, high=high, min=rule.minimum, max=rule.maximum)


def check_bodies(charter: Charter) -> Iterator[Diagnostic]:
    """Required bodies exist with the required frequency, and boards sit at the lead unit."""
    for association in charter.associations:
        heads = {m.unit for m in association.members if m.role in HEAD_ROLES}
        for body in association.bodies:
            if heads and body.seat is not None and charter.unit(body.seat) is not None and not (
                set(_ancestors(charter, body.seat)) & heads
            ):
                yield _at(charter, (*body.path, "seat"),
                          N_("{body} of '{association}' sits at '{seat}', not at the association's lead "
                             "or core unit [{clause}]"), body.clause,
                          body=body.name, association=association.id, seat=body.seat)
        if association.within is not None:
            continue
        available = (*association.bodies, *charter.bodies)
        for required in charter.required_bodies:
            matching = [b for b in available if b.kind == required.kind]
            if not matching:
                yield _at(charter, association.path,
                          N_("association '{association}' has no {body} [{clause}]"), required.clause,
                          association=association.id, body=required.kind.replace("_", " "))
            elif required.frequency and all(b.frequency != required.frequency for b in matching):
                body = matching[0]
                meets = (N_("{body} of '{association}' meets {frequency}; the plan requires {required} [{clause}]")
                         if body.frequency else
                         N_("{body} of '{association}' meets at no stated interval; the plan requires {required} "
                            "[{clause}]"))
                yield _at(charter, (*body.path, "frequency") if body.frequency else body.path,
                          meets, required.clause, body=body.name, association=association.id,
                          frequency=body.frequency or "", required=required.frequency)


def check_principles(charter: Charter) -> Iterator[Diagnostic]:
    """A list of unchanged principles has as many items as the plan counts ('five unchanged')."""
    for principles in charter.principles:
        if principles.declared_count is not None and principles.declared_count != len(principles.items):
            yield _at(charter, (*principles.path, "items"),
                      N_("the plan counts {count} unchanged principles here but {listed} are listed [{clause}]"),
                      principles.clause, count=principles.declared_count, listed=len(principles.items))


def _clause_fields(data: Any, path: NodePath = ()) -> Iterator[tuple[NodePath, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "clause" and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from _clause_fields(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _clause_fields(value, (*path, i))


def check_clauses(charter: Charter) -> Iterator[Diagnostic]:
    """Every clause cited is a key of the plans (rules/clauses.yaml), so findings point somewhere real."""
    index = clause_index(charter.doc.path)
    if index is None:
        return
    for path, key in _clause_fields(charter.doc.data):
        why = unknown_clause(key, index)
        if why is not None:
            yield error(why, charter.doc.locate(path))


def check_labels(charter: Charter) -> Iterator[Diagnostic]:
    """Warnings for the public labels without their Chinese form: the charter's title and the names
    of its units, associations and governing bodies."""
    doc = charter.doc
    data = doc.data
    if not data.get("title_zh"):
        yield missing_label("charter", str(data.get("id")), "title_zh", doc.locate_key(("title",)))
    items: list[tuple[str, NodePath, Any]] = [
        ("governing body", ("governing_bodies", i), b) for i, b in enumerate(data.get("governing_bodies") or [])]
    for i, unit in enumerate(data.get("units") or []):
        items.append(("unit", ("units", i), unit))
    for a, association in enumerate(data.get("associations") or []):
        items.append(("association", ("associations", a), association))
        items += [("governing body", ("associations", a, "governing_bodies", i), b)
                  for i, b in enumerate(association.get("governing_bodies") or [])]
    for kind, path, spec in items:
        if isinstance(spec, dict) and "name" in spec and not spec.get("name_zh"):
            yield missing_label(kind, str(spec.get("id") or spec["name"]), "name_zh", doc.locate((*path, "name")))


CHECKS = (
    check_clauses,
    check_identities,
    check_head_unit,
    check_single_association,
    check_village_clinics,
    check_counts,
    check_supervisors,
    check_bodies,
    check_principles,
    check_labels,
)


def check_charter(charter: Charter) -> list[Diagnostic]:
    """Every finding of every check, in file order."""
    found = [d for check in CHECKS for d in check(charter)]
    return sorted(found, key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))


def charter_unit_ids(path: str | Path) -> set[str]:
    """The ids a charter file names as units (for appraisal's unit register, wired by the app)."""
    return load_charter(path).unit_ids()


def check_charter_file(path: str | Path) -> list[Diagnostic]:
    """Load and check one file; a file that cannot be loaded reports why instead."""
    try:
        charter = load_charter(path)
    except MedunionError as exc:
        return exc.diagnostics
    return check_charter(charter)


def charter_files(paths: Iterable[str | Path]) -> list[Path]:
    """The charter files among paths: files as given, directories searched for kind: charter."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]):
                if _is_charter(candidate):
                    found.append(candidate)
        else:
            found.append(path)
    return found


def _is_charter(path: Path) -> bool:
    """Whether a file found in a directory is a charter, by its parsed `kind:` exactly as `medunion
    check` reads it (`kind: charter  # note` and `kind: "charter"` are charters). Only files that
    mention the word are parsed; one of those that does not parse is kept, so its error is reported
    rather than the file skipped unseen."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            if not any("charter" in line for line in handle):
                return False
    except OSError:
        return False
    try:
        return kind_of(load_yaml(path)) == "charter"
    except MedunionError:
        return True
