"""Parallel editions: two languages on facing pages, each unit level with its counterpart.

Read as a reader reads them: the words of each page (pdftotext -bbox-layout), which side's
language they are in, where headings and blocks start, where each note stands.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pikepdf
import pytest
from conftest import HERE_DATA, ROOT, SAMPLE, run_cli
from pdf import note_pages, page_texts, page_words

from pressrun.pipeline import build
from pressrun.project import Project

MM = 72 / 25.4  # points per millimetre
FACING = "facing"


@pytest.fixture(scope="session")
def facing(tmp_path_factory) -> Project:
    """tests/data/facing (Spanish on the left, sections three times longer on one side or
    the other, one running over two spreads) built once."""
    root = tmp_path_factory.mktemp("facing")
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copytree(HERE_DATA / FACING, root / "content" / FACING)
    project = Project(root)
    build(project)
    return project


def vocabulary(pdf: Path) -> set[str]:
    return {w.text.strip(".,;:()«»“”\"'") for words in page_words(pdf) for w in words}


def starts(words, first: str, then: str):
    """The word `first` followed on its line by `then`: (x, y) of `first`, or None."""
    count = len(then.split())
    for n, word in enumerate(words):
        after = words[n + 1 : n + 1 + count]
        same_line = all(abs(w.y - word.y) < 1 for w in after)
        if word.text == first and same_line and " ".join(w.text for w in after).startswith(then):
            return word
    return None


def where(pages, first: str, then: str, heading: bool = False) -> tuple[int, float]:
    """(page counted from 1, top in points) of the first place `first then…` starts (in a
    heading's type size, if `heading`)."""
    for number, words in enumerate(pages, start=1):
        found = starts([w for w in words if w.height > 13 or not heading], first, then)
        if found is not None:
            return number, found.y
    raise AssertionError(f"'{first} {then}' is on no page")


def level(pages, left: tuple[str, str], right: tuple[str, str]) -> None:
    """The left words on a verso, the right ones on the recto facing it, at one height."""
    (verso, y0), (recto, y1) = where(pages, *left), where(pages, *right)
    assert verso % 2 == 0 and recto == verso + 1, (left, verso, right, recto)
    assert abs(y0 - y1) <= 1 * MM, f"{left} at {y0:.1f} pt, {right} at {y1:.1f} pt"


# -- the sample: English on the left, Spanish on the right -----------------------------


@pytest.fixture(scope="session")
def sample_parallel(sample) -> Path:
    return sample.output / SAMPLE / "en-es" / "parallel.pdf"


def test_every_page_holds_its_own_sides_language(sample, sample_parallel):
    english = vocabulary(sample.output / SAMPLE / "en" / "booklet.pdf")
    spanish = vocabulary(sample.output / SAMPLE / "es" / "booklet.pdf")
    only = {0: english - spanish, 1: spanish - english}
    pages = page_words(sample_parallel)
    assert len(pages) % 4 == 0
    for number, words in enumerate(pages[1:-1], start=2):  # the cover and back hold both
        if number in (2, 3):
            continue  # the title spread: each title on its side, checked below
        side = number % 2  # versos (even pages) English, rectos Spanish
        texts = {w.text.strip(".,;:()«»“”\"'") for w in words}
        assert not texts & only[1 - side], (number, sorted(texts & only[1 - side])[:10])
        if len(texts) > 20:
            assert texts & only[side], number


def test_section_headings_start_level_on_one_spread(sample_parallel):
    pages = page_words(sample_parallel)
    for english, spanish in [
        ("Background", "Antecedentes"),
        ("Signing", "Firma"),
        ("Terms", "Términos"),
        ("Aftermath", "Consecuencias"),
    ]:
        (verso, y0), (recto, y1) = heading(pages, english), heading(pages, spanish)
        assert verso % 2 == 0 and recto == verso + 1, (english, verso, spanish, recto)
        assert abs(y0 - y1) <= 1 * MM, (english, y0, spanish, y1)


def heading(pages, text: str) -> tuple[int, float]:
    """The page and top of a heading: the word alone on its line, in the heading's size."""
    for number, words in enumerate(pages, start=1):
        for n, word in enumerate(words):
            alone = word.first_in_line and (n + 1 == len(words) or words[n + 1].first_in_line)
            if word.text == text and alone and word.height > 13:
                return number, word.y
    raise AssertionError(f"heading {text} not found")


def test_aftermath_blocks_are_level_block_by_block(sample_parallel):
    """Aftermath has two blocks in each language: the second starts level too."""
    level(page_words(sample_parallel), ("The", "Soviet Union would"), ("La", "Unión Soviética"))


def test_each_side_keeps_its_notes_on_the_page_of_their_call(sample_parallel, tmp_path):
    """Each side numbers its notes in its own sequence, each at the foot of its call's page,
    on that side: the notes of the versos and of the rectos are read apart."""
    with pikepdf.open(sample_parallel) as pdf, warnings.catch_warnings():
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # no links needed here
        for side in (0, 1):
            part = pikepdf.new()
            part.pages.extend(p for n, p in enumerate(pdf.pages) if n and n % 2 == 1 - side)
            part.save(tmp_path / f"side-{side}.pdf")
    for side in (0, 1):
        calls, notes = note_pages(tmp_path / f"side-{side}.pdf", 7.5)
        assert sorted(notes) == list(range(1, 10)), (side, notes)
        assert calls == notes, side
    first_full = page_texts(sample_parallel)
    assert any("1959), 49." in page for page in first_full[5::2])  # full, on each side
    assert any("1959), 49." in page for page in first_full[6::2])


def test_title_spread_contents_and_true_page_numbers(sample_parallel):
    texts = page_texts(sample_parallel)
    assert "Soviet–Japanese Basic Convention" in texts[1]
    assert "Convención Básica Soviético-Japonesa" in texts[2]
    assert "Contents" in texts[3] and "Índice" in texts[4]
    pages = page_words(sample_parallel)
    for contents, name in [(texts[3], "Background"), (texts[4], "Antecedentes")]:
        number = int(re.search(rf"{name}[ .]*(\d+)", contents).group(1))
        assert name in texts[number - 1], (name, number)
        assert heading(pages, name)[0] == number
    for n, text in enumerate(texts[5:-2], start=6):  # folios: even on versos, odd on rectos
        assert re.search(rf"(^|\s){n}\s*$", text.strip().splitlines()[-1]) or "Notes" in text


def test_bibliographies_face_each_other_and_colophon_names_both_texts(sample_parallel):
    texts = page_texts(sample_parallel)
    verso = next(n for n, t in enumerate(texts, 1) if "Bibliography\n" in t and n > 5)
    assert verso % 2 == 0 and "Bibliografía" in texts[verso]
    back = texts[-1]
    assert "Soviet–Japanese Basic Convention" in back
    assert "Convención Básica Soviético-Japonesa" in back
    assert "CC BY-SA 4.0" in back


def test_no_more_pages_than_the_two_booklets(sample, sample_parallel):
    pages = len(page_texts(sample_parallel))
    booklets = sum(
        len(page_texts(sample.output / SAMPLE / lang / "booklet.pdf")) for lang in ("en", "es")
    )
    assert pages <= 1.15 * booklets


def test_print_file_is_saddle_stitched(sample, sample_parallel):
    imposed = sample.output / SAMPLE / "en-es" / "parallel-print.pdf"
    pages = page_texts(sample_parallel)
    sheets = page_texts(imposed)
    assert len(sheets) == len(pages) // 2
    # Sheet 1, front: the back cover (the colophon) beside the cover.
    assert "Colophon" in sheets[0] and "English · Español" in sheets[0].replace("E NGLISH", "")
    # Sheet 1, back: page 2 (the English title) beside the second-last page.
    assert "Soviet–Japanese Basic Convention" in sheets[1]


def test_tagged_each_side_read_whole_in_its_language(sample_parallel):
    with pikepdf.open(sample_parallel) as pdf:
        assert str(pdf.Root.Lang) == "en"
        document = pdf.Root.StructTreeRoot.K[0]
        kids = [k for k in document.K if isinstance(k, pikepdf.Dictionary)]
        langs = [str(k.get("/Lang", "")) for k in kids]
        assert "es" in langs
        first_spanish = langs.index("es")
        assert all(lang != "es" for lang in langs[:first_spanish])  # English first, whole


def test_check_warns_of_a_section_aligned_as_a_whole(project):
    result = run_cli(project, "check")
    assert result.exit_code == 0, result.output
    assert (
        "content/soviet-japanese-basic-convention/es.yaml:4:5: warning: the section before the "
        "first heading has 1 blocks in en and 2 in es" in result.output
    )
    assert "[parallel-blocks]" in result.output


def test_web_page_sets_rows_level(sample):
    html = (sample.output / SAMPLE / "en-es" / "index.html").read_text(encoding="utf-8")
    assert 'lang="en"' in html and 'lang="es"' in html
    assert 'id="en-note-1"' in html and 'id="es-note-1"' in html
    assert html.count('class="switch"') == 1
    single = (sample.output / SAMPLE / "en" / "index.html").read_text(encoding="utf-8")
    assert 'href="../en-es/index.html"' in single


# -- a second publication: lengths three times apart, both ways -------------------------


def test_facing_padding_goes_both_ways_and_a_unit_spans_two_spreads(facing):
    pdf = facing.output / FACING / "es-en" / "parallel.pdf"
    pages = page_words(pdf)
    (verso, y0), (recto, y1) = where(pages, "Tipos", "y", True), where(pages, "Type", "and", True)
    assert recto == verso + 1 and verso % 2 == 0 and abs(y0 - y1) <= 1 * MM
    # Block 1 is three times longer in Spanish (left), block 2 in English (right).
    level(pages, ("El", "papel, sobre"), ("Paper,", "above all"))
    first = where(pages, "En", "la", heading=True)[0]
    next_heading = where(pages, "Where", "presses", heading=True)[0]
    spreads = (next_heading - first) // 2
    assert spreads >= 2, "the Spanish 'En la prensa' runs over at least two spreads"
    texts = page_texts(pdf)
    padded = [n for n in range(first, next_heading - 1) if len(texts[n].split()) < 8]
    assert padded, "the English side of that unit has a page of padding"
    (verso, y0) = where(pages, "Adónde", "llegaron", True)
    (recto, y1) = where(pages, "Where", "presses", True)
    assert recto == verso + 1 and verso % 2 == 0 and abs(y0 - y1) <= 1 * MM
    booklets = sum(
        len(page_texts(facing.output / FACING / lang / "booklet.pdf")) for lang in ("es", "en")
    )
    assert len(pages) <= 1.15 * booklets


def test_texts_whose_sections_do_not_pair_are_aligned_at_their_starts(tmp_path):
    """A section one language lacks is a warning, not an error (the handouts still build):
    the parallel edition sets the texts side by side from their starts."""
    root = tmp_path / "project"
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copytree(HERE_DATA / FACING, root / "content" / FACING)
    en = root / "content" / FACING / "en.yaml"
    text = en.read_text(encoding="utf-8")
    en.write_text(text[: text.index("  - heading: Where presses came")], encoding="utf-8")
    result = run_cli(Project(root), "build", "--format", "parallel")
    assert result.exit_code == 0, result.output
    assert "content/facing/es.yaml:26:5: warning: the es text has 4 sections and the en text 3" in (
        result.output
    )
    assert "[parallel-sections]" in result.output
    pages = page_words(root / "output" / FACING / "es-en" / "parallel.pdf")
    body = pages[5:]  # after the cover, title and contents spreads: the texts' own titles
    (verso, y0), (recto, y1) = (
        where(body, "Las", "primeras", True),
        where(body, "The", "First", True),
    )
    assert recto == verso + 1 and verso % 2 == 1 and abs(y0 - y1) <= 1 * MM


def test_facing_contents_give_true_pages_and_heads_name_the_page(facing):
    """Each contents entry gives the page its heading is on (a unit pushed to the next
    spread takes its heading's id along), on both sides; the running head of a page names
    the first section on it, the bibliography's pages theirs."""
    pdf = facing.output / FACING / "es-en" / "parallel.pdf"
    texts = page_texts(pdf)
    pages = page_words(pdf)
    for contents in (texts[3], texts[4]):
        entries = re.findall(r"^(\S[^.\n]*?)[ .]{3,}(\d+)$", contents, re.M)
        assert len(entries) == 4, contents  # three sections and the bibliography
        for name, number in entries:
            first = name.split()[0]
            second = name.split()[1] if len(name.split()) > 1 else ""
            found = where(pages[5:], first, second, heading=True)[0] + 5
            assert found == int(number), (name, number, found)
    bibliography = next(
        n for n, t in enumerate(texts) if "\nFuentes\n" in t or "Bibliografía\n" in t
    )
    assert texts[bibliography].lstrip().startswith("Bibliografía"), texts[bibliography][:80]


def test_a_pair_format_asked_for_a_single_language_is_a_usage_error(facing):
    result = run_cli(facing, "build", "--lang", "en", "--format", "parallel")
    assert result.exit_code == 2
    assert "facing makes no parallel in en" in result.output
    assert "es-en" in result.output
