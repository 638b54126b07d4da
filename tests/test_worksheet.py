"""Worksheets, read from the PDFs as students and teachers get them: no answer in a students'
copy, each answer on the page of its exercise in the teacher's, the points, the versions and
their keys, the notes of a copy untouched by the answers' citations, and class sets."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
import yaml
from conftest import HERE_DATA, WORKSHEET, copy_project, run_cli
from pdf import page_texts

from pressrun.classset import read_roster
from pressrun.diagnostics import PressrunError
from pressrun.pipeline import build

ROSTER = HERE_DATA / "rosters" / "class-10b.csv"
HERE_MAP = HERE_DATA.parent.parent / "content" / "specimen" / "map.png"
LANGS = ("en", "es")
STUDENTS_FILES = ("handout-A", "handout-B", "booklet-A", "booklet-B", "booklet-A-print")


def words(text: str) -> str:
    """Text as a reader reads it: hyphenated line ends joined, spaces collapsed."""
    return " ".join(re.sub(r"[‐-]\n\s*", "", text).split())


def pdf_text(path: Path) -> str:
    return words(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    )


def source(project, lang: str) -> dict:
    return yaml.safe_load((project.content / WORKSHEET / f"{lang}.yaml").read_text())


def exercises(article: dict) -> list[dict]:
    return [
        b["exercise"]
        for s in article["sections"]
        for b in s["blocks"]
        if isinstance(b, dict) and "exercise" in b
    ]


def answers(article: dict) -> list[str]:
    """Each answer's opening words as written (before any citation)."""
    found = []
    for exercise in exercises(article):
        for item in [exercise, *exercise.get("parts", [])]:
            if "answer" in item:
                found.append(" ".join(item["answer"].split("[@")[0].split()[:7]))
    return found


def points(article: dict) -> float:
    return sum(
        item.get("points", 0) for e in exercises(article) for item in [e, *e.get("parts", [])]
    )


def out(project, lang: str, name: str) -> Path:
    return project.output / WORKSHEET / lang / name


@pytest.mark.parametrize("lang", LANGS)
def test_no_answer_anywhere_in_a_students_copy(worksheet, lang):
    wanted = answers(source(worksheet, lang))
    assert len(wanted) == 5
    teacher = pdf_text(out(worksheet, lang, "teacher-A.pdf"))
    for answer in wanted:
        assert answer in teacher  # the test reads the answers as the PDFs print them
    copies = [pdf_text(out(worksheet, lang, f"{name}.pdf")) for name in STUDENTS_FILES]
    for html in ("index", "handout-A", "booklet-B"):  # the web edition, the HTML sources
        page = out(worksheet, lang, f"{html}.html").read_text()
        copies.append(words(re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)))
    label = {"en": "answer", "es": "respuesta"}[lang]
    for text in copies:
        for answer in wanted:
            assert answer not in text
        assert label not in text.lower().replace("answer every", "")
    # The web edition links to the students' files only.
    web = out(worksheet, lang, "index.html").read_text()
    assert 'href="handout-A.pdf"' in web and "teacher" not in web and "answer-key" not in web


@pytest.mark.parametrize("version", ["A", "B"])
def test_every_answer_in_the_teachers_copy_is_on_the_page_of_its_exercise(worksheet, version):
    article = source(worksheet, "en")
    pages = [words(p) for p in page_texts(out(worksheet, "en", f"teacher-{version}.pdf"))]
    for exercise in exercises(article):
        for item in [exercise, *exercise.get("parts", [])]:
            if "answer" not in item:
                continue
            prompt = " ".join(item["prompt"].split()[:6])
            answer = " ".join(item["answer"].split("[@")[0].split()[:7])
            on = [n for n, page in enumerate(pages) if prompt in page]
            assert len(on) == 1, prompt
            assert answer in pages[on[0]], (prompt, answer)
    # The correct choice is marked (in colour: its bubble filled) and the margin says ANSWER.
    html = out(worksheet, "en", f"teacher-{version}.html").read_text()
    assert html.count('class="correct"') == 2
    assert html.count('class="answer-label"') == 5


