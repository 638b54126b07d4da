"""Recorded references: CSL YAML, CSL JSON (as Zotero exports) or BibTeX/BibLaTeX files -> the
ids, types, short citation keys and places of their entries, for the checks.

Each file is read twice at once: by pressrun, for the places (file:line:col of every entry)
and CSL's rules, and by pandoc, exactly as the build will read it, so that what only pandoc
rejects shows at `check` too, placed at its entry. What was read is kept by the file's digest
(in memory and in output/.cache/references/), so a library of thousands of items is read once.
"""

from __future__ import annotations

import bisect
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import pandoc
from .cslschema import check_item
from .diagnostics import Diagnostic, Location, PressrunError, fail, shortened
from .kept import Kept
from .yamlnodes import YamlFile

FORMATS = {".yaml": "CSL YAML", ".yml": "CSL YAML", ".json": "CSL JSON", ".bib": "BibTeX"}
# A whole Zotero group library of 12,000 items is about 15 MB of CSL JSON.
MAX_REFERENCES_BYTES = 64 * 1024 * 1024
BIBTEX_NOT_ENTRIES = {"comment", "preamble", "string"}
LIBRARY_FILTER = Path(__file__).with_name("library.lua")
# Zotero keeps a short key as "Citation Key: …" in an item's Extra field, exported as `note`.
NOTE_KEY = re.compile(r"^\s*Citation Key:\s*(\S+)\s*$", re.M | re.I)


@dataclass(frozen=True)
class Reference:
    id: str
    type: str
    where: Location
    alias: str = ""  # a short key to cite it by: Zotero's Citation Key, Better BibTeX's
    members: tuple[str, ...] = ()  # a BibLaTeX @set's entries (citeproc prints no sets)


def read_references(
    path: Path, display: str, warnings: list[Diagnostic] | None = None, cache: Path | None = None
) -> list[Reference]:
    """The references of one file, each with an id and a type. CSL YAML and JSON items are
    checked against CSL (an unknown type is an error; an unknown field, a missing title or
    author are warnings, added to `warnings`); pandoc's reader must accept the file."""
    warnings = warnings if warnings is not None else []
    kind = _kind(path, display)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise fail(
            Location(display, 1, 1),
            "the file starts with a byte-order mark, which pandoc cannot read",
            "references-bom",
            "save it as UTF-8 without a BOM (your editor's encoding menu)",
        )
    key = READS.key(kind.encode(), data)
    known = _from_kept(READS.get(key, cache))
    if known is None:
        reading = PandocRead(path, display)
        try:
            known = _read(kind, path, display, data)
        except PressrunError:
            reading.stop()
            raise
        errors = reading.problems(known, kind == "BibTeX", len(data))
        if errors:
            raise PressrunError(errors)
        READS.put(key, {"entries": known.entries, "warnings": known.warnings}, cache)
    references, found_warnings = known.located(display)
    warnings += found_warnings
    if not references:
        warnings.append(
            Diagnostic(
                Location(display, 1, 1),
                "the references file holds no entries",
                "references-empty",
                "export the references again, or remove the file from 'references:'",
                "warning",
            )
        )
    return references


def _kind(path: Path, display: str) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise fail(
            Location(display),
            f"unknown references format '{path.suffix}'",
            "references-format",
            "use CSL YAML (.yaml), CSL JSON (.json) or BibTeX/BibLaTeX (.bib)",
        )
    if not path.is_file():
        raise fail(
            Location(display),
            "references file not found",
            "references-missing",
            "create it, or point 'references:' in publication.yaml at the right file",
        )
    size = path.stat().st_size
    if size > MAX_REFERENCES_BYTES:
        raise fail(
            Location(display, 1, 1),
            f"references file is {size:,} bytes, more than {MAX_REFERENCES_BYTES:,}",
            "file-too-big",
            "export only the collection the publication cites",
        )
    return kind


