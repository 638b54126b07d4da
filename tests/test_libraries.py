"""Real reference libraries: Zotero exports as they are (URI ids, citation keys), BibTeX as
pandoc reads it (comments, @string, crossref, @set), pandoc's complaints placed at `check`,
large libraries read once, and every class of citation style laid out."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import HERE_DATA, ROOT, mini_project
from conftest import run_cli as run
from pdf import page_texts, page_words

from pressrun import references
from pressrun.citations import citation_keys
from pressrun.pandoc import path as pandoc_path
from pressrun.pipeline import build

LIBRARIES = HERE_DATA / "libraries"
sys.path.insert(0, str(LIBRARIES))
from library import library  # noqa: E402

STEPHAN = "http://zotero.org/users/1234567/items/PIX6EA6Q"
HARA = "http://zotero.org/users/1234567/items/QK3M2B7A"


def pdf_text(pdf) -> str:
    return "\n".join(" ".join(line.split()) for line in "\n".join(page_texts(pdf)).splitlines())


def publication(tmp_path, files: list[str], blocks: list[str], **meta):
    """The mini project with these reference files (from tests/data/libraries) and text."""
    project = mini_project(tmp_path / "project")
    folder = project.content / "mini"
    (folder / "references.yaml").unlink()
    for name in files:
        shutil.copy(LIBRARIES / name, folder / name)
    top = yaml.safe_load((folder / "publication.yaml").read_text())
    top |= {"references": files if len(files) > 1 else files[0], **meta}
    (folder / "publication.yaml").write_text(yaml.safe_dump(top, allow_unicode=True))
    article = {"title": "A small test", "sections": [{"heading": "Only", "blocks": blocks}]}
    (folder / "en.yaml").write_text(yaml.safe_dump(article, allow_unicode=True, width=1000))
    return project


# -- 1. citation keys: pandoc's grammar, Zotero's URIs, short keys ---------------------------
KEY_CASES = [
    f"[@{STEPHAN}, p. 88]",
    f"[@{{{STEPHAN}}}, p. 88]",
    "[@doe2020; @roe:2021a; -@moe/2022]",
    "@müller_2019 says, and @千島1875.",
    "Mail me@example.org, see @a.b.c. or @end.",
    "[@a-b+c?d<e>f~g#h$i%j&k]",
    "@{weird{key}x} and @{} and @{a b}",
    "@http://x//y: and @https://a.b/c",
    r"escaped \@notakey and @_under",
    "@12 and @1990s",
    "Cited back to back @example2024@nokey, and @*.",
]


@pytest.mark.parametrize("source", KEY_CASES)
def test_citation_keys_are_pandocs(source):
    """The keys `check` finds are the ones pandoc's Markdown reader finds."""
    result = subprocess.run(
        [pandoc_path(), "--from", "markdown", "--to", "json"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.findall(r'"citationId":"((?:[^"\\]|\\.)*)"', result.stdout)
    assert [key for key, _ in citation_keys(source)] == [json.loads(f'"{k}"') for k in found]


def test_check_finds_the_citations_pandoc_finds_not_every_at_sign(tmp_path):
    """An address or code is no citation; a key right after another key is one."""
    project = publication(
        tmp_path,
        ["zotero.json"],
        [
            "A [link](https://mastodon.social/@gutenberg), <https://x.org/@x>, `@media print`.",
            "A handle (@gutenbergmuseum) and <!-- @comment -->.",
            "```\n@fenced code\n```",
            "Two keys @stephan1974@nokey and [@hara2001].",
        ],
        **{"references-scope": "library"},
    )
    result = run(project, "check")
    assert result.exit_code == 1
    # As the build reads them: "(@label)" cites where no example list has that label, and an
    # HTML comment is text (content has no raw HTML), so both print as citations.
    assert re.findall(r"error: unknown citation key '([^']*)'", result.output) == [
        "gutenbergmuseum",
        "comment",
        "nokey",
    ]
    assert "en.yaml:4:15: error: unknown citation key 'gutenbergmuseum'" in result.output


def test_a_braced_key_with_a_space_is_said_to_be_no_citation(tmp_path):
    project = publication(tmp_path, ["zotero.json"], [f"A [@{{nokey b}}] [@{STEPHAN}]."])
    result = run(project, "check")
    assert result.exit_code == 0
    assert (
        "content/mini/en.yaml:3:8: warning: '@{nokey b}' is no citation: a key in braces has "
        "no spaces (pandoc prints it as it is written) [spaced-key]"
    ) in result.output


def test_zotero_uris_and_short_keys_cite_one_source(tmp_path):
    project = publication(
        tmp_path,
        ["zotero.json"],
        [
            f"By URI [@{STEPHAN}, p. 88], braced [@{{{HARA}}}, 362].",
            "By short key [@stephan1974, p. 90] and from the note [@hara2001, 370].",
        ],
        formats=["handout", "web"],
        **{"references-scope": "library"},
    )
    assert run(project, "check", "--strict").exit_code == 0
    build(project, jobs=1)
    text = pdf_text(project.output / "mini" / "en" / "handout.pdf")
    # One source, however it is cited: first note full, later notes short.
    assert "1. John J. Stephan, The Russian-Japanese Frontier (Clarendon Press, 1974), 88." in text
    assert "3. Stephan, The Russian-Japanese Frontier, 90." in text
    assert "4. Hara, “Japan’s Northern Territories,” 370." in text
    bibliography = text.split("Bibliography")[1]
    assert bibliography.count("Stephan, John J.") == 1
    assert "Citation Key" not in bibliography  # Zotero's Extra lines are not printed
    web = (project.output / "mini" / "en" / "index.html").read_text()
    assert f'id="ref-{STEPHAN}"' in web


def test_a_short_key_that_is_another_items_id_is_an_error(tmp_path):
    items = json.loads((LIBRARIES / "zotero.json").read_text())
    items[1]["citation-key"] = STEPHAN
    project = publication(tmp_path, ["zotero.json"], ["Text [@stephan1974]."])
    (project.content / "mini" / "zotero.json").write_text(json.dumps(items, indent=1))
    result = run(project, "check")
    assert result.exit_code == 1
    assert re.search(
        rf"content/mini/zotero.json:\d+:9: error: duplicate citation key '{STEPHAN}' "
        r"\(first at content/mini/zotero.json:3:9\)",
        result.output,
    )


def test_unknown_uri_key_is_reported_whole(tmp_path):
    project = publication(tmp_path, ["zotero.json"], [f"Text [@{STEPHAN[:-1]}X, p. 3]."])
    result = run(project, "check")
    assert result.exit_code == 1
    assert f"content/mini/en.yaml:3:11: error: unknown citation key '{STEPHAN[:-1]}X'" in (
        result.output
    )
    assert f"did you mean '{STEPHAN}'" in result.output


# -- 2. BibTeX as pandoc reads it -------------------------------------------------------------
def test_commented_out_bibtex_entries_do_not_count(tmp_path):
    project = publication(
        tmp_path,
        ["commented.bib"],
        ["[@lensen1959, 12], [@stephan1974ch, 81], [@akizuki1994], [@frontier1974]."],
        **{"references-scope": "library"},
    )
    result = run(project, "check", "--strict")
    assert result.exit_code == 0, result.output  # the commented copy is no duplicate
    refs = {
        r.id: str(r.where)
        for r in references.read_references(
            project.content / "mini" / "commented.bib", "commented.bib"
        )
    }
    assert refs["lensen1959"] == "commented.bib:6:7"  # the entry, not its commented copy
    assert "ghost1875" not in refs and "ghost1876" not in refs
    build(project, jobs=1)
    text = pdf_text(project.output / "mini" / "en" / "handout.pdf")
    assert "The Kuril Islands, ed. James W. Morley (Clarendon Press, 1974), 81" in text  # crossref
    assert "Princeton University Press" in text  # an @string


def test_a_cited_set_names_its_entries(tmp_path):
    """pandoc's citeproc prints a BibLaTeX @set as an empty entry ("n.d.")."""
    project = publication(tmp_path, ["commented.bib"], ["Both [@pair, 3]."])
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.output.startswith(
        "content/mini/en.yaml:3:11: error: 'pair' is a BibLaTeX @set, which citeproc cannot "
        "print [cited-set]\n  hint: cite its entries instead: [@lensen1959; @frontier1974]"
    )
    assert "'pair' is never cited" not in run(project, "check", "--list-uncited").output


@pytest.mark.parametrize("ghost", ["ghost1875", "ghost1876"])
def test_a_key_only_in_a_comment_is_unknown(tmp_path, ghost):
    project = publication(tmp_path, ["commented.bib"], [f"Text [@{ghost}]."])
    result = run(project, "check")
    assert result.exit_code == 1
    assert f"error: unknown citation key '{ghost}'" in result.output


# -- 4. pandoc's complaints at check, at the file, line and entry -----------------------------
@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "xampl.bib",
            "@book{ok, title = {T}, year = 2000}\n@book{x1,\n  title = {T},\n  year = = 2000}\n",
            "content/mini/xampl.bib:4:10: error: BibTeX syntax: unexpected '='",
        ),
        (
            "open.bib",
            "@book{x1,\n  title = {T,\n  year = 2000}\n\n\n\n\n@book{x2, title={U}, year=2001}\n",
            "content/mini/open.bib:1:7: error: entry 'x1' is not closed: a '{' has no '}'",
        ),
        (
            "dates.json",
            '[{"id": "a", "type": "book", "title": "A"},\n {"id": "b", "type": "book", '
            '"title": "B",\n  "issued": {"date-parts": [["circa 1999"]]}}]',
            "content/mini/dates.json:2:9: error: reference 'b': pandoc cannot read "
            "'date-parts.0': not a number",
        ),
    ],
)
def test_check_reports_what_pandoc_rejects_at_its_entry(tmp_path, name, text, message):
    project = mini_project(tmp_path / "project")
    folder = project.content / "mini"
    (folder / name).write_text(text)
    top = yaml.safe_load((folder / "publication.yaml").read_text())
    (folder / "publication.yaml").write_text(
        yaml.safe_dump(top | {"references": ["references.yaml", name]})
    )
    for command in ("check", "build"):
        result = run(project, command)
        assert result.exit_code == 1
        assert result.output.startswith(message), result.output
        assert str(tmp_path) not in result.output  # relative paths only


