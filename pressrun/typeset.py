"""Stage 4, typeset: an HTML document -> PDF bytes (WeasyPrint), the same bytes every time."""

from __future__ import annotations

import bisect
import datetime
import functools
import gc
import hashlib
import html as html_module
import io
import logging
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, PressrunError, fail, shortened
from .images import named

SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


def _weasyprint():
    # Imported here: it loads Pango through cffi, which is slow and may be missing.
    try:
        import weasyprint
    except OSError as exc:
        raise fail(
            None,
            f"WeasyPrint cannot load a system library ({exc})",
            "system-library",
            f"install them: apt-get install {SYSTEM_PACKAGES} (or run 'make build')",
        ) from None
    except ImportError:
        raise fail(
            None,
            "WeasyPrint is not installed",
            "no-weasyprint",
            "run 'make build', which installs the Python environment",
        ) from None
    return weasyprint


def data_only_fetcher(refused: list[str]):
    """A URL fetcher serving data: URLs and nothing else: every image is inlined by then, so
    anything else is a reference that escaped the checks (a stylesheet's url(), an SVG's)."""
    weasyprint = _weasyprint()

    class DataOnlyFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            refused.append(url)
            raise ValueError("pressrun fetches nothing")

    return DataOnlyFetcher()


class _Failures(logging.Handler):
    """WeasyPrint's errors while laying out (an image it could not draw), kept as messages."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "has no required alt description" in str(record.msg):
            return  # a decorative image (alt=""): tagging.py makes it an artifact
        if record.args and isinstance(record.args, tuple):
            url = next((a for a in record.args if isinstance(a, str) and a.startswith("data:")), "")
            if url:
                self.messages.append(f"image '{named(url) or 'in the text'}' could not be drawn")
                return
        if record.getMessage().startswith("Failed to load"):
            self.messages.append(record.getMessage()[:200])


@functools.cache
def font_configuration():
    """One font configuration per process: fonts are found and loaded once for all outputs."""
    from weasyprint.text.fonts import FontConfiguration

    _weasyprint()
    return FontConfiguration()


def preload() -> None:
    """Load WeasyPrint and its font configuration now (say, while pandoc runs), before
    workers fork."""
    font_configuration()


def identifier(name: str) -> bytes:
    """A fixed PDF file identifier for one output, so that rebuilds give the same bytes."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:32].encode("ascii")


FILLER = "pressrun-filler"


