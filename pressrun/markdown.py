"""What inline Markdown in content may do: links and images by one rule, notes of a size that
fits a page, brackets that close (the checks load runs on every piece of text)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .citations import citation_keys
from .diagnostics import Diagnostic, Location, did_you_mean
from .images import SUFFIXES

if TYPE_CHECKING:
    from .model import Article, Inline
    from .yamlnodes import YamlFile


# A link or image target as pandoc reads it: <anything>, or text with balanced parentheses.
TARGET = r"\(\s*(?:<([^>]*)>|((?:[^()\s]|\((?:[^()\s]|\([^()\s]*\))*\))+))"
IMAGE = re.compile(r"!\[[^\]]*\]" + TARGET)
LINK = re.compile(r"(?<!!)\[[^\]]*\]" + TARGET + r"|<([a-zA-Z][\w+.-]*:[^>\s]*)>")
SCHEME = re.compile(r"[a-zA-Z][\w+.-]*:")
LINK_SCHEMES = ("http:", "https:", "mailto:")


# A link reference definition, `[label]: target`: its target serves links and images alike.
DEFINITION = re.compile(r"^ {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*\n?[ \t]*(?:<([^>\n]*)>|(\S+))", re.M)


def text_images(source: str) -> list[str]:
    """The image files a piece of text names: the targets of `![…](target)`, and of reference
    definitions that name a picture file."""
    found = [m.group(1) or m.group(2) for m in IMAGE.finditer(source)]
    return found + [
        target
        for target in definitions(source)
        if not link_allowed(target) and target.lower().endswith(SUFFIXES)
    ]


def definitions(source: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in DEFINITION.finditer(source)]


def link_allowed(url: str) -> bool:
    """The one rule for every link and address from any file (notes.lua applies the same)."""
    return url.startswith("#") or url.lower().startswith(LINK_SCHEMES)


MAX_NOTE_CHARS = 1200  # about half an A5 page of notes: longer ones cannot stay by their call


def check(f: YamlFile, inline: Inline, image_file: Callable[[str, Location], object]) -> None:
    """Errors for what the text may not do: load files from elsewhere, odd links, huge notes.
    `image_file` checks each image it names as a file of the publication, where it is
    written."""
    source = inline.source
    for url in text_images(source):
        where = inline.locate(url)
        if SCHEME.match(url) or url.startswith(("/", "\\")):
            f.error(
                where,
                f"image '{url}' is not a file of the publication",
                "image-url",
                "put the image in the publication folder and give its relative path",
            )
        else:
            image_file(url, where)
    for match in re.finditer(r"!\[\s*\](?=[\[(])", source):
        f.error(
            inline.locate(match.group(0)),
            "an image without alt text",
            "missing-alt",
            "write what it shows between the brackets: ![A map of the 1855 border](map.png)",
        )
    links = [next(g for g in m.groups() if g is not None) for m in LINK.finditer(source)]
    links += [t for t in definitions(source) if not t.lower().endswith(SUFFIXES)]
    for url in links:
        if link_allowed(url):
            continue
        f.error(
            inline.locate(url),
            f"link '{url}' is not allowed",
            "link-url",
            "links go to http(s):// or mailto: addresses, or to #a-section of the text",
        )
    for line in source.splitlines():
        if not inline.phrase and re.match(r" {0,3}#{1,6}(\s|$)", line):
            f.diagnostics.append(
                Diagnostic(
                    inline.locate(line.strip()),
                    "a '#' line in a text is a heading outside the sections: it has no "
                    "number and is not in the contents",
                    "heading-in-text",
                    "make it a section's heading, or write \\# for the character",
                    severity="warning",
                )
            )
        if line.lstrip().startswith(":::"):
            f.error(
                inline.locate(line.strip()),
                "fenced div lines (':::') are not allowed",
                "fenced-div",
                "use the block types (notice, quote, …) instead",
            )
    if not inline.phrase and "\n" not in source and re.search(r"\|\s*:?-{3,}:?\s*\|", source):
        f.diagnostics.append(
            Diagnostic(
                inline.where,
                "a table written on one line (a '>-' text joins its lines): it prints as a "
                "row of bars",
                "folded-table",
                "write the table after '|-', which keeps its lines",
                severity="warning",
            )
        )
    for start in _unclosed_brackets(source):
        f.diagnostics.append(
            Diagnostic(
                inline.locate(source[start : start + 20]),
                "a '[' is never closed: what follows prints as written, a citation in it as "
                "its author's name in the text",
                "unclosed-bracket",
                "close it with ']' (a citation is [@key, p. 12]); write \\[ for a bracket "
                "of its own",
                severity="warning",
            )
        )
    for match in BACK_TO_BACK.finditer(source):
        f.diagnostics.append(
            Diagnostic(
                inline.locate(match.group(0)),
                "two citations written back to back: the first prints as written, in "
                "brackets, with its author's name in the text",
                "citations-back-to-back",
                "cite them in one bracket, [@a, p. 12; @b, p. 3], or put a space between them",
                severity="warning",
            )
        )
    _check_brackets(f, inline)
    for start in (m.start() for m in re.finditer(r"\^\[", source)):
        length = _note_length(source, start + 2)
        if length > MAX_NOTE_CHARS:
            f.error(
                inline.locate(source[start : start + 20]),
                f"note of {length:,} characters is too long to fit a page "
                f"(at most {MAX_NOTE_CHARS:,})",
                "note-too-long",
                "shorten the note or move its text into the body",
            )


MAX_BRACKET_DEPTH = 8  # pandoc's time grows exponentially with brackets nested in brackets
# A language tag's shape (BCP 47): a language, then script, region and variant subtags.
LANGUAGE_TAG = re.compile(
    r"(?i)[a-z]{2,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?"
)
ATTRIBUTE = re.compile(r"""(?:^|\s)(lang|dir)=("[^"]*"|'[^']*'|[^\s}]*)""")