# -- 5. and 7. a whole library: read once, one line about what is not cited --------------------
@pytest.fixture(scope="module")
def whole_library(tmp_path_factory):
    """A project citing 3 of a generated 12,000-item Zotero library."""
    tmp_path = tmp_path_factory.mktemp("library")
    project = publication(
        tmp_path,
        ["zotero.json"],
        ["[@study0], [@study2, p. 4], [@study4]."],
        formats=["handout", "web"],
    )
    folder = project.content / "mini"
    (folder / "zotero.json").unlink()
    (folder / "library.json").write_text(json.dumps(library(12_000), indent=2))
    top = yaml.safe_load((folder / "publication.yaml").read_text())
    (folder / "publication.yaml").write_text(yaml.safe_dump(top | {"references": "library.json"}))
    return project


def test_a_library_is_read_once_and_kept_by_digest(whole_library, monkeypatch):
    en = whole_library.content / "mini" / "en.yaml"
    en.write_text(en.read_text().replace("@study4", "@study3"))
    result = run(whole_library, "check")
    assert "unknown citation key 'study3'" in result.output  # odd items have no short key
    en.write_text(en.read_text().replace("@study3", "@study4"))
    first = run(whole_library, "check")
    assert first.exit_code == 0, first.output
    assert any((whole_library.output / ".cache" / "references").glob("*.json"))
    references.READS.memory.clear()  # as a new process would start

    def forbidden(*args, **kwargs):
        raise AssertionError("a library read before is not read again")

    monkeypatch.setattr(references, "PandocRead", forbidden)
    again = run(whole_library, "check")
    assert again.output == first.output.replace(
        re.search(r"in [\d.]+ s", first.output).group(0),
        re.search(r"in [\d.]+ s", again.output).group(0),
    )


