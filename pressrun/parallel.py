"""Parallel editions: two languages' HTML -> one PDF of facing pages, aligned unit by unit.

The left language is set on the versos, the right one on the rectos. WeasyPrint has no
parallel flows, so each side is laid out as a document of its own (its own notes, running
heads and page numbers, counted two by two), and the two are aligned by measuring: each
unit (a section; a block, where both languages' sections have as many blocks) is preceded by
a pad, every pass lays out both sides, reads where each unit starts (its anchor: page and
height) and gives the side where it starts earlier the room (pages, then height) that brings
it level with the other. Why it converges: a pad changes nothing before it (layout flows
forward), so a level unit stays level while the units before it keep their room, and the
first unit apart is measured exactly, so each pass settles it, unless its first lines do
not fit where the other side's do (near the foot of a page, beside notes): after three
changes such a unit starts a new page on both sides, where it fits. The units after the
first are fixed in the same pass on a prediction (room moves the rest of its page down, and
the pages after it by what the page's free foot does not absorb), which is mostly right for
flowing text: the sample settles in 3 passes, the specimen of every block kind in 5. The
pages are then taken in turn from each side into one document (WeasyPrint's `copy`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup

from .diagnostics import Diagnostic, shortened
from .model import Article, Block, Section
from .sandbox import readable

# Units that exist once per side, around the sections.
TITLE, CONTENTS, TEXT, GLOSSARY, BIBLIOGRAPHY = (
    "title",
    "contents",
    "text",
    "glossary",
    "bibliography",
)
PAGE_STARTS = {TITLE, CONTENTS, TEXT, BIBLIOGRAPHY}  # units that start a page of their own
TOLERANCE = 0.9  # CSS px (0.24 mm): two starts closer than this are level
BLOCK_PASSES = 8  # passes aligning every block; then by section
SECTION_PASSES = 6  # passes aligning the rest by section; then a spread per section
MAX_PASSES = BLOCK_PASSES + SECTION_PASSES + 6
UNSETTLED = 3  # exact fixes after which a unit starts a page on both sides


@dataclass(frozen=True)
class Piece:
    """What one side sets in one unit of a section: the section's heading (in its first
    unit) and some of its blocks."""

    unit: str
    heading: bool
    blocks: list[Block]
    section: Section


readable(Piece)


@dataclass
class Plan:
    """The units of one side, for its template: each section's pieces, and every unit in
    reading order."""

    pieces: dict[int, list[Piece]] = field(default_factory=dict)  # id(section) -> its pieces
    units: list[str] = field(default_factory=list)

    def of(self, section: Section) -> list[Piece]:
        return self.pieces.get(id(section), [])

    def piece(self, unit: str) -> Piece | None:
        return next((p for ps in self.pieces.values() for p in ps if p.unit == unit), None)

    def sections(self) -> list[str]:
        """The units of the sections, in order (those of the front and back matter aside)."""
        return [unit for unit in self.units if unit.startswith("s")]


readable(Plan, "of", "piece", "sections")


def plan(left: Article, right: Article) -> tuple[Plan, Plan]:
    """The units of both sides: the same names, in the same order. Sections pair by their
    place; a pair with as many blocks on each side is aligned block by block. Texts whose
    sections do not pair (pairing() warns) are aligned at their starts and ends only."""
    plans = (Plan(), Plan())
    for plan_ in plans:
        plan_.units += [TITLE, CONTENTS, TEXT]
    ours, theirs = list(left.all_sections()), list(right.all_sections())
    if _paired(ours, theirs):
        for n, pair in enumerate(zip(ours, theirs, strict=True), 1):
            by_block = len(pair[0].blocks) == len(pair[1].blocks) > 1
            for section, plan_ in zip(pair, plans, strict=True):
                plan_.pieces[id(section)] = _pieces(section, f"s{n}", by_block)
                plan_.units += [piece.unit for piece in plan_.pieces[id(section)]]
    else:
        for sections, plan_, mark in ((ours, plans[0], "l"), (theirs, plans[1], "r")):
            for n, section in enumerate(sections, 1):  # units of one side only: not aligned
                plan_.pieces[id(section)] = [
                    Piece(f"{mark}{n}", section.heading is not None, list(section.blocks), section)
                ]
                plan_.units.append(f"{mark}{n}")
    for plan_ in plans:
        plan_.units += [GLOSSARY, BIBLIOGRAPHY]
    return plans


def _pieces(section: Section, unit: str, by_block: bool) -> list[Piece]:
    """A section's units: one per block (its heading with the first), or the whole section."""
    heading = section.heading is not None
    if by_block:
        return [
            Piece(f"{unit}-{m}", m == 1 and heading, [block], section)
            for m, block in enumerate(section.blocks, 1)
        ]
    return (
        [Piece(unit, heading, list(section.blocks), section)] if heading or section.blocks else []
    )


