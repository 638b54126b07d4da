"""The typeset stage: HTML to PDF bytes, fetching only project files, written atomically."""

from __future__ import annotations

import io

import pikepdf
import pytest
from conftest import ROOT
from pdf import note_pages, page_texts
from PIL import Image

from pressrun.diagnostics import PressrunError
from pressrun.images import data_url
from pressrun.output import write_atomic
from pressrun.typeset import identifier, notes_away_from_their_calls, typeset


def png(path):
    Image.new("RGB", (4, 4), "red").save(path)


def html(body: str) -> str:
    return (
        '<html><head><meta name="dcterms.created" content="2026-01-02"></head>'
        f"<body>{body}</body></html>"
    )


def test_pdf_bytes_and_dates(tmp_path):
    pdf = typeset(html("<p>Hello</p>"), tmp_path, "x/en/handout")
    assert pdf.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.docinfo["/CreationDate"]).startswith("D:20260102")
        assert bytes(document.trailer.ID[0]) == identifier("x/en/handout")
    assert typeset(html("<p>Hello</p>"), tmp_path, "x/en/handout") == pdf


def test_inlined_images_are_drawn(tmp_path):
    png(tmp_path / "dot.png")
    url = data_url(tmp_path / "dot.png", "dot.png")
    pdf = typeset(html(f'<img src="{url}" style="width:1cm">'), tmp_path, "img")
    assert b"/Image" in pdf


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "../outside.png", "dot.png"]
)
def test_anything_outside_the_project_is_refused(tmp_path, url):
    project = tmp_path / "project"
    project.mkdir()
    png(tmp_path / "outside.png")
    png(project / "dot.png")  # images are inlined before typesetting: not even these load
    with pytest.raises(PressrunError) as exc:
        typeset(html(f'<img src="{url}">'), project, "bad")
    assert "refused to load" in str(exc.value)


def test_write_atomic_replaces_whole_files(tmp_path):
    target = tmp_path / "out" / "handout.pdf"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["handout.pdf"]


def test_an_image_that_fails_to_load_is_an_error_naming_its_file(tmp_path):
    broken = tmp_path / "map.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")  # past the checks, say: still caught
    url = data_url(broken, "content/x/map.png")
    with pytest.raises(PressrunError) as exc:
        typeset(html(f'<p>A map: <img src="{url}" alt="Map"></p>'), tmp_path, "x/en/handout")
    assert str(exc.value) == (
        "error: x/en/handout: image 'content/x/map.png' could not be drawn [image-broken]\n"
        "  hint: open the image in an editor and save it again as PNG, JPEG or plain SVG"
    )


WORDS = "treaty border island coal fishing archive policy harbour railway council"


def words(count: int, start: int = 0) -> str:
    return " ".join(WORDS.split()[(start + n) % 10] for n in range(count))


def small_pages(body: str) -> str:
    css = (ROOT / "styles" / "common.css").read_text()
    style = f"@page {{ size: 120mm 110mm; margin: 10mm }} {css}"
    return f"<html><head><style>{style}</style></head><body>{body}</body></html>"


def test_a_note_stays_by_its_call_when_the_next_paragraph_starts_at_the_foot(tmp_path):
    """WeasyPrint moves the last note of a page to the next one to fit a second line of the
    paragraph that starts at the page's foot (orphans: 2), whatever the footnote-policy:
    that paragraph starts the next page instead."""
    import weasyprint

    note = f'<span class="footnote">A long note citing five sources, {words(60)}</span>'
    second = f"<p>The next paragraph {words(80, 5)}.</p>"
    body = f"<p>{words(60)}{note} {words(8, 3)}.</p>{second}"
    alone = weasyprint.HTML(string=small_pages(body)).render()
    assert notes_away_from_their_calls(alone) == [(1, 1, 2)]  # the case, in WeasyPrint alone
    warnings = []
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(typeset(small_pages(body), tmp_path, "notes", warnings=warnings))
    assert note_pages(pdf, note_pt=8.5) == ({1: 1}, {1: 1})
    assert page_texts(pdf)[1].lstrip().startswith("The next paragraph")
    assert warnings == []


def test_a_note_away_from_its_call_is_a_warning_naming_it_and_its_pages(tmp_path):
    note = f'<span class="footnote">Too <em>long</em> &amp; a note: {words(400)}</span>'
    body = f"<p>{words(30)}</p><p>{words(20)}{note} {words(8, 3)}.</p>"
    warnings = []
    typeset(small_pages(body), tmp_path, "x/en/handout", warnings=warnings)
    assert [w.message for w in warnings] == [
        "x/en/handout: note 1 (“Too long & a note: treaty…”) is on page 4, its call on page 3"
    ]
