"""What pandoc read, kept by the digest of what it read (in memory, and as JSON in a folder
of output/.cache), so that an unchanged library or text is read once, not at every `check`,
build and save. A kept file that cannot be read (not there, damaged, another version's) is
simply made again."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

KEEP = 32  # results per kind: each edit of a library or text leaves one behind


class Kept:
    """One kind of result (references read, citations found), in `output/.cache/<name>/`."""

    def __init__(self, name: str, version: str):
        self.name, self.version = name, version
        self.memory: dict[str, object] = {}

    def key(self, *parts: bytes) -> str:
        """The digest of the inputs, with this kind's version and the pandoc that reads them."""
        digest = hashlib.sha256(self.version.encode() + b"\0" + pandoc_identity().encode())
        for part in parts:
            digest.update(b"\0" + hashlib.sha256(part).digest())
        return digest.hexdigest()

    def get(self, key: str, cache: Path | None) -> object | None:
        if key in self.memory:
            return self.memory[key]
        if cache is None:
            return None
        try:
            value = json.loads((cache / self.name / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        self.memory[key] = value
        return value

    def put(self, key: str, value: object, cache: Path | None) -> None:
        self.memory[key] = value
        while len(self.memory) > KEEP:  # `watch` runs for hours while files are edited
            del self.memory[next(iter(self.memory))]
        if cache is None:
            return
        folder = cache / self.name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{key}.{os.getpid()}"
            partial.write_text(json.dumps(value), encoding="utf-8")
            partial.replace(folder / f"{key}.json")
            kept = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
            for old in kept[:-KEEP]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only output/: made again next time


def pandoc_identity() -> str:
    """The pandoc that reads the files, as its package's binary's size and time: known without
    starting pandoc or importing its package (a no-op build does neither)."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is None or not spec.submodule_search_locations:
        return "none"
    binary = Path(next(iter(spec.submodule_search_locations))) / "files" / "pandoc"
    try:
        stat = binary.stat()
    except OSError:
        return "none"
    return f"{stat.st_size}:{stat.st_mtime_ns}"
