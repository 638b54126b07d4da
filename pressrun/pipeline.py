"""The build: load -> text -> render -> typeset -> write, one straight line per output."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, PressrunError, did_you_mean, fail
from .formats import read_formats
from .impose import impose
from .load import Publication, load
from .output import write_atomic
from .project import Project
from .render import read_labels, render
from .text import text
from .typeset import typeset


@dataclass(frozen=True)
class Built:
    """One output that was written."""

    files: list[Path]  # the PDF first
    seconds: float


def select(project: Project, pub_ids: list[str] | None) -> list[Publication]:
    """Load the named publications (all by default), reporting every error of every one."""
    known = project.publication_ids()
    for pub_id in pub_ids or []:
        if pub_id not in known:
            raise fail(
                None,
                f"no publication '{pub_id}' in content/",
                "unknown-publication",
                did_you_mean(pub_id, known) or f"known: {', '.join(known) or 'none'}",
            )
    publications, errors = [], []
    for pub_id in pub_ids or known:
        try:
            publications.append(load(project, pub_id))
        except PressrunError as exc:
            errors += exc.diagnostics
    if errors:
        raise PressrunError(errors)
    return publications


def build(
    project: Project,
    pub_ids: list[str] | None = None,
    langs: list[str] | None = None,
    formats: list[str] | None = None,
    report: Callable[[Built], None] = lambda built: None,
    warn: Callable[[Diagnostic], None] = lambda diagnostic: None,
) -> list[Built]:
    """Build every selected publication, language and format into output/<pub>/<lang>/."""
    publications = select(project, pub_ids)
    all_formats = read_formats(project)
    built = []
    for pub in publications:
        for diagnostic in pub.warnings:
            warn(diagnostic)
        for lang in _chosen(langs, pub.languages, "language", pub):
            labels = read_labels(project, lang)
            pub_text = text(pub, lang, labels.csl_locale)
            for diagnostic in pub_text.warnings:
                warn(diagnostic)
            for name in _chosen(formats, pub.formats, "format", pub):
                fmt = all_formats[name]
                started = time.perf_counter()
                html = render(project, pub, pub_text, labels, fmt)
                pdf = typeset(html, project.root, f"{pub.id}/{lang}/{name}", fmt.pages_multiple_of)
                folder = project.output / pub.id / lang
                written = [folder / f"{name}.pdf", folder / f"{name}.html"]
                write_atomic(written[1], html.encode("utf-8"))
                write_atomic(written[0], pdf)
                if fmt.impose == "saddle-stitch":
                    written.append(folder / f"{name}-print.pdf")
                    write_atomic(written[2], impose(pdf, pub.paper, pub.imposition))
                done = Built(written, time.perf_counter() - started)
                report(done)
                built.append(done)
    return built


def _chosen(asked: list[str] | None, available: list[str], what: str, pub: Publication):
    if not asked:
        return available
    missing = [a for a in asked if a not in available]
    if missing and len(missing) == len(asked):
        raise fail(
            pub.where,
            f"{pub.id} has no {what} {', '.join(map(repr, missing))}",
            f"unknown-{what}",
            f"its {what}s: {', '.join(available)}",
        )
    return [a for a in asked if a in available]