def test_a_library_uncited_is_one_line_and_listed_on_demand(whole_library):
    result = run(whole_library, "check")
    assert result.output.count("warning:") == 1
    assert (
        "content/mini/library.json: warning: 11,997 of 12,000 references are not cited; "
        "'check --list-uncited' lists them [uncited-references]"
    ) in result.output
    listed = run(whole_library, "check", "--list-uncited").output
    assert "content/mini/library.json:34:11: reference 'http://zotero.org/groups/4711/items/" in (
        listed
    )
    assert listed.count("is not cited") == 11_997
    folder = whole_library.content / "mini"
    meta = (folder / "publication.yaml").read_text()
    (folder / "publication.yaml").write_text(meta + "references-scope: library\n")
    try:
        assert run(whole_library, "check", "--strict").exit_code == 0
    finally:
        (folder / "publication.yaml").write_text(meta)


def test_a_few_uncited_references_are_each_a_warning_at_their_place(tmp_path):
    project = publication(tmp_path, ["zotero.json"], [f"[@{STEPHAN}]."])
    result = run(project, "check")
    assert result.output.count("is never cited") == 5
    assert "content/mini/zotero.json:35:11: warning: reference '20417' is never cited" in (
        result.output
    )


# -- 6. places in CSL JSON ----------------------------------------------------------------------
def test_every_json_item_is_placed_at_its_own_id(tmp_path):
    refs = references.read_references(LIBRARIES / "zotero.json", "zotero.json")
    assert [str(r.where) for r in refs] == [
        "zotero.json:3:11",
        "zotero.json:13:11",
        "zotero.json:29:11",  # not the note or the nested object that hold the same text
        "zotero.json:35:11",  # a number
        "zotero.json:42:11",  # not ASCII
        "zotero.json:49:11",
    ]
    assert [r.alias for r in refs] == ["stephan1974", "hara2001", "", "", "", ""]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            '[{"id": "a", "title": "A"}]',
            "x.json:1:9: error: reference 'a' has no type",
        ),
        ('[{"type": "book", "title": "A"}]', "x.json:1:2: error: item 1 has no id"),
        ('[{"id": "a", "type": "book"}\n {"id": "b"}]', "x.json:2:2: error: JSON syntax"),
        ('{"items": [1]}', "x.json:1:12: error: item 1 is not a reference"),
    ],
)
def test_json_problems_say_which_item(tmp_path, items, message):
    path = tmp_path / "x.json"
    path.write_text(items)
    with pytest.raises(references.PressrunError) as exc:
        references.read_references(path, "x.json")
    assert str(exc.value).startswith(message)


