"""Tagged PDFs read as assistive technology reads them: the structure tree (pikepdf), and
pdfua's checks on every handout and booklet of every sample publication."""

from __future__ import annotations

import pikepdf
import pytest
from conftest import SAMPLE, SPECIMEN

from pressrun.tagging import structure

HEADINGS = ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")
BLOCKS = ("/P", *HEADINGS, "/BlockQuote")
CONTAINERS = ("/LBody", "/TD", "/TH", "/Caption", "/Div", "/Sect", "/Part")
# pdfua 0.1.3's empty-heading rule raises on any heading whose /K is an array (all of
# WeasyPrint's): it reports it as skipped, not as a finding. Our own test checks headings.
PDFUA_BROKEN = {"UA-14-001"}


def tree(path):
    with pikepdf.open(path) as pdf:
        return [(depth, kind) for depth, kind, _ in structure(pdf)]


def prints(project, pub):
    """Every handout and booklet (and teacher's copy, answer key) the build made."""
    folder = project.output / pub
    return sorted(
        p
        for p in folder.glob("*/*.pdf")
        if not p.name.endswith("-print.pdf") and "class" not in p.name
    )


@pytest.mark.parametrize("fixture", ["sample", "specimen", "second", "worksheet"])
def test_pdfua_finds_nothing_on_every_print_output(fixture, request):
    import pdfua

    project = request.getfixturevalue(fixture)
    pubs = [p.name for p in project.output.iterdir() if p.is_dir() and p.name != "editions"]
    paths = [path for pub in pubs for path in prints(project, pub)]
    assert len(paths) >= 4
    for path in paths:
        report = pdfua.validate(str(path))
        assert [(f.rule_id, f.message) for f in report.findings] == [], path
        assert {s.rule_id if hasattr(s, "rule_id") else s[0] for s in report.skipped} <= (
            PDFUA_BROKEN
        ), path
        with pikepdf.open(path) as pdf:
            meta = pdf.open_metadata()
            assert meta.get("pdfuaid:part") == "1", path
            assert bool(pdf.Root.MarkInfo.Marked) and bool(
                pdf.Root.ViewerPreferences.DisplayDocTitle
            )
            assert str(pdf.docinfo.get("/Title", "")).strip(), path


@pytest.mark.parametrize("fmt", ["handout", "booklet"])
def test_headings_in_order_and_one_part_for_the_main_text(specimen, fmt):
    """WeasyPrint tags page by page: the main text was one Part per page, a section broken
    across pages two sections. Merged, the main text is one Part, each heading once, and no
    heading skips a level."""
    path = specimen.output / SPECIMEN / "en" / f"{fmt}.pdf"
    kinds = tree(path)
    assert [k for _, k in kinds].count("/Part") == 1
    levels = [int(k[2]) for _, k in kinds if k in HEADINGS]
    assert levels[0] == 1
    deepest = 1
    for level in levels:
        assert level <= deepest + 1, levels
        deepest = max(deepest, level) if level > 1 else 1
    with pikepdf.open(path) as pdf:
        sections = [o for _, k, o in structure(pdf) if k == "/Sect"]
        headings = [o for _, k, o in structure(pdf) if k == "/H2"]
    # Each section of the text once: as many sections as headed ones (and the bibliography)
    assert len(headings) >= 5
    assert len({o.objgen for o in sections}) == len(sections)


def test_an_element_across_a_page_break_is_one_element(specimen):
    """A paragraph broken across two pages is one P, its pieces of text on both pages."""
    with pikepdf.open(specimen.output / SPECIMEN / "en" / "booklet.pdf") as pdf:
        number = {page.objgen: n for n, page in enumerate(pdf.pages)}
        across = 0
        for _, kind, obj in structure(pdf):
            kids = obj.get("/K")
            items = kids if isinstance(kids, pikepdf.Array) else [kids]
            pages = {
                number[k.Pg.objgen]
                for k in items
                if isinstance(k, pikepdf.Dictionary) and "/Pg" in k
            }
            if kind == "/P" and len(pages) > 1:
                assert max(pages) - min(pages) == 1
                across += 1
        assert across >= 2


