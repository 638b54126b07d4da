"""Stage 3, render: Text + a format's template and stylesheet -> one HTML document (Jinja2)."""

from __future__ import annotations

import base64
import datetime
import functools
import io
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from .archive import tool_versions
from .csl import csl_file, style_class
from .diagnostics import Diagnostic, Location, PressrunError, fail, shortened
from .formats import Format
from .images import SUFFIXES, data_url
from .labels import Labels
from .markdown import link_allowed
from .model import Publication
from .project import Project
from .sandbox import readable, sandbox
from .text import Text
from .typography import FOOTNOTE, closing_span
from .worksheet import copies, worksheet


@functools.cache
def environment(templates: Path, cache: Path) -> jinja2.Environment:
    """One environment per templates folder: templates compile once per process (and reload
    on change), and their compiled code is kept in `cache` for the next run."""
    return sandbox(jinja2.FileSystemLoader(templates), cache)


def render(
    project: Project,
    pub: Publication,
    text: Text,
    labels: Labels,
    fmt: Format,
    tools: dict[str, str] | None = None,
    preview: bool = False,
    extra: dict | None = None,
) -> str:
    """The complete HTML document of one format, with its stylesheets inlined. `tools` (the
    versions printed in colophons) defaults to the real ones, which asks pandoc. A `preview`
    (what check renders) names images without inlining them. `extra`: more variables (a
    parallel edition's)."""
    css = "\n".join((project.styles / name).read_text(encoding="utf-8") for name in fmt.stylesheets)
    article = text.article or pub.articles[labels.lang]
    context = {
        "pub": pub,
        "lang": labels.lang,
        "article": article,
        "worksheet": worksheet(
            article, text.variant, functools.partial(format_decimal, locale=labels.date_locale)
        ),
        "qr_code": qr_code(pub.web_url_in(labels.lang)) if not fmt.on_screen else "",
        "text": text,
        "t": labels.words,
        "css": css,
        "page_size": fmt.page_size.get(pub.paper, "A4"),
        "date_iso": pub.edition.date.isoformat(),
        "date_long": format_date(pub.edition.date, format="long", locale=labels.date_locale),
        "tools": tools or tool_versions(),
        "bibliography_title": bibliography_title(pub, labels),
        "image_url": functools.partial(_image_url, project, set(pub.files), preview),
        "long_date": functools.partial(_long_date, labels.date_locale),
        "variables": fmt.variables,
        "downloads": _downloads(project, pub),
    }
    if fmt.on_screen:
        context["language_names"] = project.config.language_names(pub.languages)
        # The parallel editions this language is one side of (their web pages).
        made = any(project.config.formats[name].pair for name in pub.formats)
        context["pairs"] = [
            {"folder": name, "other": next(x for x in two if x != labels.lang)}
            for name, two in pub.pairs.items()
            if made and labels.lang in two
        ]
    context.update(extra or {})
    try:
        env = environment(project.templates, project.output / ".cache" / "templates-sandboxed")
        html = env.get_template(fmt.template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = Location(project.display(Path(exc.filename or fmt.template)), exc.lineno or 0, 1)
        raise fail(where, f"template syntax: {exc.message}", "template-syntax") from None
    except jinja2.UndefinedError as exc:
        raise PressrunError([_template_error(project, exc)]) from None
    except SecurityError as exc:
        raise PressrunError(
            [
                _template_error(
                    project,
                    exc,
                    "template-unsafe",
                    "templates may use the variables they are given, not Python's internals",
                )
            ]
        ) from None
    except (
        jinja2.TemplateError,
        ArithmeticError,
        LookupError,
        TypeError,
        ValueError,
        MemoryError,
        RecursionError,
    ) as exc:
        hint = "fix the template at this line"
        raise PressrunError([_template_error(project, exc, "template-error", hint)]) from None
    if fmt.on_screen:
        words = labels.words
        return number_notes(html, words.get("notes", "Notes"), words.get("back-to-text", "↩"))
    for match in ADDRESS.finditer(html):
        if not (link_allowed(match.group(1)) or match.group(1).startswith("data:")):
            raise fail(
                Location(project.display(project.templates / fmt.template)),
                f"the {fmt.name} document links to '{shortened(match.group(1))}', which a PDF "
                "would hold as a path of this machine",
                "relative-link",
                "print formats link only to #ids, http(s) and mailto addresses, and data: URLs",
            )
    return html


# Every address in a print document: a relative one would become file:///build/folder/… in
# the PDF (WeasyPrint resolves it against the build folder).
ADDRESS = re.compile(r"""\s(?:href|src)\s*=\s*["']([^"']*)["']""", re.I)


def bibliography_title(pub: Publication, labels: Labels) -> str:
    """The bibliography's heading: the publication's own, else the one its style calls for
    (notes: a bibliography; author-date and numeric: references; MLA: works cited)."""
    own = pub.bibliography_title.get(labels.lang) or pub.bibliography_title.get("*")
    if own:
        return own
    if style_class(csl_file(pub)) == "note":
        key = "bibliography"
    elif pub.style.startswith("modern-language-association"):
        key = "works-cited"
    else:
        key = "references"
    return labels.words.get(key) or labels.words.get("bibliography", "")


def _image_url(project: Project, files: set[Path], preview: bool, path) -> str:
    """An image the content names, as a data: URL (templates get no other file)."""
    if not isinstance(path, Path) or path not in files or path.suffix.lower() not in SUFFIXES:
        raise SecurityError("image_url() takes only an image that the content names")
    return "data:," if preview else data_url(path, project.display(path))


def _long_date(locale: str, day) -> str:
    if not isinstance(day, datetime.date):
        raise jinja2.TemplateRuntimeError("long_date() takes a date")
    return format_date(day, format="long", locale=locale)


def _downloads(project: Project, pub: Publication) -> list[dict[str, str]]:
    """The files a screen edition links to, each with the key of its label: every output of
    the students' formats that has a label (a PDF, a print file), in each version."""
    formats = project.config.formats
    return [
        {
            "file": formats[name].file(output, chosen.letter),
            "label": output.label.format(name=name),
            "version": chosen.letter,
        }
        for name in pub.formats
        if formats[name].audience == "students" and not formats[name].pair
        for output in formats[name].outputs
        if output.label
        for chosen in copies(pub, formats[name])
    ]


@functools.lru_cache(maxsize=64)
def qr_code(url: str) -> str:
    """A QR code of `url` as an SVG data: URL ("" without one): dark modules only, no quiet
    zone (the title block gives it room), the same bytes every build."""
    if not url:
        return ""
    import segno

    svg = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        svg, kind="svg", border=0, dark="#111", xmldecl=False, omitsize=True
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")


NOTES_PLACE = "<!--pressrun:notes-->"


def _out_of_tab_order(body: str) -> str:
    """A sidenote repeats its note for the eye: hidden from screen readers (which reach the
    note by its call), its links out of the keyboard's path (the note's own are in it)."""
    return body.replace("<a ", '<a tabindex="-1" ')


def number_notes(html: str, heading: str, back: str = "Back to the text") -> str:
    """Screens have no page foot: each note becomes a numbered reference, a sidenote beside it
    (shown on wide screens), and an entry of the notes list with a link back."""
    notes = ScreenNotes(heading, back)
    return notes.calls(html).replace(NOTES_PLACE, notes.section())


@dataclass
class ScreenNotes:
    """The notes of one text on a screen: `calls` numbers the notes of a piece of HTML (in
    turn, across pieces), `section` lists them all."""

    heading: str
    back: str
    bodies: list[str] = field(default_factory=list)

    def calls(self, html: str) -> Markup:
        out, position = [], 0
        while (start := html.find(FOOTNOTE, position)) >= 0:
            end = closing_span(html, start + len(FOOTNOTE))
            body = html[start + len(FOOTNOTE) : end]
            self.bodies.append(body)
            n = len(self.bodies)
            out.append(html[position:start])
            out.append(
                f'<sup class="note-ref" id="note-ref-{n}"><a href="#note-{n}" '
                f'role="doc-noteref">{n}</a></sup><span class="sidenote" aria-hidden="true">'
                f'<span class="sidenote-number">{n}</span>{_out_of_tab_order(body)}</span>'
            )
            position = end + len("</span>")
        out.append(html[position:])
        return Markup("".join(out))

    def section(self) -> Markup:
        if not self.bodies:
            return Markup("")
        back = escape(self.back)
        items = "".join(
            f'<li id="note-{n}">{body} <a class="back" href="#note-ref-{n}" '
            f'role="doc-backlink" aria-label="{back} ({n})">↩</a></li>\n'
            for n, body in enumerate(self.bodies, start=1)
        )
        return Markup(
            f'<section class="notes" role="doc-endnotes"><h2>{escape(self.heading)}</h2>\n'
            f"<ol>\n{items}</ol>\n</section>"
        )


readable(ScreenNotes, "calls", "section")


def _template_error(
    project: Project,
    exc: Exception,
    code: str = "template-undefined",
    hint: str = "define the variable or fix its name in the template",
):
    """Name the template line where the error happened, from the traceback Jinja2 rewrites."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") and Path(filename).is_file():
            where = Location(project.display(Path(filename)), tb.tb_lineno, 1)
        tb = tb.tb_next
    reason = {MemoryError: "it needs too much memory", RecursionError: "it nests too deeply"}
    message = reason.get(type(exc)) or str(exc).rstrip(".") or type(exc).__name__
    return Diagnostic(where, f"template: {message}", code, hint)
