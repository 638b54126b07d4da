"""References from Zotero and BibTeX: CSL YAML, CSL JSON, BibTeX/BibLaTeX, several files."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import HERE_DATA, SAMPLE

from pressrun.diagnostics import PressrunError
from pressrun.load import load
from pressrun.pipeline import build


def bibliography(project) -> tuple[str, list[str]]:
    """What the bibliography prints, and where its links go."""
    html = (project.output / SAMPLE / "en" / "handout.html").read_text(encoding="utf-8")
    section = re.search(r'<section class="bibliography".*?</section>', html, re.S).group(0)
    entries = re.findall(r'<div id="ref-[^"]+" class="csl-entry".*?</div>', section, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", "", entry).split()) for entry in entries]
    return text, re.findall(r'href="([^"]+)"', section)


def use_references(project, *names: str) -> None:
    folder = project.content / SAMPLE
    (folder / "references.yaml").unlink()
    for name in names:
        shutil.copy(HERE_DATA / "references" / name, folder / name)
    meta = folder / "publication.yaml"
    listed = names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
    meta.write_text(
        meta.read_text().replace("references: references.yaml", f"references: {listed}")
    )


@pytest.mark.parametrize("name", ["sample.json", "sample.bib"])
def test_same_bibliography_from_csl_json_and_bibtex(sample, project, name):
    use_references(project, name)
    build(project, langs=["en"], formats=["handout"], jobs=1)
    assert bibliography(project) == bibliography(sample)
    assert len(bibliography(project)[0]) == 7


def test_keys_of_every_format_are_checked_with_their_lines(project):
    use_references(project, "sample.bib")
    en = project.content / SAMPLE / "en.yaml"
    en.write_text(en.read_text().replace("[@tomita2019", "[@tomita2020"))
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    assert "unknown citation key 'tomita2020'" in str(exc.value)
    assert "did you mean 'tomita2019'?" in str(exc.value)
    pub_refs = {r.id: r.where for r in load_refs(project, "sample.bib")}
    assert str(pub_refs["fisher1946"]) == f"content/{SAMPLE}/sample.bib:14:10"


def load_refs(project, name):
    from pressrun.references import read_references

    path = project.content / SAMPLE / name
    return read_references(path, project.display(path))


def test_several_files_and_duplicates_across_them(project):
    folder = project.content / SAMPLE
    shutil.copy(HERE_DATA / "references" / "sample.json", folder / "more.json")
    meta = folder / "publication.yaml"
    meta.write_text(
        meta.read_text().replace(
            "references: references.yaml", "references: [references.yaml, more.json]"
        )
    )
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    messages = [str(d) for d in exc.value.diagnostics]
    assert len(messages) == 7
    assert messages[0].startswith(
        f"content/{SAMPLE}/more.json:3:11: error: duplicate reference id 'slusser1959' "
        f"(first at content/{SAMPLE}/references.yaml:4:9)"
    )


def test_split_references_build(sample, project):
    folder = project.content / SAMPLE
    entries = (HERE_DATA / "references" / "sample.bib").read_text().split("\n@")
    (folder / "books.bib").write_text(entries[0] + "\n")
    (folder / "others.bib").write_text("@" + "\n@".join(entries[1:]))
    (folder / "references.yaml").unlink()
    meta = folder / "publication.yaml"
    meta.write_text(
        meta.read_text().replace(
            "references: references.yaml", "references: [books.bib, others.bib]"
        )
    )
    build(project, langs=["en"], formats=["handout"], jobs=1)
    assert bibliography(project) == bibliography(sample)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "bad.bib",
            "@book{doe2020,\n  title = {A}\n}\n\n@article{,\n  title = {B}\n}\n",
            "bad.bib:5:1: error: @article entry without a key [missing-key]",
        ),
        (
            "bad.json",
            '[{"id": "doe2020", "type": "book",}]',
            "bad.json:1:35: error: JSON syntax: Expecting property name enclosed in double quotes",
        ),
        (
            "bad.json",
            '{"id": "doe2020"}',
            "bad.json:1:1: error: CSL JSON must be a list of references [wrong-type]",
        ),
    ],
)
def test_malformed_reference_files(tmp_path, name, text, message):
    from pressrun.references import read_references

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PressrunError) as exc:
        read_references(path, name)
    assert str(exc.value).startswith(message)


def test_csl_json_items_are_checked_against_csl(tmp_path):
    import json

    from pressrun.diagnostics import PressrunError
    from pressrun.references import read_references

    path = tmp_path / "zotero.json"
    path.write_text(
        json.dumps(
            [
                {"id": "a", "type": "book", "author": [{"family": "A"}], "publisher": "P"},
                {"id": "b", "type": "book", "title": "B", "publisher-city": "London"},
            ]
        )
    )
    warnings = []
    refs = read_references(path, "zotero.json", warnings)
    assert [r.id for r in refs] == ["a", "b"]
    assert [w.code for w in warnings] == ["missing-title", "unknown-field"]
    path.write_text(json.dumps([{"id": "c", "type": "journal-article", "title": "C"}]))
    with pytest.raises(PressrunError) as exc:
        read_references(path, "zotero.json", [])
    assert "unknown reference type 'journal-article'" in str(exc.value)
    assert "did you mean 'article-journal'?" in str(exc.value)


def test_every_references_file_is_read_when_one_has_errors(tmp_path):
    from conftest import mini_project

    from pressrun.check import check
    from pressrun.diagnostics import PressrunError

    project = mini_project(tmp_path / "p")
    folder = project.content / "mini"
    (folder / "a.json").write_text('[{"id": "x", "type": "journal-article", "title": "T"}]')
    (folder / "b.bib").write_text("@book{doe2020, title={A}, author={Doe, J.}, year=2020\n")
    meta = folder / "publication.yaml"
    meta.write_text(meta.read_text() + "references: [a.json, b.bib]\n")
    (folder / "references.yaml").unlink()
    with pytest.raises(PressrunError) as exc:
        check(project)
    assert "content/mini/a.json:1:" in str(exc.value) and "journal-article" in str(exc.value)


def test_a_style_file_edited_meanwhile_is_read_again(tmp_path):
    """`watch` and cluster workers run for hours: a style is known by its content, not its
    path, so an edited .csl file is never formatted with as it was."""
    from pressrun.csl import for_pandoc, style_class

    path = tmp_path / "house.csl"
    style = (
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        '<info><category citation-format="{kind}"/></info>'
        "<citation><layout><text variable='title'/></layout></citation></style>"
    )
    path.write_text(style.format(kind="author-date"))
    assert style_class(path) == "author-date"
    path.write_text(style.format(kind="note"))
    assert style_class(path) == "note"
    assert b'citation-format="note"' in for_pandoc(path)
