"""The citation keys of a piece of pandoc Markdown, by pandoc's own grammar, so that `check`
finds exactly the keys the build will look up.

pandoc (Text.Pandoc.Readers.Markdown, `citeKey`): '@' not after a letter or digit, then either
a key in braces (any characters but spaces, braces balanced: `@{http://zotero.org/…}`) or a
letter, digit or '_' followed by letters, digits, '_', and the punctuation `:.#$%&-+?<>~/`
where a letter, digit or '_' follows ('/' and ':' also where '/' follows: `@http://…`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_START = re.compile(r"(?<![^\W_])(?<!\\)@(?=[{\w])")
_SIMPLE = re.compile(r"\w(?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*")
_SPACE = re.compile(r"\s")
MAX_BRACED = 1000  # characters: a Zotero URI has about 50


def citation_keys(source: str) -> Iterator[tuple[str, str]]:
    """Each key cited in `source`, with the text it is written as (`@key` or `@{key}`)."""
    for at in _START.finditer(source):
        start = at.end()
        if source.startswith("{", start):
            end = _balanced(source, start)
            if end is not None:
                yield source[start + 1 : end - 1], source[at.start() : end]
        elif simple := _SIMPLE.match(source, start):
            yield simple.group(), source[at.start() : simple.end()]


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
