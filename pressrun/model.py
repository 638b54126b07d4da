"""The data model: a Publication, its Articles (one per language), their sections and blocks.

Each block kind is one class in `BLOCKS`: the keys it takes, how it reads itself from YAML
nodes, the pieces of Markdown it holds, and the template macro (in templates/_blocks.html)
that prints it. A new block kind is one class here, one macro, and its CSS.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from .diagnostics import Diagnostic, Location
from .sandbox import readable

if TYPE_CHECKING:
    import yaml

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


# Every block kind by its key in the content.
BLOCKS: dict[str, type[Block]] = {}


def block_kind(cls: type[Block]) -> type[Block]:
    """Register a block kind, and let templates read it."""
    BLOCKS[cls.kind] = cls
    cls.macro = cls.kind.replace("-", "_")
    return readable(cls)


class Block:
    """One block of a section. A kind says its key (`kind`), the other keys it takes beside
    it, and the macro that prints it."""

    kind: ClassVar[str]
    macro: ClassVar[str]  # the template macro that prints it: the kind, with '_' for '-'
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()

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
    required: ClassVar[tuple[str, ...]] = ("caption", "alt")
    image: Path
    caption: Inline
    alt: str
    where: Location

    @classmethod
    def read(cls, r, body, keys):
        path = r.image(body, "image")
        caption = r.inline(keys["caption"], "caption", True)
        alt = r.f.string(keys["alt"], "alt text")
        if path is None or caption is None or alt is None:
            return None
        return cls(path, caption, alt, r.f.where(body))

    def inlines(self):
        yield self.caption

    def images(self):
        yield self.image


@readable
@dataclass(eq=False)
class Section:
    id: str
    heading: Inline | None
    blocks: list[Block]


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

    def __post_init__(self) -> None:
        for position, inline in enumerate(self.inlines()):
            inline.position = position

    def inlines(self) -> list[Inline]:
        """Every piece of Markdown in reading order (the order notes are numbered in)."""
        found = [i for i in (self.title, self.subtitle) if i is not None]
        for section in self.sections:
            if section.heading:
                found.append(section.heading)
            for block in section.blocks:
                found += block.inlines()
        return found

    def blocks(self) -> Iterator[Block]:
        for section in self.sections:
            yield from section.blocks


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
