"""Images named by content: checked before any build, then inlined as data: URLs.

An image is a file of the publication of a known kind (PNG, JPEG, GIF, WebP, SVG), under a
size and a pixel cap, that decodes; an SVG is plain XML (no DTD, no entities) that refers
to nothing outside itself. What WeasyPrint then fails to draw is an error naming the file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from xml.etree.ElementTree import ParseError

from .diagnostics import shortened

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# An A4 page at 600 dpi is 35 million pixels; one pixel costs 4 bytes or more once decoded.
MAX_PIXELS = 36_000_000
# Shapes an SVG may draw, <use> expanded: maps and diagrams draw thousands.
MAX_SVG_DRAWN = 200_000
MAX_SVG_DEPTH = 100
SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
RASTER = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
SVG_NS = "{http://www.w3.org/2000/svg}"
# In an SVG, only references to its own parts (#id) and embedded raster images are allowed.
SVG_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)
SVG_DATA_IMAGE = re.compile(r"data:(image/(?:png|jpeg|gif|webp));base64,", re.I)

# The data: URLs made in this process, by their digest: a failed image names its file.
_MADE: dict[str, str] = {}
# Where the images found good are remembered, by digest (decoding each one at every check
# would cost a no-op build tens of milliseconds per photograph).
_GOOD: ContextVar[Path | None] = ContextVar("good_images", default=None)


@contextlib.contextmanager
def remembered_in(folder: Path) -> Iterator[None]:
    """Within this block, images found good are remembered in `folder`."""
    token = _GOOD.set(folder)
    try:
        yield
    finally:
        _GOOD.reset(token)


class ImageProblem(Exception):
    """What is wrong with an image, in words for the user; the caller adds where."""

    def __init__(self, message: str, code: str, hint: str):
        super().__init__(message)
        self.code, self.hint = code, hint


def check(path: Path) -> str:
    """The image's MIME type, or ImageProblem saying what is wrong with it."""
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageProblem(
            f"is {size:,} bytes, more than {MAX_IMAGE_BYTES:,}",
            "image-too-big",
            "save it smaller: 300 dpi at its printed size is plenty",
        )
    data = path.read_bytes()
    folder = _GOOD.get()
    marker = folder / hashlib.sha256(data).hexdigest() if folder else None
    if marker is not None and marker.is_file():
        return marker.read_text(encoding="ascii")
    if _looks_like_svg(data):
        _check_svg(data)
        mime = "image/svg+xml"
    else:
        mime = _check_raster(data)
    if marker is not None:
        with contextlib.suppress(OSError):  # a read-only output/: only slower next time
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(mime, encoding="ascii")
    return mime


def data_url(path: Path, display: str) -> str:
    """The image as a data: URL, so the HTML stands alone and names no build path. CMYK
    images become RGB: browsers show CMYK JPEGs badly, and PDF/A with an sRGB intent
    forbids them."""
    data = path.read_bytes()
    mime = "image/svg+xml" if _looks_like_svg(data) else _raster_mime(data)
    if mime == "image/jpeg":
        data = _rgb_jpeg(data)
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    _MADE[hashlib.sha256(url.encode()).hexdigest()] = display
    return url


def _rgb_jpeg(data: bytes) -> bytes:
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as image:
        if image.mode not in ("CMYK", "YCCK"):
            return data
        buffer = BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=95)
        return buffer.getvalue()


def named(url: str) -> str | None:
    """The file a data: URL made here was read from."""
    return _MADE.get(hashlib.sha256(url.encode()).hexdigest())


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg"))


def _raster_mime(data: bytes) -> str:
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            return RASTER.get(image.format or "", "application/octet-stream")
    except (UnidentifiedImageError, OSError, ValueError):
        return "application/octet-stream"


def _check_raster(data: bytes) -> str:
    import warnings
    from io import BytesIO

    from PIL import Image, ImageFile

    # WeasyPrint, once imported, lets Pillow load truncated images: here they are damage.
    truncated_ok, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                kind, (width, height) = image.format or "", image.size
                if kind not in RASTER:
                    raise ImageProblem(
                        f"is a {kind or 'file of an unknown kind'}, not an image pressrun prints",
                        "image-kind",
                        "use PNG, JPEG, GIF, WebP or SVG",
                    )
                if width * height > MAX_PIXELS:
                    raise ImageProblem(
                        f"is {width:,} × {height:,} pixels, more than {MAX_PIXELS:,} in all",
                        "image-too-big",
                        "scale it down: 300 dpi at its printed size is plenty",
                    )
                image.load()  # every pixel: damage shows here, not as a blank in the PDF
    except ImageProblem:
        raise
    except Exception as exc:  # Pillow raises many kinds for damaged files
        if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
            raise ImageProblem(
                f"has more than {MAX_PIXELS:,} pixels", "image-too-big", "scale it down"
            ) from None
        raise ImageProblem(
            "is damaged or not an image (it does not decode)",
            "image-broken",
            "open it in an image editor and save it again as PNG or JPEG",
        ) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    return RASTER[kind]


