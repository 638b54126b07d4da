"""Recorded references: CSL YAML, CSL JSON (as Zotero exports) or BibTeX/BibLaTeX files, read
into ids with their locations. pandoc reads the files themselves; this is for the checks."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cslschema import check_item
from .diagnostics import Diagnostic, Location, PressrunError
from .yamlnodes import YamlFile

FORMATS = {".yaml": "CSL YAML", ".yml": "CSL YAML", ".json": "CSL JSON", ".bib": "BibTeX"}
# A whole Zotero group library of 12,000 items is about 15 MB of CSL JSON.
MAX_REFERENCES_BYTES = 64 * 1024 * 1024
BIBTEX_ENTRY = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()]*)\s*,?", re.M)
BIBTEX_NOT_ENTRIES = {"comment", "preamble", "string"}


@dataclass(frozen=True)
class Reference:
    id: str
    type: str
    where: Location


def read_references(
    path: Path, display: str, warnings: list[Diagnostic] | None = None
) -> list[Reference]:
    """The references of one file, each with an id and a type; CSL YAML and JSON items are
    checked against CSL (an unknown type is an error; an unknown field, a missing title or
    author are warnings, added to `warnings`)."""
    warnings = warnings if warnings is not None else []
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise PressrunError(
            [
                Diagnostic(
                    Location(display),
                    f"unknown references format '{path.suffix}'",
                    "references-format",
                    "use CSL YAML (.yaml), CSL JSON (.json) or BibTeX/BibLaTeX (.bib)",
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
    size = path.stat().st_size
    if size > MAX_REFERENCES_BYTES:
        raise PressrunError(
            [
                Diagnostic(
                    Location(display, 1, 1),
                    f"references file is {size:,} bytes, more than {MAX_REFERENCES_BYTES:,}",
                    "file-too-big",
                    "export only the collection the publication cites",
                )
            ]
        )
    if kind == "CSL JSON":
        return _from_json(path, display, warnings)
    if kind == "BibTeX":
        return _from_bibtex(path, display)
    return _from_yaml(YamlFile(path, display), warnings)


def _checked(found: list[Diagnostic], errors: list, warnings: list) -> None:
    for diagnostic in found:
        (warnings if diagnostic.severity == "warning" else errors).append(diagnostic)


def duplicate_references(references: list[Reference]) -> list[Diagnostic]:
    """An error for each id recorded twice, in one file or across files, naming both places."""
    first: dict[str, Reference] = {}
    found = []
    for ref in references:
        if ref.id in first:
            found.append(
                Diagnostic(
                    ref.where,
                    f"duplicate reference id '{ref.id}' (first at {first[ref.id].where})",
                    "duplicate-reference",
                    "give each source one entry with one id",
                )
            )
        else:
            first[ref.id] = ref
    return found


def _from_yaml(f: YamlFile, warnings: list[Diagnostic]) -> list[Reference]:
    root = f.root
    if isinstance(root, yaml.MappingNode):
        root = f.mapping(root, required=("references",), what="a references file").get("references")
    found: list[Reference] = []
    for item in f.sequence(root, "references") if root is not None else []:
        if not isinstance(item, yaml.MappingNode):
            f.error(item, "a reference must be a mapping with id, type, title…", "wrong-type")
            continue
        fields = {k.value: v for k, v in item.value if hasattr(k, "value")}
        keys = {k.value: k for k, _ in item.value if hasattr(k, "value")}
        values = {
            name: node.value if isinstance(node, yaml.ScalarNode) else None
            for name, node in fields.items()
        }
        _checked(
            check_item(
                values,
                f.where(item),
                lambda name, keys=keys, item=item: f.where(keys.get(name, item)),
            ),
            f.diagnostics,
            warnings,
        )
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
    f.raise_errors()
    return found


def _text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PressrunError(
            [
                Diagnostic(
                    Location(display, 1, 1),
                    "file is not UTF-8 text",
                    "not-utf8",
                    "save the file as UTF-8",
                )
            ]
        ) from None


class Positions:
    """file:line:col of offsets in a text, each in logarithmic time (a library has thousands)."""

    def __init__(self, text: str, display: str):
        self.display = display
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> Location:
        line = bisect.bisect_right(self.starts, offset)
        return Location(self.display, line, offset - self.starts[line - 1] + 1)


JSON_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d{1,30})')


def _json_value(literal: str):
    try:
        return json.loads(literal)
    except ValueError:
        return None


def _from_json(path: Path, display: str, warnings: list[Diagnostic]) -> list[Reference]:
    text = _text(path, display)
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
    except (ValueError, RecursionError):  # a number of thousands of digits, deep nesting
        raise PressrunError(
            [
                Diagnostic(
                    Location(display, 1, 1),
                    "JSON with a number too long or brackets nested too deep to read",
                    "json-syntax",
                    "export the library as CSL JSON again",
                )
            ]
        ) from None
    diagnostics: list[Diagnostic] = []
    found = []
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]  # CSL JSON wrapped as {"items": [...]} by some exports
    if not isinstance(data, list):
        raise PressrunError(
            [
                Diagnostic(
                    Location(display, 1, 1),
                    "CSL JSON must be a list of references",
                    "wrong-type",
                    "export the library as CSL JSON",
                )
            ]
        )
    # JSON keeps no positions: the "id" keys of the text, in order, are the items' places. One
    # pass: each item looks a few keys ahead for its own id (nested objects may have ids too).
    places = [(m.start(1), _json_value(m.group(1))) for m in JSON_ID.finditer(text)]
    at = Positions(text, display)
    next_place = 0
    for item in data:
        rid, rtype = (item.get("id"), item.get("type")) if isinstance(item, dict) else (None, None)
        where = Location(display)
        for n in range(next_place, min(next_place + 8, len(places))):
            if rid is not None and places[n][1] == rid:
                where, next_place = at(places[n][0]), n + 1
                break
        if not isinstance(rid, str | int) or not isinstance(rtype, str):
            diagnostics.append(
                Diagnostic(
                    where,
                    "reference without a string id and type",
                    "missing-key",
                    'add "id" and "type" to it',
                )
            )
            continue
        _checked(check_item(item, where, lambda name, at=where: at), diagnostics, warnings)
        found.append(Reference(str(rid), rtype, where))
    if diagnostics:
        raise PressrunError(diagnostics)
    return found


def _from_bibtex(path: Path, display: str) -> list[Reference]:
    """The entries' keys and types; pandoc parses the fields when it formats them."""
    text = _text(path, display)
    found, diagnostics = [], []
    at = Positions(text, display)
    for match in BIBTEX_ENTRY.finditer(text):
        kind, key = match.group(1).lower(), match.group(2)
        if kind in BIBTEX_NOT_ENTRIES:
            continue
        where = at(match.start())
        if not key:
            diagnostics.append(
                Diagnostic(
                    where,
                    f"@{kind} entry without a key",
                    "missing-key",
                    "write the key after the brace: @book{key, …}",
                )
            )
            continue
        found.append(Reference(key, kind, at(match.start(2))))
    if diagnostics:
        raise PressrunError(diagnostics)
    return found
