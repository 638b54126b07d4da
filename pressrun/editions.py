"""The archive of editions: verify it against its manifests, reproduce an edition, index them."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pikepdf

from .diagnostics import Diagnostic, Location, PressrunError, fail
from .project import Project
from .release import CHECKSUMS, LOCK, MANIFEST, release, tool_lock


@dataclass(frozen=True)
class Edition:
    """A released edition, as its manifest describes it."""

    folder: Path
    manifest: dict

    @property
    def name(self) -> str:
        return f"{self.manifest['publication']} {self.manifest['version']}"


def read_edition(folder: Path) -> Edition:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail(
            Location(str(folder)),
            "not an edition: no manifest.json",
            "no-manifest",
            "give a folder output/editions/<pub>/<version>",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(
            Location(str(path)),
            f"manifest.json is damaged: {exc}",
            "bad-manifest",
            "restore the edition from a copy",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise fail(
            Location(str(path)),
            "manifest.json has no list of files",
            "bad-manifest",
            "restore the edition from a copy",
        )
    return Edition(folder, data)


def all_editions(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/*/{MANIFEST}"))


def verify(folder: Path) -> list[Diagnostic]:
    """Every missing, changed or extra file of an edition, against its manifest."""
    edition = read_edition(folder)
    problems = []
    listed = {}
    for entry in edition.manifest["files"]:
        path = folder / entry["path"]
        listed[entry["path"]] = entry
        where = Location(str(path))
        if not path.is_file():
            problems.append(
                Diagnostic(
                    where,
                    "missing from the edition",
                    "edition-missing",
                    "restore it from a copy of the edition",
                )
            )
            continue
        data = path.read_bytes()
        if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.append(
                Diagnostic(
                    where,
                    f"changed since the release ({len(data):,} bytes, sha256 "
                    f"{hashlib.sha256(data).hexdigest()[:12]}…; the manifest says "
                    f"{entry['bytes']:,} bytes, {entry['sha256'][:12]}…)",
                    "edition-changed",
                    "restore it from a copy of the edition",
                )
            )
    expected = "".join(f"{entry['sha256']}  {name}\n" for name, entry in sorted(listed.items()))
    expected += f"{hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()}  {MANIFEST}\n"
    sums = folder / CHECKSUMS
    if not sums.is_file() or sums.read_text(encoding="utf-8", errors="replace") != expected:
        problems.append(
            Diagnostic(
                Location(str(sums)),
                "missing or changed since the release",
                "edition-changed",
                "restore it from a copy of the edition",
            )
        )
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in listed and name not in (MANIFEST, CHECKSUMS):
            problems.append(
                Diagnostic(
                    Location(str(path)),
                    "not part of the edition",
                    "edition-extra",
                    "remove it: an edition is frozen",
                )
            )
    return problems


@dataclass(frozen=True)
class Reproduction:
    edition: Edition
    differing: list[str]
    tools_then: dict[str, str]
    tools_now: dict[str, str]


def embedded_sources(edition: Edition) -> dict[str, bytes]:
    """The sources carried inside the edition's first archival PDF."""
    for entry in edition.manifest["files"]:
        name = entry["path"]
        if name.endswith(".pdf") and not name.endswith("-print.pdf"):
            with pikepdf.open(edition.folder / name) as pdf:
                found = {key: spec.get_file().read_bytes() for key, spec in pdf.attachments.items()}
            if found:
                return found
    raise fail(
        Location(str(edition.folder)),
        "no PDF of this edition carries its sources",
        "no-sources",
        "only editions made by 'release' can be reproduced",
    )


def reproduce(folder: Path) -> Reproduction:
    """Rebuild an edition from the sources inside it, in a temporary project; compare bytes."""
    edition = read_edition(folder)
    made_from = embedded_sources(edition)
    tools_then = json.loads(made_from.get(LOCK, b"{}"))
    with tempfile.TemporaryDirectory(prefix="pressrun-reproduce-") as temporary:
        root = Path(temporary)
        for name, data in made_from.items():
            if name == LOCK:
                continue
            path = (root / name).resolve()
            if not path.is_relative_to(root.resolve()):
                raise fail(
                    Location(str(folder)),
                    f"embedded source '{name}' points outside",
                    "bad-source",
                    "this edition was not made by pressrun",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        pub_id, version = edition.manifest["publication"], edition.manifest["version"]
        rebuilt = release(Project(root), pub_id, version, into=root / "rebuilt")
        names = [entry["path"] for entry in edition.manifest["files"]] + [MANIFEST, CHECKSUMS]
        differing = [
            name
            for name in names
            if not (folder / name).is_file()
            or not (rebuilt / name).is_file()
            or (folder / name).read_bytes() != (rebuilt / name).read_bytes()
        ]
    return Reproduction(edition, differing, tools_then, tool_lock())


INDEX = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions</title>
<style>
body { font-family: "Noto Serif", Georgia, serif; max-width: 50rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.4; color: #111; }
h2 { margin-top: 2rem; border-bottom: 1px solid #999; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
td { padding: 0.15rem 0.5rem 0.15rem 0; vertical-align: top; }
code { font-size: 0.75rem; word-break: break-all; }
</style>
</head>
<body>
<h1>Editions</h1>
{%- for pub, editions in publications.items() %}
<h2>{{ pub }}</h2>
{%- for e in editions %}
<h3 id="{{ pub }}-{{ e.manifest.version }}">{{ e.manifest.version }}
  <small>({{ e.manifest.date }})</small></h3>
<ul>
{%- for change in e.manifest.changelog if change.version == e.manifest.version %}
{%- for lang, text in change.changes | dictsort %}
  <li>{% if lang != "*" %}[{{ lang }}] {% endif %}{{ text }}</li>
{%- endfor %}
{%- endfor %}
</ul>
<table>
{%- for f in e.manifest.files %}
<tr><td><a href="{{ pub }}/{{ e.manifest.version }}/{{ f.path }}">{{ f.path }}</a></td>
<td>{{ "{:,}".format(f.bytes) }}&nbsp;bytes</td><td><code>{{ f.sha256 }}</code></td></tr>
{%- endfor %}
</table>
{%- endfor %}
{%- endfor %}
</body>
</html>
""")


def index_html(root: Path) -> str:
    """A page listing every edition: versions, dates, changes, files and checksums."""
    publications: dict[str, list[Edition]] = {}
    for folder in all_editions(root):
        try:
            edition = read_edition(folder)
        except PressrunError:
            continue
        publications.setdefault(edition.manifest["publication"], []).append(edition)
    for editions in publications.values():
        editions.sort(
            key=lambda e: tuple(int(n) for n in e.manifest["version"].split(".")), reverse=True
        )
    return INDEX.render(publications=publications)