@dataclass
class Read:
    """What one file holds, without its name (kept by digest, whatever the file is called):
    entries as (id, type, line, column, alias, set members), warnings as (line, column,
    message, code, hint), and for BibTeX the places of entries pandoc may not read."""

    entries: list[tuple[str, str, int, int, str, str]]
    warnings: list[tuple[int, int, str, str, str]]
    unclosed: list[tuple[str, int, int]]

    def located(self, display: str) -> tuple[list[Reference], list[Diagnostic]]:
        refs = [
            Reference(rid, rtype, Location(display, line, col), alias, tuple(members.split()))
            for rid, rtype, line, col, alias, members in self.entries
        ]
        warned = [
            Diagnostic(Location(display, line, col), message, code, hint, "warning")
            for line, col, message, code, hint in self.warnings
        ]
        return refs, warned


def _read(kind: str, path: Path, display: str, data: bytes) -> Read:
    warnings: list[Diagnostic] = []
    unclosed: list[tuple[str, int, int]] = []
    if kind == "CSL JSON":
        refs = _from_json(_text(data, display), display, warnings)
    elif kind == "BibTeX":
        refs = _from_bibtex(_text(data, display), display, unclosed)
    else:
        refs = _from_yaml(YamlFile(path, display, limit=MAX_REFERENCES_BYTES), warnings)
    return Read(
        [(r.id, r.type, r.where.line, r.where.column, r.alias, " ".join(r.members)) for r in refs],
        [
            (w.where.line, w.where.column, w.message, w.code, w.hint)
            for w in warnings
            if w.where is not None
        ],
        unclosed,
    )


# -- what was read, by digest ----------------------------------------------------------------
READS = Kept("references", "2")


def _from_kept(kept) -> Read | None:
    try:
        return Read(
            [
                (str(a), str(b), int(c), int(d), str(e), str(f))
                for a, b, c, d, e, f in kept["entries"]
            ],
            [(int(a), int(b), str(c), str(d), str(e)) for a, b, c, d, e in kept["warnings"]],
            [],
        )
    except (TypeError, ValueError, KeyError):
        return None  # nothing kept, or not what this version keeps