def _paired(ours: list[Section], theirs: list[Section]) -> bool:
    return len(ours) == len(theirs) and all(
        one.level == other.level for one, other in zip(ours, theirs, strict=True)
    )


def pairing(left: Article, right: Article, name: str) -> list[Diagnostic]:
    """Warnings for the parallel edition `name` of two articles: sections that cannot be
    paired (the texts are then aligned at their starts and ends only), sections aligned as a
    whole (their block counts differ)."""
    warnings = []
    ours, theirs = list(left.all_sections()), list(right.all_sections())
    hint = "give both texts the same sections, nested alike and in the same order"
    if len(ours) != len(theirs):
        longer, shorter = (ours, theirs) if len(ours) > len(theirs) else (theirs, ours)
        extra = longer[len(shorter)]
        langs = (left.lang, right.lang) if longer is ours else (right.lang, left.lang)
        warnings.append(
            Diagnostic(
                extra.where or (left if longer is ours else right).where,
                f"the {langs[0]} text has {len(longer)} sections and the {langs[1]} text "
                f"{len(shorter)}, and {_named(extra)} has no counterpart: the parallel edition "
                f"{name} cannot set sections side by side, and aligns the texts at their "
                "starts only",
                "parallel-sections",
                hint,
                severity="warning",
            )
        )
        return warnings
    for n, (one, other) in enumerate(zip(ours, theirs, strict=True), 1):
        if one.level != other.level:
            warnings.append(
                Diagnostic(
                    other.where or right.where,
                    f"section {n} is at level {other.level} in {right.lang} and {one.level} in "
                    f"{left.lang}: the parallel edition {name} cannot set sections side by "
                    "side, and aligns the texts at their starts only",
                    "parallel-sections",
                    hint,
                    severity="warning",
                )
            )
            return warnings
    for one, other in zip(ours, theirs, strict=True):
        if len(one.blocks) != len(other.blocks):
            more = other if len(other.blocks) > len(one.blocks) else one
            warnings.append(
                Diagnostic(
                    more.where or right.where,
                    f"{_named(more)} has {len(one.blocks)} blocks in {left.lang} and "
                    f"{len(other.blocks)} in {right.lang}: the parallel edition {name} aligns "
                    "it as a whole, not block by block",
                    "parallel-blocks",
                    "give both texts the same blocks in this section to set each beside its "
                    "counterpart",
                    severity="warning",
                )
            )
    return warnings


def _named(section: Section) -> str:
    if section.heading is None:
        return "the section before the first heading" if section.level == 1 else "a section"
    return f"section '{shortened(section.heading.source, 40)}'"


# The place of a unit's pad in a side's HTML, until the pass that sizes it.
PAD = "<!--pressrun:pad:{}-->"


def pad(unit: str) -> Markup:
    """The pad a template writes before a unit (it is sized in each pass)."""
    return Markup(PAD.format(unit))


def padded(
    html: str, controls: dict[str, tuple[int, float]], units: list[str], page_starts: set[str]
) -> str:
    """The side's HTML with each unit's pad: `pages` page breaks, then `height` px of space.
    A unit that starts a page of its own gets its break from its pad too."""
    for unit in units:
        pages, height = controls.get(unit, (0, 0.0))
        pages += unit in page_starts
        # The first element (a hundredth of a pixel high) makes each break a break, even at
        # the very start of a document or of a page.
        room = '<div class="pad-top"></div>' + '<div class="pad-page"></div>' * pages
        if height > 0:
            room += f'<div class="pad-space" style="height: {height:.2f}px"></div>'
        html = html.replace(PAD.format(unit), f'<div class="pad">{room}</div>', 1)
    return html


ATTRIBUTE = re.compile(r'(\s(?:id|for|aria-labelledby|aria-describedby)=")([^"]*")')
FRAGMENT = re.compile(r'(\shref="#)([^"]*")')
TAG = re.compile(r"<[a-zA-Z][^<>]*>")