@pytest.mark.parametrize(
    ("fixture", "pub", "fmt"),
    [
        ("sample", SAMPLE, "handout"),
        ("specimen", SPECIMEN, "handout"),
        ("specimen", SPECIMEN, "booklet"),
    ],
)
def test_each_note_is_a_note_after_the_paragraph_of_its_call(fixture, pub, fmt, request):
    """Notes called in a paragraph follow it; called in a table cell, a caption or a list
    item, they end it (the specimen has all of these)."""
    project = request.getfixturevalue(fixture)
    for lang in ("en", "es"):
        with pikepdf.open(project.output / pub / lang / f"{fmt}.pdf") as pdf:
            elements = list(structure(pdf))
            notes = [o for _, k, o in elements if k == "/Note"]
            calls = [o for _, k, o in elements if k == "/Reference"]
            assert len(notes) == len(calls) >= 8
            ids = [str(n.ID) for n in notes]
            assert len(set(ids)) == len(ids)
            for call in calls:
                note = call.Ref[0]
                assert pikepdf.Name.Note == note.S
                block = call.P
                while block.S not in BLOCKS + CONTAINERS:
                    block = block.P
                siblings = list(note.P.K)
                if block.S in CONTAINERS:
                    assert note.P.objgen == block.objgen
                    continue
                assert note.P.objgen == block.P.objgen
                at = [s.objgen for s in siblings].index(block.objgen)
                here = [s.objgen for s in siblings].index(note.objgen)
                assert here > at
                assert all(pikepdf.Name.Note == s.S for s in siblings[at + 1 : here])
            # A note's number is its label
            assert all(any(pikepdf.Name.Lbl == k.S for k in n.K) for n in notes)


def test_languages_on_the_catalog_and_on_the_japanese_words(sample):
    with pikepdf.open(sample.output / SAMPLE / "es" / "handout.pdf") as pdf:
        assert str(pdf.Root.Lang) == "es"
        langs = [str(o.Lang) for _, _, o in structure(pdf) if "/Lang" in o]
        assert "ja" in langs and "es" not in langs  # set only where the language changes