# -- pandoc's reading -------------------------------------------------------------------------
class PandocRead:
    """pandoc reading one references file as the build will, in the background: the ids it
    finds, or its complaint, placed at the entry."""

    PANDOC_ERROR = re.compile(r"\(line (\d+), column (\d+)\):\s*(.*)", re.S)
    JSON_ERROR = re.compile(r"Error in \$\[(\d+)\]((?:\[[^\]]*\])*):\s*(.*)", re.S)

    def __init__(self, path: Path, display: str):
        self.path, self.display = path, display
        self.process = subprocess.Popen(
            pandoc.command(
                *("--from", "markdown", "--to", "plain"),
                f"--bibliography={path}",
                *("--lua-filter", str(LIBRARY_FILTER)),
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=pandoc.environment(),
        )

    def stop(self) -> None:
        self.process.kill()
        self.process.communicate()

    def problems(self, read: Read, bibtex: bool, size: int) -> list[Diagnostic]:
        """pandoc's complaint about the file (of `size` bytes), if any; for BibTeX, the entries
        are those pandoc read (a commented-out entry is not one), in `read.entries`."""
        try:
            out, err = self.process.communicate(b"---\nnocite: '@*'\n---\n", timeout=pandoc.SECONDS)
        except subprocess.TimeoutExpired:
            self.stop()
            return [
                Diagnostic(
                    Location(self.display, 1, 1),
                    f"pandoc took more than {pandoc.SECONDS} s to read the references "
                    f"({size / 2**20:.1f} MiB, {len(read.entries):,} entries)",
                    "pandoc-limit",
                    "export only the collection the publication cites (CSL JSON reads fastest)"
                    if len(read.entries) > 10_000
                    else "look for a huge or self-repeating entry",
                )
            ]
        if self.process.returncode != 0:
            return [self._complaint(err.decode("utf-8", "replace"), read)]
        if bibtex:
            _keep_read(read, json.loads(out.decode("utf-8")), self.display)
        return []

    def _complaint(self, stderr: str, read: Read) -> Diagnostic:
        message = " ".join(
            line
            for line in stderr.strip().splitlines()
            if not line.startswith(("Error running filter", "stack traceback", "\t"))
        )
        message = message.replace(f"Error reading bibliography file {self.path}:", "").strip()
        if "Heap exhausted" in stderr:
            return Diagnostic(
                Location(self.display, 1, 1),
                f"pandoc needed more than {pandoc.MEBIBYTES:,} MiB to read the references",
                "pandoc-limit",
                "look for a huge or self-repeating entry (such as @string macros that double)",
            )
        if found := self.JSON_ERROR.search(message):
            n, inside, problem = int(found.group(1)), found.group(2), found.group(3)
            entry = read.entries[n] if n < len(read.entries) else None
            if entry is not None:
                field = ".".join(part.strip("[]'") for part in re.findall(r"\[[^\]]*\]", inside))
                return Diagnostic(
                    Location(self.display, entry[2], entry[3]),
                    f"reference '{shortened(entry[0])}': pandoc cannot read "
                    f"'{shortened(field)}': {shortened(problem, 120)}",
                    "references-unreadable",
                    'a date is numbers, as "issued": {"date-parts": [[1999, 5]]}; write an '
                    'uncertain one as {"literal": "circa 1999"}'
                    if "date-parts" in field
                    else "see CSL JSON's schema for this field",
                )
        if found := self.PANDOC_ERROR.search(message):
            line, col = int(found.group(1)), int(found.group(2))
            problem = " ".join(found.group(3).split()[:8])
            for key, at_line, at_col in read.unclosed:
                if at_line < line:  # an entry not closed: pandoc notices at the next one
                    return Diagnostic(
                        Location(self.display, at_line, at_col),
                        f"entry '{shortened(key)}' is not closed: a '{{' has no '}}'",
                        "bibtex-syntax",
                        "close each field's braces and the entry's own",
                    )
            return Diagnostic(
                Location(self.display, line, col),
                f"BibTeX syntax: {shortened(problem, 120)}"
                if self.path.suffix.lower() == ".bib"
                else shortened(problem, 160),
                "references-unreadable",
                "write the entry with braces, @book{key, …}: pandoc does not read @book(…)"
                if problem.startswith("unexpected '('")
                else "fix the entry at this place (pandoc reads the file as the build will)",
            )
        return Diagnostic(
            Location(self.display, 1, 1),
            f"pandoc cannot read the references: {shortened(message, 200)}",
            "references-unreadable",
        )


def _keep_read(read: Read, pandoc_ids: list, display: str) -> None:
    """The entries are those pandoc read, each at the place where pressrun found it (the first
    of its key not yet taken); pandoc's types are CSL's."""
    places: dict[str, list[tuple[int, int, str]]] = {}
    for rid, _, line, col, _, members in read.entries:
        places.setdefault(rid, []).append((line, col, members))
    entries = []
    for rid, rtype in pandoc_ids:
        where = places.get(rid)
        line, col, members = where.pop(0) if where else (0, 0, "")
        entries.append((rid, rtype, line, col, "", members))
    read.entries = entries


# -- pressrun's reading -----------------------------------------------------------------------
def duplicate_references(references: list[Reference]) -> list[Diagnostic]:
    """An error for each id or citation key recorded twice, in one file or across files,
    naming both places."""
    first: dict[str, Reference] = {}
    found = []
    for ref in references:
        for key in dict.fromkeys(k for k in (ref.id, ref.alias) if k):
            if key in first and first[key] is not ref:
                other = first[key]
                what = "reference id" if key == ref.id and key == other.id else "citation key"
                found.append(
                    Diagnostic(
                        ref.where,
                        f"duplicate {what} '{shortened(key)}' (first at {other.where})",
                        "duplicate-reference",
                        "give each source one entry with one id",
                    )
                )
            else:
                first.setdefault(key, ref)
    return found


def _alias(citation_key, note, rid: str) -> str:
    """The short key an item may be cited by, if it has one other than its id."""
    key = citation_key if isinstance(citation_key, str) else ""
    if not key and isinstance(note, str) and (found := NOTE_KEY.search(note)):
        key = found.group(1)
    return key.strip() if key.strip() != rid else ""


def _from_yaml(f: YamlFile, warnings: list[Diagnostic]) -> list[Reference]:
    root = f.root
    if isinstance(root, yaml.MappingNode):
        # Also pandoc's own `-t markdown` conversion: a metadata block with `nocite` too.
        root = f.mapping(
            root, required=("references",), optional=("nocite",), what="a references file"
        ).get("references")
    found: list[Reference] = []
    for item in f.sequence(root, "references") if root is not None else []:
        if not isinstance(item, yaml.MappingNode):
            f.error(item, "a reference must be a mapping with id, type, title…", "wrong-type")
            continue
        fields = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
        keys = {k.value: k for k, _ in item.value if isinstance(k, yaml.ScalarNode)}
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
        rid = f.string(fields["id"], "reference id") if "id" in fields else None
        for needed in ("id", "type"):
            if needed not in fields:
                label = f"reference '{shortened(rid)}'" if rid else "reference"
                f.error(
                    item,
                    f"{label} has no '{needed}'",
                    "missing-key",
                    f"add '{needed}: …' to it",
                )
        if rid and "type" in fields and (rtype := f.string(fields["type"], "reference type")):
            alias = _alias(values.get("citation-key"), values.get("note"), rid)
            found.append(Reference(rid, rtype, f.where(fields["id"]), alias))
    f.raise_errors()
    return found


def _checked(found: list[Diagnostic], errors: list, warnings: list) -> None:
    for diagnostic in found:
        (warnings if diagnostic.severity == "warning" else errors).append(diagnostic)


def _text(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(
            Location(display, line, 1), "file is not UTF-8 text", "not-utf8", "save it as UTF-8"
        ) from None


class Positions:
    """file:line:col of offsets in a text, each in logarithmic time (a library has thousands)."""

    def __init__(self, text: str, display: str):
        self.display = display
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> Location:
        line = bisect.bisect_right(self.starts, offset)
        return Location(self.display, line, offset - self.starts[line - 1] + 1)


JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
JSON_COLON = re.compile(r"\s*:\s*")
JSON_SPACE = re.compile(r"\s*(,?)\s*")


def _json_key(text: str, start: int, name: str) -> tuple[int, int] | None:
    """Where the key `name` of the JSON object at `start` is (not one of an object nested in
    it), and where its value starts."""
    depth = 0
    for token in JSON_TOKEN.finditer(text, start):
        mark = token.group()
        if mark in "[{":
            depth += 1
        elif mark in "]}":
            depth -= 1
            if depth == 0:
                return None
        elif (
            depth == 1
            and (colon := JSON_COLON.match(text, token.end()))
            and (json.loads(mark) if "\\" in mark else mark[1:-1]) == name
        ):
            return token.start(), colon.end()
    return None


def _not_a_list(display: str) -> PressrunError:
    return fail(
        Location(display, 1, 1),
        "CSL JSON must be a list of references",
        "wrong-type",
        "export the library as CSL JSON",
    )


def _json_items(text: str, display: str) -> list[tuple[object, int]]:
    """Each item of a CSL JSON list (or of {"items": [...]}) with its offset, in one pass."""
    decoder = json.JSONDecoder()
    try:
        start = JSON_SPACE.match(text).end()
        wrapped = text.startswith("{", start)
        if wrapped:
            wrapper = json.loads(text)
            items = _json_key(text, start, "items")
            if not isinstance(wrapper.get("items"), list) or items is None:
                raise _not_a_list(display)
            start = items[1]
        if not text.startswith("[", start):
            json.loads(text)  # a syntax error, or a value that is not a list
            raise _not_a_list(display)
        found, at = [], JSON_SPACE.match(text, start + 1).end()
        while not text.startswith("]", at):
            item, end = decoder.raw_decode(text, at)
            found.append((item, at))
            space = JSON_SPACE.match(text, end)
            at = space.end()
            if bool(space.group(1)) == text.startswith("]", at):  # a comma missing or extra
                json.loads(text)
        if not wrapped and text[at + 1 :].strip():
            json.loads(text)  # something after the list
        return found
    except json.JSONDecodeError as exc:
        raise fail(
            Location(display, exc.lineno, exc.colno), f"JSON syntax: {exc.msg}", "json-syntax"
        ) from None
    except (ValueError, RecursionError):  # a number of thousands of digits, deep nesting
        raise fail(
            Location(display, 1, 1),
            "JSON with a number too long or brackets nested too deep to read",
            "json-syntax",
            "export the library as CSL JSON again",
        ) from None


def _from_json(text: str, display: str, warnings: list[Diagnostic]) -> list[Reference]:
    at = Positions(text, display)
    diagnostics: list[Diagnostic] = []
    found = []
    for n, (item, start) in enumerate(_json_items(text, display), start=1):
        if not isinstance(item, dict):
            diagnostics.append(
                Diagnostic(at(start), f"item {n} is not a reference (an object)", "wrong-type")
            )
            continue
        key = _json_key(text, start, "id")
        where = at(key[1] if key is not None else start)
        rid, rtype = item.get("id"), item.get("type")
        if not isinstance(rid, str | int) or isinstance(rid, bool) or str(rid).strip() == "":
            diagnostics.append(
                Diagnostic(
                    where,
                    f"item {n} has no id (a string or number)",
                    "missing-key",
                    'add "id": "…" to it',
                )
            )
            continue
        if not isinstance(rtype, str):
            diagnostics.append(
                Diagnostic(
                    where,
                    f"reference '{shortened(str(rid))}' has no type"
                    if rtype is None
                    else f"reference '{shortened(str(rid))}' has a type that is not a string",
                    "missing-key",
                    'add "type": "book" (or another CSL type) to it',
                )
            )
            continue
        _checked(check_item(item, where, lambda name, at=where: at), diagnostics, warnings)
        alias = _alias(item.get("citation-key"), item.get("note"), str(rid))
        found.append(Reference(str(rid), rtype, where, alias))
    if diagnostics:
        raise PressrunError(diagnostics)
    return found


BIBTEX_TOKEN = re.compile(r"[{}@]|%[^\n]*")
BIBTEX_SET = re.compile(r"\bentryset\s*=\s*[{\"]([^{}\"]*)[}\"]", re.I)
# A key runs to the comma (pandoc allows parentheses in it: @book{doe(2020), …}).
BIBTEX_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*(?:(\{)\s*([^,\s{}]*)|(\()\s*([^,\s{}()]*))\s*,?")


def _from_bibtex(text: str, display: str, unclosed: list) -> list[Reference]:
    """The entries' keys and types, as BibTeX (and pandoc) reads them: a '%' outside an entry
    comments out the rest of its line; an entry at the start of a line begins anew even if
    the one before it was not closed (that one is put in `unclosed`, for pandoc's complaint)."""
    found, diagnostics = [], []
    at = Positions(text, display)
    depth, entry = 0, None  # the open entry: (key, line, column)
    for token in BIBTEX_TOKEN.finditer(text):
        mark = token.group()
        if mark == "{":
            depth += 1
        elif mark == "}":
            depth = max(0, depth - 1)
        elif mark.startswith("%"):
            if depth > 0:  # inside an entry it is text (50%, a URL); a '{' after it counts
                depth = max(1, depth + mark.count("{") - mark.count("}"))
        else:  # '@' outside entries, or at a line's start
            fresh = not text[text.rfind("\n", 0, token.start()) + 1 : token.start()].strip()
            head = BIBTEX_HEAD.match(text, token.start())
            if head is None or (depth > 0 and not fresh):
                continue
            if depth > 0 and entry is not None:
                unclosed.append(entry)
            group = 5 if head.group(4) else 3  # the key, after a '(' or a '{'
            depth = 1 if head.group(4) else 0  # a '{' is the next token
            kind, key = head.group(1).lower(), head.group(group)
            if kind in BIBTEX_NOT_ENTRIES:
                entry = None
                continue
            where = at(head.start(group))
            entry = (key, where.line, where.column)
            if not key:
                diagnostics.append(
                    Diagnostic(
                        at(head.start()),
                        f"@{kind} entry without a key",
                        "missing-key",
                        "write the key after the brace: @book{key, …}",
                    )
                )
                continue
            members = ()
            if kind == "set" and (
                entryset := BIBTEX_SET.search(text, head.end(), head.end() + 2000)
            ):
                members = tuple(m.strip() for m in entryset.group(1).split(",") if m.strip())
            found.append(Reference(key, kind, where, members=members))
    if depth > 0 and entry is not None:
        unclosed.append(entry)
    if diagnostics:
        raise PressrunError(diagnostics)
    return found
