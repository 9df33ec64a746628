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
        what = {list: "a list", str: "text"}.get(type(data), "a single value")
        raise MedunionError(error(f"a charter is a mapping that starts with `kind: charter`; this file holds {what}",
                                  doc.locate()))
    if data.get("kind") != "charter":
        raise MedunionError(error(f"expected a file with kind: charter, found kind: {data.get('kind')}", doc.locate()))
    problems = validate(doc, "charter", package="charter")
    if problems:
        raise MedunionError(problems)
    req = data.get("requirements", {})
    size = req.get("board_of_supervisors_size")
    if size and size["min"] > size["max"]:  # every board would be reported against an impossible range
        raise MedunionError(error(f"requirements.board_of_supervisors_size: min {size['min']} is above max "
                                  f"{size['max']}", doc.locate(("requirements", "board_of_supervisors_size"))))
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


def _at(charter: Charter, path: NodePath, message: str, clause: str) -> Diagnostic:
    """An error at a node, ending with the clause it rests on."""
    return error(f"{message} [{clause}]", charter.doc.locate(path))


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
            yield _at(charter, (*unit.path, "id"), f"unit '{unit.id}' is defined twice", unit.clause)
        seen[unit.id] = unit
    names: set[str] = set()
    for association in charter.associations:
        if association.id in names:
            yield _at(charter, (*association.path, "id"),
                      f"association '{association.id}' is defined twice", association.clause)
        names.add(association.id)
    for unit in charter.units:
        for field in ("part_of", "parent"):
            target = getattr(unit, field)
            if target is not None and target not in seen:
                yield _at(charter, (*unit.path, field),
                          f"unit '{unit.id}': {field} names unknown unit '{target}'", unit.clause)
        if unit.parent is not None and unit.kind != "village_clinic":
            yield _at(charter, (*unit.path, "parent"),
                      f"unit '{unit.id}' is a {unit.kind}; only a village clinic has a parent centre",
                      unit.clause)
    for association in charter.associations:
        listed: set[str] = set()
        for member in association.members:
            if member.unit not in seen:
                yield _at(charter, (*member.path, "unit"),
                          f"association '{association.id}' lists unknown unit '{member.unit}'",
                          association.clause)
            elif member.unit in listed:
                yield _at(charter, (*member.path, "unit"),
                          f"association '{association.id}' lists unit '{member.unit}' twice",
                          association.clause)
            listed.add(member.unit)
        if association.within is not None and (
            association.within == association.id or association.within not in names
        ):
            yield _at(charter, (*association.path, "within"),
                      f"association '{association.id}' is within unknown association "
                      f"'{association.within}'", association.clause)
        for body in association.bodies:
            if body.seat is not None and body.seat not in seen:
                yield _at(charter, (*body.path, "seat"),
                          f"{body.name}: seat names unknown unit '{body.seat}'", body.clause)