def finish(pdf: bytes, archival: bool, tagged: bool, sides: list[int] | None = None) -> bytes:
    """WeasyPrint's PDF made whole, saved again with an ID computed from its content: its
    structure tree rebuilt (tagging.py); for PDF/A, no empty /Pattern and /Shading
    dictionaries and no image interpolation (WeasyPrint smooths images; PDF/A forbids it).
    An archival PDF is tagged but claims PDF/A only: the PDF/UA claim in its XMP needs an
    extension schema, which pikepdf's PDF/A validator (the one `release` runs) refuses.
    `sides` (a parallel edition's) says which side's text each page holds."""
    import pikepdf

    from . import tagging

    with pikepdf.open(io.BytesIO(pdf)) as document:
        if tagged:
            tagging.finish(document, sides)
        if archival:
            _archival_fixes(document)
        buffer = io.BytesIO()
        # The structure tree is thousands of small dictionaries: object streams compress them
        # (a 300-page booklet's tree costs a third of what it does as plain objects).
        document.save(
            buffer,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
    return buffer.getvalue()


def _archival_fixes(document) -> None:
    import pikepdf

    for obj in document.objects:
        image = isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image
        if image and obj.get("/Interpolate") is not None:
            obj.Interpolate = False
        if isinstance(obj, pikepdf.Dictionary) and "/Resources" in obj:
            resources = obj.Resources
            for key in ("/Pattern", "/Shading"):
                if key in resources and len(resources[key]) == 0:
                    del resources[key]


@dataclass(frozen=True)
class Archival:
    """What makes a PDF an archival PDF/A-3b: its sources inside, dated by the edition."""

    sources: dict[str, bytes]  # path in the project -> content
    date: datetime.date


def notes_away_from_their_calls(document) -> list[tuple[int, int, int]]:
    """(note number, page of its call, page of its note) for each note that WeasyPrint laid
    out on another page than its call (footnote-policy: line does not always hold)."""
    calls: dict[int, int] = {}
    notes: dict[int, int] = {}
    order: list[int] = []
    for number, page in enumerate(document.pages, start=1):
        for box in _boxes(page._page_box):
            tag = box.element_tag or ""
            if tag.endswith("::footnote-call") and box.element is not None:
                key = id(box.element)
                if key not in calls:
                    calls[key] = number
                    order.append(key)
            elif type(box).__name__ == "FootnoteAreaBox":
                for note in box.children:
                    if note.element is not None:
                        notes.setdefault(id(note.element), number)
    return [
        (n, calls[key], notes[key])
        for n, key in enumerate(order, start=1)
        if key in notes and notes[key] != calls[key]
    ]


BLOCK_TAGS = ("p", "li", "blockquote", "figcaption", "td", "th", "dd", "dt") + tuple(
    f"h{n}" for n in range(1, 7)
)
BLOCK_START = re.compile(rf"<({'|'.join(BLOCK_TAGS)})\b")


def _block_of_note(html: str, number: int) -> int | None:
    """The index (among BLOCK_START's matches) of the block that holds the call of note
    `number`."""
    calls = [m.start() for m in re.finditer('<span class="footnote">', html)]
    if not 0 < number <= len(calls):
        return None
    starts = [m.start() for m in BLOCK_START.finditer(html)]
    at = bisect.bisect_left(starts, calls[number - 1]) - 1
    return at if at >= 0 else None


def _block_split_at_foot(document, html: str, page: int) -> int | None:
    """The index of the block that ends `page` (counted from 1) with no more lines than its
    `orphans` and goes on to the next page: the paragraph for whose lines WeasyPrint moves
    the last notes of a page to the next one, rather than moving the paragraph."""
    if page >= len(document.pages):
        return None
    foot = _flow_lines(document.pages[page - 1])
    top = _flow_lines(document.pages[page])
    if not foot or not top or foot[-1].element is not top[0].element:
        return None
    element = foot[-1].element
    if sum(line.element is element for line in foot) > foot[-1].style["orphans"]:
        return None
    root = document.pages[0]._page_box.children[0].element
    blocks = [e for e in root.iter() if isinstance(e.tag, str) and e.tag in BLOCK_TAGS]
    if len(blocks) != len(BLOCK_START.findall(html)):
        return None  # the parser made blocks of its own: the indices would not match
    at = next((n for n, e in enumerate(blocks) if e is element), None)
    # A heading is kept with what follows it (break-after: avoid): it moves too.
    while at and blocks[at - 1].tag in BLOCK_TAGS[-6:]:
        at -= 1
    return at


def _flow_lines(page) -> list:
    """The line boxes of a page's text (not its notes or margins), in order."""
    return [box for box in _boxes(page._page_box.children[0]) if type(box).__name__ == "LineBox"]


def _break_before_blocks(html: str, blocks: set[int]) -> str | None:
    """The HTML with each block `blocks` (indices among BLOCK_START's matches) starting a new
    page; None if they all do already."""
    starts = [m.end() for m in BLOCK_START.finditer(html)]
    places = {
        starts[n] for n in blocks if n < len(starts) and not html.startswith(BREAK, starts[n])
    }
    if not places:
        return None
    for place in sorted(places, reverse=True):
        html = html[:place] + BREAK + html[place:]
    return html


def note_opening(html: str, number: int, words: int = 6) -> str:
    """The first words of note `number` as it prints, quoted: "E. Lensen, The Pacific…"."""
    starts = [m.end() for m in re.finditer('<span class="footnote">', html)]
    if not 0 < number <= len(starts):
        return "?"
    depth, at, end = 1, starts[number - 1], len(html)
    for tag in re.finditer(r"<(/?)span\b[^>]*>", html[at:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = at + tag.start()
            break
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html[at:end]))
    opening = text.split()
    return f"“{' '.join(opening[:words])}{'…' if len(opening) > words else ''}”"


BREAK = ' style="break-before: page"'
MAX_NOTE_FIXES = 3
# A figure that does not fit the rest of a page moves whole to the next one; if that leaves
# more than this share of the page empty, the text after it flows on into the gap.
FLOAT_GAP = 0.08
# What a figure may move past: text. Never another figure, table, box or section: floats
# keep their order, and a figure stays in its section.
FLOWS = ("p", "ul", "ol", "blockquote", "dl")


def floated_figures(document) -> str | None:
    """The document with each figure (or table) that left a gap at the foot of the page
    before it moved after the text that fills that gap, as a float goes to the next page;
    None if none did. The move is made in the parsed tree (WeasyPrint's), written back as HTML:
    one more layout, only for documents that need it."""
    from xml.etree import ElementTree

    pages = document.pages
    root = pages[0]._page_box.children[0].element
    parents = {child: parent for parent in root.iter() for child in parent}
    heights, first_page, last_page = {}, {}, {}
    for number, page in enumerate(pages):
        for box in _top_boxes(page._page_box.children[0]):
            element = box.element
            heights[element] = heights.get(element, 0) + box.margin_height()
            first_page.setdefault(element, number)
            last_page[element] = number
    moves = []
    for figure in root.iter("figure"):
        if figure.get("class") == "excerpt" or figure not in first_page or figure not in parents:
            continue  # an excerpt breaks across pages: it is never pushed whole
        page, parent = first_page[figure], parents[figure]
        siblings = list(parent)
        before = siblings[: siblings.index(figure)]
        if page == 0 or not before or last_page.get(before[-1]) != page - 1:
            continue
        gap = space_left(pages[page - 1])
        if gap < FLOAT_GAP * pages[page - 1]._page_box.height:
            continue
        after, filled = None, 0.0
        for sibling in siblings[siblings.index(figure) + 1 :]:
            if sibling.tag not in FLOWS:
                break
            after, filled = sibling, filled + heights.get(sibling, 0)
            if filled >= gap:
                break
        if after is not None:
            moves.append((parent, figure, after))
    if not moves:
        return None
    for parent, figure, after in moves:
        index = list(parent).index(figure)
        tail = figure.tail
        parent.remove(figure)
        if index > 0:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + (tail or "")
        parent.insert(list(parent).index(after) + 1, figure)
    return "<!DOCTYPE html>\n" + ElementTree.tostring(root, encoding="unicode", method="html")


def _top_boxes(box):
    """The outermost box of each element (each fragment of it) in the flow of a page."""
    stack = [(child, box.element) for child in reversed(box.children or [])]
    while stack:
        box, outer = stack.pop()
        element = box.element
        outermost = element is not None and element is not outer
        if outermost and type(box).__name__ not in ("LineBox", "TextBox"):
            yield box
        children = getattr(box, "children", None) or []
        stack.extend((child, element) for child in reversed(children))


def space_left(page) -> float:
    """How much of a page's height its flow leaves empty at the foot (above its notes)."""
    area = page._page_box
    bottom = area.content_box_y() + area.height
    for box in _boxes(area):
        if type(box).__name__ == "FootnoteAreaBox" and box.children:
            bottom = min(bottom, box.position_y)
    used = max(
        (
            b.position_y + b.margin_height()
            for b in _boxes(area.children[0])
            if type(b).__name__ in ("LineBox", "BlockReplacedBox")
        ),
        default=bottom,
    )
    return max(0.0, bottom - used)


def _boxes(box):
    stack = [box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(reversed(getattr(box, "children", None) or []))


def typeset(
    html: str,
    root: Path,
    name: str,
    pages_multiple_of: int = 1,
    archival: Archival | None = None,
    asker: Callable[[str], str | None] = lambda url: None,
    warnings: list[Diagnostic] | None = None,
    tagged: bool = True,
) -> bytes:
    """Lay out `html` (dates come from its dcterms meta tags) and return the PDF bytes,
    tagged for PDF/UA-1 unless `tagged` is false.

    `asker(url)` names the file that asked for a URL that is refused. If the document has an
    element #pressrun-filler alone on its page, that blank page is
    repeated (0 to n-1 times) so that the page count becomes a multiple of `pages_multiple_of`.
    With `archival`, the PDF is PDF/A-3b and carries the sources as attachments.
    """

    def lay_out(render, found: list[Diagnostic]):
        return _lay_out(render, html, name, pages_multiple_of, found), None

    return write(lay_out, root, name, archival, asker, warnings, tagged)


def write(
    lay_out,
    root: Path,
    name: str,
    archival: Archival | None,
    asker: Callable[[str], str | None],
    warnings: list[Diagnostic] | None,
    tagged: bool,
) -> bytes:
    """The PDF of what `lay_out(render, warnings)` lays out with `render(html)`: it returns
    the document and the side of each page (for a parallel edition; else None). Addresses
    refused and images that could not be drawn are errors; what layout warns of is added to
    `warnings`."""
    weasyprint = _weasyprint()
    refused: list[str] = []
    found: list[Diagnostic] = []
    failures = _Failures()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(failures)

    def render(html: str):
        return weasyprint.HTML(
            string=html,
            base_url=root.resolve().as_uri() + "/",
            url_fetcher=data_only_fetcher(refused),
        ).render(font_config=font_configuration())

    try:
        with collector_paused():
            document, sides = lay_out(render, found)
            pdf = document.write_pdf(**_options(weasyprint, name, archival, tagged))
    except RecursionError:
        raise fail(
            None,
            f"{name}: the document nests too deeply to be laid out",
            "text-depth",
            "write the text with fewer levels of emphasis, quotes or lists inside each other",
        ) from None
    finally:
        logger.removeHandler(failures)
    problems = [
        Diagnostic(
            None,
            f"{name}: refused to load {shortened(url)!r} (asked for by {asker(url) or 'the HTML'})",
            "fetch-refused",
            "pressrun loads nothing from elsewhere: inline it, or put the image in the "
            "publication folder and name it in the content",
        )
        for url in dict.fromkeys(refused)
    ]
    problems += [
        Diagnostic(
            None,
            f"{name}: {message}",
            "image-broken",
            "open the image in an editor and save it again as PNG, JPEG or plain SVG",
        )
        for message in dict.fromkeys(failures.messages)
        if not any(url[:150] in message for url in refused)  # reported above
    ]
    if problems:
        raise PressrunError(problems)
    if warnings is not None:
        warnings += found
    if archival or tagged:
        pdf = finish(pdf, archival is not None, tagged, sides)
    return pdf


def note_moved(name: str, number: int, call: int, note: int, words: str) -> Diagnostic:
    return Diagnostic(
        None,
        f"{name}: note {number} ({words}) is on page {note}, its call on page {call}",
        "note-moved",
        "shorten the notes of that page (long addresses fill the foot of a page), or "
        "move the sentence with the call",
        severity="warning",
    )


@contextmanager
def collector_paused():
    """Layout makes millions of objects and few cycles: Python's cycle collector would walk
    them again and again for little memory back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lay_out(render, html: str, name: str, pages_multiple_of: int, found: list[Diagnostic]):
    document = render(html)
    floated = floated_figures(document)
    if floated is not None:
        html = floated
        del document
        gc.collect()
        document = render(html)
    # WeasyPrint can leave a call at the foot of a page and its note on the next one; in
    # one more layout, a block then starts the next page. Mostly WeasyPrint moved the note
    # to fit the second line of a paragraph starting at the foot of the page (orphans): that
    # paragraph starts the next page, a gap of a line. Else the block of the call does, a
    # larger gap: for at most three notes. A note still away from its call is a warning.
    away = notes_away_from_their_calls(document)
    feet = {n: _block_split_at_foot(document, html, call) for n, call, _ in away}
    blocks = {foot for foot in feet.values() if foot is not None}
    others = [n for n, foot in feet.items() if foot is None]
    if len(others) <= MAX_NOTE_FIXES:
        blocks.update(_block_of_note(html, n) for n in others)
    blocks.discard(None)
    fixed = _break_before_blocks(html, blocks)
    if fixed is not None:
        del document  # one laid-out document at a time: hundreds of pages weigh,
        gc.collect()  # and its boxes hold cycles (the collector is paused during layout)
        document = render(fixed)
        away = notes_away_from_their_calls(document)
    found += [note_moved(name, n, call, note, note_opening(html, n)) for n, call, note in away]
    filler = next((n for n, page in enumerate(document.pages) if FILLER in page.anchors), None)
    if filler is not None:
        pages = document.pages[:filler] + document.pages[filler + 1 :]
        padding = -len(pages) % pages_multiple_of
        pages[filler:filler] = [document.pages[filler]] * padding
        document = document.copy(pages)
    return document


def _options(weasyprint, name: str, archival: Archival | None, tagged: bool) -> dict:
    """write_pdf's options: a fixed identifier, the PDF/UA-1 variant (tagged), or PDF/A-3b
    with the sources attached (archival)."""
    options = {"pdf_identifier": identifier(name)}
    if tagged:
        from .tagging import install

        install()
        options["pdf_variant"] = "pdf/ua-1"
    if archival:
        when = datetime.datetime.combine(archival.date, datetime.time(), datetime.UTC)
        options["pdf_variant"] = "pdf/a-3b"
        options["pdf_tags"] = tagged
        options["attachments"] = [
            weasyprint.Attachment(
                string=data,
                name=path,
                description=f"source: {path}",
                created=when,
                modified=when,
                relationship="Source",
            )
            for path, data in sorted(archival.sources.items())
        ]
    return options