@pytest.mark.parametrize("lang", LANGS)
def test_the_points_total_is_the_sum_and_the_grading_table_is_whole(worksheet, lang):
    total = points(source(worksheet, lang))
    assert total == 14
    label = {"en": "Total: 14 points", "es": "Total: 14 puntos"}[lang]
    for name in ("handout-A", "handout-B", "booklet-A", "teacher-B", "answer-key-A"):
        pages = [words(p) for p in page_texts(out(worksheet, lang, f"{name}.pdf"))]
        assert any(label in page for page in pages), name
        if name.startswith("answer-key"):
            continue
        caption = {"en": "Points and score", "es": "Puntos y nota"}[lang]
        [page] = [p for p in pages if caption in p]  # once, and whole on that page
        table = page[page.index(caption) :]
        rows = re.findall(r"\b(\d) (\d)\b", table)
        assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5, 6]
        assert sum(int(r[1]) for r in rows) == total
        assert f"Total {total}" in table


def test_the_students_notes_and_bibliography_are_those_of_the_text_without_answers(
    worksheet, tmp_path
):
    """Citations in answers change neither the notes (first full, later short) nor the
    bibliography of a students' copy: it equals the copy of the same text with no answers."""
    twin = copy_project(tmp_path / "twin", (WORKSHEET,))
    for lang in LANGS:
        path = twin.content / WORKSHEET / f"{lang}.yaml"
        article = yaml.safe_load(path.read_text())
        for exercise in exercises(article):
            for item in [exercise, *exercise.get("parts", [])]:
                item.pop("answer", None)
        path.write_text(yaml.safe_dump(article, allow_unicode=True, sort_keys=False))
    build(twin, formats=["handout", "booklet"])
    for lang in LANGS:
        for name in ("handout-A", "handout-B", "booklet-B"):
            ours = page_texts(out(worksheet, lang, f"{name}.pdf"))
            theirs = page_texts(out(twin, lang, f"{name}.pdf"))
            assert notes_and_bibliography(ours) == notes_and_bibliography(theirs)
            assert ours == theirs
    # What the students' copy leaves out is really there in the teacher's: a source cited only
    # in an answer, and the short form of a note first given in full in an answer.
    students = pdf_text(out(worksheet, "en", "handout-A.pdf"))
    teacher = pdf_text(out(worksheet, "en", "teacher-A.pdf"))
    assert "Japan by the Japanese" not in students
    assert "Stead, Alfred, ed. Japan by the Japanese" in teacher


def notes_and_bibliography(pages: list[str]) -> list[str]:
    """The numbered note lines of every page, then the bibliography."""
    notes = [
        line.strip()
        for page in pages
        for line in page.splitlines()
        if re.match(r"\s*\d+\.\s", line)
    ]
    whole = "\n".join(pages)
    heading = "Bibliography" if "Bibliography" in whole else "Bibliografía"
    return notes + [words(whole[whole.rindex(heading) :])]


def order(project, lang: str, version: str) -> tuple[list[str], list[str]]:
    """The prompts in the order a version prints them, and each choice with its letter."""
    text = "\n".join(page_texts(out(project, lang, f"handout-{version}.pdf")))
    article = source(project, lang)
    starts = [" ".join(e["prompt"].split()[:5]) for e in exercises(article)]
    flat = words(text)
    prompts = sorted(starts, key=flat.index)
    choices = re.findall(r"^\s+([A-D])\s{2,}(\S.*?)\s*$", text, re.M)
    return prompts, [f"{letter} {choice}" for letter, choice in choices]


@pytest.mark.parametrize("lang", LANGS)
def test_versions_differ_in_order_and_each_key_matches_its_version(worksheet, lang):
    a, b = order(worksheet, lang, "A"), order(worksheet, lang, "B")
    assert a != b
    assert a[0] != b[0]  # the exercises moved, not only the choices
    written = [" ".join(e["prompt"].split()[:5]) for e in exercises(source(worksheet, lang))]
    assert sorted(a[0]) == sorted(b[0]) == sorted(written)
    for version, (prompts, choices) in (("A", a), ("B", b)):
        key = words("\n".join(page_texts(out(worksheet, lang, f"answer-key-{version}.pdf"))))
        article = source(worksheet, lang)
        for exercise in exercises(article):
            number = prompts.index(" ".join(exercise["prompt"].split()[:5])) + 1
            if "correct" in exercise:
                [lettered] = [c for c in choices if c.endswith(" " + exercise["correct"])]
                assert f"{number} {exercise['points']} {lettered}" in key
            elif "answer" in exercise:
                start = " ".join(exercise["answer"].split()[:5])
                assert f"{number} {exercise['points']} {start}" in key
            else:
                for letter, part in zip("ab", exercise["parts"], strict=True):
                    start = " ".join(part["answer"].split()[:5])
                    assert f"{number} ({letter}) {part['points']} {start}" in key