def _check_svg(data: bytes) -> None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImageProblem(
            "is an SVG with a DOCTYPE or entities, which pressrun does not read",
            "image-svg",
            "remove the <!DOCTYPE …> declaration (export the SVG again as plain SVG)",
        ) from None
    except ParseError:
        raise ImageProblem(
            "is damaged: it is not well-formed SVG",
            "image-broken",
            "open it in an SVG editor and save it again",
        ) from None
    if root.tag != f"{SVG_NS}svg":
        raise ImageProblem(
            "is not an SVG image (its root element is not <svg>)",
            "image-kind",
            "use PNG, JPEG, GIF, WebP or SVG",
        )
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] == "href":
                _svg_reference(value.strip())
            elif name == "style":
                _svg_css(value)
        if element.tag == f"{SVG_NS}style":
            _svg_css(element.text or "")
    if _depth(root) > MAX_SVG_DEPTH:
        raise ImageProblem(
            f"is an SVG whose elements nest more than {MAX_SVG_DEPTH} deep",
            "image-too-big",
            "simplify it (ungroup), or save it as a PNG",
        )
    drawn = _drawn(root)
    if drawn > MAX_SVG_DRAWN:
        raise ImageProblem(
            f"is an SVG that draws {'endlessly' if drawn == INFINITE else f'{drawn:,} shapes'}"
            f" (more than {MAX_SVG_DRAWN:,}): its <use> elements or markers repeat each other",
            "image-too-big",
            "simplify it, or save it as a PNG",
        )


INFINITE = 2**63


def _depth(root) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _drawn(root) -> int:
    """How many elements the SVG draws once every <use> and marker is expanded (INFINITE for
    a cycle): a few kilobytes of nested <use> or markers (drawn at every vertex of a path)
    can ask for millions. Iterative: SVGs may nest deeply."""
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    done: dict[int, int] = {}
    stack: list[tuple[object, bool]] = [(root, False)]
    visiting: set[int] = set()
    while stack:
        element, expanded = stack.pop()
        key = id(element)
        if key in done:
            continue
        parts = [(child, 1) for child in element] + _references(element, by_id)
        if not expanded:
            if key in visiting:
                return INFINITE  # a <use> or marker inside what it draws
            visiting.add(key)
            stack.append((element, True))
            stack.extend((part, False) for part, _ in parts if id(part) not in done)
            continue
        visiting.discard(key)
        if any(id(part) not in done for part, _ in parts):
            return INFINITE
        done[key] = min(INFINITE, 1 + sum(done[id(part)] * times for part, times in parts))
    return done[id(root)]


MARKERS = ("marker-start", "marker-mid", "marker-end", "marker")
SVG_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _references(element, by_id: dict) -> list[tuple[object, int]]:
    """What an element draws again: the target of a <use>, and its markers, each as often as
    it is drawn (a mid marker at every vertex)."""
    found = []
    target = _use_target(element, by_id)
    if target is not None:
        found.append((target, 1))
    properties = dict(element.attrib)
    for declaration in element.get("style", "").split(";"):
        name, _, value = declaration.partition(":")
        properties[name.strip()] = value.strip()
    vertices = len(SVG_NUMBER.findall(element.get("d", "") + element.get("points", ""))) // 2
    for name in MARKERS:
        match = re.fullmatch(r"url\(\s*['\"]?#([^'\")\s]+)['\"]?\s*\)", properties.get(name, ""))
        marker = by_id.get(match.group(1)) if match else None
        if marker is not None:
            found.append((marker, max(vertices, 2) if name in ("marker-mid", "marker") else 1))
    return found


def _use_target(element, by_id: dict):
    if element.tag != f"{SVG_NS}use":
        return None
    href = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "href"), "")
    return by_id.get(href.strip()[1:]) if href.strip().startswith("#") else None


def _svg_reference(url: str) -> None:
    if url.startswith("#"):
        return
    embedded = SVG_DATA_IMAGE.match(url)
    if not embedded:
        raise ImageProblem(
            f"is an SVG that refers to {_shape(url)}",
            "image-svg",
            "an SVG may only use its own parts (#id) and embedded images: embed or remove it",
        )
    try:
        _check_raster(base64.b64decode(url[embedded.end() :], validate=False))
    except ImageProblem as problem:
        raise ImageProblem(
            f"is an SVG with an embedded image that {problem}", problem.code, problem.hint
        ) from None


def _svg_css(css: str) -> None:
    if "@import" in css.lower():
        raise ImageProblem(
            "is an SVG whose style imports another stylesheet (@import)",
            "image-svg",
            "an SVG may not load anything: put the rules in the SVG itself",
        )
    for match in SVG_URL.finditer(css):
        if not match.group(1).startswith("#"):
            raise ImageProblem(
                f"is an SVG whose style refers to {_shape(match.group(1))}",
                "image-svg",
                "an SVG may only use its own parts (#id) in url(…)",
            )


def _shape(url: str) -> str:
    """An address as a message shows it: cut short, and a data: URL only by its kind."""
    if url.lower().startswith("data:"):
        return f"'{url.split(',', 1)[0][:40]},…'"
    return repr(shortened(url, 60)) if url else "an empty address"
