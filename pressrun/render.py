"""Stage 3, render: Text + a format's template and stylesheet -> one HTML document (Jinja2)."""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path

import jinja2
import yaml
from babel.dates import format_date
from jinja2.sandbox import SecurityError

from . import __version__
from .csl import style_class
from .diagnostics import Diagnostic, Location, PressrunError, did_you_mean, fail, shortened
from .formats import Format
from .images import SUFFIXES, data_url
from .markdown import link_allowed
from .model import Publication
from .project import Project
from .sandbox import sandbox
from .text import Text, csl_file
from .typography import FOOTNOTE, closing_span
from .yamlnodes import YamlFile

TYPOGRAPHIES = ("french",)
CSL_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


@dataclass(frozen=True)
class Labels:
    """What the templates print in one language, and the locales for citations and dates."""

    lang: str
    csl_locale: str
    date_locale: str
    words: dict[str, str]
    typography: str = ""  # "french": no-break spaces before : ; ? ! and inside « »


def read_labels(project: Project, lang: str) -> Labels:
    """The label catalog of `lang`. A run reads each catalog once (check, every format and
    the web edition's language switch ask for it), and again only once the file changed."""
    path = project.templates / "labels" / f"{lang}.yaml"
    try:
        stat = path.stat()
    except OSError:
        return _read_labels(path, project.display(path), lang, (0, 0))
    return _read_labels(path, project.display(path), lang, (stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _read_labels(path: Path, display: str, lang: str, version: tuple[int, int]) -> Labels:
    f = YamlFile(path, display)
    keys = f.mapping(
        f.root,
        required=("csl-locale", "date-locale", "labels"),
        optional=("typography",),
        what="a label catalog",
    )
    typography = f.string(keys["typography"], "typography") if "typography" in keys else ""
    if typography and typography not in TYPOGRAPHIES:
        f.error(
            keys["typography"],
            f"unknown typography '{typography}'",
            "bad-value",
            f"use one of: {', '.join(TYPOGRAPHIES)}, or leave it out",
        )
    words = {}
    if "labels" in keys:
        node = keys["labels"]
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                words[key_node.value] = f.string(value_node, f"label '{key_node.value}'") or ""
        else:
            f.error(node, "labels must be a mapping", "wrong-type")
    csl = f.string(keys["csl-locale"], "csl-locale") if "csl-locale" in keys else ""
    if csl and not CSL_LOCALE.fullmatch(csl):
        f.error(
            keys["csl-locale"],
            f"csl-locale '{shortened(csl, 40)}' is not a locale name",
            "bad-locale",
            "write a language and region such as es-ES",
        )
    dates = f.string(keys["date-locale"], "date-locale") if "date-locale" in keys else ""
    if dates and not _babel_locale(dates):
        f.error(
            keys["date-locale"],
            f"date-locale '{shortened(dates, 40)}' is not a locale Babel knows",
            "bad-locale",
            "write a language code such as es, or es_MX",
        )
    f.raise_errors()
    return Labels(lang, csl or "", dates or "", words, typography or "")


def _babel_locale(name: str) -> bool:
    """A locale Babel has data for (its file only is looked at: loading it costs a no-op
    build tens of milliseconds)."""
    from babel import localedata

    if not re.fullmatch(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*", name):
        return False
    return localedata.exists(name.replace("-", "_"))


@functools.cache
def environment(templates: Path, cache: Path) -> jinja2.Environment:
    """One environment per templates folder: templates compile once per process (and reload
    on change), and their compiled code is kept in `cache` for the next run."""
    return sandbox(jinja2.FileSystemLoader(templates), cache)


@functools.cache
def tool_versions() -> dict[str, str]:
    """The versions printed in colophons (and, later, locked into editions)."""
    from .pandoc import version as pandoc_version

    return {
        "pressrun": __version__,
        "weasyprint": metadata.version("weasyprint"),
        "pandoc": pandoc_version(),
    }


def render(
    project: Project,
    pub: Publication,
    text: Text,
    labels: Labels,
    fmt: Format,
    tools: dict[str, str] | None = None,
    preview: bool = False,
) -> str:
    """The complete HTML document of one format, with its stylesheets inlined. `tools` (the
    versions printed in colophons) defaults to the real ones, which asks pandoc. A `preview`
    (what check renders) names images without inlining them."""
    css = "\n".join((project.styles / name).read_text(encoding="utf-8") for name in fmt.stylesheets)
    context = {
        "pub": pub,
        "lang": labels.lang,
        "article": pub.articles[labels.lang],
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
    }
    if fmt.on_screen:
        context["language_names"] = {
            lang: read_labels(project, lang).words.get("language-name", lang)
            for lang in pub.languages
        }
        context["print_files"] = _print_files(project, pub)
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
        return number_notes(html, labels.words.get("notes", "Notes"))
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


# t.key and t["key"] in a template (read with a pattern: parsing every template would cost a
# no-op build tens of milliseconds).
LABEL_USE = re.compile(r"""(?<![\w.])t(?:\.([A-Za-z_][\w]*)|\[\s*["']([^"']+)["']\s*\])""")
# Labels that pressrun's code (not a template) prints.
CODE_LABELS = ("bibliography", "references", "works-cited", "notes", "language-name")


def same_language_names(project: Project, langs: list[str]) -> list[Diagnostic]:
    """A warning for a catalog whose language name is another's: it is still untranslated
    (the web edition's language switch would read "English | English"). Of two catalogs
    with one name, the one that name is not the language's own name for itself is blamed."""
    names = {lang: read_labels(project, lang).words.get("language-name", "") for lang in langs}
    found = []
    for lang, name in names.items():
        others = [other for other in langs if other != lang and names[other] == name]
        if others and name.casefold() != _endonym(lang).casefold():
            path = project.templates / "labels" / f"{lang}.yaml"
            found.append(
                Diagnostic(
                    Location(project.display(path)),
                    f"language-name '{name}' is also {others[0]}'s: this catalog is not "
                    "translated yet",
                    "untranslated-labels",
                    "translate its labels, language-name first",
                    severity="warning",
                )
            )
    return found


def _endonym(lang: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang).get_display_name(lang) or lang
    except (UnknownLocaleError, ValueError):
        return lang


def labels_used(project: Project, formats: dict[str, Format]) -> dict[str, Location]:
    """Every label the templates print (t.key, t["key"], and a label per print file the web
    edition links to), with the first template line that prints it."""
    found: dict[str, Location] = {}
    for path in sorted(project.templates.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in LABEL_USE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(
                match.group(1) or match.group(2), Location(project.display(path), line, 1)
            )
    formats_file = Location(project.display(project.templates / "formats.yaml"))
    for name, fmt in formats.items():
        if fmt.on_screen:
            continue
        found.setdefault(name, formats_file)
        if fmt.impose:
            found.setdefault(f"{name}-print", formats_file)
    for key in CODE_LABELS:
        found.setdefault(key, Location("pressrun itself"))
    return found


def missing_labels(project: Project, lang: str, used: dict[str, Location]) -> list[Diagnostic]:
    """An error for each label the templates print that the catalog of `lang` lacks, and a
    warning for each label it has that nothing prints."""
    path = project.templates / "labels" / f"{lang}.yaml"
    f = YamlFile(path, project.display(path))
    keys = f.mapping(f.root, optional=("csl-locale", "date-locale", "labels", "typography"))
    node = keys.get("labels")
    have = {k.value for k, _ in node.value} if isinstance(node, yaml.MappingNode) else set()
    where = f.where(node) if node is not None else f.where(f.root)
    found = [
        Diagnostic(
            where,
            f"label '{key}' is missing (printed by {used[key]})",
            "missing-label",
            " ".join(filter(None, [f"add '{key}: …' under labels:", did_you_mean(key, have)])),
        )
        for key in sorted(set(used) - have)
    ]
    for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if key_node.value not in used:
            found.append(
                Diagnostic(
                    f.where(key_node),
                    f"label '{key_node.value}' is printed by no template",
                    "unused-label",
                    did_you_mean(key_node.value, used) or "remove it, or use it",
                    severity="warning",
                )
            )
    return found


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


def _print_files(project: Project, pub: Publication) -> list[str]:
    """The PDFs a screen edition links to: each print format, and its print file if imposed."""
    from .formats import read_formats

    formats = read_formats(project)
    names = []
    for name in pub.formats:
        if not formats[name].on_screen:
            names.append(name)
            if formats[name].impose:
                names.append(f"{name}-print")
    return names


NOTES_PLACE = "<!--pressrun:notes-->"


def number_notes(html: str, heading: str) -> str:
    """Screens have no page foot: each note becomes a numbered reference, a sidenote beside it
    (shown on wide screens), and an entry of the notes list with a link back."""
    out, notes, position = [], [], 0
    while (start := html.find(FOOTNOTE, position)) >= 0:
        end = closing_span(html, start + len(FOOTNOTE))
        body = html[start + len(FOOTNOTE) : end]
        n = len(notes) + 1
        notes.append(body)
        out.append(html[position:start])
        out.append(
            f'<sup class="note-ref" id="note-ref-{n}"><a href="#note-{n}" '
            f'role="doc-noteref">{n}</a></sup><span class="sidenote" role="note">'
            f'<span class="sidenote-number">{n}</span>{body}</span>'
        )
        position = end + len("</span>")
    out.append(html[position:])
    html = "".join(out)
    items = "".join(
        f'<li id="note-{n}">{body} <a class="back" href="#note-ref-{n}" '
        f'role="doc-backlink" aria-label="↩ {n}">↩</a></li>\n'
        for n, body in enumerate(notes, start=1)
    )
    section = (
        (
            f'<section class="notes" role="doc-endnotes"><h2>{escape(heading)}</h2>\n'
            f"<ol>\n{items}</ol>\n</section>"
        )
        if notes
        else ""
    )
    return html.replace(NOTES_PLACE, section)


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