def test_bibliography_is_a_list_of_items(sample):
    path = sample.output / SAMPLE / "en" / "handout.pdf"
    html = path.with_suffix(".html").read_text(encoding="utf-8")
    entries = html.count('class="csl-entry"')
    with pikepdf.open(path) as pdf:
        elements = list(structure(pdf))
    lists = [(i, d) for i, (d, k, o) in enumerate(elements) if k == "/L" and i > len(elements) // 2]
    i, depth = lists[-1]
    items = [k for d, k, _ in elements[i + 1 :] if d == depth + 1]
    assert items[:entries] == ["/LI"] * entries and entries >= 3
    bodies = [k for d, k, _ in elements[i + 1 :] if d == depth + 2]
    assert bodies[:entries] == ["/LBody"] * entries


def test_figures_have_alt_text_and_links_a_description(specimen):
    with pikepdf.open(specimen.output / SPECIMEN / "en" / "handout.pdf") as pdf:
        figures = [o for _, k, o in structure(pdf) if k == "/Figure"]
        assert figures and all(str(f.get("/Alt", "")).strip() for f in figures)
        annotations = [a for page in pdf.pages for a in page.get("/Annots", [])]
        links = [a for a in annotations if a.Subtype == pikepdf.Name.Link]
        assert links and all(str(a.get("/Contents", "")).strip() for a in links)


def _marked_content(page):
    """(artifact sequences that show text, MCIDs) of a page's content stream."""
    artifacts, mcids, stack = 0, [], []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            stack.append(str(operands[0]))
            if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                mcids.append(int(operands[1].get("/MCID", -1)))
        elif op == "EMC" and stack:
            stack.pop()
        elif op in ("Tj", "TJ") and stack and stack[-1] == "/Artifact":
            artifacts += 1
    return artifacts, mcids


def test_running_heads_and_folios_are_artifacts(specimen):
    """Every marked content of a page belongs to an element of the tree; the running heads
    and folios (text in no element) are artifacts."""
    with pikepdf.open(specimen.output / SPECIMEN / "en" / "booklet.pdf") as pdf:
        reachable = {o.objgen for _, _, o in structure(pdf)}
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        tree_of = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for index, page in enumerate(pdf.pages):
            artifacts, mcids = _marked_content(page)
            owners = tree_of[index]
            for mcid in mcids:
                assert owners[mcid].objgen in reachable, (index, mcid)
            if 4 <= index < len(pdf.pages) - 2:  # the main text: a folio on every page
                assert artifacts >= 1, index


def test_decorative_image_is_an_artifact_and_a_figure_needs_alt(tmp_path):
    from conftest import copy_project

    from pressrun.diagnostics import PressrunError
    from pressrun.load import load
    from pressrun.pipeline import build

    project = copy_project(tmp_path / "deco", (SPECIMEN,))
    text = project.content / SPECIMEN / "en.yaml"
    source = text.read_text(encoding="utf-8")
    start = source.index("        alt: >-\n          Schematic map")
    end = source.index('        credit: "Map: drawn', start)
    text.write_text(source[:start] + "        decorative: true\n" + source[end:], "utf-8")
    build(project, [SPECIMEN], ["en"], ["handout"])
    with pikepdf.open(project.output / SPECIMEN / "en" / "handout.pdf") as pdf:
        assert not [o for _, k, o in structure(pdf) if k == "/Figure"]
    text.write_text(source[:start] + source[end:], encoding="utf-8")
    with pytest.raises(PressrunError, match="a figure without alt text"):
        load(project, SPECIMEN)


A11Y_TEXT = """\
title: A small test
sections:
  - blocks:
      - Text with a citation [@doe2020, p. 3], and <https://example.org/x>.
    sections:
      - heading: A heading under no heading
        blocks:
          - See [https://example.org](https://example.org) and [the treaty](https://example.org).
          - {figure: picture.png, caption: A picture., alt: picture.png}
          - {figure: picture.png, caption: A picture., alt: A picture.}
          - {figure: picture.png, caption: Two., alt: "Image of two squares"}
          - An inline ![Picture of two squares](picture.png) too.
          - table:
              header: [Letter, Letter]
              rows: [[a, b]]
"""


def test_check_accessibility_lists_what_a_reader_misses_at_its_line(tmp_path):
    from conftest import mini_project, run_cli

    project = mini_project(tmp_path / "mini")
    (project.content / "mini" / "en.yaml").write_text(A11Y_TEXT, encoding="utf-8")
    result = run_cli(project, "check")
    assert result.exit_code == 0, result.output
    assert "accessibility: 7 thing(s) to fix" in result.output, result.output
    result = run_cli(project, "check", "--accessibility")
    assert result.exit_code == 0, result.output
    expected = [
        "en.yaml:4:52: warning: a link whose text is an address ('https://example.org/x')",
        "en.yaml:6:18: warning: heading 'A heading under no heading' skips a level",
        "en.yaml:8:17: warning: a link whose text is an address ('https://example.org')",
        "en.yaml:9:61: warning: the alt text of 'picture.png' is the image's file name",
        "en.yaml:10:61: warning: the alt text of 'picture.png' repeats the caption",
        "en.yaml:11:55: warning: the alt text of 'picture.png' starts with words a screen",
        "en.yaml:12:23: warning: the alt text of 'picture.png' starts with words a screen",
    ]
    lines = [line for line in result.output.splitlines() if "warning:" in line]
    assert len(lines) == len(expected)
    for line, wanted in zip(lines, expected, strict=True):  # in the order of the file
        assert line.startswith(f"content/mini/{wanted}"), (line, wanted)
    assert run_cli(project, "check", "--accessibility", "--strict").exit_code == 1


def test_contents_links_are_one_link_each_described_in_words(specimen):
    with pikepdf.open(specimen.output / SPECIMEN / "en" / "booklet.pdf") as pdf:
        links = [o for _, k, o in structure(pdf) if k == "/Link"]
        assert links
        assert not [o for o in links if str(o.P.S) == "/Link"]  # no link in a link
        page = pdf.pages[3]  # the contents
        words = [str(a.Contents) for a in page.Annots if a.Subtype == pikepdf.Name.Link]
        assert words and all(" " in w or w[0].isupper() for w in words), words
        artifacts, _ = _marked_content(page)
        assert artifacts >= len(words)  # the dot leaders and page numbers


LONG_TABLE = """\
title: A long table
sections:
  - heading: Only
    blocks:
      - Text [@doe2020].
      - table:
          header: [Letter, Number]
          rows:
"""


def test_a_table_across_pages_has_one_header_row_and_no_bibliography_when_nothing_is_cited(
    tmp_path,
):
    from conftest import mini_project

    from pressrun.pipeline import build

    project = mini_project(tmp_path / "mini")
    rows = "".join(f"            - [row {n}, '{n}']\n" for n in range(90))
    (project.content / "mini" / "en.yaml").write_text(LONG_TABLE + rows, encoding="utf-8")
    build(project, ["mini"], ["en"], ["handout"])
    with pikepdf.open(project.output / "mini" / "en" / "handout.pdf") as pdf:
        assert len(pdf.pages) >= 3
        tables = [o for _, k, o in structure(pdf) if k == "/Table"]
        assert len(tables) == 1
        kinds = [str(k.S) for k in tables[0].K]
        assert kinds == ["/THead", "/TBody"], kinds
        ids = {bytes(th.ID) for _, k, th in structure(pdf) if k == "/TH"}
        for _, kind, cell in structure(pdf):
            if kind == "/TD":
                assert {bytes(h) for h in cell.A.Headers} <= ids
    text = (project.content / "mini" / "en.yaml").read_text(encoding="utf-8")
    (project.content / "mini" / "en.yaml").write_text(
        text.replace(" [@doe2020]", ""), encoding="utf-8"
    )
    build(project, ["mini"], ["en"], ["handout"])
    html = (project.output / "mini" / "en" / "handout.html").read_text(encoding="utf-8")
    assert 'id="bibliography"' not in html
