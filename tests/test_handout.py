"""The built handouts, read as PDFs: what a teacher holding the paper sees."""

from __future__ import annotations

import re

import pytest
from conftest import SAMPLE, copy_project
from pdf import fonts, info, link_uris, note_pages, page_texts

from pressrun.pipeline import build

LANGS = ("en", "es")


def notes_in_html(sample, lang: str) -> int:
    html = (sample.output / SAMPLE / lang / "handout.html").read_text(encoding="utf-8")
    return html.count('<span class="footnote">')


@pytest.mark.parametrize("lang", LANGS)
def test_handout_is_a4_and_short(sample_pdf, lang):
    meta = info(sample_pdf(lang))
    assert "(A4)" in meta["Page size"]
    assert 1 <= int(meta["Pages"]) <= 4


@pytest.mark.parametrize("lang", LANGS)
def test_every_note_is_on_the_page_of_its_call(sample, sample_pdf, lang):
    calls, notes = note_pages(sample_pdf(lang), note_pt=8.5)
    expected = notes_in_html(sample, lang)
    assert expected == 9  # the article's nine citation notes
    assert sorted(calls) == list(range(1, expected + 1)), "a note call is missing from the PDF"
    assert sorted(notes) == list(range(1, expected + 1)), "a note text is missing from the PDF"
    assert calls == notes


def test_first_note_full_later_notes_short(sample_pdf):
    text = re.sub(r"\s+", " ", " ".join(page_texts(sample_pdf("en"))))
    # Note 3: the first citation of Fisher and Moore, in full.
    assert (
        "3. Raymond H. Fisher and Harriet L. Moore, “Soviet Far Eastern Policy, 1931–1945,” "
        "The Far Eastern Quarterly 5, no. 3 (1946): 175–79"
    ) in text
    # Note 4: the second citation, short; the first of Chang, in full.
    assert "4. Fisher and Moore, “Soviet Far Eastern Policy, 1931–1945”; Jon K. Chang," in text
    # Notes 7 and 9: Chang again, short, with and without pages.
    assert re.search(r"7\. Chang, “Tsarist Continuities .*?1923–1937,” 17, 33\.", text)
    assert re.search(r"9\. Chang, “Tsarist Continuities .*?1923–1937\.”", text)


@pytest.mark.parametrize(("lang", "heading"), [("en", "Bibliography"), ("es", "Bibliografía")])
def test_bibliography_has_one_entry_per_source(sample, sample_pdf, lang, heading):
    html = (sample.output / SAMPLE / lang / "handout.html").read_text(encoding="utf-8")
    assert html.count('class="csl-entry"') == 7
    pages = page_texts(sample_pdf(lang))
    assert any(re.search(rf"^\s*{heading}\s*$", page, re.M) for page in pages)


@pytest.mark.parametrize("lang", LANGS)
def test_doi_and_urls_are_links(sample_pdf, lang):
    uris = link_uris(sample_pdf(lang))
    assert "https://doi.org/10.2307/2049056" in uris
    assert "https://history.state.gov/historicaldocuments/frus1944v04" in uris
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in uris
    assert not [u for u in uris if u.startswith("file:")]


@pytest.mark.parametrize("lang", LANGS)
def test_japanese_prints_with_an_embedded_cjk_font(sample_pdf, lang):
    assert "日ソ基本条約" in "".join(page_texts(sample_pdf(lang)))
    embedded = fonts(sample_pdf(lang))
    assert embedded.get("Noto-Serif-CJK-JP") is True
    assert embedded.get("Noto-Serif") is True
    assert all(embedded.values()), f"fonts not embedded: {embedded}"


def test_spanish_handout_has_spanish_terms_and_dates(sample_pdf):
    text = re.sub(r"\s+", " ", " ".join(page_texts(sample_pdf("es"))))
    assert "Accedido 12 de junio de 2022" in text  # bibliography, CSL es-ES
    assert "accedido 12 de junio de 2022" in text  # notes
    assert "Edición 1.0.0 · 23 de noviembre de 2026" in text  # title block, Babel
    assert "Fisher y Moore" in text
    assert "Adaptado de «Soviet–Japanese Basic Convention», Wikipedia" in text
    assert "Este artículo necesita citas adicionales" in text


def test_english_title_block_and_page_numbers(sample_pdf):
    pages = page_texts(sample_pdf("en"))
    assert "Edition 1.0.0 · November 23, 2026" in pages[0]
    assert "Licence CC BY-SA 4.0" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"^\s*{number}\s*/\s*{len(pages)}\s*$", page, re.M)


def test_pdf_metadata_comes_from_the_edition(sample_pdf):
    meta = info(sample_pdf("en"))
    assert meta["Title"] == "Soviet–Japanese Basic Convention"
    assert meta["CreationDate"].endswith("2026 UTC") and "Nov 23" in meta["CreationDate"]


def test_building_twice_gives_identical_bytes(sample, tmp_path):
    again = copy_project(tmp_path / "elsewhere")
    build(again)
    for lang in LANGS:
        for name in ("handout.pdf", "handout.html"):
            first = (sample.output / SAMPLE / lang / name).read_bytes()
            second = (again.output / SAMPLE / lang / name).read_bytes()
            assert first == second, f"{lang}/{name} differs between two builds"
