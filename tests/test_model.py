"""The content model as a reader of the paper sees it: the specimen publication (every key and
block kind, in English and Spanish) built once, read back from its PDFs and web pages; and
small publications of their own for what the specimen cannot show alone."""

from __future__ import annotations

import base64
import io
import re
import subprocess

import pytest
from conftest import SPECIMEN, mini_project
from pdf import info, page_texts, page_words
from test_booklet import contents, lines

from pressrun.load import load
from pressrun.model import BLOCKS
from pressrun.typeset import typeset

LANGS = ("en", "es")
AUTHORS = "Ana Ortega, Daniel Brooks"


def pdf(specimen, lang: str, fmt: str):
    return specimen.output / SPECIMEN / lang / f"{fmt}.pdf"


@pytest.mark.parametrize("lang", LANGS)
def test_every_format_of_the_specimen_is_built(specimen, lang):
    folder = specimen.output / SPECIMEN / lang
    for name in ("handout.pdf", "booklet.pdf", "booklet-print.pdf", "index.html"):
        assert (folder / name).stat().st_size > 1000, name


@pytest.mark.parametrize("lang", LANGS)
def test_authors_and_course_on_title_block_cover_metadata_and_web(specimen, lang):
    course = {"en": "History 10B · Spring term", "es": "Historia 10B · Trimestre de primavera"}
    first = page_texts(pdf(specimen, lang, "handout"))[0]
    assert "Ana Ortega (Instituto Rosalía de Castro), Daniel Brooks" in first
    assert course[lang] in first
    cover = page_texts(pdf(specimen, lang, "booklet"))[0]
    assert "Daniel Brooks" in cover and course[lang] in cover
    for fmt in ("handout", "booklet"):
        assert info(pdf(specimen, lang, fmt))["Author"] == AUTHORS
    web = (specimen.output / SPECIMEN / lang / "index.html").read_text()
    assert f'<meta name="author" content="{AUTHORS}">' in web
    assert f'<p class="course">{course[lang]}</p>' in web


@pytest.mark.parametrize("lang", LANGS)
def test_sections_are_numbered_and_the_contents_lists_two_levels(specimen, lang):
    handout = "\n".join(page_texts(pdf(specimen, lang, "handout")))
    assert re.search(r"^\s*2\.1\.1 \S", handout, re.M), "the third level is numbered"
    entries = [heading for heading, _ in contents(page_texts(pdf(specimen, lang, "booklet")))]
    numbers = [heading.split()[0] for heading in entries if heading[0].isdigit()]
    assert numbers == ["1", "2", "2.1", "2.2", "3", "4"]
    assert entries[-2:] == {"en": ["Glossary", "Sources"], "es": ["Glosario", "Fuentes"]}[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_running_heads_name_the_top_level_section(specimen, lang):
    pages = page_texts(pdf(specimen, lang, "booklet"))
    heads = [
        lines(page)[0]
        for number, page in enumerate(pages, start=1)
        if number % 2 and len(lines(page)) > 2 and lines(page)[-1] == str(number)
    ]
    numbered = [head for head in heads if re.match(r"\d", head)]
    assert numbered, heads
    assert all(re.match(r"\d+ \S", head) for head in numbered), heads


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", ("handout", "booklet"))
def test_a_table_keeps_its_caption_and_its_rows_whole(specimen, lang, fmt):
    caption = {"en": "Who held what after each treaty", "es": "Quién tenía qué tras cada tratado"}
    pages = page_texts(pdf(specimen, lang, fmt))
    at = next(n for n, page in enumerate(pages) if caption[lang] in page)
    rows = {
        "en": ["Sakhalin", "Urup", "Iturup", "Kunashir", "Shikotan"],
        "es": ["Sajalín", "De Urup", "Iturup", "Kunashir", "Shikotán"],
    }[lang]
    here = pages[at][pages[at].index(caption[lang]) :]
    assert all(re.search(rf"^\s*{row}", here, re.M) for row in rows), here
    header = {"en": "After 1855", "es": "Tras"}[lang]
    assert header in here


@pytest.mark.parametrize("lang", LANGS)
def test_excerpt_lines_are_numbered_every_fifth(specimen, lang):
    text = "\n".join(page_texts(pdf(specimen, lang, "handout")))
    title = {"en": "Article 2 of the Treaty", "es": "Artículo 2 del Tratado"}[lang]
    text = text[text.index(title) :]
    numbered = re.findall(r"^\s{0,12}(\d{1,2}) +[A-Za-z]", text, re.M)
    assert numbered[:2] == ["5", "10"], numbered


@pytest.mark.parametrize("lang", LANGS)
def test_a_page_break_starts_the_next_section_on_a_new_page(specimen, lang):
    heading = {"en": "4 Reading the sources", "es": "4 Leer las fuentes"}[lang]
    pages = page_texts(pdf(specimen, lang, "handout"))
    page = next(page for page in pages if heading in page)
    assert lines(page)[0] == heading
    web = (specimen.output / SPECIMEN / lang / "index.html").read_text()
    assert '<div class="page-break"></div>' in web  # hidden there by web.css


def test_glossary_in_booklet_and_web_not_handout_sorted_by_spanish_collation(specimen):
    order = ["Cesión", "Condominio", "Nación más favorecida", "Ocupación", "Ratificación"]
    booklet = "\n".join(page_texts(pdf(specimen, "es", "booklet")))
    glossary = booklet[booklet.rindex("Glosario") :]
    places = [glossary.index(term) for term in order]
    assert places == sorted(places)
    handout = "\n".join(page_texts(pdf(specimen, "es", "handout")))
    assert "Glosario" not in handout and "Cesión" in handout  # the terms where they stand
    web = (specimen.output / SPECIMEN / "es" / "index.html").read_text()
    assert '<section class="glossary" id="glossary">' in web


def test_glossary_collation_puts_enye_after_n(tmp_path):
    """A collation library, not code-point order: sorted() would put "ñu" after "oso"."""
    project = mini_project(tmp_path)
    folder = project.content / "mini"
    text = (folder / "en.yaml").read_text()
    (folder / "en.yaml").unlink()
    (folder / "es.yaml").write_text(
        text + "      - terms:\n"
        "          - {term: oso, definition: Un animal.}\n"
        "          - {term: ñu, definition: Otro animal.}\n"
        "          - {term: Nube, definition: Vapor de agua.}\n"
        "          - {term: árbol, definition: Una planta.}\n",
        encoding="utf-8",
    )
    meta = folder / "publication.yaml"
    meta.write_text(meta.read_text().replace("languages: [en]", "languages: [es]"))
    glossary = load(project, "mini").articles["es"].glossary
    assert [term.term.source for term in glossary] == ["árbol", "Nube", "ñu", "oso"]
    assert sorted(["oso", "ñu", "Nube", "árbol"]) != ["árbol", "Nube", "ñu", "oso"]


def png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_figure_that_does_not_fit_floats_to_the_next_page_and_the_text_flows_on(tmp_path):
    words = " ".join(["text"] * 70)
    before = "".join(f"<p>Before {n}. {words}</p>" for n in range(4))
    after = "".join(f"<p>After {n}. {words}</p>" for n in range(4))
    html = (
        "<!DOCTYPE html><html><head><style>@page { size: A5; margin: 15mm }"
        "body { font: 10pt serif } figure { margin: 0; break-inside: avoid }"
        f"img {{ width: 100mm; height: 120mm }}</style></head><body><main>{before}"
        f'<figure><img src="{png(40, 36)}" alt="x"><figcaption>The map.</figcaption>'
        f"</figure>{after}</main></body></html>"
    )
    data = typeset(html, tmp_path, "float/en/handout")
    (tmp_path / "out.pdf").write_bytes(data)
    pages = page_texts(tmp_path / "out.pdf")
    assert "After 0." in pages[0], "the text after the figure fills the page before it"
    assert "The map." in pages[1]
    listed = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "out.pdf")], capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert [int(row.split()[0]) for row in listed] == [2]


