"""Stage 2, text: an Article's Markdown and the references -> HTML per piece, notes, bibliography.

One pandoc call per publication and language, so citeproc sees every citation in order:
first notes full, later notes short, one bibliography entry per cited source.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import tempfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from markupsafe import Markup

from . import csl, pandoc
from .citations import READER, document, markdown_sources
from .csl import csl_file
from .diagnostics import Diagnostic, Location, PressrunError, fail, shortened
from .images import data_url
from .model import Article, Inline, Publication
from .sandbox import readable
from .typography import french_spacing, join_calls, keep_ranges
from .worksheet import AS_WRITTEN, Variant, arrange, reading

NOTES_FILTER = Path(__file__).with_name("notes.lua")
MAX_DEPTH = 40  # elements inside each other in one piece; real text has about ten
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
VOID = {"br", "img", "hr", "wbr", "col", "input", "source", "meta", "link"}
IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')


@dataclass
class Text:
    """The HTML of every piece of an Article, with notes at their calls, and the bibliography."""

    lang: str
    pieces: list[str]  # by Inline.position ("" for a piece this copy leaves out)
    bibliography: Markup
    note_style: bool
    warnings: list[Diagnostic] = field(default_factory=list)
    article: Article | None = None  # the copy's view of the article (worksheet.arrange)
    variant: Variant = AS_WRITTEN

    def block(self, inline: Inline) -> Markup:
        """The piece as block HTML (one or more <p>)."""
        return Markup(self.pieces[inline.position])

    def inline(self, inline: Inline) -> Markup:
        """The piece as inline HTML, for headings and titles."""
        html = self.pieces[inline.position].strip()
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)


readable(Text, "block", "inline")


def _inline_images(html: str, pub: Publication, names: set[str]) -> str:
    """The images of the text (<img> elements; the filter kept only `names`, those that load
    checked) become data: URLs."""

    def replace(match: re.Match) -> str:
        name = unescape(match.group(2))
        if name not in names:  # the filter keeps no other: a bug if one gets here
            raise AssertionError(f"image {name!r} was not checked")
        url = data_url(pub.folder / name, f"{pub.folder_display}/{name}")
        return f"{match.group(1)}{url}{match.group(3)}"

    return IMG_SRC.sub(replace, html)


def _depth(html: str) -> int:
    """How deep the elements of a piece of HTML nest (layout recurses as deep)."""
    depth = deepest = 0
    for closing, name, self_closing in TAG.findall(html):
        if name.lower() in VOID or self_closing:
            continue
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def markdown_document(inlines: list[Inline], token: str) -> str:
    """One Markdown document: each piece in a div #pr-TOKEN-N, then the bibliography's place."""
    return document(markdown_sources(inlines), token)


def text(
    pub: Publication, lang: str, csl_locale: str, french: bool = False, chosen: Variant = AS_WRITTEN
) -> Text:
    """Turn one language of a publication into HTML with pandoc and its citeproc (with French
    spacing if `french`): the copy `chosen` (a worksheet's audience and version) of it."""
    whole = pub.articles[lang]
    article = arrange(whole, chosen, pub.id)
    inlines = reading(article, chosen.audience)
    style = csl_file(pub)
    # Random, so that no file can know it: wrappers and markers cannot be forged.
    token = secrets.token_hex(16)
    images = pub.image_names
    with tempfile.TemporaryDirectory(prefix="pressrun-") as folder:
        style_copy = Path(folder) / "style.csl"
        style_copy.write_bytes(csl.for_pandoc(style))
        # A file, not a variable: a text may cite thousands of items by their short keys.
        aliases = Path(folder) / "aliases.tsv"
        aliases.write_text("".join(f"{key}\t{rid}\n" for key, rid in pub.aliases.items()))
        command = pandoc.command(
            "--from",
            READER,
            "--to",
            "html5",
            "--wrap=none",
            *(f"--bibliography={path}" for path in pub.references_files),
            "--csl",
            str(style_copy),
            "--metadata",
            f"lang={csl_locale}",
            "--lua-filter",
            str(NOTES_FILTER),
        )
        environment = {
            "PRESSRUN_TOKEN": token,
            "PRESSRUN_IMAGES": "\n".join(images),
            "PRESSRUN_ALIASES": str(aliases),
        }
        stdout, stderr = run_pandoc(
            command, markdown_document(inlines, token), environment, pub, article.where
        )
    warnings = pandoc_warnings(stderr, pub, article.where)
    chunks = re.split(rf"<!--pr-{token}-(\d+|refs)-->\n?", stdout)
    found = dict(zip(chunks[1::2], chunks[2::2], strict=True))
    if len(found) != len(inlines) + 1:
        # A line of ':::' in the content closed one of our divs early.
        raise fail(
            article.where,
            "the content breaks the block structure (a ':::' line?)",
            "block-structure",
            "remove fenced-div lines (':::') from the text",
        )
    spacing = french_spacing if french else (lambda html: html)
    pieces = [""] * len(whole.inlines())
    for n, inline in enumerate(inlines):
        html = found[str(n)]
        pieces[inline.position] = spacing(
            keep_ranges(join_calls(_inline_images(html, pub, images)))
        )
    too_deep = [
        Diagnostic(
            inline.where,
            f"text nests {depth} levels deep (emphasis, quotes or lists inside each other); "
            f"at most {MAX_DEPTH} can be laid out",
            "text-depth",
            "write it with fewer levels",
        )
        for inline in inlines
        if (depth := _depth(pieces[inline.position])) > MAX_DEPTH
    ]
    if too_deep:
        raise PressrunError(too_deep)
    bibliography = Markup(spacing(found["refs"]))
    return Text(lang, pieces, bibliography, csl.is_note_style(style), warnings, article, chosen)


