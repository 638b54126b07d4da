"""The A5 booklet, read as a PDF: cover first, true contents, folios, notes, page count."""

from __future__ import annotations

import re

import pytest
from pdf import info, note_pages, page_texts

from pressrun.typeset import typeset

LANGS = ("en", "es")


def lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


def contents(pages: list[str]) -> list[tuple[str, int]]:
    """The entries of the contents page: (heading, page number)."""
    page = next(p for p in pages if re.search(r"^\s*(Contents|Índice)\s*$", p, re.M))
    found = []
    for line in lines(page):
        if match := re.fullmatch(r"(.+?)\s*(?:\.\s*)+\s*(\d+)", line):
            found.append((match.group(1).strip(), int(match.group(2))))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_a5_pages_a_multiple_of_four_cover_first(sample_pdf, lang):
    meta = info(sample_pdf(lang, "booklet"))
    width, height = (float(v) for v in re.findall(r"[\d.]+", meta["Page size"])[:2])
    assert (round(width), round(height)) == (420, 595)  # A5: 148 x 210 mm
    assert int(meta["Pages"]) % 4 == 0
    pages = page_texts(sample_pdf(lang, "booklet"))
    title = {"en": "Soviet–Japanese Basic", "es": "Convención Básica Soviético-"}[lang]
    assert lines(pages[0])[0] == title
    assert not re.search(r"^\s*\d+\s*$", pages[0], re.M), "the cover has no folio"
    back = lines(pages[-1])
    assert back[0].startswith(title.split()[0]) and "CC BY-SA 4.0" in pages[-1]


@pytest.mark.parametrize("lang", LANGS)
def test_contents_numbers_are_the_printed_folios(sample_pdf, lang):
    pages = page_texts(sample_pdf(lang, "booklet"))
    entries = contents(pages)
    expected = {
        "en": ["Background", "Signing", "Terms", "Aftermath", "Bibliography"],
        "es": ["Antecedentes", "Firma", "Términos", "Consecuencias", "Bibliografía"],
    }
    assert [heading for heading, _ in entries] == expected[lang]
    for heading, number in entries:
        page = pages[number - 1]
        assert heading in lines(page), f"{heading} is not on page {number}"
        assert lines(page)[-1] == str(number), f"page {number} prints another folio"


@pytest.mark.parametrize("lang", LANGS)
def test_running_heads_title_left_section_right(sample_pdf, lang):
    pages = page_texts(sample_pdf(lang, "booklet"))
    title = {
        "en": "Soviet–Japanese Basic Convention",
        "es": "Convención Básica Soviético-Japonesa",
    }[lang]
    headed = 0
    for number, page in enumerate(pages, start=1):
        first = lines(page)[0] if lines(page) else ""
        if number % 2 == 0 and first == title and lines(page)[-1] == str(number):
            headed += 1
    assert headed >= 1, "no left page carries the title as running head"


@pytest.mark.parametrize("lang", LANGS)
def test_every_note_on_its_call_page(sample, sample_pdf, lang):
    calls, notes = note_pages(sample_pdf(lang, "booklet"), note_pt=7.5)
    assert sorted(calls) == list(range(1, 10))
    assert calls == notes


@pytest.mark.parametrize("lang", LANGS)
def test_japanese_prints(sample_pdf, lang):
    assert "日ソ基本条約" in "".join(page_texts(sample_pdf(lang, "booklet")))


def test_blank_pages_pad_before_the_colophon_and_back_cover(tmp_path):
    html = (
        "<style>@page { size: A5 } section { break-before: page }</style>"
        "<body><p>one</p><section>two</section><section>three</section>"
        "<section>four</section><section>five</section>"
        '<section id="pressrun-filler"></section>'
        "<section>colophon</section><section>back</section></body>"
    )
    path = tmp_path / "padded.pdf"
    path.write_bytes(typeset(html, tmp_path, "padded", pages_multiple_of=4))
    texts = [page.strip() for page in page_texts(path)]
    assert texts == ["one", "two", "three", "four", "five", "", "colophon", "back"]
    path.write_bytes(
        typeset(
            html.replace("<section>five</section>", ""), tmp_path, "padded", pages_multiple_of=4
        )
    )
    assert [page.strip() for page in page_texts(path)] == [
        "one",
        "two",
        "three",
        "four",
        "",
        "",
        "colophon",
        "back",
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_title_and_text_start_on_right_hand_pages(sample_pdf, lang):
    pages = page_texts(sample_pdf(lang, "booklet"))
    assert not lines(pages[1]), "the inside of the cover stays blank"
    edition = {"en": "Edition 1.0.0", "es": "Edición 1.0.0"}[lang]
    assert any(edition in line for line in lines(pages[2])), "the title page is page 3"
    start = contents(pages)[0][1]
    assert start % 2 == 1, f"the text starts on page {start}, a left-hand page"


@pytest.mark.parametrize("lang", LANGS)
def test_filler_pages_are_ruled_notes_pages_without_heads(sample_pdf, lang):
    pages = page_texts(sample_pdf(lang, "booklet"))
    label = {"en": "Notes", "es": "Notas"}[lang]
    fillers = [n for n, page in enumerate(pages, start=1) if lines(page) == [label]]
    assert fillers, "no ruled notes page"
    assert fillers == list(range(fillers[0], fillers[0] + len(fillers)))
    assert fillers[-1] == len(pages) - 2, "the colophon and back cover follow them"


@pytest.mark.parametrize("lang", LANGS)
def test_a_cover_with_a_picture_authors_and_course_fits_its_page(specimen, lang):
    """The specimen's cover has everything a cover may hold: none of it runs onto page 2."""
    from conftest import SPECIMEN

    pages = page_texts(specimen.output / SPECIMEN / lang / "booklet.pdf")
    edition = {"en": "Edition 1.0.0", "es": "Edición 1.0.0"}[lang]
    assert any(edition in line for line in lines(pages[0]))
    assert not lines(pages[1]), "the inside of the cover stays blank"
