"""The saddle-stitch print file: sheet sides, order, paper, creep, marks, determinism."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from pdf import info, page_texts, run

from pressrun.impose import impose, saddle_stitch_order
from pressrun.model import Imposition

LANGS = ("en", "es")


def words(text: str) -> str:
    return " ".join(text.split())


def half_text(pdf, side: int, left: bool, width: float, height: float) -> str:
    x = 0 if left else width / 2
    return run(
        "pdftotext",
        "-f",
        str(side),
        "-l",
        str(side),
        "-x",
        str(int(x)),
        "-y",
        "0",
        "-W",
        str(int(width / 2) + 1),
        "-H",
        str(int(height) + 1),
        str(pdf),
        "-",
    )


def page_text(pdf, number: int) -> str:
    return words(run("pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"))


def test_order():
    assert saddle_stitch_order(4) == [(4, 1), (2, 3)]
    assert saddle_stitch_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert saddle_stitch_order(12)[2:4] == [(10, 3), (4, 9)]
    with pytest.raises(ValueError):
        saddle_stitch_order(6)


@pytest.mark.parametrize("lang", LANGS)
def test_print_file_halves_are_the_booklet_pages_in_order(sample_pdf, lang):
    booklet, printed = sample_pdf(lang, "booklet"), sample_pdf(lang, "booklet-print")
    pages = page_texts(booklet)
    meta = info(printed)
    width, height = (float(v) for v in re.findall(r"[\d.]+", meta["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    assert int(meta["Pages"]) == len(pages) // 2
    for side, (left, right) in enumerate(saddle_stitch_order(len(pages)), start=1):
        assert words(half_text(printed, side, True, width, height)) == page_text(booklet, left)
        assert words(half_text(printed, side, False, width, height)) == page_text(booklet, right)


def booklet_pdf(pages: int, size=(396, 612)) -> bytes:
    document = pikepdf.new()
    for number in range(1, pages + 1):
        document.add_blank_page(page_size=size)
        document.pages[-1].Contents = document.make_stream(
            f"BT /F1 12 Tf 20 20 Td ({number}) Tj ET".encode()
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_letter_sheets_and_identical_bytes():
    pdf = booklet_pdf(8)
    first = impose(pdf, "letter", Imposition())
    assert first == impose(pdf, "letter", Imposition())
    with pikepdf.open(io.BytesIO(first)) as printed:
        assert len(printed.pages) == 4
        assert [float(v) for v in printed.pages[0].MediaBox] == [0, 0, 792, 612]


def placements(pdf: bytes) -> list[list[tuple[str, float]]]:
    with pikepdf.open(io.BytesIO(pdf)) as printed:
        return [
            [
                (m.group(2), float(m.group(1)))
                for m in re.finditer(
                    r"1 0 0 1 ([\d.]+) 0 cm (/P\d+) Do", page.Contents.read_bytes().decode()
                )
            ]
            for page in printed.pages
        ]


def test_creep_shifts_inner_sheets_toward_the_spine_and_marks_the_fold():
    pdf = booklet_pdf(8)
    plain = placements(impose(pdf, "letter", Imposition()))
    crept = impose(pdf, "letter", Imposition(creep_mm=0.5, marks=True))
    shift = 0.5 * 72 / 25.4
    assert plain[0] == [("/P8", 0.0), ("/P1", 396.0)]
    assert placements(crept)[0] == plain[0]  # the outer sheet does not move
    assert placements(crept)[2] == [
        ("/P6", pytest.approx(shift, abs=1e-3)),
        ("/P3", pytest.approx(396 - shift, abs=1e-3)),
    ]
    with pikepdf.open(io.BytesIO(crept)) as printed:
        assert b"396.000 612.000 m" in printed.pages[0].Contents.read_bytes()
