"""The project's configuration (formats.yaml, label catalogs): read once per command, each
error reported once, a new format's missing labels found by check."""

from __future__ import annotations

from conftest import SAMPLE, SECOND, copy_project, run_cli

LARGE_PRINT = """
large-print:
  template: handout.html
  stylesheets: [common.css, bibliography.css, handout.css]
  page-size: {a4: A4, letter: letter}
  variables: {size: 14pt, wide: true}
"""


def test_a_bad_formats_file_is_reported_once_for_every_publication(tmp_path):
    project = copy_project(tmp_path, (SAMPLE, SECOND))
    formats = project.templates / "formats.yaml"
    formats.write_text(formats.read_text() + "  impose: perfect-bound\n", encoding="utf-8")
    result = run_cli(project, "check")
    assert result.exit_code == 1
    assert result.output.count("unknown imposition 'perfect-bound'") == 1, result.output
    assert result.output.strip().endswith("1 error")


def test_a_new_format_without_labels_is_reported_by_check(tmp_path):
    project = copy_project(tmp_path)
    formats = project.templates / "formats.yaml"
    formats.write_text(formats.read_text() + LARGE_PRINT, encoding="utf-8")
    pub = project.content / SAMPLE / "publication.yaml"
    pub.write_text(
        pub.read_text().replace("[handout, booklet, web, parallel]", "[handout, large-print, web]")
    )
    result = run_cli(project, "check")
    assert result.exit_code == 1
    for lang in ("en", "es"):  # the languages of the publication
        assert (
            f"templates/labels/{lang}.yaml:5:3: error: label 'large-print' is missing "
            "(printed by templates/formats.yaml) [missing-label]" in result.output
        ), result.output
    assert "template" not in result.output.replace("templates/", "")


def test_a_format_passes_its_variables_to_its_template(tmp_path):
    project = copy_project(tmp_path)
    formats = project.templates / "formats.yaml"
    formats.write_text(formats.read_text() + LARGE_PRINT, encoding="utf-8")
    for lang, words in (("en", "Large print (PDF)"), ("es", "Letra grande (PDF)")):
        catalog = project.templates / "labels" / f"{lang}.yaml"
        catalog.write_text(catalog.read_text() + f"  large-print: {words}\n", encoding="utf-8")
    (project.templates / "labels" / "fr.yaml").unlink()
    handout = project.templates / "handout.html"
    handout.write_text(
        handout.read_text().replace(
            "{% block body %}",
            "{% block body %}<p class=size>{{ variables.get('size', 'normal') }}"
            "{{ ' wide' if variables.get('wide') }}</p>",
        )
    )
    pub = project.content / SAMPLE / "publication.yaml"
    pub.write_text(
        pub.read_text().replace("[handout, booklet, web, parallel]", "[handout, large-print]")
    )
    result = run_cli(project, "build", "--lang", "en")
    assert result.exit_code == 0, result.output
    out = project.output / SAMPLE / "en"
    assert "<p class=size>14pt wide</p>" in (out / "large-print.html").read_text()
    assert "<p class=size>normal</p>" in (out / "handout.html").read_text()
    assert (out / "large-print.pdf").read_bytes().startswith(b"%PDF")
