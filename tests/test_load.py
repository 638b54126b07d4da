"""The load stage: content files to a validated Publication, errors with file:line:col."""

from __future__ import annotations

import pytest
from conftest import SAMPLE
from PIL import Image

from pressrun.diagnostics import PressrunError
from pressrun.load import load
from pressrun.model import Figure, ListBlock, Notice, Paragraph, Quote


def messages(exc_info) -> list[str]:
    return [str(d) for d in exc_info.value.diagnostics]


def test_sample_loads_with_every_section(project):
    pub = load(project, SAMPLE)
    assert pub.languages == ["en", "es"]
    assert pub.formats == ["handout", "booklet", "web", "parallel"]
    assert pub.parallel == [("en", "es")] and pub.sides("en-es") == ("en", "es")
    assert pub.style == "chicago-notes-bibliography"
    assert str(pub.edition.date) == "2026-11-23"
    assert pub.attribution.license_name == "CC BY-SA 4.0"
    en, es = pub.articles["en"], pub.articles["es"]
    assert [s.heading.source for s in en.sections if s.heading] == [
        "Background",
        "Signing",
        "Terms",
        "Aftermath",
    ]
    assert [s.id for s in es.sections] == [
        "section-1",
        "antecedentes",
        "firma",
        "terminos",
        "consecuencias",
    ]
    assert isinstance(es.sections[0].blocks[0], Notice)
    assert sum(len(s.blocks) for s in en.sections) == 6
    assert len(pub.references) == 7
    # The one warning: the lead has an extra notice in Spanish, so the parallel edition
    # aligns that section as a whole.
    assert [d.code for d in pub.warnings] == ["parallel-blocks"]


def test_every_node_keeps_its_location(project):
    pub = load(project, SAMPLE)
    title = pub.articles["en"].title
    assert str(title.where) == f"content/{SAMPLE}/en.yaml:1:8"
    background = pub.articles["en"].sections[1]
    assert background.heading.where.line == 12


def test_block_kinds(project):
    folder = project.content / SAMPLE
    Image.new("RGB", (4, 3), "white").save(folder / "figure.png")
    (folder / "en.yaml").write_text(
        "title: T\nsections:\n  - heading: H\n    blocks:\n"
        "      - A *paragraph*.\n"
        "      - paragraph: Explicit.\n"
        "      - notice: Careful.\n"
        "      - {quote: Words., attribution: Someone}\n"
        "      - {list: [one, two], ordered: true}\n"
        "      - {figure: figure.png, caption: A map., alt: Map of Sakhalin}\n",
        encoding="utf-8",
    )
    blocks = load(project, SAMPLE).articles["en"].sections[0].blocks
    assert [type(b) for b in blocks] == [Paragraph, Paragraph, Notice, Quote, ListBlock, Figure]
    assert blocks[3].attribution.source == "Someone"
    assert blocks[4].ordered and [i.source for i in blocks[4].items] == ["one", "two"]
    assert blocks[5].alt == "Map of Sakhalin"


def write(project, name: str, text: str) -> None:
    (project.content / SAMPLE / name).write_text(text, encoding="utf-8")


def test_unknown_citation_key_names_the_place_and_the_closest_key(project):
    write(
        project,
        "en.yaml",
        "title: T\nsections:\n  - blocks:\n      - >-\n"
        "        Some text\n        [@fisher1964, p. 2].\n",
    )
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    assert messages(exc) == [
        f"content/{SAMPLE}/en.yaml:6:10: error: unknown citation key 'fisher1964' "
        "[unknown-citation]\n  hint: did you mean 'fisher1946'?"
    ]


def test_duplicate_and_unknown_keys_are_all_reported(project):
    write(project, "en.yaml", "title: T\ntitle: U\nsubtitel: S\nsections: []\n")
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    text = messages(exc)
    assert text[0].startswith(f"content/{SAMPLE}/en.yaml:2:1: error: duplicate key 'title'")
    assert text[1] == (
        f"content/{SAMPLE}/en.yaml:3:1: error: unknown key 'subtitel' in en.yaml "
        "[unknown-key]\n  hint: did you mean 'subtitle'?"
    )


def test_yaml_syntax_error_has_its_line(project):
    write(project, "es.yaml", "title: T\nsections:\n  - blocks: [unclosed\n")
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    assert messages(exc)[0].startswith(
        f"content/{SAMPLE}/es.yaml:3:13: error: YAML syntax: a '[' is never closed"
    )


def test_unknown_language_and_missing_language_file(project):
    write(
        project,
        "publication.yaml",
        (project.content / SAMPLE / "publication.yaml")
        .read_text()
        .replace("languages: [en, es]", "languages: [en, esp]"),
    )
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    assert "unknown language 'esp'" in messages(exc)[0]
    assert "did you mean 'es'?" in messages(exc)[0]


def test_uncited_reference_is_a_warning(project):
    path = project.content / SAMPLE / "en.yaml"
    write(project, "en.yaml", path.read_text().replace(" [@frus1944]", ""))
    write(
        project,
        "es.yaml",
        (project.content / SAMPLE / "es.yaml").read_text().replace(" [@frus1944]", ""),
    )
    pub = load(project, SAMPLE)
    assert [str(w).split(": warning")[0] for w in pub.warnings] == [
        f"content/{SAMPLE}/references.yaml:69:9",
        f"content/{SAMPLE}/es.yaml:4:5",  # the lead: one block in en, two in es (parallel)
    ]
    assert "reference 'frus1944' is never cited" in str(pub.warnings[0])


def test_edition_date_falls_back_to_source_date_epoch(project, monkeypatch):
    meta = project.content / SAMPLE / "publication.yaml"
    meta.write_text(meta.read_text().replace("  date: 2026-11-23\n", "", 1))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with pytest.raises(PressrunError) as exc:
        load(project, SAMPLE)
    assert "the edition needs a date" in str(exc.value)
    assert f"content/{SAMPLE}/publication.yaml:11:3" in str(exc.value)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert str(load(project, SAMPLE).edition.date) == "2023-11-14"
