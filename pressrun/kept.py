"""What pandoc read, kept by the digest of what it read (in memory, and as JSON in a folder
of output/.cache), so that an unchanged library or text is read once, not at every `check`,
build and save. A kept file that cannot be read (not there, damaged, another version's) is
simply made again.

On disk each kind keeps what was used last, up to KEEP_BYTES (and at least the KEEP newest):
a catalog of hundreds of publications keeps all of its entries, and a library edited a
hundred times does not fill the disk. `recorded()` lists the entries a piece of work used
(a cluster's worker is sent those of its publication)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

KEEP = 32  # results per kind in memory, and at least on disk
KEEP_BYTES = 256 * 1024 * 1024  # per kind on disk: each edit of a library or text leaves one
_RECORDING: list[list[str]] = []


@contextmanager
def recorded() -> Iterator[list[str]]:
    """The entries looked up or made meanwhile, as <kind>/<key>.json under output/.cache."""
    found: list[str] = []
    _RECORDING.append(found)
    try:
        yield found
    finally:
        _RECORDING.remove(found)


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
            self._used(key)
            return self.memory[key]
        if cache is None:
            return None
        path = cache / self.name / f"{key}.json"
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        with suppress(OSError):
            os.utime(path)  # used now: the last to go
        self._remember(key, value)
        return value

    def put(self, key: str, value: object, cache: Path | None) -> None:
        self._remember(key, value)
        if cache is None:
            return
        folder = cache / self.name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{key}.{os.getpid()}"
            partial.write_text(json.dumps(value), encoding="utf-8")
            partial.replace(folder / f"{key}.json")
            _prune(folder)
        except OSError:
            pass  # a read-only output/: made again next time

    def _remember(self, key: str, value: object) -> None:
        self._used(key)
        self.memory[key] = value
        while len(self.memory) > KEEP:  # `watch` runs for hours while files are edited
            del self.memory[next(iter(self.memory))]

    def _used(self, key: str) -> None:
        for found in _RECORDING:
            found.append(f"{self.name}/{key}.json")


def _prune(folder: Path) -> None:
    """Remove the entries used longest ago beyond KEEP_BYTES, keeping the KEEP newest."""
    entries = []
    for path in folder.glob("*.json"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime_ns, stat.st_size, path))
    total = 0
    for n, (_, size, path) in enumerate(sorted(entries, reverse=True)):
        total += size
        if n >= KEEP and total > KEEP_BYTES:
            path.unlink(missing_ok=True)


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