# -- 8. an entry that prints nothing -------------------------------------------------------------
def test_an_entry_that_prints_nothing_is_left_out_with_a_warning_at_it(tmp_path):
    items = [
        {"id": "empty", "type": "book"},
        {"id": "full", "type": "book", "title": "A Full Book", "issued": {"date-parts": [[2001]]}},
    ]
    project = publication(
        tmp_path, ["zotero.json"], ["[@empty] and [@full]."], style="modern-language-association"
    )
    folder = project.content / "mini"
    (folder / "zotero.json").write_text(json.dumps(items, indent=1))
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert (
        "content/mini/zotero.json:3:9: warning: reference 'empty' prints nothing in this style's "
        "bibliography: it is left out [empty-reference]"
    ) in result.output
    html = (folder.parent.parent / "output" / "mini" / "en" / "handout.html").read_text()
    assert 'id="ref-empty"' not in html and 'id="ref-full"' in html


# -- 9. pandoc's own YAML layout ----------------------------------------------------------------
def test_pandocs_markdown_conversion_of_a_library_is_read(tmp_path):
    project = publication(tmp_path, ["pandoc-markdown.yaml"], ["Text [@lensen1959, 3]."])
    assert run(project, "check", "--strict").exit_code == 0
    build(project, jobs=1)
    text = pdf_text(project.output / "mini" / "en" / "handout.pdf")
    assert "1. George Alexander Lensen, The Russian Push Toward Japan (Princeton University" in text


# -- 3. every class of style laid out as citeproc means it --------------------------------------
def entry_lines(pdf) -> list[list]:
    """The bibliography's lines on the last page, each as its words (left to right): those
    below its heading in the entries' type size (not the notes', not the folio's)."""
    words = page_words(pdf)[-1]
    heading = next(w for w in words if w.text in ("References", "Bibliography"))
    below = [w for w in words if w.y > heading.y + 1]
    size = below[0].height
    lines: list[list] = []
    for word in sorted(below, key=lambda w: w.y):
        if abs(word.height - size) < size * 0.1:
            if not lines or word.y - lines[-1][0].y > size / 3:  # CJK sits a little higher
                lines.append([])
            lines[-1].append(word)
    return [sorted(line, key=lambda w: w.x) for line in lines]