def prefixed(html: str, prefix: str) -> str:
    """Every id of a side, and every link to one, with the side's prefix: both sides' pages
    go into one PDF, whose links find their targets by id. Only tags are touched (text
    holds no '<': it is escaped)."""

    def tag(match: re.Match) -> str:
        text = ATTRIBUTE.sub(lambda m: m.group(1) + prefix + m.group(2), match.group(0))
        return FRAGMENT.sub(lambda m: m.group(1) + prefix + m.group(2), text)

    return TAG.sub(tag, html)


@dataclass
class Side:
    """One language of a parallel edition while it is laid out."""

    lang: str
    html: str  # ids prefixed, pads unsized
    units: list[str]
    first_spread: int  # the spread its first page is on: the left's is the cover (0)
    page_starts: set[str]  # the units that start a page of their own
    controls: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{self.lang}-"

    def document_html(self) -> str:
        return padded(self.html, self.controls, self.units, self.page_starts)

    def starts(self, document) -> dict[str, tuple[int, float]]:
        """Where each unit starts: (spread, CSS px from the top of the page)."""
        found: dict[str, tuple[int, float]] = {}
        marker = self.prefix + "unit-"
        for number, page in enumerate(document.pages):
            for anchor, place in page.anchors.items():
                if anchor.startswith(marker):
                    found.setdefault(anchor[len(marker) :], (number + self.first_spread, place[1]))
        return found


@dataclass(frozen=True)
class Page:
    """The flow area of a page, in CSS px: where it starts and how tall it is."""

    top: float
    height: float

    def position(self, start: tuple[int, float]) -> float:
        """A start as one number, the pages laid end to end."""
        return start[0] * self.height + start[1] - self.top