def test_versions_are_the_same_bytes_in_every_build(worksheet, tmp_path):
    again = copy_project(tmp_path / "again", (WORKSHEET,))
    build(again, langs=["en"], formats=["handout", "answer-key"])
    for name in ("handout-A.pdf", "handout-B.pdf", "answer-key-B.pdf"):
        assert out(again, "en", name).read_bytes() == out(worksheet, "en", name).read_bytes()


def test_printed_copies_link_back_to_the_web_edition(worksheet):
    url = "https://classroom.example.org/frontier-worksheet/es/"
    for name in ("handout-A", "booklet-B", "teacher-A"):
        html = out(worksheet, "es", f"{name}.html").read_text()
        assert html.count('class="qr" src="data:image/svg+xml;base64,') == 1
        assert url in pdf_text(out(worksheet, "es", f"{name}.pdf"))
    assert 'class="qr"' not in out(worksheet, "es", "index.html").read_text()


def roster_names() -> list[tuple[str, str]]:
    with ROSTER.open(encoding="utf-8") as f:
        return [(row["name"], row["version"]) for row in csv.DictReader(f)]


def copies_of(pages: list[str], names: list[str]) -> list[list[int]]:
    """The pages (0-based) on which each name appears."""
    return [[n for n, page in enumerate(pages) if name in words(page)] for name in names]


@pytest.mark.parametrize(
    ("fmt", "lang", "version_word"), [("handout", "en", "Version"), ("booklet", "es", "Versión")]
)
def test_a_class_set_names_every_page_of_each_copy_and_no_other(worksheet, fmt, lang, version_word):
    path = out(worksheet, lang, f"{fmt}-class-10b.pdf")
    pages = page_texts(path)
    roster = roster_names()
    assert len(roster) == 30
    names = [name for name, _ in roster]
    found = copies_of(pages, names)
    # Each copy: a run of pages, each named, starting on an odd page of the set (a new
    # sheet), in the roster's order, covering the whole set.
    expected_start = 0
    for name, on in zip(names, found, strict=True):
        assert on, name
        assert on == list(range(on[0], on[-1] + 1)), name
        assert on[0] == expected_start and on[0] % 2 == 0, name  # page 1, 3, 5 … of the set
        expected_start = on[-1] + 1
    assert expected_start == len(pages)
    # Each copy is its version, said in its stamp: given in the roster, else the one after
    # the previous student's, so that neighbours differ.
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == len(pages)
    previous = "B"
    for (name, given), on in zip(roster, found, strict=True):
        version = given or {"A": "B", "B": "A"}[previous]
        stamp = f"{name} · 10B · {version_word} {version}"
        assert all(stamp in pages[n] for n in on), stamp
        previous = version
    if fmt == "handout":  # a 3-page copy gets a blank back, so the next starts a new sheet
        single = page_texts(out(worksheet, lang, "handout-A.pdf"))
        assert len(single) % 2 == 1 and len(found[0]) == len(single) + 1
        assert words(single[0]) in words(pages[0]).replace(stamp_of(pages[0]), "").strip()
    else:  # imposed: A4 sheets, two A5 pages a side
        with pikepdf.open(path) as pdf:
            box = [float(v) for v in pdf.pages[0].mediabox]
        assert round(box[2] / 72 * 25.4) == 297 and round(box[3] / 72 * 25.4) == 210


def stamp_of(page: str) -> str:
    return words(page.splitlines()[0])


