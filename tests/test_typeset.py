"""The typeset stage: HTML to PDF bytes, fetching only project files, written atomically."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from pressrun.diagnostics import PressrunError
from pressrun.output import write_atomic
from pressrun.typeset import identifier, typeset


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


def test_images_inside_the_project_are_fetched(tmp_path):
    png(tmp_path / "dot.png")
    pdf = typeset(html('<img src="dot.png" style="width:1cm">'), tmp_path, "img")
    assert b"/Image" in pdf


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "../outside.png"]
)
def test_anything_outside_the_project_is_refused(tmp_path, url):
    project = tmp_path / "project"
    project.mkdir()
    png(tmp_path / "outside.png")
    with pytest.raises(PressrunError) as exc:
        typeset(html(f'<img src="{url}">'), project, "bad")
    assert "refused to load" in str(exc.value)


def test_write_atomic_replaces_whole_files(tmp_path):
    target = tmp_path / "out" / "handout.pdf"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["handout.pdf"]
