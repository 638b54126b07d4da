"""A language's typography, applied to the HTML of its text: inline fields read as phrases,
note calls kept with their words and parted from each other, French spacing."""

from __future__ import annotations

import re

# What pandoc would read as the start of a block when it begins a line: a list item
# (3. Aftermath, A) and (a), a bullet), a heading, a quote, a line block, a rule, a fence.
BLOCK_START = re.compile(
    r"(?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]+|#)(?P<after>[.)])(?=\s|$)"
    r"|(?P<paren>\()(?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]+|@\w*)\)(?=\s|$)"
    r"|(?P<bullet>[-+*])(?=\s|$)"
    r"|(?P<rule>[-*_])(?:\s*(?P=rule)){2,}\s*$"
    r"|(?P<heading>#){1,6}(?=\s|$)"
    r"|(?P<quote>>)"
    r"|(?P<lines>\|)(?=\s)"
    r"|(?P<fence>`{3}|~{3})"
)


def as_phrase(source: str) -> str:
    """Text that is inline by nature (a title, a heading, a caption, a list item) as pandoc
    must read it: one line, and its first mark escaped where it would start a block."""
    text = " ".join(source.split())
    match = BLOCK_START.match(text)
    if not match:
        return text
    at = next((match.start(g) for g in ("after", "paren") if match.group(g)), 0)
    return text[:at] + "\\" + text[at:]


FOOTNOTE = '<span class="footnote">'
WORD_JOINER = "\u2060"  # no line break here (UAX 14), and nothing printed
CALL_SEPARATOR = '<span class="call-separator">,</span>'


def keep_ranges(html: str) -> str:
    """A range of numbers (1814–1815, pp. 86–90) never breaks at its dash."""
    return re.sub(r"(?<=\d)–(?=\d)", WORD_JOINER + "–" + WORD_JOINER, html)


def join_calls(html: str) -> str:
    """A note's call never starts a line: it is joined to the word before it (the space
    between them goes); two calls side by side are parted by a superscript comma, not read
    as one number."""
    out, position, previous_end = [], 0, -1
    while (start := html.find(FOOTNOTE, position)) >= 0:
        before = html[position:start]
        stripped = before.rstrip(" \n")
        if previous_end >= 0 and not stripped:
            out.append(WORD_JOINER + CALL_SEPARATOR + WORD_JOINER)
        elif stripped:
            out.append(stripped + WORD_JOINER)
        end = closing_span(html, start + len(FOOTNOTE)) + len("</span>")
        out.append(html[start:end])
        position, previous_end = end, end
    out.append(html[position:])
    return "".join(out)


def closing_span(html: str, index: int) -> int:
    """The index of the </span> that closes the span whose content starts at `index`."""
    depth = 1
    for match in re.finditer(r"<span\b|</span>", html[index:]):
        depth += 1 if match.group(0) == "<span" else -1
        if depth == 0:
            return index + match.start()
    raise ValueError("unclosed footnote span")


# French sets a space before the high punctuation and inside guillemets, one that never
# breaks: narrow before ; ? ! and », a word space before : and after «.
NARROW_NBSP, NBSP = "\u202f", "\u00a0"
TAG = re.compile(r"(<[^>]*>)")


def french_spacing(html: str) -> str:
    """Non-breaking spaces where French typography puts them, in the text of `html` (not in
    its tags, entities or addresses; inside titles of works, in italics or guillemets, only
    at the guillemets: "Russia: A History" keeps its own punctuation)."""
    parts = TAG.split(html)
    italic = quoted = 0
    before = " "  # the last character of text seen: a mark after a tag follows it
    for n, part in enumerate(parts):
        if n % 2:
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in ("em", "i", "cite"):
                italic += -1 if part.startswith("</") else 1
            continue
        pieces = re.split(r"([«»])", part)
        for k, piece in enumerate(pieces):
            if piece == "«":
                quoted += 1
            elif piece == "»":
                quoted = max(0, quoted - 1)
            elif not italic and not quoted and piece:
                pieces[k] = _french(before + piece)[1:]
            before = (pieces[k] or before)[-1:]
        parts[n] = _guillemets("".join(pieces))
    return "".join(parts)


def _guillemets(text: str) -> str:
    text = re.sub(r"[ \u00a0\u202f]*»", NARROW_NBSP + "»", text)
    return re.sub(r"«[ \u00a0\u202f]*", "«" + NARROW_NBSP, text)


def _french(text: str) -> str:
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = PROTECTED.sub(keep, text)
    text = re.sub(AFTER_WORD + r"[ \u00a0\u202f]*([;?!])", NARROW_NBSP + r"\1", text)
    text = re.sub(AFTER_WORD + r"[ \u00a0\u202f]*:(?=\s|$)", NBSP + ":", text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


# What the spacing leaves alone: entities (&amp;) and addresses.
PROTECTED = re.compile(r"&#?\w+;|\b(?:https?|mailto):\S+")
# The marks take a space only after a word, a closing bracket or quote (not in "?!").
AFTER_WORD = r"(?<=[\w)\]»”’.])"