def check_head_unit(charter: Charter) -> Iterator[Diagnostic]:
    """Each association has exactly one lead or core unit."""
    for association in charter.associations:
        heads = [m for m in association.members if m.role in HEAD_ROLES]
        if not heads:
            yield _at(charter, (*association.path, "members"),
                      f"association '{association.id}' has no lead or core unit; mark one member "
                      "role: lead (or core)", association.clause)
        elif len(heads) > 1:
            yield _at(charter, heads[1].path,
                      f"association '{association.id}' has {len(heads)} lead or core units ("
                      + ", ".join(m.unit for m in heads) + "); the plan gives it one",
                      association.clause)


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
                          f"unit '{member.unit}' is in association '{clash.id}' and in "
                          f"'{association.id}'; a unit belongs to one association",
                          association.clause)
            for unit_id in held:
                owner.setdefault((association.within, unit_id), association)
        parent = charter.association(association.within) if association.within else None
        if parent is not None:
            parent_units = _covered(charter, parent)
            for member in association.members:
                if not set(_ancestors(charter, member.unit)) & parent_units:
                    yield _at(charter, (*member.path, "unit"),
                              f"unit '{member.unit}' of pilot '{association.id}' is not a member of "
                              f"'{parent.id}', the association it is within", association.clause)


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
                          f"village clinic '{unit.id}' has no {wanted} of association "
                          f"'{association.id}' as its parent", clause)
        for group in association.unit_groups:
            if group.kind != "village_clinic":
                continue
            if not group.parents:
                yield _at(charter, group.path,
                          f"{group.count} village clinics of association '{association.id}' have no "
                          f"parent; name the {wanted} they belong to", clause)
            for i, parent_id in enumerate(group.parents):
                parent = charter.unit(parent_id)
                if parent is None or parent.kind not in kinds or parent_id not in direct:
                    yield _at(charter, (*group.path, "parents", i),
                              f"village clinics of association '{association.id}': parent "
                              f"'{parent_id}' is not a {wanted} of that association", clause)


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
                          f"association '{association.id}' declares {declared.count} "
                          f"{' + '.join(declared.kinds)} but its members make {total} "
                          f"({len(named)} named, {grouped} counted in groups)", declared.clause)


def check_supervisors(charter: Charter) -> Iterator[Diagnostic]:
    """A board of supervisors has a size within the range the plan allows."""
    rule = charter.supervisors_size
    if rule is None:
        return
    allowed = f"the plan allows {rule.minimum} to {rule.maximum} members"
    for association in charter.associations:
        for body in association.bodies:
            if body.kind != "board_of_supervisors" or body.size is None:
                continue
            if isinstance(body.size, int):
                if not rule.minimum <= body.size <= rule.maximum:
                    yield _at(charter, (*body.path, "size"),
                              f"board of supervisors of '{association.id}' has {body.size} members; "
                              + allowed, rule.clause)
            else:
                low, high = body.size
                if low > high or low < rule.minimum or high > rule.maximum:
                    yield _at(charter, (*body.path, "size"),
                              f"board of supervisors of '{association.id}' may have {low} to {high} "
                              "members; " + allowed, rule.clause)


def check_bodies(charter: Charter) -> Iterator[Diagnostic]:
    """Required bodies exist with the required frequency, and boards sit at the lead unit."""
    for association in charter.associations:
        heads = {m.unit for m in association.members if m.role in HEAD_ROLES}
        for body in association.bodies:
            if heads and body.seat is not None and charter.unit(body.seat) is not None and not (
                set(_ancestors(charter, body.seat)) & heads
            ):
                yield _at(charter, (*body.path, "seat"),
                          f"{body.name} of '{association.id}' sits at '{body.seat}', not at the "
                          "association's lead or core unit", body.clause)
        if association.within is not None:
            continue
        available = (*association.bodies, *charter.bodies)
        for required in charter.required_bodies:
            matching = [b for b in available if b.kind == required.kind]
            if not matching:
                yield _at(charter, association.path,
                          f"association '{association.id}' has no {required.kind.replace('_', ' ')}",
                          required.clause)
            elif required.frequency and all(b.frequency != required.frequency for b in matching):
                body = matching[0]
                meets = body.frequency or "at no stated interval"
                yield _at(charter, (*body.path, "frequency") if body.frequency else body.path,
                          f"{body.name} of '{association.id}' meets {meets}; "
                          f"the plan requires {required.frequency}", required.clause)


def check_principles(charter: Charter) -> Iterator[Diagnostic]:
    """A list of unchanged principles has as many items as the plan counts ('five unchanged')."""
    for principles in charter.principles:
        if principles.declared_count is not None and principles.declared_count != len(principles.items):
            yield _at(charter, (*principles.path, "items"),
                      f"the plan counts {principles.declared_count} unchanged principles here but "
                      f"{len(principles.items)} are listed", principles.clause)


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