def _check_brackets(f: YamlFile, inline: Inline) -> None:
    """Brackets as pandoc pairs them: how deep they nest, a note in a note or in a link's
    text, a link with no text, and the language and direction a span gives."""
    source = inline.source
    text = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), source)
    text = re.sub(r"\\.", "  ", text)
    pairs, opened = [], []
    for index, char in enumerate(text):
        if char == "[":
            if len(opened) == MAX_BRACKET_DEPTH:
                f.error(
                    inline.locate(source[index : index + 20]),
                    f"brackets nested more than {MAX_BRACKET_DEPTH} deep",
                    "text-depth",
                    "write the text with fewer spans, links or notes inside each other",
                )
                return
            opened.append(index)
        elif char == "]" and opened:
            start = opened.pop()
            before = text[start - 1] if start else ""
            after = text[index + 1 : index + 2]
            kind = {"^": "note", "!": "image"}.get(before) or {"(": "link", "{": "span"}.get(
                after, "bracket"
            )
            pairs.append((start, index, kind))
    for start, end, kind in pairs:
        inside = [k for s, e, k in pairs if s < start and end < e]
        where = inline.locate(source[start - 1 : end + 1] if kind == "note" else source[start:end])
        if kind == "note" and "note" in inside:
            f.error(where, "a note inside a note", "nested-note", "write it as a note of its own")
        elif kind == "note" and "link" in inside:
            f.error(
                where,
                "a note inside a link's text",
                "note-in-link",
                "put the note after the link: [the text](https://…)^[the note]",
            )
        elif kind == "link" and not text[start + 1 : end].strip():
            f.error(
                inline.locate(source[start : end + 2]),
                "a link without text: a screen reader says only 'link'",
                "empty-link",
                "write what it leads to between the brackets: [the treaty's text](https://…)",
            )
        if kind == "span":
            close = text.find("}", end)
            attributes = text[end + 2 : close] if close > 0 else ""
            for match in ATTRIBUTE.finditer(attributes):
                _check_attribute(f, inline, match.group(1), match.group(2).strip("\"'"))


def _check_attribute(f: YamlFile, inline: Inline, name: str, value: str) -> None:
    where = inline.locate(f"{name}={value}")
    if name == "dir" and value not in ("ltr", "rtl", "auto"):
        f.error(where, f"dir '{value}' is not a direction", "bad-attribute", "use ltr or rtl")
    if name == "lang" and not (LANGUAGE_TAG.fullmatch(value) and _known_language(value)):
        f.error(
            where,
            f"lang '{value}' is not a language tag",
            "bad-attribute",
            "use a language code such as ja, es, zh-Hant or pt-BR",
        )


# Languages a span most often names, known without loading CLDR's list (babel's locale data
# costs a no-op build 40 ms): any other is looked up there.
COMMON_LANGUAGES = set(
    [
        "ar",
        "bg",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "el",
        "en",
        "eo",
        "es",
        "et",
        "eu",
        "fa",
        "fi",
        "fr",
        "ga",
        "gl",
        "grc",
        "he",
        "hi",
        "hr",
        "hu",
        "hy",
        "id",
        "is",
        "it",
        "ja",
        "ka",
        "ko",
        "la",
        "lt",
        "lv",
        "mn",
        "ms",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "ru",
        "sa",
        "sk",
        "sl",
        "sq",
        "sr",
        "sv",
        "sw",
        "ta",
        "th",
        "tr",
        "uk",
        "ur",
        "vi",
        "yi",
        "zh",
    ]
)


def _known_language(tag: str) -> bool:
    primary = tag.split("-")[0].lower()
    return primary in COMMON_LANGUAGES or primary in _cldr_languages()


@functools.cache
def _cldr_languages() -> frozenset[str]:
    from babel import Locale

    return frozenset(Locale("en").languages)


def dead_anchors(article: Article, ids: set[str]) -> list[Diagnostic]:
    """A warning for each link to #an-id that is none of `ids`."""
    found = []
    for inline in article.inlines():
        for match in LINK.finditer(inline.source):
            url = next(g for g in match.groups() if g is not None)
            if url.startswith("#") and url[1:] not in ids:
                found.append(
                    Diagnostic(
                        inline.locate(url),
                        f"link '{url}' goes to no section of the text",
                        "dead-link",
                        did_you_mean(url[1:], ids)
                        or f"the sections' ids: {', '.join(sorted(ids))}",
                        severity="warning",
                    )
                )
    return found


# '[@a, p. 12][@b]': the first bracket is a reference link's text to pandoc, not a citation.
BACK_TO_BACK = re.compile(r"\[[^\[\]]*@[^\[\]]*\]\[-?@")


def _unclosed_brackets(source: str) -> list[int]:
    """Where a '[' opens that no ']' closes (escaped ones, code spans and braced citation
    keys aside: `@{x[y}` is a key)."""
    text = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), source)
    text = re.sub(r"\\.", "  ", text)
    for _, written in citation_keys(text):
        if written.startswith("@{"):
            text = text.replace(written, " " * len(written), 1)
    opened: list[int] = []
    for index, char in enumerate(text):
        if char == "[":
            opened.append(index)
        elif char == "]" and opened:
            opened.pop()
    return opened


def _note_length(source: str, start: int) -> int:
    depth = 1
    for index in range(start, len(source)):
        depth += {"[": 1, "]": -1}.get(source[index], 0)
        if depth == 0:
            return index - start
    return len(source) - start