# citeproc's warnings that name a reference (the rest name the text, or nothing).
ABOUT_REFERENCE = {
    "Bibliography entry with no printed form: ": (
        "reference '{id}' prints nothing in this style's bibliography: it is left out",
        "give it the fields the style prints (an author, a title, a date)",
    ),
    "Citation with no printed form: ": (
        "reference '{id}' prints nothing where it is cited in this style",
        "give it the fields the style prints (an author, a title, a date)",
    ),
}


def pandoc_warnings(stderr: str, pub: Publication, where: Location) -> list[Diagnostic]:
    """pandoc's warnings, each at the reference it names (else at the text)."""
    places = {ref.id: ref.where for ref in pub.references or []}
    found = []
    for line in stderr.splitlines():
        if not line.startswith("[WARNING]"):
            continue
        message = line.removeprefix("[WARNING] ").removeprefix("Citeproc: ")
        for head, (say, hint) in ABOUT_REFERENCE.items():
            if message.startswith(head) and message[len(head) :] in places:
                rid = message[len(head) :]
                text = say.format(id=shortened(rid))
                found.append(Diagnostic(places[rid], text, "empty-reference", hint, "warning"))
                break
        else:
            found.append(Diagnostic(where, message, "pandoc-warning", severity="warning"))
    return list(dict.fromkeys(found))


def run_pandoc(
    command: list[str], document: str, variables: dict[str, str], pub: Publication, where: Location
) -> tuple[str, str]:
    """pandoc's output and warnings; its failures (memory, time, a bad file) as diagnostics."""
    try:
        result = subprocess.run(
            command,
            env=pandoc.environment(**variables),
            input=document.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=pandoc.SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise _limit(
            pub,
            where,
            document,
            f"pandoc took more than {pandoc.SECONDS} s to format the text and its references "
            f"({_files(pub)})",
            "look for a huge or self-repeating entry in the references",
        ) from None
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode == 0:
        return stdout, stderr
    if result.returncode == pandoc.HEAP_EXHAUSTED or "Heap exhausted" in stderr:
        raise _limit(
            pub,
            where,
            document,
            f"pandoc needed more than {pandoc.MEBIBYTES:,} MiB of memory for the text and its "
            f"references ({_files(pub)})",
            "look for a huge or self-repeating entry (such as @string macros that double) "
            "in the references",
        )
    raise fail(where, f"pandoc failed: {_pandoc_message(stderr, pub)}", "pandoc-failed")


def _limit(pub: Publication, where: Location, document: str, message: str, hint: str):
    """A limit hit: blamed on the text when it outweighs what pandoc reads besides (a table of
    100,000 rows), else on the one references file or style."""
    besides = sum(path.stat().st_size for path in _inputs(pub) if path.is_file())
    if len(document.encode("utf-8")) > besides:
        hint = (
            f"the text is long ({len(document):,} characters for pandoc): split it into "
            "several publications, or shorten its longest tables and excerpts"
        )
        return fail(where, message, "pandoc-limit", hint)
    return fail(_suspect(pub, where), message, "pandoc-limit", hint)


def _suspect(pub: Publication, where: Location) -> Location:
    """Where a limit was hit: the one references file or custom style, else the text."""
    files = _inputs(pub)
    return Location(_shown(pub, files[0]), 1, 1) if len(files) == 1 else where


def _inputs(pub: Publication) -> list[Path]:
    """What pandoc reads besides the text: the references, and a custom style."""
    style = [pub.folder / pub.style] if pub.style.endswith(".csl") else []
    return pub.references_files + style


def _files(pub: Publication) -> str:
    return ", ".join(_shown(pub, path) for path in _inputs(pub))


def _shown(pub: Publication, path: Path) -> str:
    return f"{pub.folder_display}/{path.relative_to(pub.folder).as_posix()}"


def _pandoc_message(stderr: str, pub: Publication) -> str:
    """pandoc's complaint without Haskell call stacks, with paths as the user writes them."""
    lines = []
    for line in stderr.strip().splitlines():
        if line.startswith(("CallStack (from", "  error, called at", "stack traceback:")):
            break
        lines.append(line)
    # citeproc runs inside pressrun's filter: its errors come wrapped in the filter's.
    message = " ".join(" ".join(lines).split()).removeprefix(
        f"Error running filter {NOTES_FILTER}:"
    )
    message = message.strip()
    for folder in (str(pub.folder.resolve()), str(pub.folder)):
        message = message.replace(folder + "/", pub.folder_display + "/")
    return shortened(message, 300)
