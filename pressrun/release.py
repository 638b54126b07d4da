"""Stage 6, release: a publication -> a frozen edition folder.

output/editions/<pub>/<version>/ holds every language and format as PDF/A-3b carrying the
sources it was made from, the HTML, the print files, manifest.json and CHECKSUMS.sha256.
An edition is written once, whole, and never overwritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from .archive import CHECKSUMS, LOCK, MANIFEST, SIGNATURE, Manifest, checksum_lines, tool_lock
from .check import check
from .diagnostics import Diagnostic, Location, PressrunError, fail, usage
from .formats import archival
from .images import SUFFIXES
from .model import Publication
from .output import cannot_write, exclusive, write_atomic
from .pipeline import produce
from .project import Project, inside
from .typeset import Archival

VERSION = re.compile(r"\d+\.\d+\.\d+")


def editions_root(project: Project) -> Path:
    return project.output / "editions"


def sources(project: Project, pub: Publication) -> dict[str, bytes]:
    """Exactly what the edition is made from, by its path in the project: the files the
    publication uses (not drafts or anything else in its folder), the templates and styles,
    and the tool lock. No symlink may lead out of its folder; no path is absolute."""
    found, problems = {}, []
    for path in pub.files:
        name = f"content/{pub.id}/{path.relative_to(pub.folder).as_posix()}"
        found[name] = _read_inside(path, pub.folder, name, problems)
    for folder in (project.templates, project.styles):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if any(p.startswith(".") for p in relative.parts) or not path.is_file():
                continue
            name = f"{folder.name}/{relative.as_posix()}"
            found[name] = _read_inside(path, folder, name, problems)
    if problems:
        raise PressrunError(problems)
    found[LOCK] = json.dumps(tool_lock(), indent=2, sort_keys=True).encode() + b"\n"
    return found


def _read_inside(path: Path, folder: Path, name: str, problems: list[Diagnostic]) -> bytes:
    if not inside(path, folder):
        problems.append(
            Diagnostic(
                Location(name),
                f"is a link to a file outside {folder.name}/",
                "outside-folder",
                "an edition carries only its own files: copy the file in, or remove the link",
            )
        )
        return b""
    return path.read_bytes()


def digest(files: dict[str, bytes]) -> str:
    return hashlib.sha256(checksum_lines(files)).hexdigest()


def release(
    project: Project,
    pub_id: str,
    version: str | None = None,
    into: Path | None = None,
    warn: Callable[[Diagnostic], None] = lambda diagnostic: None,
    key: Path | None = None,
) -> Path:
    """Build and freeze one edition; refuse if that version was released before. With `key`,
    CHECKSUMS.sha256 is signed (CHECKSUMS.sha256.sig)."""
    [pub] = check(project, [pub_id])
    version = version or pub.edition.version
    if not VERSION.fullmatch(version):
        raise usage(
            f"version '{version}' is not a semantic version",
            "bad-version",
            "use a version such as 1.0.0",
        )
    logged = [change.version for change in pub.edition.changelog]
    if logged and version not in logged:
        raise fail(
            pub.where,
            f"edition {version} has no entry in the changelog, which lists {', '.join(logged)}",
            "no-changelog-entry",
            f"add '- version: {version}' with its date and changes at the top of changelog: "
            "the colophon and the editions index print them",
        )
    root = into or editions_root(project)
    folder = root / pub.id / version
    if folder.exists():
        raise fail(
            Location(project.display(folder)),
            f"edition {version} of {pub.id} exists already",
            "edition-exists",
            "an edition is never overwritten: raise the version in publication.yaml",
        )
    formats = project.config.formats
    if pub.has_answers and all(
        formats[name].audience == "students" for name in pub.formats if name in formats
    ):
        raise fail(
            pub.where,
            "a released worksheet keeps its texts, which hold the answers, in the teacher's "
            "copy or the answer key, and this one has neither",
            "no-answer-format",
            "add teacher or answer-key to formats: (the students' copies never carry the answers)",
        )
    for diagnostic in pub.warnings:
        warn(diagnostic)
    date = pub.edition.release_date(version)
    pub = dataclasses.replace(
        pub, edition=dataclasses.replace(pub.edition, version=version, date=date)
    )
    made_from = sources(project, pub)
    archival = Archival(made_from, date)
    files: dict[str, bytes] = {}
    for lang in pub.languages + list(pub.pairs):
        names = [name for name in pub.formats if formats[name].pair == (lang in pub.pairs)]
        for made in produce(project, pub, lang, names, formats, warn, archival):
            files.update(made.files)
            for diagnostic in made.warnings:
                warn(diagnostic)
    _validate_pdfa(files, pub)
    files[MANIFEST] = manifest(pub, files, made_from)
    files[CHECKSUMS] = checksum_lines(files)
    if key is not None:
        from .signing import sign

        files[SIGNATURE] = sign(files[CHECKSUMS], key)
    with exclusive(root.parent):  # the lock builds take: no build cleans up our folder
        _write_folder(folder, files)
    return folder


def manifest(pub: Publication, files: dict[str, bytes], made_from: dict[str, bytes]) -> bytes:
    return Manifest.listing(
        files,
        publication=pub.id,
        version=pub.edition.version,
        date=pub.edition.date.isoformat(),
        languages=pub.languages,
        formats=pub.formats,
        changelog=[
            {"version": c.version, "date": c.date.isoformat(), "changes": c.text}
            for c in pub.edition.changelog
        ],
        source_digest=digest(made_from),
        sources=sorted(made_from),
        tools=json.loads(made_from[LOCK]),
    ).to_json()


def _validate_pdfa(files: dict[str, bytes], pub: Publication) -> None:
    """Every archival PDF must pass the PDF/A-3b validator before the edition is written."""
    from pikepdf.pdfa import validate_written

    images = [p.name for p in pub.files if p.suffix.lower() in SUFFIXES]
    problems = []
    for name, data in files.items():
        if archival(name):
            report = validate_written(io.BytesIO(data), "3b")
            problems += [
                Diagnostic(
                    Location(f"{pub.id}/{name}"),
                    f"not valid PDF/A-3b: {finding.message} ({finding.where})",
                    "not-pdfa",
                    f"an image may be the cause ({', '.join(images)}): save it again as "
                    "RGB PNG or JPEG"
                    if images
                    else "a template or stylesheet may use what PDF/A forbids",
                )
                for finding in report.findings
                if finding.kind == "violation"
            ][:5]
    if problems:
        raise PressrunError(problems)


def _write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write the edition beside its place, then rename it into place in one step."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        for name, data in files.items():
            write_atomic(temporary / name, data)
        os.rename(temporary, folder)  # fails if the edition appeared meanwhile
    except OSError as exc:
        if folder.exists():
            raise fail(
                None,
                f"edition {folder.name} appeared while releasing",
                "edition-exists",
                "release a new version",
            ) from None
        raise cannot_write(folder, exc) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
