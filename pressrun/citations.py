"""The citation keys of a piece of pandoc Markdown, by pandoc's own grammar, and the keys
pandoc's reader finds in a text, so that `check` finds exactly the keys the build looks up.

pandoc (Text.Pandoc.Readers.Markdown, `citeKey`): '@' not after a letter or digit (unless a
key ends there), then either a key in braces (any characters but spaces, braces balanced:
`@{http://zotero.org/…}`) or a letter, digit, '_' (or '*', nocite's "every entry") followed
by letters, digits, '_', and the punctuation `:.#$%&-+?<>~/` where a letter, digit or '_'
follows ('/' and ':' also where '/' follows: `@http://…`). Where an '@' is no citation at all
(an address, code) only pandoc's reader knows: `cited` asks it.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

from . import pandoc
from .kept import Kept
from .typography import as_phrase

# Pandoc Markdown with no way to write raw HTML, TeX or other raw output, nor HTML elements that
# pandoc would read as divs and spans (content is text), and
# no metadata blocks or title blocks (they could name files and addresses for citeproc to read:
# bibliography, csl, citation-abbreviations, references, nocite).
READER = (
    "markdown-raw_html-raw_attribute-raw_tex-native_divs-native_spans"
    "-yaml_metadata_block-pandoc_title_block-mmd_title_block"
)
CITED_FILTER = Path(__file__).with_name("citations.lua")
FOUND = Kept("citations", "1")

_START = re.compile(r"(?<!\\)@(?=[{\w*])")
_SIMPLE = re.compile(r"[\w*](?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*")
_SPACE = re.compile(r"\s")
MAX_BRACED = 10_000  # characters: a Zotero URI has about 50


def citation_keys(source: str) -> Iterator[tuple[str, str]]:
    """Each key cited in `source`, with the text it is written as (`@key` or `@{key}`). An '@'
    right after a letter or digit is no citation (an e-mail address), unless it follows a key
    (`@a@b` cites both)."""
    end = -1
    for at in _START.finditer(source):
        start = at.end()
        if at.start() > 0 and source[at.start() - 1].isalnum() and at.start() != end:
            continue
        if source.startswith("{", start):
            end = _balanced(source, start)
            if end is not None:
                yield source[start + 1 : end - 1], source[at.start() : end]
            elif len(source) - start > MAX_BRACED and not _SPACE.search(
                source, start, start + MAX_BRACED
            ):
                end = start + MAX_BRACED  # too long to be a key: reported as unknown
                yield source[start + 1 : end], source[at.start() : end]
            else:
                end = -1
        elif simple := _SIMPLE.match(source, start):
            end = simple.end()
            yield simple.group(), source[at.start() : end]


def markdown_sources(inlines) -> list[str]:
    """The Markdown of each piece of text (an Article's inlines), as pandoc is given it."""
    return [
        as_phrase(inline.source) if inline.phrase else inline.source.strip() for inline in inlines
    ]


def document(sources: list[str], token: str) -> str:
    """One Markdown document: each piece in a div #pr-TOKEN-N, then the bibliography's place."""
    parts = [f"::: {{#pr-{token}-{n}}}\n{source}\n:::\n" for n, source in enumerate(sources)]
    parts.append(f":::: {{#pr-{token}-refs}}\n::: {{#refs}}\n:::\n::::\n")
    return "\n".join(parts)


def cited(sources: list[str], cache: Path | None) -> list[set[str]] | None:
    """The keys pandoc's reader finds in each piece, as the build will read them (kept by the
    pieces' digest); None if pandoc cannot say (the build then reports why)."""
    key = FOUND.key(*(source.encode("utf-8") for source in sources))
    kept = FOUND.get(key, cache)
    if kept is None:
        kept = _ask_pandoc(sources)
        if kept is None:
            return None
        FOUND.put(key, kept, cache)
    try:
        return [set(kept[str(n)]) - {""} for n in range(len(sources))]
    except (KeyError, TypeError):
        return None  # a piece broke the structure (a ':::' line): the build says so


def _ask_pandoc(sources: list[str]) -> dict | None:
    token = secrets.token_hex(16)
    try:
        result = subprocess.run(
            pandoc.command("--from", READER, "--to", "plain", "--lua-filter", str(CITED_FILTER)),
            input=document(sources, token).encode("utf-8"),
            capture_output=True,
            env=pandoc.environment(PRESSRUN_TOKEN=token),
            timeout=pandoc.SECONDS,
            check=False,
        )
        found = json.loads(result.stdout) if result.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _balanced(source: str, start: int) -> int | None:
    """The end of the braces opened at `start`, if they close before any space (and soon)."""
    depth = 0
    for n in range(start, min(len(source), start + MAX_BRACED)):
        char = source[n]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return n + 1
        elif _SPACE.match(char):
            return None
    return None