STYLE_CASES = {
    # style: (class, how each entry starts)
    "ieee": ("numeric", r"\[\d\]"),
    "american-mathematical-society-label": ("label", r"\[[^\]]+\]"),
    "apa": ("author-date", r"[A-Z秋]"),
    "chicago-notes-bibliography": ("note", r"[A-Z秋]"),
}


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    """The same text and library built in one style of each class."""
    built = {}
    for style in STYLE_CASES:
        project = publication(
            tmp_path_factory.mktemp(style),
            ["zotero.json", "commented.bib"],
            [
                f"[@{STEPHAN}, p. 88], [@hara2001], [@20417], [@千島1875], [@lensen1959], "
                "[@akizuki1994], [@stephan1974ch], "
                "[@http://zotero.org/users/1234567/items/LONG0001], "
                f"[@http://zotero.org/users/1234567/items/ZZ9ZZ9ZZ]."
            ],
            style=style,
            **{"references-scope": "library"},
        )
        build(project, jobs=1)
        built[style] = project.output / "mini" / "en" / "handout.pdf"
        if os.environ.get("PRESSRUN_REGENERATE"):
            picture(built[style], PICTURES / f"{STYLE_CASES[style][0]}.png")
    return built


PICTURES = ROOT / "tests" / "golden" / "styles"


def picture(pdf, target, dpi: int = 80) -> None:
    """The bibliography of the PDF's last page as a PNG (for README, reviewed by eye)."""
    lines = entry_lines(pdf)
    heading = next(w for w in page_words(pdf)[-1] if w.text in ("References", "Bibliography"))
    top, bottom = heading.y - 6, lines[-1][0].y + lines[-1][0].height + 6
    left, right = heading.x - 6, max(w.x for line in lines for w in line) + 60
    scale = dpi / 72
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-singlefile",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-x",
            str(round(left * scale)),
            "-y",
            str(round(top * scale)),
            "-W",
            str(round((right - left) * scale)),
            "-H",
            str(round((bottom - top) * scale)),
            str(pdf),
            str(target.with_suffix("")),
        ],
        check=True,
    )


@pytest.mark.parametrize("style", ["ieee", "american-mathematical-society-label"])
def test_numbers_and_labels_stand_in_a_column_beside_their_entries(styled, style):
    lines = entry_lines(styled[style])
    firsts = [line for line in lines if re.fullmatch(STYLE_CASES[style][1], line[0].text)]
    assert len(firsts) >= 8
    # The label and its entry's first words share a line; every entry's text starts at one x,
    # right of the widest label, and its following lines align with it.
    starts = {round(line[1].x) for line in firsts}
    assert len(starts) == 1, starts
    widest = max(line[0].x + len(line[0].text) for line in firsts)
    assert min(starts) > firsts[0][0].x
    follow = [line[0].x for line in lines if line not in firsts]
    assert all(abs(x - min(starts)) < 1 for x in follow), (follow, starts, widest)


@pytest.mark.parametrize("style", ["apa", "chicago-notes-bibliography"])
def test_author_date_and_note_bibliographies_hang(styled, style):
    lines = entry_lines(styled[style])
    left = min(line[0].x for line in lines)
    hanging = [line[0].x - left for line in lines if line[0].x > left + 1]
    assert hanging, "no entry runs over a line: make one longer"
    assert all(8 < indent < 20 for indent in hanging), hanging  # 1.8em of 9–10 pt type


def test_thousands_of_short_keys_cite_their_items(whole_library):
    """More short keys than an environment variable holds (128 KiB on Linux)."""
    keys = [f"@study{n}" for n in range(0, 5_000, 2)]
    en = whole_library.content / "mini" / "en.yaml"
    before = en.read_text()
    article = yaml.safe_load(before)
    article["sections"][0]["blocks"] = ["[" + "; ".join(keys) + "]."]
    en.write_text(yaml.safe_dump(article, width=10**6))
    try:
        result = run(whole_library, "build", "--format", "web")
        assert result.exit_code == 0, result.output
        web = (whole_library.output / "mini" / "en" / "index.html").read_text()
        assert web.count('class="csl-entry"') == 2_500
    finally:
        en.write_text(before)


