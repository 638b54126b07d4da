"""Check: everything a build validates, without pandoc or typesetting, so it is fast.

Content, references, citation keys, style and locale names, formats and templates (each
template is rendered with the raw text in place of pandoc's HTML, so undefined variables
and syntax errors show up with their template line).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from markupsafe import Markup

from .diagnostics import Diagnostic, PressrunError, did_you_mean, usage
from .labels import labels_used, missing_labels, same_language_names
from .load import load
from .model import Publication
from .project import Project
from .worksheet import arrange, copies

if TYPE_CHECKING:
    from .formats import Format
    from .text import Text
from .csl import csl_file

# A check renders templates without asking pandoc (a process) for its version.
PREVIEW_TOOLS = {"pressrun": "0", "weasyprint": "0", "pandoc": "0"}


def select(project: Project, pub_ids: list[str] | None) -> list[Publication]:
    """Load the named publications (all by default), reporting every error of every one."""
    known = project.publication_ids()
    for pub_id in pub_ids or []:
        if pub_id not in known:
            raise usage(
                f"no publication '{pub_id}' in content/",
                "unknown-publication",
                did_you_mean(pub_id, known) or f"known: {', '.join(known) or 'none'}",
            )
    project.config  # noqa: B018 (read once here: a bad formats.yaml is reported once)
    publications, errors = [], []
    for pub_id in pub_ids or known:
        try:
            publications.append(load(project, pub_id))
        except PressrunError as exc:
            errors += exc.diagnostics
    if errors:
        raise PressrunError(errors)
    return publications


def preview_text(pub: Publication, lang: str, fmt: Format) -> Text:
    """The text of the format's first copy as it was written, escaped: enough to render every
    template, with the audience and version of that copy (a teacher's copy prints answers)."""
    from .text import Text

    chosen = copies(pub, fmt)[0]
    article = pub.articles[lang]
    pieces = [f"<p>{escape(inline.source)}</p>" for inline in article.inlines()]
    view = arrange(article, chosen, pub.id)
    return Text(lang, pieces, Markup(""), True, article=view, variant=chosen)


def check(project: Project, pub_ids: list[str] | None = None) -> list[Publication]:
    """Validate the publications as a build would; raise PressrunError with every error."""
    publications = check_sources(project, pub_ids)
    check_templates(project, publications)
    return publications


def check_sources(project: Project, pub_ids: list[str] | None = None) -> list[Publication]:
    """The publications, loaded and validated, with their styles and label catalogs: all of
    check but rendering the templates (which a build does only when it has work to do)."""
    publications = select(project, pub_ids)
    errors: list[Diagnostic] = []
    used = labels_used(project, project.config.formats)
    langs = sorted({lang for pub in publications for lang in pub.languages})
    label_warnings = []
    for lang in langs:
        try:
            found = missing_labels(project, lang, used)
        except PressrunError as exc:
            found = exc.diagnostics
        label_warnings += [d for d in found if d.severity == "warning"]
        errors += [d for d in found if d.severity == "error"]
    if not errors:
        try:
            label_warnings += same_language_names(project, langs)
        except PressrunError as exc:
            errors += exc.diagnostics
    if publications:
        publications[0].warnings[:0] = label_warnings  # reported once per run
    for pub in publications:
        try:
            csl_file(pub)
        except PressrunError as exc:
            errors += exc.diagnostics
    if errors:
        raise PressrunError(_unique(errors))
    return publications


def check_templates(project: Project, publications: list[Publication]) -> None:
    """Render every template of every publication, language and format with the raw text
    (no pandoc): an undefined variable or a syntax error shows with its template line."""
    from .parallel import render_pair
    from .render import render

    errors: list[Diagnostic] = []
    for pub in publications:
        for lang in pub.languages:
            try:
                labels = project.config.labels(lang)
                for name in pub.formats:
                    fmt = project.config.formats[name]
                    if fmt.pair:
                        continue
                    render(
                        project,
                        pub,
                        preview_text(pub, lang, fmt),
                        labels,
                        fmt,
                        tools=PREVIEW_TOOLS,
                        preview=True,
                    )
            except PressrunError as exc:
                errors += exc.diagnostics
        for pair in pub.pairs.values():
            for name in pub.formats:
                fmt = project.config.formats[name]
                if not fmt.pair:
                    continue
                sides = [
                    (project.config.labels(lang), preview_text(pub, lang, fmt)) for lang in pair
                ]
                try:
                    render_pair(project, pub, sides, fmt, PREVIEW_TOOLS, preview=True)
                except PressrunError as exc:
                    errors += exc.diagnostics
    if errors:
        raise PressrunError(_unique(errors))


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The same template error found for each language is reported once."""
    return list(dict.fromkeys(diagnostics))