def test_a_class_set_is_the_same_bytes_again(worksheet, tmp_path):
    from pressrun.classset import make_class_set

    target = tmp_path / "again.pdf"
    made = make_class_set(worksheet, WORKSHEET, ROSTER, "handout", "en", target)
    assert made.students == 30 and made.path == target
    assert target.read_bytes() == out(worksheet, "en", "handout-class-10b.pdf").read_bytes()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("name,class\nAna,1A\n,1A\n", "roster.csv:3:1: error: a student without a name"),
        ("nombre\nAna\n", "roster.csv:1:1: error: the roster has no 'name' column"),
        ("name,version\nAna,C\n", "roster.csv:2:1: error: version 'C' is not one of this"),
        ("name,class\nAna,1A,extra\n", "roster.csv:2:1: error: 3 fields where the header has 2"),
        ("name,verison\nAna,A\n", "roster.csv:1:1: error: unknown column 'verison'"),
        ("name\n", "roster.csv:1:1: error: the roster lists no students"),
        ("name\nAna\x1b[31m\n", "roster.csv:2:1: error: a control or invisible character"),
        ("name\nAna\u2067Bea\n", "roster.csv:2:1: error: a control or invisible character"),
        ("name\nAna\u00adBea\n", "roster.csv:2:1: error: a control or invisible character"),
        ("name\nAna\ufeffBea\n", "roster.csv:2:1: error: a control or invisible character"),
    ],
)
def test_a_bad_roster_row_is_an_error_at_its_line(tmp_path, rows, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(rows, encoding="utf-8")
    with pytest.raises(PressrunError) as caught:
        read_roster(roster, "roster.csv", 2)
    assert message in str(caught.value)


def test_a_roster_not_in_utf8_is_named_with_its_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes("name\nAna\nJosé\n".encode("latin-1"))
    with pytest.raises(PressrunError, match=r"roster.csv:3:1: error: the roster is not UTF-8"):
        read_roster(roster, "roster.csv", 2)


def test_a_roster_with_semicolons_accents_and_cjk(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text('\ufeffName;Class;Version\n"Ortega; Ana";3B;b\n佐藤 花子;3B;\n', "utf-8")
    with roster.open("a", encoding="utf-8") as f:
        f.write("Zoë  Kowalczyk;3B\n")  # empty last fields may be left out
    students = read_roster(roster, "roster.csv", 2)
    assert [(s.name, s.group, s.version) for s in students] == [
        ("Ortega; Ana", "3B", "B"),
        ("佐藤 花子", "3B", "A"),
        ("Zoë Kowalczyk", "3B", "B"),
    ]


def test_a_long_name_is_shortened_and_the_class_and_version_still_show():
    from pressrun.classset import Student, stamp_text

    long = "María de los Ángeles Fernández-Castañeda y Rodríguez de la Fuente Villalobos"
    text = stamp_text(Student(long, "7A", "A", 2), "Versión")
    assert text.startswith("María de los Ángeles") and text.endswith("… · 7A · Versión A")
    assert len(text) <= 70
    cjk = stamp_text(Student("佐藤" * 40, "7A", "B", 3), "Version")
    assert cjk.endswith("… · 7A · Version B") and len(cjk) < 45
    assert stamp_text(Student("Ana", "", "", 4), "Version") == "Ana"


def test_class_set_on_the_command_line(worksheet, tmp_path):
    project = copy_project(tmp_path / "cli", (WORKSHEET,))
    shutil.copytree(worksheet.output, project.output)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,version\nAna,A\nBea,Z\n", encoding="utf-8")
    result = run_cli(project, "class-set", WORKSHEET, "--roster", str(bad))
    assert result.exit_code == 1 and "bad.csv:3:1: error: version 'Z'" in result.output
    assert "Traceback" not in result.output
    result = run_cli(
        project, "class-set", WORKSHEET, "--roster", str(ROSTER), "--format", "teacher"
    )
    assert result.exit_code == 2 and "students' copy" in result.output
    result = run_cli(project, "class-set", WORKSHEET, "--roster", str(ROSTER), "--lang", "fr")
    assert result.exit_code == 2
    result = run_cli(
        project, "class-set", WORKSHEET, "--roster", str(ROSTER), "-o", str(tmp_path / "set.pdf")
    )
    assert result.exit_code == 0, result.output
    assert "30 copies, 120 pages" in result.output
    assert not any(p.suffix == ".pdf" for p in tmp_path.iterdir() if p.name != "set.pdf")


def test_a_class_set_never_overwrites_the_roster_a_source_or_a_built_copy(worksheet, tmp_path):
    """A roster named A.csv would name its class set handout-A.pdf, the built version A;
    --output may not name the roster or a source; a roster must be a file (not /dev/zero)."""
    project = copy_project(tmp_path / "cli", (WORKSHEET,))
    shutil.copytree(worksheet.output, project.output)
    built = project.output / WORKSHEET / "en" / "handout-A.pdf"
    before = built.read_bytes()
    roster = tmp_path / "A.csv"
    shutil.copy(ROSTER, roster)
    text = project.root / "content" / WORKSHEET / "en.yaml"
    source = text.read_bytes()
    for extra in ([], ["-o", str(built)], ["-o", str(roster)], ["-o", str(text)]):
        result = run_cli(project, "class-set", WORKSHEET, "--roster", str(roster), *extra)
        assert result.exit_code == 2, result.output
        assert "bad-output" in result.output or "is a PDF" in result.output, result.output
    assert built.read_bytes() == before and text.read_bytes() == source
    assert roster.read_bytes() == ROSTER.read_bytes()
    for where in ("/dev/zero", str(tmp_path), str(tmp_path / "missing.csv")):
        result = run_cli(project, "class-set", WORKSHEET, "--roster", where)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output


def test_a_released_students_copy_carries_no_answers(tmp_path):
    """An edition's PDFs carry their sources; a students' copy of a worksheet carries all but
    the texts (they hold the answers); the teacher's copy and the answer key carry them all."""
    from pressrun.release import release

    project = copy_project(tmp_path / "released", (WORKSHEET,))
    folder = project.root / "content" / WORKSHEET
    # A map that only the answer of part (b) shows is an answer too.
    shutil.copy(HERE_MAP, folder / "key.png")
    text = folder / "en.yaml"
    answer = "Sakhalin became Russian; Japan received all the Kuril Islands."
    text.write_text(text.read_text().replace(answer, answer + " ![The new border](key.png)"))
    folder = release(project, WORKSHEET)
    texts = {f"content/{WORKSHEET}/{lang}.yaml" for lang in LANGS}
    hidden = texts | {f"content/{WORKSHEET}/key.png"}
    with pikepdf.open(folder / "en" / "handout-A.pdf") as pdf:
        students = set(pdf.attachments)
    with pikepdf.open(folder / "en" / "teacher-A.pdf") as pdf:
        teacher = set(pdf.attachments)
    assert f"content/{WORKSHEET}/references.yaml" in students
    assert not students & hidden
    assert hidden <= teacher
    # The edition still rebuilds byte for byte, from the sources its teacher's copy carries.
    from pressrun.editions import reproduce

    assert reproduce(folder).differing == []


def test_a_worksheet_with_answers_and_no_teachers_format_is_not_released(tmp_path):
    """Its students' copies leave the texts out: with no teacher's copy or answer key to
    carry them, the edition could not be made again."""
    from pressrun.release import release

    project = copy_project(tmp_path / "students-only", (WORKSHEET,))
    meta = project.root / "content" / WORKSHEET / "publication.yaml"
    meta.write_text(meta.read_text().replace("teacher, answer-key, ", ""))
    with pytest.raises(PressrunError, match="add teacher or answer-key to formats"):
        release(project, WORKSHEET)
    assert not (project.output / "editions").exists()


def test_shuffle_false_keeps_an_exercise_and_its_choices_in_place(tmp_path):
    from pressrun.load import load
    from pressrun.worksheet import Variant, arrange, exercises

    project = copy_project(tmp_path / "pinned", (WORKSHEET,))
    for lang, strait in (("en", "Tsugaru Strait"), ("es", "estrecho de Tsugaru")):
        path = project.content / WORKSHEET / f"{lang}.yaml"
        text = path.read_text(encoding="utf-8")
        pinned = f"          points: 1\n          choices: [{strait}"
        assert text.count(pinned) == 1
        path.write_text(text.replace(pinned, "          shuffle: false\n" + pinned), "utf-8")
    pub = load(project, WORKSHEET)
    article = pub.articles["en"]

    def prompts(version):
        view = arrange(article, Variant("students", version), WORKSHEET)
        return [(e.prompt.source, [c.source for c in e.choices]) for e in exercises(view)]

    written, a, b = prompts(None), prompts(0), prompts(1)
    assert a != written and b != a
    assert a[1] == b[1] == written[1]  # pinned: second, its choices in the order written
    assert sorted(p for p, _ in a) == sorted(p for p, _ in b) == sorted(p for p, _ in written)
    year = {p: c for p, c in written}["In which year was the Treaty of Shimoda signed?"]
    shown = [dict(v)["In which year was the Treaty of Shimoda signed?"] for v in (a, b)]
    assert shown[0] != year and shown[1] != shown[0] and sorted(shown[1]) == sorted(year)
    # Both languages get the same order: it comes from the places, not the words.
    for version in (0, 1):
        places = []
        for lang in LANGS:
            whole = pub.articles[lang]
            order = [e.prompt for e in exercises(whole)]
            view = arrange(whole, Variant("students", version), WORKSHEET)
            places.append([order.index(e.prompt) for e in exercises(view)])
        assert places[0] == places[1]


def test_a_booklet_cover_says_its_version(worksheet):
    for version in ("A", "B"):
        pages = page_texts(out(worksheet, "es", f"booklet-{version}.pdf"))
        assert f"Versión {version}" in words(pages[0])
        assert not pages[1].strip()


def test_points_print_as_the_language_writes_numbers(worksheet, tmp_path):
    project = copy_project(tmp_path / "decimal", (WORKSHEET,))
    for lang in LANGS:
        path = project.content / WORKSHEET / f"{lang}.yaml"
        path.write_text(path.read_text().replace("points: 3", "points: 2.5"), "utf-8")
    build(project, formats=["answer-key"])
    assert "13.5 points" in pdf_text(out(project, "en", "answer-key-A.pdf"))
    spanish = pdf_text(out(project, "es", "answer-key-A.pdf"))
    assert "13,5 puntos" in spanish and "2,5" in spanish and "2.5" not in spanish


def test_exercises_that_differ_between_languages_are_warnings(tmp_path):
    from pressrun.load import load

    project = copy_project(tmp_path / "differ", (WORKSHEET,))
    path = project.content / WORKSHEET / "es.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('correct: "1855"', 'correct: "1868"').replace("points: 3", "points: 4")
    path.write_text(text, encoding="utf-8")
    found = [str(w) for w in load(project, WORKSHEET).warnings]
    assert any(
        "es.yaml" in w and "correct choice 2 here, 1 there [exercise-languages]" in w for w in found
    )
    assert any("points 4 here, 3 there" in w for w in found)


def test_an_exercise_without_an_answer_keeps_its_room_in_the_teachers_copy(tmp_path):
    from pressrun.load import load

    project = copy_project(tmp_path / "unanswered", (WORKSHEET,))
    path = project.content / WORKSHEET / "en.yaml"
    text = path.read_text(encoding="utf-8")
    answer = "          answer: The Ainu (also the Nivkh or the Uilta).\n"
    assert answer in text
    path.write_text(text.replace(answer, ""), encoding="utf-8")
    [warning] = [w for w in load(project, WORKSHEET).warnings if w.code == "no-answer"]
    assert str(warning).startswith(f"content/{WORKSHEET}/en.yaml:72:11: warning: an exercise")
    build(project, langs=["en"], formats=["teacher"])
    html = out(project, "en", "teacher-A.html").read_text()
    name = html.index("Name one people")
    assert html.index('class="answer-lines"', name) < html.index('class="exercise"', name)


def test_a_right_to_left_name_keeps_the_class_after_it(worksheet, tmp_path):
    """An Arabic or Hebrew name would take the class's digits into its own direction
    ("10 · لينا A"): each part of the stamp is isolated."""
    from pressrun.classset import make_class_set

    roster = tmp_path / "rtl.csv"
    roster.write_text("name,class\nلينا العربية,10A\nשרה כהן,11B\n", encoding="utf-8")
    made = make_class_set(worksheet, WORKSHEET, roster, "handout", "en", tmp_path / "rtl.pdf")
    stamps = [page.strip().splitlines()[0] for page in page_texts(made.path)[::4]]
    assert "10A · Version A" in stamps[0] and "لينا العربية" in stamps[0]
    assert "11B · Version B" in stamps[1] and "שרה כהן" in stamps[1]
