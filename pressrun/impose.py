"""Stage 5, impose: a booklet PDF -> its saddle-stitch print file (two pages per sheet side).

Sheets are landscape, printed duplex and flipped on the short edge, so every page stays
upright. Folded and stapled, the sheets read in page order.
"""

from __future__ import annotations

import io

import pikepdf

from .model import Imposition
from .project import PAPERS

MM = 72 / 25.4
FOLD_MARK = 6 * MM


def saddle_stitch_order(pages: int) -> list[tuple[int, int]]:
    """The (left, right) page numbers of each sheet side, in printing order.

    >>> saddle_stitch_order(8)
    [(8, 1), (2, 7), (6, 3), (4, 5)]
    """
    if pages % 4:
        raise ValueError(f"a saddle-stitched booklet needs a multiple of 4 pages, not {pages}")
    sides = []
    for sheet in range(pages // 4):
        sides.append((pages - 2 * sheet, 2 * sheet + 1))
        sides.append((2 * sheet + 2, pages - 2 * sheet - 1))
    return sides


def impose(pdf: bytes, paper: str, options: Imposition) -> bytes:
    """The print file: each side places its two pages against the fold, shifted by creep."""
    with pikepdf.open(io.BytesIO(pdf)) as booklet:
        out = pikepdf.new()
        forms = [out.copy_foreign(page.as_form_xobject()) for page in booklet.pages]
        impose_forms(out, forms, paper, options)
        return derived(out, booklet, "print")


def impose_forms(out: pikepdf.Pdf, forms: list, paper: str, options: Imposition) -> None:
    """Append to `out` the sheet sides of a booklet whose pages are the form XObjects
    `forms`."""
    width, height = PAPERS[paper]
    spine = width / 2
    sides = saddle_stitch_order(len(forms))
    for side, (left, right) in enumerate(sides):
        sheet = side // 2  # 0 is the outermost sheet
        shift = sheet * options.creep_mm * MM
        page_width = float(forms[left - 1].BBox[2]) - float(forms[left - 1].BBox[0])
        ops = [
            _place(f"/P{left}", spine - page_width + shift, (0, spine), height),
            _place(f"/P{right}", spine - shift, (spine, width), height),
        ]
        if options.marks:
            ops.append(_fold_marks(spine, height))
        xobjects = {f"/P{n}": forms[n - 1] for n in (left, right)}
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, width, height],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(xobjects)),
            Contents=out.make_stream("\n".join(ops).encode("ascii")),
        )
        out.pages.append(pikepdf.Page(out.make_indirect(page)))


def derived(out: pikepdf.Pdf, source: pikepdf.Pdf, what: str) -> bytes:
    """`out`, a file made from `source`, saved with its title ("Title (print)") and dates,
    and the same bytes every time."""
    title = source.docinfo.get("/Title")
    if title is not None:
        out.docinfo["/Title"] = pikepdf.String(f"{title} ({what})")
    for key in ("/CreationDate", "/ModDate"):
        if key in source.docinfo:
            out.docinfo[key] = source.docinfo[key]
    buffer = io.BytesIO()
    out.save(
        buffer,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return buffer.getvalue()


def _place(name: str, x: float, clip: tuple[float, float], height: float) -> str:
    """Draw one page at x, clipped to its half of the sheet (creep must not cross the fold)."""
    x0, x1 = clip
    return f"q {x0:.3f} 0 {x1 - x0:.3f} {height:.3f} re W n 1 0 0 1 {x:.3f} 0 cm {name} Do Q"


def _fold_marks(spine: float, height: float) -> str:
    """Short rules at the top and bottom of the fold, in the margin, to fold and staple by."""
    return (
        f"q 0.25 w 0.5 G {spine:.3f} {height:.3f} m {spine:.3f} {height - FOLD_MARK:.3f} l S "
        f"{spine:.3f} 0 m {spine:.3f} {FOLD_MARK:.3f} l S Q"
    )
