"""The build: load -> text -> render -> typeset -> write, one straight line per output."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .check import check
from .diagnostics import Diagnostic, fail
from .formats import Format, read_formats
from .impose import impose
from .load import Publication
from .output import exclusive, write_atomic
from .project import Project
from .render import read_labels, render
from .text import text
from .typeset import Archival, typeset


@dataclass(frozen=True)
class Made:
    """The files of one output: paths relative to the publication's folder, and bytes."""

    pub_id: str
    files: dict[str, bytes]  # the PDF first
    seconds: float


def build(
    project: Project,
    pub_ids: list[str] | None = None,
    langs: list[str] | None = None,
    formats: list[str] | None = None,
    report: Callable[[Made], None] = lambda built: None,
    warn: Callable[[Diagnostic], None] = lambda diagnostic: None,
) -> list[Made]:
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
            for done in produce(project, pub, lang, names, all_formats, warn):
                for relative, data in done.files.items():
                    write_atomic(project.output / pub.id / relative, data)
                report(done)
                built.append(done)
    return built


def produce(
    project: Project,
    pub: Publication,
    lang: str,
    names: list[str],
    formats: dict[str, Format],
    warn: Callable[[Diagnostic], None],
    archival: Archival | None = None,
) -> Iterator[Made]:
    """The files of one language's formats, in memory: one pandoc call, then each format."""
    labels = read_labels(project, lang)
    pub_text = text(pub, lang, labels.csl_locale)
    for diagnostic in pub_text.warnings:
        warn(diagnostic)
    for name in names:
        started = time.perf_counter()
        fmt = formats[name]
        html = render(project, pub, pub_text, labels, fmt)
        pdf = typeset(
            html, project.root, f"{pub.id}/{lang}/{name}", fmt.pages_multiple_of, archival
        )
        files = {f"{lang}/{name}.pdf": pdf, f"{lang}/{name}.html": html.encode("utf-8")}
        if fmt.impose == "saddle-stitch":
            files[f"{lang}/{name}-print.pdf"] = impose(pdf, pub.paper, pub.imposition)
        yield Made(pub.id, files, time.perf_counter() - started)


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
