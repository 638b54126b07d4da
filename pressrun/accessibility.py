"""Accessibility: what a publication's content leaves out for a reader who cannot see the page
(alt texts that say nothing, heading jumps, links that read out an address), as warnings at
their line. What no reader can do without (alt text, a table's header row, a link's text)
is an error when the content is loaded; tagging itself is tagging.py's."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .diagnostics import Diagnostic, shortened
from .markdown import IMAGE, LINK
from .model import Figure, Inline, Publication, Section

MAX_ALT = 250  # characters: a longer description belongs in the caption or the text
# Words a screen reader says already ("image"): an alt text starting with them wastes time.
REDUNDANT = re.compile(
    r"(?i)^(image|picture|photo|graphic|imagen|foto|fotografía|gráfico|photographie)\s+(of|de|d')\b"
)
ADDRESS = re.compile(r"(?i)^\s*(https?://|www\.|mailto:)\S*\s*$")


def findings(pub: Publication) -> list[Diagnostic]:
    """Every accessibility warning of every language of the publication."""
    found: list[Diagnostic] = []
    for article in pub.articles.values():
        found += _heading_jumps(article.sections)
        for block in article.blocks():
            if isinstance(block, Figure) and block.alt:
                where = block.alt_where or block.where
                found += _alt_problems(block.alt, block.image.name, block.caption, where)
        for inline in article.inlines():
            found += _inline_problems(inline)
    found = list(dict.fromkeys(found))
    return sorted(found, key=lambda d: (d.where.file, d.where.line, d.where.column))


def _heading_jumps(sections: list[Section], level: int = 0) -> Iterator[Diagnostic]:
    """A headed subsection under a section without a heading skips a heading level."""
    for section in sections:
        if section.heading is not None and section.level > level + 1:
            yield _warning(
                section.heading.where,
                f"heading '{shortened(section.heading.source, 40)}' skips a level: its "
                "section's parent has no heading",
                "a11y-heading-jump",
                "give the parent section a heading, or move this one up a level",
            )
        inner = section.level if section.heading is not None else level
        yield from _heading_jumps(section.sections, inner)


def _alt_problems(alt: str, file: str, caption: Inline | None, where) -> list[Diagnostic]:
    hint = "say what the image shows that the caption does not, in a sentence or two"
    plain = alt.strip().lower()
    problems = []
    if plain in (file.lower(), file.rsplit(".", 1)[0].lower()):
        problems.append("is the image's file name")
    elif caption is not None and plain == " ".join(caption.source.split()).lower():
        problems.append("repeats the caption, which a reader hears next")
    if len(alt) > MAX_ALT:
        problems.append(f"is longer than {MAX_ALT} characters")
        hint = "keep the alt text short and put the long description in the caption or the text"
    if REDUNDANT.match(alt):
        problems.append("starts with words a screen reader says already ('image of')")
    return [
        _warning(where, f"the alt text of '{file}' {problem}", "a11y-alt", hint)
        for problem in problems
    ]


def _inline_problems(inline: Inline) -> Iterator[Diagnostic]:
    source = inline.source
    for match in LINK.finditer(source):
        text = match.group(0)
        label = text[1 : text.index("]")] if text.startswith("[") else text[1:-1]
        if ADDRESS.match(label):
            yield _warning(
                inline.locate(text),
                f"a link whose text is an address ('{shortened(label.strip(), 50)}'): a "
                "screen reader spells it out",
                "a11y-link-text",
                "write what it leads to: [the treaty's text](https://…)",
            )
    for match in IMAGE.finditer(source):
        alt = match.group(0)[2 : match.group(0).index("]")]
        target = match.group(1) or match.group(2)
        if alt.strip():
            name = target.rsplit("/", 1)[-1]
            yield from _alt_problems(alt, name, None, inline.locate(match.group(0)))


def _warning(where, message: str, code: str, hint: str) -> Diagnostic:
    return Diagnostic(where, message, code, hint, severity="warning")
