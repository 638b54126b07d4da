"""The text stage: pandoc and its citeproc turn content into HTML with notes and a bibliography."""

from __future__ import annotations

import re

import pytest
from conftest import SAMPLE

from pressrun.csl import csl_file
from pressrun.diagnostics import PressrunError
from pressrun.load import load
from pressrun.text import markdown_document, text


def notes(html: str) -> list[str]:
    return re.findall(r'<span class="footnote">(.*?)</span>(?=</span>|\s|[^<]|$)', html)


def all_html(result, article) -> str:
    return "\n".join(result.pieces[i.position] for i in article.inlines())


def test_one_markdown_document_per_language(project):
    pub = load(project, SAMPLE)
    token = "0123abcd"
    document = markdown_document(pub.articles["en"].inlines(), token)
    assert len(re.findall(rf"^::: \{{#pr-{token}-\d+\}}$", document, re.M)) == len(
        pub.articles["en"].inlines()
    )
    assert document.rstrip().endswith("::::")


def test_notes_full_first_then_short(project):
    pub = load(project, SAMPLE)
    result = text(pub, "en", "en-US")
    html = all_html(result, pub.articles["en"])
    assert html.count('<span class="footnote">') == 9
    assert result.note_style
    first = html.index("Robert M. Slusser and Jan F. Triska, <em>A Calendar of Soviet Treaties")
    assert "(Stanford University Press, 1959), 49." in html[first : first + 200]
    assert html.count("Raymond H. Fisher and Harriet L. Moore") == 1  # full once
    assert html.count("Fisher and Moore, <span>“Soviet Far Eastern Policy") == 1  # then short
    assert html.count("Jon K. Chang,") == 1
    assert html.count('<span class="footnote">Chang, <span>“Tsarist Continuities') == 2


def test_bibliography_one_entry_per_source_with_links(project):
    pub = load(project, SAMPLE)
    bibliography = text(pub, "en", "en-US").bibliography
    assert bibliography.count('class="csl-entry"') == 7
    assert '<a href="https://doi.org/10.2307/2049056">' in bibliography
    entries = re.findall(r'id="ref-([\w-]+)"', bibliography)
    # Sorted by the style: author, else its substitute (container title, then title).
    assert entries == [
        "chang",
        "fisher1946",
        "lnts34",
        "frus1944",
        "slusser1959",
        "nyt1936",
        "tomita2019",
    ]


def test_spanish_locale(project):
    pub = load(project, SAMPLE)
    result = text(pub, "es", "es-ES")
    html = all_html(result, pub.articles["es"])
    assert "Fisher y Moore" in html and "«Soviet Far Eastern Policy" in html
    assert "Accedido 12 de junio de 2022" in result.bibliography


def test_author_date_style_cites_in_the_text(project):
    pub = load(project, SAMPLE)
    pub.style = "apa"
    result = text(pub, "en", "en-US")
    html = all_html(result, pub.articles["en"])
    assert '<span class="footnote">' not in html
    assert "(Slusser &amp; Triska, 1959, p. 49)" in html
    assert not result.note_style


def test_dependent_style_resolves_to_its_parent_without_the_network(project):
    pub = load(project, SAMPLE)
    pub.style = "accounting-forum"  # a dependent style: APA under another name
    assert csl_file(pub).name == "apa.csl"


def test_unknown_style_is_a_user_error(project):
    pub = load(project, SAMPLE)
    pub.style = "chicago-notes-bibliograhpy"
    with pytest.raises(PressrunError) as exc:
        text(pub, "en", "en-US")
    assert "unknown citation style 'chicago-notes-bibliograhpy'" in str(exc.value)
    assert "did you mean 'chicago-notes-bibliography'" in str(exc.value)


def test_raw_html_in_content_is_text_and_user_notes_become_footnotes(project):
    folder = project.content / SAMPLE
    (folder / "en.yaml").write_text(
        "title: A <b>bold</b> title\nsections:\n  - blocks:\n"
        "      - 'Hi <script>alert(1)</script> `<i>x</i>`{=html} there.^[A *note*.]'\n",
        encoding="utf-8",
    )
    meta = (folder / "publication.yaml").read_text()
    meta = re.sub(
        r"\nparallel:.*", "", meta.replace("[en, es]", "[en]").replace(", parallel]", "]")
    )
    (folder / "publication.yaml").write_text(meta, encoding="utf-8")
    pub = load(project, SAMPLE)
    result = text(pub, "en", "en-US")
    html = all_html(result, pub.articles["en"])
    assert "<script>" not in html and "<b>" not in html and "<i>x</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="footnote">A <em>note</em>.</span>' in html
    assert result.inline(pub.articles["en"].title) == "A &lt;b&gt;bold&lt;/b&gt; title"