def test_the_narrow_figure_is_as_wide_as_asked(specimen):
    html = (specimen.output / SPECIMEN / "en" / "handout.html").read_text()
    assert '<figure style="width: 60%">' in html
    words = [w for page in page_words(pdf(specimen, "en", "handout")) for w in page]
    credit = next(w for w in words if w.text == "Map:")
    assert credit.height < 11  # 7.5 pt: smaller than the caption (9 pt, about 12)


def test_every_block_kind_and_key_is_documented_in_the_readme():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The content format") :]
    for kind, cls in BLOCKS.items():
        assert f"{kind}:" in section, kind
        for key in cls.required + cls.optional:
            assert f"{key}:" in section, f"{kind}: {key}"
    for key in ("authors:", "course:", "numbered:", "sections:", "caption:", "header:",
                "rows:", "align:", "credit:", "title:", "blocks:", "term:", "definition:",
                "text:", "citation:", "width:", "prompt:", "points:", "answer:", "choices:",
                "correct:", "space:", "parts:", "shuffle:", "versions:", "web-url:"):  # fmt: skip
        assert key in section, key


def test_images_are_weighed_at_each_use(tmp_path, monkeypatch):
    """Each use of an image is a copy inside the document: a text that repeats a large one
    is refused before any layout (the budget is lowered here to a few uses of a small one)."""
    import pressrun.load
    from pressrun.diagnostics import PressrunError

    project = mini_project(tmp_path)
    en = project.content / "mini" / "en.yaml"
    en.write_text(en.read_text() + '      - "' + "![x](picture.png) " * 5 + '"\n')
    size = (project.content / "mini" / "picture.png").stat().st_size
    monkeypatch.setattr(pressrun.load, "MAX_IMAGE_BYTES", 4 * size)
    with pytest.raises(PressrunError) as raised:
        load(project, "mini")
    assert "the text prints images 5 times" in str(raised.value)
    monkeypatch.setattr(pressrun.load, "MAX_IMAGE_BYTES", 5 * size)
    assert load(project, "mini").articles["en"]


def test_each_line_of_a_long_excerpt_is_placed_where_it_is_written(tmp_path):
    """Lines are placed by a search over the file's line starts (each line used to count the
    file again: minutes for a long excerpt)."""
    project = mini_project(tmp_path)
    en = project.content / "mini" / "en.yaml"
    lines = "".join(f"            line {n}\n" for n in range(50_000))
    before = en.read_text() + "      - excerpt:\n          text: |\n"
    en.write_text(before + lines)
    excerpt = load(project, "mini").articles["en"].sections[0].blocks[-1]
    assert len(excerpt.lines) == 50_000
    last = excerpt.lines[-1]
    first_line = before.count("\n") + 1
    assert (last.source, last.where.line, last.where.column) == (
        "line 49999",
        first_line + 49_999,
        13,
    )
