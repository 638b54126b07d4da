"""What a reader sees of the text's typography: inline fields read as text, note calls kept
with their words and parted from each other."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, mini_project
from pdf import page_words

from pressrun.pipeline import build
from pressrun.typeset import typeset
from pressrun.typography import as_phrase, french_spacing, join_calls


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("3. Aftermath", "3\\. Aftermath"),
        ("A) first", "A\\) first"),
        ("(a) part", "\\(a) part"),
        ("- a dash", "\\- a dash"),
        ("> quoted", "\\> quoted"),
        ("# hash", "\\# hash"),
        ("*Nisso Kihon Jōyaku* in 1925", "*Nisso Kihon Jōyaku* in 1925"),
        ("1905 was a year", "1905 was a year"),
        ("Two\nlines", "Two lines"),
    ],
)
def test_phrases_read_without_block_syntax(written, read):
    assert as_phrase(written) == read


def test_headings_captions_and_items_print_as_written(tmp_path):
    project = mini_project(tmp_path / "p")
    (project.content / "mini" / "en.yaml").write_text(
        "title: 1905. A year\nsections:\n  - heading: 3. Aftermath\n    blocks:\n"
        "      - Text [@doe2020].\n      - {list: ['1. first', '- second'], ordered: false}\n"
        "      - {quote: Words., attribution: '— Someone'}\n",
        encoding="utf-8",
    )
    build(project)
    html = (project.output / "mini" / "en" / "handout.html").read_text()
    assert "<h1>1905. A year</h1>" in html and "<h2>3. Aftermath</h2>" in html
    assert "<li>1. first</li><li>- second</li>" in html
    assert "<ol" not in html.split("<main>")[1]


def test_a_call_joins_its_word_and_two_calls_are_parted():
    html = (
        'sign.<span class="footnote">A.</span><span class="footnote">B.</span> and '
        'more <span class="footnote">C.</span> end'
    )
    joined = join_calls(html)
    assert joined == (
        'sign.\u2060<span class="footnote">A.</span>\u2060<span class="call-separator">,</span>'
        '\u2060<span class="footnote">B.</span> and more\u2060<span class="footnote">C.</span> end'
    )
    assert not re.search(r"\s\u2060", joined)


def test_no_call_starts_a_line_at_any_width(tmp_path):
    """The issue's case: "…sign (Stead, 1904, p. 212)." with a note, in 60 column widths;
    without the joiner, four of them put the call alone at the start of a line."""
    css = (ROOT / "styles" / "common.css").read_text()
    body = "".join(
        f'<p style="width:{60 + n * 0.7}mm">'
        + join_calls(
            "The delegates did agree to sign (Stead, 1904, p.&nbsp;212)."
            '<span class="footnote">A note.</span> More text follows.'
        )
        + "</p>"
        for n in range(60)
    )
    html = f"<html><head><style>@page {{ size: A4; margin: 10mm }} {css}</style></head>"
    pdf = tmp_path / "calls.pdf"
    pdf.write_bytes(typeset(f"{html}<body>{body}</body></html>", tmp_path, "calls"))
    words = [w for page in page_words(pdf) for w in page]
    body_height = max(w.height for w in words)
    starts = [w for w in words if w.first_in_line and re.fullmatch(r"\d+", w.text)]
    assert not [w for w in starts if w.height < body_height * 0.8], "a call starts a line"


def test_french_spacing_where_french_puts_it():
    assert french_spacing("Quoi? Oui ! Il dit : « bonjour » ; fin") == (
        "Quoi\u202f? Oui\u202f! Il dit\u00a0: «\u202fbonjour\u202f»\u202f; fin"
    )
    assert french_spacing("a &amp; b; https://x.org/a?b=1 10:30") == (
        "a &amp; b\u202f; https://x.org/a?b=1 10:30"
    )
    assert french_spacing("<em>Russia: A History</em>?!") == "<em>Russia: A History</em>\u202f?!"


def test_the_block_of_a_note_that_went_astray_starts_the_next_page():
    from pressrun.typeset import _block_of_note, _break_before_blocks

    html = '<p>One<span class="footnote">1</span>.</p><li>Two<span class="footnote">2</span></li>'
    assert [_block_of_note(html, n) for n in (1, 2, 3)] == [0, 1, None]
    fixed = _break_before_blocks(html, {1})
    assert fixed == html.replace("<li>", '<li style="break-before: page">')
    assert _break_before_blocks(fixed, {1}) is None  # already done: a warning instead
    both = _break_before_blocks(html, {0, 1})
    assert both.count("break-before") == 2


def test_a_long_table_keeps_its_rows_whole_and_repeats_its_header(tmp_path):
    from pdf import page_texts

    project = mini_project(tmp_path / "p")
    rows = "\\n".join(f"| Row {n} | A cell with some words in it, number {n} |" for n in range(90))
    (project.content / "mini" / "en.yaml").write_text(
        "title: T\nsections:\n  - heading: H\n    blocks:\n      - Text [@doe2020].\n"
        f'      - "| Place | Note |\\n|:--|:--|\\n{rows}\\n\\n: A long table"\n',
        encoding="utf-8",
    )
    build(project)
    pages = page_texts(project.output / "mini" / "en" / "handout.pdf")
    with_rows = [page for page in pages if "Row " in page]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert re.search(r"^\s*Place\s+Note\s*$", page, re.M), "the header is not repeated"
    printed = [int(n) for page in with_rows for n in re.findall(r"Row (\d+)", page)]
    assert printed == list(range(90)), "a row is lost or split"