def test_style_by_path_relative_to_the_publication(project):
    pub = load(project, SAMPLE)
    apa = csl_file(pub).parent / "apa.csl"
    (pub.folder / "house.csl").write_bytes(apa.read_bytes())
    pub.style = "house.csl"
    assert csl_file(pub) == (pub.folder / "house.csl").resolve()
    assert (
        "(Slusser &amp; Triska, 1959, p. 49)"
        in text(pub, "en", "en-US").pieces[pub.articles["en"].sections[0].blocks[0].text.position]
    )


@pytest.mark.parametrize(
    ("style", "override", "heading"),
    [
        ("chicago-notes-bibliography", None, "Bibliography"),
        ("apa", None, "References"),
        ("ieee", None, "References"),
        ("modern-language-association", None, "Works Cited"),
        ("apa", "Sources", "Sources"),
        ("apa", {"en": "Further reading"}, "Further reading"),
    ],
)
def test_the_bibliography_heading_follows_the_style(tmp_path, style, override, heading):
    import yaml
    from conftest import mini_project

    from pressrun.check import check
    from pressrun.labels import read_labels
    from pressrun.render import bibliography_title

    project = mini_project(tmp_path / "p")
    meta = project.content / "mini" / "publication.yaml"
    data = yaml.safe_load(meta.read_text()) | {"style": style}
    if override is not None:
        data["bibliography-title"] = override
    meta.write_text(yaml.safe_dump(data))
    [pub] = check(project)
    assert bibliography_title(pub, read_labels(project, "en")) == heading


def test_german_terms_where_pandoc_lacks_them(project):
    import yaml

    refs = project.content / SAMPLE / "references.yaml"
    data = yaml.safe_load(refs.read_text())
    data["references"][0]["number-of-volumes"] = 3
    refs.write_text(yaml.safe_dump(data, allow_unicode=True))
    meta = project.content / SAMPLE / "publication.yaml"
    meta.write_text(meta.read_text().replace("chicago-notes-bibliography", "apa"))
    pub = load(project, SAMPLE)
    assert "(Bde. 1–3)" in str(text(pub, "es", "de-DE").bibliography)
    assert "(Vols. 1–3)" in str(text(pub, "en", "en-US").bibliography)


def test_the_bibliography_keeps_citeprocs_attribute_order_in_every_render(project):
    # APA sets two layout attributes on the bibliography; their order once followed Lua's
    # table order, which changes from run to run, so an APA edition did not reproduce.
    pub = load(project, SAMPLE)
    pub.style = "apa"
    tags = {
        re.search(r'<div id="refs"[^>]*>', text(pub, "en", "en-US").bibliography).group()
        for _ in range(8)
    }
    assert len(tags) == 1
    assert 'data-entry-spacing="0" data-line-spacing="2"' in tags.pop()


def test_a_paragraph_repeated_by_yaml_alias_gets_the_full_note_first(tmp_path):
    """Pieces are kept by their place in reading order, not by where they are written: the
    alias prints the paragraph again, and citeproc's first note (full) stays with the first."""
    from conftest import mini_project

    project = mini_project(tmp_path)
    (project.content / "mini" / "en.yaml").write_text(
        "title: Repeated\nsections:\n  - heading: Only\n    blocks:\n"
        "      - &again Text with a citation [@doe2020, p. 3].\n"
        "      - *again\n",
        encoding="utf-8",
    )
    pub = load(project, "mini")
    article = pub.articles["en"]
    first, second = (block.text for block in article.sections[0].blocks)
    result = text(pub, "en", "en-US")
    assert "Jane Doe, <em>A Book</em> (2020), 3." in result.pieces[first.position]
    assert "Doe, <em>A Book</em>, 3." in result.pieces[second.position]


def test_a_limit_hit_by_a_long_text_blames_the_text_not_the_references(tmp_path, monkeypatch):
    """A text far larger than its references file (a table of thousands of rows) that takes
    pandoc too long is named as the cause, with a hint that fits it."""
    from conftest import mini_project

    import pressrun.pandoc

    project = mini_project(tmp_path)
    en = project.content / "mini" / "en.yaml"
    rows = "".join(f"            - [row {n}, b, c]\n" for n in range(3000))
    en.write_text(
        en.read_text() + "      - table:\n          header: [A, B, C]\n          rows:\n" + rows
    )
    pub = load(project, "mini")
    monkeypatch.setattr(pressrun.pandoc, "SECONDS", 0.01)
    with pytest.raises(PressrunError) as raised:
        text(pub, "en", "en-US")
    message = str(raised.value)
    assert message.startswith("content/mini/en.yaml:1:1: error: pandoc took more than 0.01 s")
    assert "the text is long" in message
