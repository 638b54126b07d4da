"""The data model: a Publication, its Articles (one per language), their sections and blocks.

Each block kind is one class in `BLOCKS`: the keys it takes, how it reads itself from YAML
nodes, the pieces of Markdown it holds, and the template macro (in templates/_blocks.html)
that prints it. A new block kind is one class here, one macro, and its CSS.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

import yaml

from .diagnostics import Diagnostic, Location, did_you_mean, shortened
from .sandbox import readable

if TYPE_CHECKING:
    from .references import Reference
    from .yamlnodes import YamlFile


@readable
@dataclass(eq=False)
class Inline:
    """A piece of pandoc Markdown from the content, where it stands, and where it ends."""

    source: str
    where: Location
    file: YamlFile = field(repr=False)
    span: tuple[int, int] = (0, 0)  # character offsets of the YAML scalar in file.text
    phrase: bool = False  # inline text (a title, heading, caption): no block syntax
    # Its place in Article.inlines(): the key of its HTML in Text. Not its location: a
    # paragraph repeated with a YAML alias is two pieces (the second gets the short note).
    position: int = -1

    def locate(self, fragment: str) -> Location:
        """Where `fragment` of this text stands in its file (YAML folding moves lines)."""
        offset = self.file.text.find(fragment, *self.span)
        return self.file.at_offset(offset) if offset >= 0 else self.where


class Reader(Protocol):
    """What a block reads itself with (load.py gives one per file): the file's validators
    and messages, and readers for Markdown, images and nested blocks."""

    f: YamlFile

    def inline(self, node: yaml.Node, what: str, phrase: bool = False) -> Inline | None: ...

    def image(self, node: yaml.Node, what: str) -> Path | None: ...

    def blocks(self, node: yaml.Node, what: str) -> list[Block]: ...

    def block(self, node: yaml.Node) -> Block | None: ...

    def lines(self, node: yaml.Node, what: str) -> list[Inline]: ...

    def inlines(self, node: yaml.Node, what: str) -> list[Inline]: ...

    def optional(self, keys: dict, key: str, what: str) -> Inline | None: ...


# Every block kind by its key in the content.
BLOCKS: dict[str, type[Block]] = {}


def block_kind(cls: type[Block]) -> type[Block]:
    """Register a block kind, and let templates read it."""
    BLOCKS[cls.kind] = cls
    cls.macro = cls.kind.replace("-", "_")
    return readable(cls, *cls.methods)


class Block:
    """One block of a section. A kind says its key (`kind`), the other keys it takes beside
    it, and the macro that prints it."""

    kind: ClassVar[str]
    macro: ClassVar[str]  # the template macro that prints it: the kind, with '_' for '-'
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    methods: ClassVar[tuple[str, ...]] = ()  # the methods its macro may call

    @classmethod
    def read(cls, r: Reader, body: yaml.Node, keys: dict[str, yaml.Node]) -> Block | None:
        """The block from its value (`body`) and its other keys; None after an error."""
        raise NotImplementedError

    def inlines(self) -> Iterator[Inline]:
        """Its pieces of Markdown in reading order (nested blocks' included)."""
        return iter(())

    def images(self) -> Iterator[Path]:
        """The image files it prints."""
        return iter(())


@block_kind
@dataclass(eq=False)
class Paragraph(Block):
    kind: ClassVar[str] = "paragraph"
    text: Inline

    @classmethod
    def read(cls, r, body, keys):
        text = r.inline(body, cls.kind)
        return cls(text) if text else None

    def inlines(self):
        yield self.text


@block_kind
@dataclass(eq=False)
class Notice(Paragraph):
    kind: ClassVar[str] = "notice"


@block_kind
@dataclass(eq=False)
class Quote(Block):
    kind: ClassVar[str] = "quote"
    optional: ClassVar[tuple[str, ...]] = ("attribution",)
    text: Inline
    attribution: Inline | None = None

    @classmethod
    def read(cls, r, body, keys):
        text = r.inline(body, "quote")
        source = keys.get("attribution")
        source = r.inline(source, "attribution", True) if source is not None else None
        return cls(text, source) if text else None

    def inlines(self):
        yield self.text
        if self.attribution:
            yield self.attribution


@block_kind
@dataclass(eq=False)
class ListBlock(Block):
    kind: ClassVar[str] = "list"
    optional: ClassVar[tuple[str, ...]] = ("ordered",)
    items: list[Inline]
    ordered: bool = False

    @classmethod
    def read(cls, r, body, keys):
        nodes = r.f.sequence(body, "list")
        items = [i for i in (r.inline(n, "a list item", True) for n in nodes) if i]
        ordered = r.f.boolean(keys["ordered"], "ordered") if "ordered" in keys else False
        return cls(items, bool(ordered))

    def inlines(self):
        yield from self.items


@block_kind
@dataclass(eq=False)
class Figure(Block):
    kind: ClassVar[str] = "figure"
    required: ClassVar[tuple[str, ...]] = ("caption",)
    optional: ClassVar[tuple[str, ...]] = ("alt", "decorative", "credit", "width")
    image: Path
    caption: Inline
    alt: str
    where: Location
    credit: Inline | None = None  # who made it, its licence: printed under the caption
    width: int = 100  # percent of the text width
    alt_where: Location | None = None  # where its alt text is written

    @classmethod
    def read(cls, r, body, keys):
        path = r.image(body, "image")
        caption = r.inline(keys["caption"], "caption", True)
        alt = read_alt(r.f, body, keys, "a figure")
        credit = r.optional(keys, "credit", "credit")
        width = percent(r, keys["width"], "width") if "width" in keys else 100
        if path is None or caption is None or alt is None:
            return None
        alt_where = r.f.where(keys["alt"]) if "alt" in keys else None
        return cls(path, caption, alt, r.f.where(body), credit, width or 100, alt_where)

    def inlines(self):
        yield self.caption
        if self.credit:
            yield self.credit

    def images(self):
        yield self.image


def read_alt(f, body, keys: dict, what: str) -> str | None:
    """An image's alt text, which a reader who cannot see it hears; "" for an image that
    says `decorative: true` (it becomes an artifact, skipped by screen readers)."""
    chosen = f.boolean(keys["decorative"], "decorative") if "decorative" in keys else False
    if chosen is None:
        return None  # reported: decorative must be true or false
    decorative = chosen is True
    if decorative and "alt" in keys:
        f.error(
            keys["alt"],
            f"{what} is decorative and has alt text",
            "bad-value",
            "remove alt: (nothing is read out for a decorative image), or decorative:",
        )
        return None
    if decorative:
        return ""
    alt = f.string(keys["alt"], "alt text") if "alt" in keys else None
    if alt is None and "alt" in keys:
        return None  # reported: not text, or a character no text can print
    hidden = re.search(r"[\u200b\u202a-\u202e\u2066-\u2069\ufeff]", alt or "")
    if hidden:
        f.error(
            keys["alt"],
            f"the alt text holds U+{ord(hidden.group(0)):04X}, an invisible or direction "
            "control character",
            "bad-character",
            "retype the alt text without it",
        )
        return None
    if alt is not None and alt.strip():
        return " ".join(alt.split())
    f.error(
        keys.get("alt", body),
        f"{what} without alt text" if alt is None else "empty alt text",
        "missing-alt",
        "write alt: what the image shows, for a reader who cannot see it (or decorative: "
        "true for an ornament)",
    )
    return None


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def percent(r: Reader, node: yaml.Node, what: str) -> int | None:
    """A share of the text width, from 10% to 100%."""
    text = r.f.matching(node, r"\d{1,3}\s*%", what, "give a share of the text width, such as 60%")
    value = int(text.rstrip("% ")) if text else None
    if value is not None and not 10 <= value <= 100:
        r.f.error(
            node,
            f"{what} {value}% is not between 10% and 100%",
            "bad-value",
            "give a share of the text width, such as 60%",
        )
        return None
    return value


ALIGNS = ("left", "center", "right")
SEQUENCE = "tag:yaml.org,2002:seq"


@block_kind
@dataclass(eq=False)
class Table(Block):
    """A captioned table: a header row, rows of cells (inline Markdown), an alignment per
    column, and a credit line. Its rows never split across pages."""

    kind: ClassVar[str] = "table"
    caption: Inline | None
    header: list[Inline]
    rows: list[list[Inline]]
    align: list[str]
    credit: Inline | None = None

    @classmethod
    def read(cls, r, body, keys):
        f = r.f
        parts = f.mapping(
            body,
            required=("rows",),
            optional=("caption", "header", "align", "credit"),
            what="a table",
        )
        caption = r.optional(parts, "caption", "caption")
        header = r.inlines(parts["header"], "header") if "header" in parts else None
        if "header" not in parts and isinstance(body, yaml.MappingNode):
            f.error(
                body,
                "a table without a header row: a screen reader cannot say what each column "
                "holds (and the PDF would not be PDF/UA)",
                "table-header",
                "give it header: [Column, Column, …]",
            )
        for node, cell in zip(parts["header"].value if header else [], header or [], strict=False):
            if not cell.source.strip():
                f.error(node, "an empty header cell", "table-header", "name what the column holds")
        nodes = f.sequence(parts["rows"], "rows") if "rows" in parts else []
        rows = [(node, r.inlines(node, "a row")) for node in nodes]
        shaped = [row for _, row in rows if row is not None]
        columns = len(header) if header else len(shaped[0]) if shaped else 0
        for node, row in rows:
            if row == []:
                f.error(
                    node, "a row with no cells", "table-shape", "give it its cells, or remove it"
                )
            elif row is not None and len(row) != columns:
                f.error(
                    node,
                    f"a row of {len(row)} cells in a table of {columns} columns",
                    "table-shape",
                    "give every row as many cells as the first (or the header) has",
                )
        align = []
        for node in f.sequence(parts["align"], "align") if "align" in parts else []:
            value = f.string(node, "each item of align")
            if value is not None and value not in ALIGNS:
                f.error(
                    node,
                    f"unknown alignment '{value}'",
                    "bad-value",
                    did_you_mean(value, ALIGNS) or f"use one of: {', '.join(ALIGNS)}",
                )
            align.append(value or "left")
        if align and columns and len(align) != columns:
            f.error(
                parts["align"],
                f"{len(align)} alignments for {columns} columns",
                "table-shape",
                "give one alignment per column",
            )
        align = [a if a in ALIGNS else "left" for a in align][:columns]
        align += ["left"] * (columns - len(align))
        credit = r.optional(parts, "credit", "credit")
        if "rows" in parts and parts["rows"].tag == SEQUENCE and not nodes:
            f.error(
                parts["rows"],
                "a table needs at least one row",
                "missing-key",
                "give rows: a list of rows, each a list of cells",
            )
        if not shaped:
            return None
        return cls(caption, header or [], shaped, align, credit)

    def inlines(self):
        if self.caption:
            yield self.caption
        yield from self.header
        for row in self.rows:
            yield from row
        if self.credit:
            yield self.credit


@block_kind
@dataclass(eq=False)
class Box(Block):
    """A sidebar set off from the text (a key idea, a warning, a did-you-know), with a title
    and blocks of its own."""

    kind: ClassVar[str] = "box"
    title: Inline | None
    blocks: list[Block]

    @classmethod
    def read(cls, r, body, keys):
        parts = r.f.mapping(body, required=("blocks",), optional=("title",), what="a box")
        title = r.optional(parts, "title", "title")
        nodes = r.f.sequence(parts["blocks"], "blocks") if "blocks" in parts else []
        read = [(node, r.block(node)) for node in nodes]
        blocks = [block for _, block in read if block]
        for node, block in read:
            if isinstance(block, Box | PageBreak | Exercise):
                r.f.error(
                    node,
                    f"a box cannot hold {article(block.kind)} {block.kind} block",
                    "box-content",
                    "put it after the box",
                )
        if "blocks" in parts and parts["blocks"].tag == SEQUENCE and not nodes:
            r.f.error(parts["blocks"], "a box with no blocks", "empty", "give it its text")
        return cls(title, blocks) if blocks else None

    def inlines(self):
        if self.title:
            yield self.title
        for block in self.blocks:
            yield from block.inlines()

    def images(self):
        for block in self.blocks:
            yield from block.images()


@readable
@dataclass(eq=False)
class Term:
    term: Inline
    definition: Inline


@block_kind
@dataclass(eq=False)
class Terms(Block):
    """Key terms with their definitions, printed where they stand and gathered into the
    glossary of the booklet and the web edition."""

    kind: ClassVar[str] = "terms"
    terms: list[Term]

    @classmethod
    def read(cls, r, body, keys):
        terms = []
        for node in r.f.sequence(body, "terms"):
            parts = r.f.mapping(node, required=("term", "definition"), what="a term")
            term = r.inline(parts["term"], "term", True) if "term" in parts else None
            definition = (
                r.inline(parts["definition"], "definition", True) if "definition" in parts else None
            )
            if term and definition:
                terms.append(Term(term, definition))
        if body.tag == SEQUENCE and not body.value:
            r.f.error(body, "a terms block with no terms", "empty", "give it its terms")
        return cls(terms) if terms else None

    def inlines(self):
        for term in self.terms:
            yield term.term
            yield term.definition


EXCERPT_STEP = 5  # the lines numbered: every fifth


@block_kind
@dataclass(eq=False)
class Excerpt(Block):
    """A primary-source excerpt whose lines keep their breaks and are numbered every fifth,
    with a title and the citation of its source."""

    kind: ClassVar[str] = "excerpt"
    methods: ClassVar[tuple[str, ...]] = ("numbered",)
    title: Inline | None
    lines: list[Inline]  # an empty line is a break between stanzas or paragraphs: unnumbered
    citation: Inline | None = None

    @classmethod
    def read(cls, r, body, keys):
        parts = r.f.mapping(
            body, required=("text",), optional=("title", "citation"), what="an excerpt"
        )
        title = r.optional(parts, "title", "title")
        lines = r.lines(parts["text"], "text") if "text" in parts else []
        if "text" in parts and getattr(parts["text"], "style", None) == ">":
            r.f.diagnostics.append(
                Diagnostic(
                    r.f.where(parts["text"]),
                    "an excerpt written after '>' loses its line breaks and line numbers",
                    "excerpt-folded",
                    "write the excerpt after '|', which keeps every line",
                    severity="warning",
                )
            )
        citation = r.optional(parts, "citation", "citation")
        if citation and not re.fullmatch(r"\s*\[[^\[\]]*@[^\[\]]*\]\s*", citation.source):
            r.f.error(
                parts["citation"],
                "an excerpt's citation is one citation in brackets",
                "excerpt-citation",
                'write it as "[@key, p. 12]" (in quotes: YAML reads [ as a list)',
            )
            return None
        if "text" in parts and lines is not None and not any(x.source.strip() for x in lines):
            if getattr(parts["text"], "tag", "").endswith(":str"):
                r.f.error(parts["text"], "an excerpt with no text", "empty", "give it its lines")
            return None
        return cls(title, lines, citation)

    def numbered(self) -> list[tuple[int, Inline]]:
        """Each line with its number (0 for an empty line, which is not counted)."""
        found, number = [], 0
        for line in self.lines:
            counted = bool(line.source.strip())
            number += counted
            found.append((number if counted else 0, line))
        return found

    def inlines(self):
        if self.title:
            yield self.title
        yield from self.lines
        if self.citation:
            yield self.citation


@block_kind
@dataclass(eq=False)
class PageBreak(Block):
    """The next block starts a new page in print; the web edition ignores it."""

    kind: ClassVar[str] = "page-break"

    @classmethod
    def read(cls, r, body, keys):
        return cls() if r.f.boolean(body, "page-break") else None


MAX_LINES = 60  # answer lines of one exercise: more than two pages of writing
MAX_BOX_MM = 160  # an answer box fits an A5 page with its prompt (lines go on over pages)
LENGTH = re.compile(r"(\d{1,4}(?:\.\d{1,2})?)\s*(mm|cm|in|pt)")
MILLIMETRES = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


@readable
@dataclass(frozen=True)
class Space:
    """The room a students' copy leaves for an answer: ruled lines, or an empty box."""

    lines: int = 0
    box_mm: float = 0.0

    @property
    def height_mm(self) -> float:
        return self.box_mm or self.lines * LINE_MM


LINE_MM = 8.0  # one ruled writing line
readable(Space, "height_mm")


def read_space(r: Reader, node: yaml.Node) -> Space | None:
    """`{lines: 5}`, `{box: 4cm}` or `none`."""
    f = r.f
    hint = "write space: {lines: 5}, space: {box: 4cm} or space: none"
    if isinstance(node, yaml.ScalarNode) and node.value in ("none", "", "~", "null"):
        return Space()
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        f.error(node, "space must be lines, a box or none", "bad-value", hint)
        return None
    keys = f.mapping(node, optional=("lines", "box"), what="space")
    if "lines" in keys:
        text = f.matching(keys["lines"], r"\d{1,3}", "lines", f"give 1 to {MAX_LINES} lines")
        if text is not None and not 1 <= int(text) <= MAX_LINES:
            f.error(keys["lines"], f"{text} lines is not 1 to {MAX_LINES}", "bad-value", hint)
            return None
        return Space(lines=int(text)) if text else None
    if "box" in keys:
        text = f.string(keys["box"], "box")
        match = LENGTH.fullmatch(text.strip()) if text else None
        if text is not None and not match:
            f.error(
                keys["box"],
                f"box '{text}' is not a length",
                "bad-value",
                "give its height in mm, cm, in or pt, such as 4cm",
            )
        if not match:
            return None
        height = float(match.group(1)) * MILLIMETRES[match.group(2)]
        if not 5 <= height <= MAX_BOX_MM:
            f.error(
                keys["box"],
                f"a box {text} high does not fit a page",
                "bad-value",
                f"give it 5 to {MAX_BOX_MM} mm, or give lines: for more room (they go on "
                "over the next page)",
            )
            return None
        return Space(box_mm=round(height, 2))
    return None


MAX_PARTS = 26  # lettered (a) to (z)
MAX_CHOICES = 26  # lettered A to Z
POINTS = r"\d{1,3}(?:\.\d{1,2})?"


def same_text_key(text: str) -> str:
    """What two choices are compared by: the same letters, whatever their Unicode form,
    invisible characters, spacing or case ('La Pérouse' and 'la  Pe\u0301rouse' are one)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split()).casefold()


def _written(r: Reader, node, what: str, phrase: bool = False) -> Inline | None:
    """An exercise's prompt, answer or choice: text with something to print in it."""
    inline = r.inline(node, what, phrase)
    if inline is not None and not same_text_key(inline.source):
        r.f.error(node, f"an empty {what}", "empty", f"write its {what}, or leave the key out")
        return None
    return inline


@block_kind
@dataclass(eq=False)
class Exercise(Block):
    """A question for the students: a prompt, its points, the room to answer (or choices),
    and the answer that only the teacher's copy and the answer key print. Its parts are
    exercises of their own, lettered (a), (b), …"""

    kind: ClassVar[str] = "exercise"
    prompt: Inline
    where: Location
    points: float | None = None
    answer: Inline | None = None
    choices: list[Inline] = field(default_factory=list)
    correct: Inline | None = None  # one of `choices`
    space: Space = Space()
    parts: list[Exercise] = field(default_factory=list)
    fixed: bool = False  # `shuffle: false`: keeps its place and its choices' order
    # Set for each copy by worksheet.arrange: its number ("3"; "a" for a part) and whether
    # its answers are part of the text (a students' copy leaves them out).
    number: str = ""
    with_answers: bool = True

    @classmethod
    def read(cls, r, body, keys):
        f = r.f
        parts = f.mapping(
            body,
            required=("prompt",),
            optional=(
                "points",
                "answer",
                "choices",
                "correct",
                "space",
                "parts",
                "shuffle",
            ),
            what="an exercise",
        )
        return cls.read_parts(r, body, parts)

    @classmethod
    def read_parts(cls, r: Reader, body, parts: dict) -> Exercise | None:
        """An exercise, or a part of one (whose keys have no parts)."""
        f = r.f
        prompt = _written(r, parts["prompt"], "prompt") if "prompt" in parts else None
        points = None
        if "points" in parts:
            text = f.matching(
                parts["points"], POINTS, "points", "give a number of points, such as 2 or 1.5"
            )
            points = float(text) if text is not None else None
        answer = _written(r, parts["answer"], "answer") if "answer" in parts else None
        choices = []
        if "choices" in parts:
            nodes = f.sequence(parts["choices"], "choices")
            read = [(n, _written(r, n, "choice", True)) for n in nodes]
            if len(nodes) < 2 or len(nodes) > MAX_CHOICES:
                f.error(
                    parts["choices"],
                    f"{len(nodes)} choice{'' if len(nodes) == 1 else 's'}; give 2 to "
                    f"{MAX_CHOICES} (lettered A to Z)",
                    "bad-value",
                    "or write the answer as answer: …" if len(nodes) < 2 else "split the exercise",
                )
            seen: set[str] = set()
            for node, choice in read:
                if choice is None:
                    continue
                if same_text_key(choice.source) in seen:
                    f.error(node, "the same choice twice", "duplicate-choice", "remove one")
                seen.add(same_text_key(choice.source))
                choices.append(choice)
        correct = None
        if "correct" in parts:
            wanted = f.string(parts["correct"], "correct")
            if wanted is not None and "choices" not in parts:
                f.error(
                    parts["correct"],
                    "correct names a choice, and this exercise has none",
                    "bad-value",
                    "give its choices: [...], or write the answer as answer: …",
                )
            elif wanted is not None and choices:
                key = same_text_key(wanted)
                correct = next((c for c in choices if same_text_key(c.source) == key), None)
                if correct is None:
                    shown = [c.source.strip() for c in choices]
                    f.error(
                        parts["correct"],
                        f"correct '{shortened(wanted, 60)}' is not one of the choices",
                        "bad-value",
                        did_you_mean(wanted.strip(), shown)
                        or "copy the right choice exactly as it is written",
                    )
        elif choices:
            f.error(
                parts["choices"],
                "choices without the correct one",
                "missing-key",
                "add correct: and the right choice, as it is written",
            )
        space = read_space(r, parts["space"]) if "space" in parts else None
        fixed = "shuffle" in parts and f.boolean(parts["shuffle"], "shuffle") is False
        subparts: list[Exercise] = []
        if "parts" in parts:
            nodes = f.sequence(parts["parts"], "parts")
            for node in nodes:
                keys = f.mapping(
                    node,
                    required=("prompt",),
                    optional=("points", "answer", "choices", "correct", "space"),
                    what="a part",
                )
                if keys:
                    part = cls.read_parts(r, node, keys)
                    if part:
                        subparts.append(part)
            if len(nodes) > MAX_PARTS:
                f.error(
                    parts["parts"],
                    f"{len(nodes)} parts; at most {MAX_PARTS}, (a) to (z)",
                    "bad-value",
                    "split the exercise",
                )
            if len(nodes) == 1:
                f.error(
                    parts["parts"],
                    "an exercise with one part",
                    "bad-value",
                    "give it two parts or more, or none",
                )
            for key in ("answer", "choices", "correct", "space"):
                if key in parts and nodes:
                    f.error(
                        parts[key],
                        f"an exercise with parts has its {key} on its parts",
                        "bad-value",
                        f"move {key}: to each part",
                    )
            if points is not None and any(p.points is not None for p in subparts):
                f.error(
                    parts["points"],
                    "points on both the exercise and its parts",
                    "bad-value",
                    "give points to the parts only: the exercise is worth their sum",
                )
        if prompt is None:
            return None
        where = r.f.where(body)
        return cls(
            prompt, where, points, answer, choices, correct, space or Space(), subparts, fixed
        )

    @property
    def total(self) -> float | None:
        """Its points: its own, or its parts' sum (None for an exercise without points)."""
        found = [p.points for p in self.parts if p.points is not None]
        return self.points if self.points is not None else (sum(found) if found else None)

    @property
    def correct_letter(self) -> str:
        """The letter its correct choice is printed with (A, B, …) in this copy."""
        return (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[self.choices.index(self.correct)] if self.correct else ""
        )

    def inlines(self):
        yield self.prompt
        yield from self.choices
        if self.answer and self.with_answers:
            yield self.answer
        for part in self.parts:
            yield from part.inlines()

    def answers(self) -> Iterator[Inline]:
        """What the answer key prints of it: its answer, or its correct choice, and its parts'."""
        if self.correct:
            yield self.correct
        if self.answer:
            yield self.answer
        for part in self.parts:
            yield from part.answers()


readable(Exercise, "total", "correct_letter")


def points_text(points: float | None) -> str:
    """2, 1.5: a number of points as a teacher writes it."""
    return "" if points is None else f"{points:.2f}".rstrip("0").rstrip(".")


MAX_LEVEL = 3  # sections nest: section, subsection, sub-subsection


@readable
@dataclass(eq=False)
class Section:
    id: str
    heading: Inline | None
    blocks: list[Block]
    sections: list[Section] = field(default_factory=list)  # its subsections
    level: int = 1  # 1 for a section of the article, 2 for its subsections, …
    number: str = ""  # "2.1": printed when the publication is numbered (headed ones only)
    where: Location | None = None

    def walk(self) -> Iterator[Section]:
        """This section, then its subsections, in reading order."""
        yield self
        for section in self.sections:
            yield from section.walk()


@readable
@dataclass(eq=False)
class Article:
    """The text of a publication in one language."""

    lang: str
    title: Inline
    subtitle: Inline | None
    sections: list[Section]
    where: Location
    warnings: list[Diagnostic] = field(default_factory=list)
    # Every key term of the text, sorted by the language's collation: the glossary. Its
    # pieces are copies, after the text's (a citation in a definition is noted there again).
    glossary: list[Term] = field(default_factory=list)

    def __post_init__(self) -> None:
        for position, inline in enumerate(self.inlines()):
            inline.position = position

    def inlines(self) -> list[Inline]:
        """Every piece of Markdown in reading order (the order notes are numbered in)."""
        found = [i for i in (self.title, self.subtitle) if i is not None]
        for section in self.all_sections():
            if section.heading:
                found.append(section.heading)
            for block in section.blocks:
                found += block.inlines()
        for term in self.glossary:
            found += [term.term, term.definition]
        return found

    def all_sections(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()

    def blocks(self) -> Iterator[Block]:
        for section in self.all_sections():
            yield from section.blocks


readable(Article, "all_sections")


def terms_in(sections: list[Section]) -> Iterator[Term]:
    """The key terms of some sections where they stand, in reading order (boxes' included)."""
    for top in sections:
        for section in top.walk():
            for block in section.blocks:
                for inner in block.blocks if isinstance(block, Box) else [block]:
                    if isinstance(inner, Terms):
                        yield from inner.terms


@readable
@dataclass
class Change:
    """One changelog entry: what changed in an edition, in every language or per language."""

    version: str
    date: datetime.date
    text: dict[str, str]  # language -> text; "*" for every language

    def in_language(self, lang: str) -> str:
        return self.text.get(lang) or self.text.get("*", "")


readable(Change, "in_language")


@readable
@dataclass
class Edition:
    version: str
    date: datetime.date
    changelog: list[Change] = field(default_factory=list)

    def release_date(self, version: str) -> datetime.date:
        """The date of `version`: from its changelog entry, else the edition's date."""
        return next((c.date for c in self.changelog if c.version == version), self.date)


@readable
@dataclass
class Attribution:
    """The licence of the text and the work it is adapted from."""

    license_name: str
    license_url: str
    source_title: str
    source_publisher: str
    source_url: str


@readable
@dataclass
class Author:
    name: str
    affiliation: str = ""


@readable
@dataclass
class Cover:
    image: Path
    alt: str


@readable
@dataclass
class Imposition:
    """How the print file of a booklet is made: creep per sheet (mm), fold and trim marks."""

    creep_mm: float = 0.0
    marks: bool = False


@readable
@dataclass
class Publication:
    id: str
    folder: Path
    folder_display: str  # the folder as messages name it: content/<id>
    languages: list[str]
    formats: list[str]
    paper: str
    style: str
    style_where: Location
    references_files: list[Path]
    references: list[Reference]
    # The short citation keys the text uses (Zotero's Citation Key), each with its item's id.
    aliases: dict[str, str]
    cited: set[str]  # the ids of the references the text cites
    references_scope: str  # "publication": every reference is to be cited; "library": not
    edition: Edition
    attribution: Attribution
    cover: Cover | None
    imposition: Imposition
    bibliography_title: dict[str, str]  # language (or "*" for all) -> heading; else the style's
    articles: dict[str, Article]
    where: Location
    warnings: list[Diagnostic] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    course: dict[str, str] = field(default_factory=dict)  # language (or "*") -> the class
    numbered: bool = False  # sections print their numbers: 1, 1.1, 1.1.1
    versions: int = 1  # a worksheet's versions (A, B, …): exercises and choices shuffled
    web_url: dict[str, str] = field(default_factory=dict)  # language (or "*") -> web edition
    # The parallel editions: pairs of languages, the left (verso) one first.
    parallel: list[tuple[str, str]] = field(default_factory=list)
    # What pandoc read for it, kept in output/.cache (<kind>/<digest>.json): see kept.py.
    kept: list[str] = field(default_factory=list)

    def course_in(self, lang: str) -> str:
        return self.course.get(lang) or self.course.get("*", "")

    def web_url_in(self, lang: str) -> str:
        return self.web_url.get(lang) or self.web_url.get("*", "")

    @property
    def pairs(self) -> dict[str, tuple[str, str]]:
        """Each parallel edition by the name of its folder: "en-es" -> ("en", "es")."""
        return {f"{left}-{right}": (left, right) for left, right in self.parallel}

    def sides(self, name: str) -> tuple[str, ...]:
        """The languages an output folder holds: one, or a parallel edition's two."""
        return self.pairs.get(name) or (name,)

    @functools.cached_property
    def has_exercises(self) -> bool:
        return any(isinstance(b, Exercise) for a in self.articles.values() for b in a.blocks())

    @functools.cached_property
    def has_answers(self) -> bool:
        """Whether an exercise has an answer or a correct choice: what a students' copy hides."""
        return any(
            next(b.answers(), None) is not None
            for a in self.articles.values()
            for b in a.blocks()
            if isinstance(b, Exercise)
        )

    @functools.cached_property
    def answer_files(self) -> list[Path]:
        """The texts (they hold the answers) and the images only an answer shows: what a
        released students' copy leaves out of its sources."""
        from .markdown import text_images

        answers, elsewhere = set(), set()
        for article in self.articles.values():
            for block in article.blocks():
                if isinstance(block, Exercise):
                    for exercise in (block, *block.parts):
                        if exercise.answer:
                            answers.update(text_images(exercise.answer.source))
                        for inline in (exercise.prompt, *exercise.choices):
                            elsewhere.update(text_images(inline.source))
                else:
                    for inline in block.inlines():
                        elsewhere.update(text_images(inline.source))
        texts = [self.folder / f"{lang}.yaml" for lang in self.languages]
        return texts + [self.folder / name for name in sorted(answers - elsewhere)]

    @functools.cached_property
    def files(self) -> list[Path]:
        """Every file of the folder the publication uses: what an edition carries (and what
        an output's digest covers)."""
        found = [self.folder / "publication.yaml"]
        found += [self.folder / f"{lang}.yaml" for lang in self.languages]
        found += self.references_files
        if self.style.endswith(".csl"):
            found.append(self.folder / self.style)
        if self.cover:
            found.append(self.cover.image)
        for article in self.articles.values():
            for block in article.blocks():
                found += block.images()
        found += [self.folder / name for name in sorted(self.image_names)]
        return list(dict.fromkeys(found))

    @functools.cached_property
    def image_names(self) -> set[str]:
        """The images the text names, as written (`![…](map.png)`, `[m]: map.png`)."""
        from .markdown import text_images

        return {
            name
            for article in self.articles.values()
            for inline in article.inlines()
            for name in text_images(inline.source)
        }


readable(Publication, "course_in", "web_url_in")
