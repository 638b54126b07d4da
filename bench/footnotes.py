"""How WeasyPrint's layout time grows with footnotes: prints figures (no pass/fail).

    .venv/bin/python bench/footnotes.py              # about two minutes
    .venv/bin/python bench/footnotes.py --minimal    # writes bench/footnotes-minimal.html

The documents are plain HTML with pressrun's handout stylesheets (common.css, handout.css:
notes are `float: footnote`, `footnote-policy: line`): paragraphs of 110 words, a note
every N words, each note a full Chicago-style citation of two lines (like the first note
of a source) or a short one of one line. Only layout is timed (`HTML.render()`, in processor
seconds: other processes change wall time), not PDF writing. Notes per page are counted on
the laid-out pages. bench/footnotes-report.md says what the figures show.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CSS = "\n".join((ROOT / "styles" / name).read_text() for name in ("common.css", "handout.css"))
TEXT = "treaty border island coal fishing archive policy harbour railway council"
WORDS = TEXT.split()
FULL = (
    "A. Author{n}, “Soviet and Japanese Relations, Study {n},” <i>Journal of Northeast "
    "Asian History</i> 21, no. 1 (1990): {n}, https://doi.org/10.5555/bench.{n}; "
    "B. Writer{n}, <i>The Pacific Frontier</i> (Stanford: University Press, 1991)."
)
SHORT = "Author{n}, <i>Pacific Frontier</i>, {n}."


def document(words: int, every: int, note: str = FULL, css: str = CSS) -> str:
    """`words` words of text in paragraphs of 110, a note after every `every` words."""
    out = []
    for n in range(words):
        if n % 110 == 0:
            out.append("</p>\n<p>" if n else "<p>")
        out.append(WORDS[n % len(WORDS)])
        if every and n % every == every - 1:
            out.append(f'<span class="footnote">{note.format(n=n // every + 1)}</span>')
        out.append(" ")
    body = "".join(out).replace(" </p>", ".</p>")
    return f"<!DOCTYPE html>\n<html lang=en><style>{css}</style>\n<main>{body}.</p></main>\n"


def lay_out(html: str) -> tuple[float, int]:
    """Seconds to lay out `html`, and its pages."""
    import weasyprint

    started = time.process_time()
    pages = len(weasyprint.HTML(string=html).render().pages)
    return time.process_time() - started, pages


def row(label: str, words: int, every: int, note: str = FULL) -> float:
    seconds, pages = lay_out(document(words, every, note))
    notes = words // every if every else 0
    per_page = seconds / pages
    print(
        f"  {label:<34} {pages:>4} pages {notes / pages:>5.1f} notes/page "
        f"{seconds:>6.1f} s {per_page:>6.3f} s/page",
        flush=True,
    )
    return per_page


def profile(words: int, every: int) -> None:
    """cProfile of one layout: the footnote functions' share of the time."""
    import weasyprint

    html = document(words, every)
    profiler = cProfile.Profile()
    profiler.enable()
    pages = len(weasyprint.HTML(string=html).render().pages)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(own for _, _, own, _, _ in stats.values())
    print(f"\ncProfile, {pages} pages, {words // every} notes: {total:.1f} s in all")
    print(f"  {'weasyprint/ file:line function':<52} {'calls':>6} {'own s':>6} {'total s':>8}")
    for (file, line, name), (_, calls, own, cumulative, _) in sorted(
        stats.items(), key=lambda item: -item[1][3]
    ):
        if "weasyprint/layout" in file and (name in PROFILED or name == "<genexpr>" and own > 0.01):
            where = f"{file.split('weasyprint/')[-1]}:{line} {name}"
            share = f"{cumulative / total:.0%}"
            print(f"  {where:<52} {calls:>6} {own:>6.2f} {cumulative:>8.2f} {share:>4}")


PROFILED = ("_linebox_layout", "_update_footnote_area", "layout_footnote", "report_footnote")


def main() -> None:
    if "--minimal" in sys.argv:
        css = (
            "@page { size: A4; margin: 20mm }\n"
            "html { font: 10.5pt/1.42 serif }\n"
            ".footnote { float: footnote; footnote-policy: line; font-size: 8.5pt }\n"
        )
        html = document(3300, 30, FULL, css)
        (HERE / "footnotes-minimal.html").write_text(html)
        print(f"wrote bench/footnotes-minimal.html ({len(html):,} bytes)")
        return
    lay_out(document(200, 20))  # WeasyPrint loaded, fonts found
    print("Notes per page (A4 handout, about 30 pages, notes of two lines):")
    row("no notes", 16000, 0)
    row("a note every 500 words", 16000, 500)
    row("a note every 150 words", 14000, 150)
    row("a note every 40 words", 8000, 40)
    row("a note every 40 words, one-line notes", 12000, 40, SHORT)
    row("a note every 20 words", 4000, 20)
    print("\nPages, at a note every 40 words:")
    for words in (2500, 5000, 10000, 20000):
        row(f"{words} words", words, 40)
    profile(5000, 40)


if __name__ == "__main__":
    main()
