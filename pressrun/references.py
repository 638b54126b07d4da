"""Recorded references: CSL YAML or CSL JSON files read into ids with their locations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from .diagnostics import Diagnostic, Location, PressrunError
from .yamlnodes import YamlFile

FORMATS = {".yaml": "CSL YAML", ".yml": "CSL YAML", ".json": "CSL JSON"}


@dataclass(frozen=True)
class Reference:
    id: str
    type: str
    where: Location


def read_references(path: Path, display: str) -> list[Reference]:
    """The references of one file, checked for ids, types and duplicates."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise PressrunError(
            [
                Diagnostic(
                    Location(display),
                    f"unknown references format '{path.suffix}'",
                    "references-format",
                    "use a CSL YAML (.yaml) or CSL JSON (.json) file",
                )
            ]
        )
    if not path.is_file():
        raise PressrunError(
            [
                Diagnostic(
                    Location(display),
                    "references file not found",
                    "references-missing",
                    "create it, or point 'references:' in publication.yaml at the right file",
                )
            ]
        )
    if kind == "CSL JSON":
        return _from_json(path, display)
    return _from_yaml(YamlFile(path, display))


def _from_yaml(f: YamlFile) -> list[Reference]:
    root = f.root
    if isinstance(root, yaml.MappingNode):
        root = f.mapping(root, required=("references",), what="a references file").get("references")
    found: list[Reference] = []
    for item in f.sequence(root, "references") if root is not None else []:
        if not isinstance(item, yaml.MappingNode):
            f.error(item, "a reference must be a mapping with id, type, title…", "wrong-type")
            continue
        fields = {k.value: v for k, v in item.value if hasattr(k, "value")}
        for needed in ("id", "type"):
            if needed not in fields:
                f.error(
                    item,
                    f"reference without '{needed}'",
                    "missing-key",
                    f"add '{needed}: …' to this reference",
                )
        if "id" in fields and "type" in fields:
            rid = f.string(fields["id"], "reference id")
            rtype = f.string(fields["type"], "reference type")
            if rid and rtype:
                found.append(Reference(rid, rtype, f.where(fields["id"])))
    _check_duplicates(found, f.diagnostics)
    f.raise_errors()
    return found


def _from_json(path: Path, display: str) -> list[Reference]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PressrunError(
            [
                Diagnostic(
                    Location(display, exc.lineno, exc.colno),
                    f"JSON syntax: {exc.msg}",
                    "json-syntax",
                )
            ]
        ) from None
    diagnostics: list[Diagnostic] = []
    found = []
    items = data if isinstance(data, list) else []
    if not isinstance(data, list):
        diagnostics.append(
            Diagnostic(Location(display, 1, 1), "CSL JSON must be a list", "wrong-type")
        )
    for item in items:
        rid, rtype = (item.get("id"), item.get("type")) if isinstance(item, dict) else (None, None)
        # JSON keeps no positions: find the line of the id for the message.
        offset = text.find(f'"{rid}"') if rid else -1
        line = text.count("\n", 0, offset) + 1 if offset >= 0 else 0
        if not isinstance(rid, str | int) or not isinstance(rtype, str):
            diagnostics.append(
                Diagnostic(
                    Location(display, line, 1 if line else 0),
                    "reference without a string id and type",
                    "missing-key",
                )
            )
            continue
        found.append(Reference(str(rid), rtype, Location(display, line, 1)))
    _check_duplicates(found, diagnostics)
    if diagnostics:
        raise PressrunError(diagnostics)
    return found


def _check_duplicates(found: list[Reference], diagnostics: list[Diagnostic]) -> None:
    first: dict[str, Reference] = {}
    for ref in found:
        if ref.id in first:
            diagnostics.append(
                Diagnostic(
                    ref.where,
                    f"duplicate reference id '{ref.id}' (first at {first[ref.id].where})",
                    "duplicate-reference",
                    "give each source one entry with one id",
                )
            )
        else:
            first[ref.id] = ref
