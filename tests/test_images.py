"""Image checks: every kind a teacher has passes; damage, bombs and references out do not."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from pressrun import images


def saved(path, mode: str, kind: str, size=(40, 30)):
    Image.new(mode, size, 0).save(path, kind)
    return path


@pytest.mark.parametrize(
    ("mode", "kind", "mime"),
    [
        ("RGB", "PNG", "image/png"),
        ("RGBA", "PNG", "image/png"),
        ("L", "PNG", "image/png"),
        ("P", "PNG", "image/png"),
        ("RGB", "JPEG", "image/jpeg"),
        ("CMYK", "JPEG", "image/jpeg"),
        ("P", "GIF", "image/gif"),
        ("RGB", "WEBP", "image/webp"),
    ],
)
def test_every_common_kind_passes(tmp_path, mode, kind, mime):
    path = saved(tmp_path / f"picture.{kind.lower()}", mode, kind)
    assert images.check(path) == mime
    assert images.data_url(path, "picture").startswith(f"data:{mime};base64,")


def truncated_png(path):
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def test_damage_is_found_even_after_weasyprint_is_loaded(tmp_path):
    import weasyprint  # noqa: F401  (it makes Pillow accept truncated images)

    with pytest.raises(images.ImageProblem, match="is damaged"):
        images.check(truncated_png(tmp_path / "half.png"))


def test_good_images_are_remembered_and_damage_is_not(tmp_path):
    good = saved(tmp_path / "good.png", "RGB", "PNG")
    with images.remembered_in(tmp_path / "cache"):
        images.check(good)
        with pytest.raises(images.ImageProblem):
            images.check(truncated_png(tmp_path / "half.png"))
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_pixels_are_capped_before_decoding(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("1", (12000, 3001)).save(path)
    with pytest.raises(images.ImageProblem, match="is 12,000 × 3,001 pixels, more than"):
        images.check(path)


def test_an_svg_may_embed_an_image_but_not_a_bomb(tmp_path):
    def svg(raster: bytes) -> bytes:
        data = base64.b64encode(raster).decode()
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            f'<image href="data:image/png;base64,{data}" width="9" height="9"/></svg>'
        ).encode()

    small, big = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (9, 9)).save(small, "PNG")
    Image.new("1", (8000, 6000)).save(big, "PNG")
    (tmp_path / "ok.svg").write_bytes(svg(small.getvalue()))
    assert images.check(tmp_path / "ok.svg") == "image/svg+xml"
    (tmp_path / "bomb.svg").write_bytes(svg(big.getvalue()))
    with pytest.raises(images.ImageProblem, match="an embedded image that is 8,000 × 6,000"):
        images.check(tmp_path / "bomb.svg")


def test_svg_nesting_and_cycles_are_capped(tmp_path):
    deep = tmp_path / "deep.svg"
    deep.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 150 + "</g>" * 150 + "</svg>"
    )
    with pytest.raises(images.ImageProblem, match="nest more than 100 deep"):
        images.check(deep)
    cycle = tmp_path / "cycle.svg"
    cycle.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#b"/></g>'
        '<g id="b"><use href="#a"/></g></svg>'
    )
    with pytest.raises(images.ImageProblem, match="draws endlessly"):
        images.check(cycle)
