"""The render stage: templates and labels to one HTML document per format."""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from pressrun.diagnostics import PressrunError
from pressrun.formats import read_formats
from pressrun.labels import read_labels
from pressrun.load import load
from pressrun.render import render
from pressrun.text import text


@pytest.fixture
def rendered(project):
    def html(lang="en", paper=None, name="handout"):
        pub = load(project, SAMPLE)
        if paper:
            pub.paper = paper
        labels = read_labels(project, lang)
        fmt = read_formats(project)[name]
        return render(project, pub, text(pub, lang, labels.csl_locale), labels, fmt)

    return html


def test_handout_html_has_language_dates_and_styles(rendered):
    html = rendered("es")
    assert html.startswith('<!DOCTYPE html>\n<html lang="es">')
    assert '<meta name="dcterms.created" content="2026-11-23">' in html
    assert "Edición 1.0.0 · 23 de noviembre de 2026" in html
    assert "@page { size: A4; }" in html
    assert 'content: counter(page) " / " counter(pages);' in html  # CSS is not escaped
    assert "<h2>Bibliografía</h2>" in html
    assert '<aside class="notice"' in html


def test_letter_paper(rendered):
    assert "@page { size: letter; }" in rendered(paper="letter")
    assert "@page { size: 5.5in 8.5in; }" in rendered(paper="letter", name="booklet")


def test_booklet_has_cover_contents_colophon_and_filler(rendered):
    html = rendered("es", name="booklet")
    assert "@page { size: A5; }" in html
    assert '<section class="cover">' in html and '<section class="back-cover">' in html
    assert '<li><a href="#terminos">Términos</a></li>' in html
    assert '<li><a href="#bibliography">Bibliografía</a></li>' in html
    assert html.index('id="pressrun-filler"') < html.index('class="colophon"')
    assert "<h2>Colofón</h2>" in html


def test_labels_localize(project):
    assert read_labels(project, "en").words["bibliography"] == "Bibliography"
    es = read_labels(project, "es")
    assert (es.csl_locale, es.date_locale) == ("es-ES", "es")


def test_undefined_template_variable_names_template_and_line(project, rendered):
    template = project.templates / "handout.html"
    template.write_text(
        template.read_text().replace("{{ bibliography_title }}", "{{ bibliography_titel }}")
    )
    with pytest.raises(PressrunError) as exc:
        rendered()
    line = next(
        n
        for n, text_line in enumerate(template.read_text().splitlines(), 1)
        if "bibliography_titel" in text_line
    )
    assert str(exc.value).startswith(f"templates/handout.html:{line}:1: error: template:")
    assert "bibliography_titel" in str(exc.value)


def test_template_syntax_error_names_template_and_line(project, rendered):
    template = project.templates / "handout.html"
    template.write_text(template.read_text().replace("</main>", "{% endfro %}</main>", 1))
    with pytest.raises(PressrunError) as exc:
        rendered()
    assert str(exc.value).startswith("templates/handout.html:")
    assert "template syntax" in str(exc.value)


def test_a_new_format_is_data(project):
    from pdf import info, page_texts

    from pressrun.pipeline import build

    (project.templates / "formats.yaml").write_text(
        (project.templates / "formats.yaml").read_text()
        + "large-print:\n  template: handout.html\n"
        "  stylesheets: [common.css, handout.css, large-print.css]\n"
        "  page-size: {a4: A4, letter: letter}\n"
    )
    (project.styles / "large-print.css").write_text("html { font-size: 15pt; }\n")
    for lang, label in (("en", "Large print (PDF)"), ("es", "Letra grande (PDF)")):
        catalog = project.templates / "labels" / f"{lang}.yaml"
        catalog.write_text(catalog.read_text() + f"  large-print: {label}\n")
    meta = project.content / SAMPLE / "publication.yaml"
    meta.write_text(
        meta.read_text().replace(
            "formats: [handout, booklet, web, parallel]", "formats: [handout, large-print]"
        )
    )
    build(project, langs=["en"], jobs=1)
    folder = project.output / SAMPLE / "en"
    large, normal = folder / "large-print.pdf", folder / "handout.pdf"
    assert int(info(large)["Pages"]) > int(info(normal)["Pages"])
    assert "日ソ基本条約" in "".join(page_texts(large))