def level(
    sides: tuple[Side, Side], starts: tuple[dict, dict], page: Page, free: tuple[dict, dict]
) -> list[str]:
    """Give each unit that starts earlier on one side the room that brings it level with the
    other; the units changed.

    The first unit apart is measured exactly (nothing before it changes in this pass): it
    first takes back room the later side was given too much of, then gives the earlier side
    what is missing. Room given to a unit moves the rest of its page down by as much, and
    the pages after it by what the page's free space at its foot (`free`: spread -> px) does
    not absorb: the units after the first are fixed on that prediction (only ever adding
    room), and the next pass measures what it missed."""
    shift = [0.0, 0.0]
    spread = [-1, -1]
    changed: list[str] = []
    for unit in sides[0].units:
        if unit not in starts[0] or unit not in starts[1]:
            continue
        for s in (0, 1):
            for crossed in range(max(spread[s], 0), starts[s][unit][0]):
                if spread[s] >= 0:
                    shift[s] = max(0.0, shift[s] - free[s].get(crossed, 0.0))
            spread[s] = starts[s][unit][0]
        at = [page.position(starts[s][unit]) + shift[s] for s in (0, 1)]
        gap = at[1] - at[0]
        if abs(gap) < TOLERANCE:
            continue
        early, late = (0, 1) if gap > 0 else (1, 0)
        gap = abs(gap)
        pages, height = sides[late].controls.get(unit, (0, 0.0))
        if pages == 0 and height > 0:  # the later side was given more room than it needs
            taken = min(height, gap)
            sides[late].controls[unit] = (0, height - taken)
            shift[late] -= taken
            gap -= taken
        exact = not changed  # the first unit apart: measured, not predicted
        if gap >= TOLERANCE:
            pages, height = sides[early].controls.get(unit, (0, 0.0))
            target, rest = divmod(at[late], page.height)
            behind = int(target - at[early] // page.height)
            # A unit at the top of its page got there by a break: its pad is at the foot of
            # the page before, where more height moves nothing. It needs a break of its own.
            on_top = abs(starts[early][unit][1] - page.top) < TOLERANCE and pages == 0
            # Units that start a page on both sides move by whole pages: predicted exactly.
            whole = all(unit in side.page_starts for side in sides)
            if behind <= 0 and not on_top and height + gap < page.height:
                height += gap
            elif not exact and not whole:
                continue  # a page to jump, on a prediction: left to the pass that measures it
            else:
                # After a forced break the unit keeps its top margin: the room is the height
                # of the other side's start less that margin (as measured, if it is at a top).
                at_top = on_top or pages > 0 or unit in sides[early].page_starts
                margin = starts[early][unit][1] - page.top - height if at_top else 0.0
                pages, height = pages + max(behind, 1 if on_top else 0), max(0.0, rest - margin)
            sides[early].controls[unit] = (pages, height)
            shift[early] += gap
        _least(sides, unit)
        changed.append(unit)
    return changed


def _least(sides: tuple[Side, Side], unit: str) -> None:
    """Room both sides were given before a unit is room neither needs: pages, or height on
    the same page."""
    ours, theirs = (side.controls.get(unit, (0, 0.0)) for side in sides)
    common = min(ours[0], theirs[0])
    if common:
        ours, theirs = (ours[0] - common, ours[1]), (theirs[0] - common, theirs[1])
    if ours[0] == theirs[0] == 0:
        least = min(ours[1], theirs[1])
        ours, theirs = (0, ours[1] - least), (0, theirs[1] - least)
    sides[0].controls[unit], sides[1].controls[unit] = ours, theirs


@dataclass
class Alignment:
    """Both sides laid out, and how: passes made, where alignment was coarsened (the first
    unit aligned by section, the first set on a new spread), units still apart."""

    documents: tuple
    passes: int
    coarsened: dict[str, str] = field(default_factory=dict)  # "sections"/"spreads" -> unit
    apart: list[tuple[str, float]] = field(default_factory=list)  # unit, mm apart


def align(sides: tuple[Side, Side], render: Callable[[str], object]) -> Alignment:
    """Lay out both sides, then again with their pads sized, until every unit is level.

    A long text whose blocks differ in length all along takes about a pass per page that
    way; after BLOCK_PASSES the units after the first one apart are aligned by section
    only, and after SECTION_PASSES more, each of those sections starts a new spread (a
    page break moves everything after it by whole pages: the prediction is then exact)."""
    from .typeset import space_left

    alignment = Alignment((), 0)
    changes: dict[str, int] = {}
    for passes in range(1, MAX_PASSES + 1):
        alignment.documents = ()  # one pair of laid-out documents at a time: they weigh
        alignment.documents = tuple(render(side.document_html()) for side in sides)
        alignment.passes = passes
        documents = alignment.documents
        starts = (sides[0].starts(documents[0]), sides[1].starts(documents[1]))
        box = documents[0].pages[min(2, len(documents[0].pages) - 1)]._page_box
        page = Page(box.content_box_y(), box.height)
        free = tuple(
            {n + side.first_spread: space_left(p) for n, p in enumerate(document.pages)}
            for side, document in zip(sides, documents, strict=True)
        )
        changed = level(sides, starts, page, free)
        if not changed:
            return alignment
        # The first unit apart was measured: if it will not settle (near the foot of a page,
        # where one side's lines or notes do not fit), it starts a new page on both sides.
        unit = changed[0]
        changes[unit] = changes.get(unit, 0) + 1
        if changes[unit] == UNSETTLED:
            _start_pages(sides, [unit])
        if passes == BLOCK_PASSES:
            later = sides[0].units[sides[0].units.index(unit) :]
            blocks = [u for u in later if re.fullmatch(r"s\d+-([2-9]|\d\d+)", u)]
            if blocks:
                alignment.coarsened["sections"] = unit
                units = [u for u in sides[0].units if u not in blocks]
                for side in sides:
                    side.units = units
                    for block in blocks:
                        side.controls.pop(block, None)
        elif passes == BLOCK_PASSES + SECTION_PASSES:
            alignment.coarsened["spreads"] = unit
            later = sides[0].units[sides[0].units.index(unit) :]
            _start_pages(sides, [u for u in later if u.startswith("s")])
    distances = {
        unit: abs(page.position(starts[1][unit]) - page.position(starts[0][unit]))
        for unit in sides[0].units
        if unit in starts[0] and unit in starts[1]
    }
    alignment.apart = [(unit, px * 25.4 / 96) for unit, px in distances.items() if px >= TOLERANCE]
    return alignment


def _start_pages(sides: tuple[Side, Side], units: list[str]) -> None:
    """These units start a new page on both sides (the room that would level them is
    found again)."""
    for side in sides:
        side.page_starts = side.page_starts | set(units)
        for unit in units:
            side.controls[unit] = (0, 0.0)


FILLER = "pressrun-filler"


def facing_pages(left, right, left_lang: str, right_lang: str):
    """The pages of both sides in print order, and the side (0, 1) of each: the left's first
    page (the cover) alone, then each left page facing the right's next, the shorter side
    made up with its filler page, the count a multiple of four, the left's last page (the
    colophon) on the back."""
    ours = _without_filler(left, left_lang + "-" + FILLER)
    theirs = _without_filler(right, right_lang + "-" + FILLER)
    (body, filler), back = ours[:2], ours[2]
    their_body, their_filler = theirs[:2]
    spreads = max(len(body) - 1, len(their_body))
    spreads += spreads % 2 == 0  # cover + 2 × spreads + back: a multiple of 4
    body = body + [filler] * (spreads + 1 - len(body))
    their_body = their_body + [their_filler] * (spreads - len(their_body))
    pages, sides = [body[0]], [0]
    for n in range(1, spreads + 1):
        pages += [body[n], their_body[n - 1]]
        sides += [0, 1]
    return left.copy(pages + back[-1:]), sides + [0]


def _without_filler(document, anchor: str) -> tuple[list, object, list]:
    """The pages before a side's filler page, the filler page, and those after it."""
    pages = document.pages
    at = next(n for n, page in enumerate(pages) if anchor in page.anchors)
    before, after = pages[:at], pages[at + 1 :]
    if len(after) > 1:  # a colophon of several pages: all but the last face fillers
        before, after = before + after[:-1], after[-1:]
    return before, pages[at], after


def apart_warnings(name: str, alignment: Alignment) -> list[Diagnostic]:
    """What alignment could not do as asked: where it aligned by section only or set
    sections on new spreads, and units still apart."""
    found = []
    what = {
        "sections": "aligns by section only",
        "spreads": "starts each section on a new spread",
    }
    for stage, unit in alignment.coarsened.items():
        found.append(
            Diagnostic(
                None,
                f"{name}: from unit {unit} on, the parallel edition {what[stage]}: aligning "
                f"each took more than "
                f"{BLOCK_PASSES if stage == 'sections' else BLOCK_PASSES + SECTION_PASSES} "
                "layout passes (blocks of lengths that differ all along, or figures and "
                "tables that do not split)",
                "parallel-coarse",
                "split long sections, or give both texts blocks of closer lengths",
                severity="warning",
            )
        )
    found += [
        Diagnostic(
            None,
            f"{name}: unit {unit} starts {mm:.1f} mm apart on the two sides after "
            f"{alignment.passes} layout passes",
            "parallel-apart",
            "shorten the notes near it, or split the section into blocks of the same count",
            severity="warning",
        )
        for unit, mm in alignment.apart
    ]
    return found


def typeset_pair(
    htmls: tuple[str, str],
    langs: tuple[str, str],
    units: list[str],
    root,
    name: str,
    archival,
    asker,
    warnings: list[Diagnostic],
) -> tuple[bytes, int]:
    """The parallel edition's PDF from both sides' HTML (ids prefixed with their language),
    and the layout passes it took."""
    from .typeset import note_moved, note_opening, notes_away_from_their_calls, write

    sides = (
        # The title pages start a page by their page name (title), not by their pads.
        Side(langs[0], htmls[0], units, 0, PAGE_STARTS - {TITLE}),
        Side(langs[1], htmls[1], units, 1, PAGE_STARTS - {TITLE}),
    )
    passes = 0

    def lay_out(render, found: list[Diagnostic]):
        nonlocal passes
        alignment = align(sides, render)
        passes = alignment.passes
        found += apart_warnings(name, alignment)
        for n, (side, document) in enumerate(zip(sides, alignment.documents, strict=True)):
            page = (lambda i: 2 * i) if n == 0 else (lambda i: 2 * i + 3)
            found += [
                note_moved(
                    f"{name} ({side.lang})",
                    number,
                    page(call - 1),
                    page(note - 1),
                    note_opening(side.html, number),
                )
                for number, call, note in notes_away_from_their_calls(document)
            ]
        return facing_pages(*alignment.documents, *langs)

    pdf = write(lay_out, root, name, archival, asker, warnings, True)
    return pdf, passes


SIDES = ("left", "right")


def make_pair(project, prepared, name: str, fmt, archival=None):
    """A parallel edition's files (the PDF, its print file, its web page) in memory."""
    from .formats import IMPOSED, PRINT, SCREEN
    from .impose import impose
    from .pipeline import Made, _asker
    from .worksheet import copies

    started = time.perf_counter()
    pub, folder = prepared.pub, prepared.lang
    langs = tuple(side.labels.lang for side in prepared.sides)
    files: dict[str, bytes] = {}
    warnings: list[Diagnostic] = []
    for n, chosen in enumerate(copies(pub, fmt)):
        sides = [(side.labels, side.texts[chosen]) for side in prepared.sides]
        htmls, units, web = render_pair(project, pub, sides, fmt)
        named = f"{pub.id}/{folder}/{fmt.copy_name(chosen.letter)}"
        asker = functools.partial(_asker, project, fmt)
        pdf, _ = typeset_pair(htmls, langs, units, project.root, named, archival, asker, warnings)
        files[f"{folder}/{fmt.file(PRINT, chosen.letter)}"] = pdf
        if IMPOSED in fmt.outputs:
            imposed = impose(pdf, pub.paper, pub.imposition)
            files[f"{folder}/{fmt.file(IMPOSED, chosen.letter)}"] = imposed
        if n == 0:  # one web page: screens show no versions
            files[f"{folder}/{SCREEN.file}"] = web.encode("utf-8")
    seconds = time.perf_counter() - started
    return Made(pub.id, folder, name, files, seconds, tuple(warnings), tuple(files))


def render_pair(project, pub, sides, fmt, tools=None, preview=False):
    """Both sides' HTML for print (ids prefixed with their language), the units they share,
    and the web page, from each side's (labels, text)."""
    from .formats import SCREEN
    from .render import bibliography_title, render

    names = project.config.language_names([labels.lang for labels, _ in sides])
    pair = [
        {
            "lang": labels.lang,
            "name": names[labels.lang],
            "article": text.article or pub.articles[labels.lang],
            "text": text,
            "t": labels.words,
            "bibliography_title": bibliography_title(pub, labels),
        }
        for labels, text in sides
    ]
    plans = plan(*(one["article"] for one in pair))
    htmls = tuple(
        prefixed(
            render(
                project,
                pub,
                one["text"],
                labels,
                fmt,
                tools,
                preview,
                extra={"side": SIDES[n], "plan": plans[n], "pad": pad, "pair": pair},
            ),
            one["lang"] + "-",
        )
        for n, (one, (labels, _)) in enumerate(zip(pair, sides, strict=True))
    )
    screen = dataclasses.replace(
        fmt, template=fmt.screen_template, stylesheets=fmt.screen_stylesheets, outputs=(SCREEN,)
    )
    # Each text's part of the page is rendered with its own text (the block macros print
    # the text they are given), then the page around them.
    parts = [
        Markup(
            render(
                project,
                pub,
                one["text"],
                labels,
                screen,
                tools,
                preview,
                extra={
                    "part": "side",
                    "one": one,
                    "index": n + 1,
                    "side": WebSide(one),
                    "plan": plans[n],
                    "rows": plans[0].sections(),
                },
            )
        )
        for n, (one, (labels, _)) in enumerate(zip(pair, sides, strict=True))
    ]
    web = render(
        project,
        pub,
        pair[0]["text"],
        sides[0][0],
        screen,
        tools,
        preview,
        extra={
            "part": "page",
            "pair": pair,
            "parts": parts,
            "files": _files(pub, fmt),
            # Each language's own web page, if the publication makes one: linked from here.
            "single_pages": any(project.config.formats[n].on_screen for n in pub.formats),
        },
    )
    return htmls, plans[0].units, web


def _files(pub, fmt) -> list[dict[str, str]]:
    """The print files the web page links to: each labelled output of each copy."""
    from .worksheet import copies

    return [
        {"file": fmt.file(o, c.letter), "label": o.label.format(name=fmt.name), "version": c.letter}
        for c in copies(pub, fmt)
        for o in fmt.outputs
        if o.label
    ]


@dataclass
class WebSide:
    """One language of a parallel web page: its pieces of HTML with their notes numbered in
    its own sequence and its ids prefixed with its language (both texts share one page)."""

    one: dict

    def __post_init__(self) -> None:
        from .render import ScreenNotes

        t = self.one["t"]
        self.notes = ScreenNotes(t.get("notes", "Notes"), t.get("back-to-text", "↩"))

    def cell(self, html: str) -> Markup:
        return Markup(prefixed(str(self.notes.calls(str(html))), self.one["lang"] + "-"))

    def notes_list(self) -> Markup:
        return Markup(prefixed(str(self.notes.section()), self.one["lang"] + "-"))


readable(WebSide, "cell", "notes_list")
