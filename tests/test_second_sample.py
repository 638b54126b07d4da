"""The second sample publication, the Treaty of Portsmouth in English and French, as a reader
sees it: every format, its figure, table, quote and lists, notes on the page of their call,
every glyph, French typography, and an edition that verifies."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import SECOND
from pdf import fonts, info, note_pages, page_texts

from pressrun import cli as cli_module

LANGS = ("en", "fr")


def out(project, lang: str, name: str):
    return project.output / SECOND / lang / name


@pytest.mark.parametrize("lang", LANGS)
def test_every_format_with_its_figure_table_quote_and_lists(second, lang):
    for name in ("handout.html", "booklet.html", "index.html"):
        html = out(second, lang, name).read_text()
        assert html.count('<img src="data:image/svg+xml;base64,') == 1, name
        assert "<figcaption>" in html and "<table" in html and "<caption>" in html
        assert "<blockquote>" in html and "<footer>" in html
        assert "<ol>" in html and "<ul>" in html
    booklet = info(out(second, lang, "booklet.pdf"))
    assert int(booklet["Pages"]) % 4 == 0
    text = re.sub(r"[\s\u2010\u2011-]+", "", "".join(page_texts(out(second, lang, "handout.pdf"))))
    assert "ポーツマス条約" in text and "Портсмутскиймирныйдоговор" in text
    assert all(fonts(out(second, lang, "handout.pdf")).values()), "a font is not embedded"


@pytest.mark.parametrize(
    ("lang", "fmt", "pt"),
    [(lang, f, p) for lang in LANGS for f, p in (("handout", 8.5), ("booklet", 7.5))],
)
def test_every_note_on_the_page_of_its_call(second, lang, fmt, pt):
    calls, notes = note_pages(out(second, lang, f"{fmt}.pdf"), note_pt=pt)
    assert len(calls) >= 20
    assert calls == notes


def test_citations_with_locators_first_full_then_short(second):
    html = out(second, "en", "handout.html").read_text()
    assert html.count("Michael T. Florinsky, <em>Russia: A History and an Interpretation</em>") == 1
    assert html.count("Florinsky, <em>Russia: A History and an Interpretation</em>, 2:1278.") >= 2
    assert "<em>Foreign Relations, 1905</em>, art. 9." in html
    assert re.search(
        r"Portsmouth Peace Treaty Forum, <span>“August 29, Tuesday: Peace,”</span>"
        r" para\. 2\.",
        html,
    )


def test_french_typography(second):
    html = out(second, "fr", "handout.html").read_text()
    assert "New Hampshire\u00a0: c’est elle" in html
    assert "Tsushima\u202f; mais" in html
    assert "«\u202fAujourd’hui, c’est Minatogawa\u202f»" in html
    assert "<em>Russia: A History and an Interpretation</em>" in html  # a title keeps its own
    assert "Bibliographie" in html and "Sommaire" in out(second, "fr", "booklet.html").read_text()


def test_an_edition_releases_and_verifies(second, tmp_path):

    from conftest import copy_project

    project = copy_project(tmp_path / "p", (SECOND,))
    runner = CliRunner()
    released = runner.invoke(cli_module.cli, ["--project", str(project.root), "release", SECOND])
    assert released.exit_code == 0, released.output
    verified = runner.invoke(cli_module.cli, ["--project", str(project.root), "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output
    edition = project.output / "editions" / SECOND / "1.0.0"
    assert re.search(r"\d+", info(edition / "fr" / "booklet.pdf")["Pages"])