# -- what other people's files may hold ---------------------------------------------------------
def test_control_characters_in_ids_cannot_drive_the_terminal(tmp_path):
    items = [
        {"id": "a", "type": "book", "title": "A"},
        {"id": "\u001b]0;pwned\u0007\u001b[2J\u202eRED\nX", "type": "book", "title": "B"},
    ]
    project = publication(tmp_path, ["zotero.json"], ["[@a]."])
    (project.content / "mini" / "zotero.json").write_text(json.dumps(items))
    for args in (("check",), ("check", "--list-uncited")):
        output = run(project, *args).output
        assert "\\u001b]0;pwned\\u0007\\u001b[2J\\u202eRED\\u000aX" in output
        assert not any(char in output for char in "\u001b\u0007\u202e")


def test_a_damaged_cache_is_read_again(tmp_path):
    project = publication(tmp_path, ["zotero.json"], [f"[@{STEPHAN}]."])
    first = run(project, "check").output
    references.READS.memory.clear()
    for damage in ("[" * 200_000 + "]" * 200_000, "garbage", '{"entries": [[1]]}'):
        for kept in (project.output / ".cache" / "references").glob("*.json"):
            kept.write_text(damage)
        again = run(project, "check")
        assert again.exit_code == 0 and again.output.count("never cited") == first.count(
            "never cited"
        )


def test_a_folder_or_a_bom_is_named_for_what_it_is(tmp_path):
    project = publication(tmp_path, ["zotero.json"], [f"[@{STEPHAN}]."])
    folder = project.content / "mini"
    (folder / "dir.json").mkdir()
    top = yaml.safe_load((folder / "publication.yaml").read_text())
    (folder / "publication.yaml").write_text(yaml.safe_dump(top | {"references": "dir.json"}))
    assert "error: references file 'dir.json' is a folder" in run(project, "check").output
    (folder / "bom.json").write_bytes(b"\xef\xbb\xbf" + (LIBRARIES / "zotero.json").read_bytes())
    (folder / "publication.yaml").write_text(yaml.safe_dump(top | {"references": "bom.json"}))
    assert run(project, "check").output.startswith(
        "content/mini/bom.json:1:1: error: the file starts with a byte-order mark, which pandoc "
        "cannot read [references-bom]"
    )


def test_small_mistakes_in_reference_files_are_named(tmp_path):
    project = publication(tmp_path, ["zotero.json"], [f"[@{STEPHAN}]."])
    folder = project.content / "mini"
    (folder / "paren.bib").write_text("@book(pk, title = {T}, year = 2000)\n")
    (folder / "empty.bib").write_text("% nothing yet\n")
    top = yaml.safe_load((folder / "publication.yaml").read_text())
    (folder / "publication.yaml").write_text(
        yaml.safe_dump(top | {"references": ["zotero.json", "empty.bib"]})
    )
    assert "content/mini/empty.bib:1:1: warning: the references file holds no entries" in (
        run(project, "check").output
    )
    (folder / "publication.yaml").write_text(yaml.safe_dump(top | {"references": "paren.bib"}))
    assert "hint: write the entry with braces, @book{key, …}" in run(project, "check").output


def test_uncited_summary_over_several_files_points_at_their_list(whole_library):
    folder = whole_library.content / "mini"
    shutil.copy(LIBRARIES / "zotero.json", folder / "zotero.json")
    meta = (folder / "publication.yaml").read_text()
    top = yaml.safe_load(meta)
    (folder / "publication.yaml").write_text(
        yaml.safe_dump(top | {"references": ["library.json", "zotero.json"]})
    )
    try:
        output = run(whole_library, "check").output
        assert re.search(
            r"content/mini/publication.yaml:\d+:\d+: warning: 12,003 of 12,006 references", output
        ), output
    finally:
        (folder / "publication.yaml").write_text(meta)


def test_odd_but_valid_keys_are_placed_and_not_misread(tmp_path):
    (tmp_path / "odd.bib").write_text("@book{doe2020(x), title = {A}, year = 2000}\n")
    [ref] = references.read_references(tmp_path / "odd.bib", "odd.bib")
    assert (ref.id, str(ref.where)) == ("doe2020(x)", "odd.bib:1:7")
    items = [{"id": "x[y", "type": "book", "title": "Bracketed"}]
    project = publication(tmp_path, ["zotero.json"], ["Cited [@{x[y}, p. 2]."])
    (project.content / "mini" / "zotero.json").write_text(json.dumps(items))
    result = run(project, "check", "--strict")
    assert result.exit_code == 0, result.output  # no "'[' never closed" for the key's '['
