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
from collections.abc import Callable, Iterator
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


def released(pub: Publication, version: str) -> Publication:
    """`pub` as its edition `version`, dated from its changelog entry."""
    date = pub.edition.release_date(version)
    return dataclasses.replace(
        pub, edition=dataclasses.replace(pub.edition, version=version, date=date)
    )


@dataclasses.dataclass(frozen=True)
class Planned:
    """An edition to release: its publication (as that version), folder and sources."""

    pub: Publication
    folder: Path
    made_from: dict[str, bytes]

    def outputs(self, formats: dict) -> list[tuple[str, list[str]]]:
        """Each language (and parallel pair) with its formats, in the edition's order."""
        return [
            (
                lang,
                [
                    name
                    for name in self.pub.formats
                    if formats[name].pair == (lang in self.pub.pairs)
                ],
            )
            for lang in self.pub.languages + list(self.pub.pairs)
        ]


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
    return release_all(project, [pub_id], version, into, warn, key)[0]


def release_all(
    project: Project,
    pub_ids: list[str],
    version: str | None = None,
    into: Path | None = None,
    warn: Callable[[Diagnostic], None] = lambda diagnostic: None,
    key: Path | None = None,
    cluster: str | None = None,
    allow_mismatch: bool = False,
) -> list[Path]:
    """Build and freeze an edition of each publication (here, or on the Dask cluster at
    `cluster`). Every edition is checked, built and validated before any is written; each is
    then written whole."""
    pub_ids = list(dict.fromkeys(pub_ids))  # a publication named twice is one
    if version is not None and len(pub_ids) > 1:
        raise usage(
            "--version names one publication's edition",
            "bad-version",
            "release several publications at the versions in their publication.yaml",
        )
    root = into or editions_root(project)
    pubs = check(project, pub_ids)
    planned = [plan(project, pub, version, root, warn) for pub in pubs]
    formats = project.config.formats
    if cluster:
        outputs = _on_cluster(project, planned, cluster, allow_mismatch, warn)
    else:
        outputs = {
            (p.pub.id, lang): list(
                produce(
                    project,
                    p.pub,
                    lang,
                    names,
                    formats,
                    warn,
                    Archival(p.made_from, p.pub.edition.date),
                )
            )
            for p in planned
            for lang, names in p.outputs(formats)
        }
    editions = []
    for p in planned:
        files: dict[str, bytes] = {}
        for lang, _ in p.outputs(formats):
            for made in outputs[p.pub.id, lang]:
                files.update(made.files)
                for diagnostic in made.warnings:
                    warn(diagnostic)
        editions.append((p.folder, sealed(p, files, key)))
    with exclusive(root.parent):  # the lock builds take: no build cleans up our folder
        for folder, files in editions:
            _write_folder(folder, files)
    return [folder for folder, _ in editions]


def plan(
    project: Project,
    pub: Publication,
    version: str | None,
    root: Path,
    warn: Callable[[Diagnostic], None],
) -> Planned:
    """What an edition of `pub` is made from, once it is known that it may be released."""
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
    pub = released(pub, version)
    return Planned(pub, folder, sources(project, pub))


def _on_cluster(project, planned, address, allow_mismatch, warn) -> dict:
    """Each publication's outputs made on the cluster at `address`, from its sources."""
    from .cluster import css_of, kept, results, run_task, session, share

    formats = project.config.formats
    outputs = {}
    with session(address, css_of(project), allow_mismatch, warn) as running:
        keys = []

        def calls() -> Iterator[tuple]:
            for p in planned:  # each edition's sources sent once, before its first task
                files = share(running, p.made_from | kept(project, p.pub))
                edition = (p.pub.edition.version, list(p.made_from))
                for lang, names in p.outputs(formats):
                    keys.append((p.pub.id, lang))
                    yield f"{p.pub.id}-{lang}", run_task, (files, p.pub.id, lang, names, edition)

        for n, (warnings, made) in results(running, calls()):
            for diagnostic in warnings:
                warn(diagnostic)
            outputs[keys[n]] = made
    return outputs


def sealed(planned: Planned, files: dict[str, bytes], key: Path | None) -> dict[str, bytes]:
    """An edition's files, validated, with its manifest, checksums and signature."""
    _validate_pdfa(files, planned.pub)
    files[MANIFEST] = manifest(planned.pub, files, planned.made_from)
    files[CHECKSUMS] = checksum_lines(files)
    if key is not None:
        from .signing import sign

        files[SIGNATURE] = sign(files[CHECKSUMS], key)
    return files


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
