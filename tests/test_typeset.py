"""The typeset stage: HTML to PDF bytes, fetching only project files, written atomically."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from pressrun.diagnostics import PressrunError
from pressrun.images import data_url
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
