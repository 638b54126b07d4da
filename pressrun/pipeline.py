"""The build: load -> text -> render -> typeset -> write, one straight line per output."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .check import check
from .diagnostics import Diagnostic, fail
from .formats import read_formats
from .impose import impose
from .load import Publication
from .output import exclusive, write_atomic
from .project import Project
from .render import read_labels, render
from .text import text
from .typeset import typeset


@dataclass(frozen=True)
class Built:
    """One output that was written."""

    files: list[Path]  # the PDF first
    seconds: float


def build(
    project: Project,
    pub_ids: list[str] | None = None,
    langs: list[str] | None = None,
    formats: list[str] | None = None,
    report: Callable[[Built], None] = lambda built: None,
    warn: Callable[[Diagnostic], None] = lambda diagnostic: None,
) -> list[Built]:
    """Build every selected publication, language and format into output/<pub>/<lang>/.

    Everything is checked before anything is written; each file is replaced whole.
    """
    publications = check(project, pub_ids)
    all_formats = read_formats(project)
    plan = [
        (pub, lang, _chosen(formats, pub.formats, "format", pub))
        for pub in publications
        for lang in _chosen(langs, pub.languages, "language", pub)
    ]
    for pub in publications:
        for diagnostic in pub.warnings:
            warn(diagnostic)  # with --strict this raises before anything is written
    built = []
    with exclusive(project.output):
        for pub, lang, names in plan:
            labels = read_labels(project, lang)
            pub_text = text(pub, lang, labels.csl_locale)
            for diagnostic in pub_text.warnings:
                warn(diagnostic)
            for name in names:
                started = time.perf_counter()
                fmt = all_formats[name]
                html = render(project, pub, pub_text, labels, fmt)
                pdf = typeset(html, project.root, f"{pub.id}/{lang}/{name}", fmt.pages_multiple_of)
                folder = project.output / pub.id / lang
                files = {folder / f"{name}.pdf": pdf, folder / f"{name}.html": html.encode()}
                if fmt.impose == "saddle-stitch":
                    files[folder / f"{name}-print.pdf"] = impose(pdf, pub.paper, pub.imposition)
                for path, data in files.items():
                    write_atomic(path, data)
                done = Built(list(files), time.perf_counter() - started)
                report(done)
                built.append(done)
    return built


def _chosen(asked: list[str] | None, available: list[str], what: str, pub: Publication):
    """The asked names this publication has (all by default); none of them is an error."""
    if not asked:
        return available
    chosen = [name for name in asked if name in available]
    if not chosen:
        raise fail(
            pub.where,
            f"{pub.id} has no {what} {', '.join(map(repr, asked))}",
            f"unknown-{what}",
            f"its {what}s: {', '.join(available)}",
        )
    return chosen
