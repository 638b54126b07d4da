"""Class sets: a worksheet's built copies and a roster -> one print-ready PDF, a named copy per
student.

The document is laid out once per version (the build's own PDFs, rebuilt only if stale); each
name is typeset once (one small document, a page per student) and stamped on every page of its
copy as a form XObject, with pikepdf. Each copy starts on a new sheet for duplex printing: a
handout with an odd number of pages gets a blank back (named too); a booklet is stamped, then
imposed, so its copy is whole sheets.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .diagnostics import Diagnostic, Location, PressrunError, did_you_mean, fail, shortened, usage
from .formats import IMPOSED, PRINT, Format
from .impose import MM, derived, impose_forms
from .model import Publication
from .project import Project
from .worksheet import LETTERS

COLUMNS = ("name", "class", "version")
MAX_ROSTER_BYTES = 2 * 1024 * 1024
MAX_STUDENTS = 10_000
MAX_NAME = 100  # characters
# Controls, and the invisible characters that hide or reorder a name (zero widths, direction
# marks and isolates, a soft hyphen, a byte-order mark in mid-name): a name prints as it reads.
UNPRINTABLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
STAMP_WIDTH_MM = 120.0
STAMP_HEIGHT_MM = 5.0
STAMP_TOP_MM = 4.0  # from the top edge of each page: above the running heads and the text


@dataclass(frozen=True)
class Student:
    name: str
    group: str  # the roster's class column
    version: str  # "A", "B", …; "" for a publication with one version
    line: int  # the roster's line, for messages


def read_roster(path: Path, shown: str, versions: int) -> list[Student]:
    """The students of a CSV roster (UTF-8; a header with `name`, and `class` and `version` if
    wanted; commas, semicolons or tabs). Every bad row is an error at its line."""
    where = Location(shown, 1, 1)
    try:
        if not path.is_file():
            raise usage(
                f"the roster {shown} is " + ("not a file" if path.exists() else "not there"),
                "roster-unreadable",
                "give the CSV file of the class",
            )
        with path.open("rb") as stream:
            data = stream.read(MAX_ROSTER_BYTES + 1)
    except OSError as exc:
        raise fail(where, f"cannot read the roster: {exc.strerror}", "roster-unreadable") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise fail(
            where,
            f"the roster is more than {MAX_ROSTER_BYTES:,} bytes",
            "too-large",
            "split the roster into one file per class",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(
            Location(shown, line, 1),
            "the roster is not UTF-8 text",
            "roster-encoding",
            "save it as 'CSV UTF-8' (a spreadsheet's Save as … offers it)",
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[Diagnostic] = []

    def error(line: int, message: str, code: str, hint: str = "") -> None:
        errors.append(Diagnostic(Location(shown, line, 1), message, code, hint))

    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise fail(where, f"the roster's header is not CSV: {exc}", "roster-csv") from None
    columns = [c.strip().lower() for c in header or []]
    if "name" not in columns:
        raise fail(
            where,
            "the roster has no 'name' column",
            "roster-header",
            "its first line names the columns: name (required), class, version",
        )
    for column in columns:
        if column not in COLUMNS and did_you_mean(column, COLUMNS):
            error(
                1,
                f"unknown column '{shortened(column, 40)}'",
                "roster-header",
                did_you_mean(column, COLUMNS),
            )
    if len(set(c for c in columns if c in COLUMNS)) != len([c for c in columns if c in COLUMNS]):
        error(1, "a column is named twice", "roster-header", "keep one of them")
    at = {c: columns.index(c) for c in COLUMNS if c in columns}
    allowed = LETTERS[:versions]
    students: list[Student] = []
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:
            error(rows.line_num, f"not CSV: {exc}", "roster-csv", "check the quotes on this line")
            break
        if row is None:
            break
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            error(
                line,
                f"{len(row)} fields where the header has {len(columns)}",
                "roster-row",
                'put a name with a comma in quotes: "García, Ana"',
            )
            continue
        row += [""] * (len(columns) - len(row))  # empty last fields may be left out
        name = " ".join(row[at["name"]].split())
        group = " ".join(row[at["class"]].split()) if "class" in at else ""
        version = row[at["version"]].strip().upper() if "version" in at else ""
        if not name:
            error(
                line, "a student without a name", "roster-row", "write the name, or remove the line"
            )
            continue
        if len(name) > MAX_NAME or len(group) > MAX_NAME:
            error(line, f"a name or class longer than {MAX_NAME} characters", "roster-row")
            continue
        if UNPRINTABLE.search(name + group):
            error(
                line,
                "a control or invisible character in the name or class",
                "roster-row",
                "retype the name",
            )
            continue
        if version and version not in allowed:
            have = ", ".join(allowed) if versions > 1 else "A (it has one version)"
            error(
                line,
                f"version '{shortened(version, 10)}' is not one of this worksheet's: {have}",
                "roster-version",
                "leave it empty to share the versions out in turn",
            )
            continue
        students.append(Student(name, group, version, line))
        if len(students) > MAX_STUDENTS:
            raise fail(
                Location(shown, line, 1),
                f"more than {MAX_STUDENTS:,} students",
                "too-large",
                "split the roster into one file per class",
            )
    if errors:
        raise PressrunError(errors)
    if not students:
        raise fail(where, "the roster lists no students", "roster-empty", "add a line per student")
    # A student without a version gets the one after the previous student's: neighbours in
    # the roster (and in the class set) get different ones.
    shared, last = [], ""
    for student in students:
        version = student.version if versions > 1 else ""
        if versions > 1 and not version:
            version = allowed[(allowed.index(last) + 1) % versions] if last else allowed[0]
        shared.append(Student(student.name, student.group, version, student.line))
        last = version
    return shared


STAMP_COLUMNS = 70  # what the stamp holds, in columns (a CJK character takes two)
SEPARATOR = " · "


def stamp_text(student: Student, version_label: str) -> str:
    """ "Name · class · Version A": a long name is shortened, so the class and version show."""
    rest = [student.group] + ([f"{version_label} {student.version}"] if student.version else [])
    tail = "".join(f"{SEPARATOR}{part}" for part in rest if part)
    room = STAMP_COLUMNS - _columns(tail)
    name, used = "", 0
    for char in student.name:
        used += _columns(char)
        if used > room - 1:
            name = name.rstrip() + "…"
            break
        name += char
    return name + tail


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def names_document(texts: list[str], lang: str, date: str) -> str:
    """One page per student, each with the line stamped on its copy."""
    pages = "\n".join(f'<div class="stamp">{html.escape(t)}</div>' for t in texts)
    return f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}"><head><meta charset="utf-8"><title>Names</title>
<meta name="dcterms.created" content="{date}"><meta name="dcterms.modified" content="{date}">
<style>
@page {{ size: {STAMP_WIDTH_MM}mm {STAMP_HEIGHT_MM}mm; margin: 0; }}
body {{ margin: 0; }}
.stamp {{
  break-after: page; height: {STAMP_HEIGHT_MM}mm; overflow: hidden;
  font-family: "Noto Sans", "Noto Sans CJK JP", sans-serif; font-size: 8.5pt; font-weight: 600;
  line-height: {STAMP_HEIGHT_MM}mm; text-align: center; white-space: nowrap;
  text-overflow: ellipsis; color: #111;
}}
</style></head><body>
{pages}
</body></html>"""


NAMES_PER_DOCUMENT = 250  # names typeset together: the documents are laid out in parallel


def name_documents(students: list[Student], version_label: str, lang: str, date: str) -> list[str]:
    """The documents of the students' names, NAMES_PER_DOCUMENT each. Each part of a stamp
    is isolated (FSI … PDI): a name in Arabic or Hebrew keeps its place before the class,
    instead of taking the class's digits into its own direction."""
    texts = [
        SEPARATOR.join(
            f"\u2068{part}\u2069" for part in stamp_text(s, version_label).split(SEPARATOR)
        )
        for s in students
    ]
    return [
        names_document(texts[start : start + NAMES_PER_DOCUMENT], lang, date)
        for start in range(0, len(texts), NAMES_PER_DOCUMENT)
    ]


def typeset_names(document: str) -> bytes:
    """One names document typeset (here, in a worker process, or on a cluster's worker): it
    reads no file, so it is laid out in an empty folder."""
    from .typeset import typeset

    with tempfile.TemporaryDirectory(prefix="pressrun-names-") as empty:
        return typeset(document, Path(empty), "the names", tagged=False)


def typeset_all(documents: list[str], jobs: int | None, cluster=None) -> list[bytes]:
    """The names documents typeset, in order: in up to `jobs` worker processes, or on the
    cluster session `cluster` (see cluster.py)."""
    if cluster is not None:
        from .cluster import results

        calls = [(f"names-{n}", typeset_names, (doc,)) for n, doc in enumerate(documents)]
        found = dict(results(cluster, calls))
        return [found[n] for n in range(len(documents))]
    workers = min(jobs or os.cpu_count() or 1, len(documents))
    if workers <= 1:
        return [typeset_names(document) for document in documents]
    from .pipeline import worker_pool

    with worker_pool(workers) as pool:
        return list(pool.map(typeset_names, documents))


def class_set(
    pub: Publication,
    fmt: Format,
    copies: dict[str, bytes],
    students: list[Student],
    names: list[bytes],
) -> bytes:
    """The class set: for each student, their version's copy (`copies` by version letter)
    with their name (a page of `names`, the typeset name documents) on every page, starting
    on a new sheet. Each version's pages, fonts and images are in the file once: a
    student's page is a new page drawing the version's page and the student's name."""
    out = pikepdf.new()
    sources = {v: pikepdf.open(io.BytesIO(data)) for v, data in copies.items()}
    stamps: list[pikepdf.Pdf] = []
    try:
        drawn = {
            v: [out.copy_foreign(p.as_form_xobject()) for p in src.pages]
            for v, src in sources.items()
        }
        stamps += [pikepdf.open(io.BytesIO(data)) for data in names]
        each = (page for document in stamps for page in document.pages)
        for student, stamp in zip(students, each, strict=True):
            name = out.copy_foreign(stamp.as_form_xobject())
            pages = drawn[student.version]
            if IMPOSED in fmt.outputs:
                forms = [_page_form(out, page, name) for page in pages]
                impose_forms(out, forms, pub.paper, pub.imposition)
            else:
                for page in pages + [None] * (len(pages) % 2):  # a blank back, named
                    out.pages.append(_named_page(out, page or pages[0], name, page is None))
        return derived(out, sources[students[0].version], "class set")
    finally:
        for document in [*sources.values(), *stamps]:
            document.close()


def _stamp_ops(page_form: pikepdf.Object) -> str:
    """Where the name goes on a page: centred, near its top edge."""
    x0, _, x1, top = (float(v) for v in page_form.BBox)
    x = x0 + (x1 - x0 - STAMP_WIDTH_MM * MM) / 2
    y = top - (STAMP_TOP_MM + STAMP_HEIGHT_MM) * MM
    return f"q 1 0 0 1 {x:.3f} {y:.3f} cm /PrName Do Q"


def _named_page(out: pikepdf.Pdf, page_form, name, blank: bool = False) -> pikepdf.Page:
    """A page of a student's copy: the version's page (drawn whole, as a form) and the name."""
    ops = ("" if blank else "/PrPage Do ") + _stamp_ops(page_form)
    xobjects = {"/PrName": name} if blank else {"/PrName": name, "/PrPage": page_form}
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=list(page_form.BBox),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(xobjects)),
        Contents=out.make_stream(ops.encode("ascii")),
    )
    return pikepdf.Page(out.make_indirect(page))


def _page_form(out: pikepdf.Pdf, page_form, name) -> pikepdf.Object:
    """A named page of a booklet as a form, for imposition."""
    ops = "/PrPage Do " + _stamp_ops(page_form)
    return out.make_stream(
        ops.encode("ascii"),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=page_form.BBox,
        Resources=pikepdf.Dictionary(
            XObject=pikepdf.Dictionary({"/PrName": name, "/PrPage": page_form})
        ),
    )


def output_name(fmt: Format, roster: Path) -> str:
    """handout-class-3b.pdf for a roster class-3b.csv: a safe file name."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", roster.stem).strip("-")[:60] or "class"
    return f"{fmt.copy_name()}-{stem}.pdf"


def _check_target(project: Project, pub: Publication, path: Path, roster: Path) -> None:
    """Refuse to write the class set over the roster, a source of the project, or a file a
    build of the publication makes (a roster named A.csv would name it handout-A.pdf)."""
    shown = project.display(path)
    if path.suffix.lower() != ".pdf":
        raise usage(f"the class set '{shown}' is a PDF", "bad-output", "name it ….pdf")
    resolved = path.resolve()
    if roster.exists() and resolved == roster.resolve():
        raise usage("the class set would overwrite its roster", "bad-output", "give --output")
    for folder in ("content", "templates", "styles"):
        if resolved.is_relative_to((project.root / folder).resolve()):
            raise usage(
                f"the class set would be written among the sources, in {folder}/",
                "bad-output",
                "write it to output/ (the default) or outside the project",
            )
    formats = project.config.formats
    letters = [""] + list(LETTERS[: pub.versions])
    built = {
        (project.output / pub.id / lang / formats[name].file(o, letter)).resolve()
        for lang in pub.languages
        for name in pub.formats
        if name in formats
        for o in formats[name].outputs
        for letter in letters
    }
    if resolved in built:
        raise usage(
            f"the class set would overwrite {shown}, which the build makes",
            "bad-output",
            "rename the roster, or give --output another file",
        )


def copy_files(fmt: Format, pub: Publication) -> dict[str, str]:
    """The built file of each version, by letter ("" for one version)."""
    letters = list(LETTERS[: pub.versions]) if pub.versions > 1 and pub.has_exercises else [""]
    return {letter: fmt.file(PRINT, letter) for letter in letters}


def check_format(pub: Publication, fmt: Format) -> None:
    if fmt.name not in pub.formats:
        raise usage(
            f"{pub.id} has no format '{fmt.name}'",
            "unknown-format",
            f"its formats: {', '.join(pub.formats)}",
        )
    if fmt.on_screen or fmt.audience != "students":
        raise usage(
            f"a class set is printed from a students' copy, not '{fmt.name}'",
            "class-set-format",
            "use --format handout or --format booklet",
        )


@dataclass(frozen=True)
class ClassSet:
    path: Path
    students: int
    pages: int


def make_class_set(
    project: Project,
    pub_id: str,
    roster: Path,
    format_name: str,
    lang: str | None,
    target: Path | None,
    report=None,
    jobs: int | None = None,
    cluster: str | None = None,
    allow_mismatch: bool = False,
) -> ClassSet:
    """Build (or keep) the format's copies, then write the class set of `roster` beside them
    (or to `target`). The copies and the names are made in up to `jobs` worker processes, or
    on the Dask cluster at `cluster`."""
    from .check import check_sources
    from .output import write_atomic
    from .pipeline import Report, build

    report = report or Report()
    pub = check_sources(project, [pub_id])[0]
    formats = project.config.formats
    if format_name not in formats:
        raise usage(
            f"unknown format '{format_name}'",
            "unknown-format",
            did_you_mean(format_name, formats) or f"its formats: {', '.join(pub.formats)}",
        )
    fmt = formats[format_name]
    check_format(pub, fmt)
    lang = lang or pub.languages[0]
    if lang not in pub.languages:
        raise usage(
            f"{pub.id} has no language '{lang}'",
            "unknown-language",
            did_you_mean(lang, pub.languages) or f"its languages: {', '.join(pub.languages)}",
        )
    versions = pub.versions if pub.has_exercises else 1
    folder = project.output / pub.id / lang
    path = target or folder / output_name(fmt, roster)
    _check_target(project, pub, path, roster)
    students = read_roster(roster, str(roster), versions)
    build(
        project,
        [pub.id],
        [lang],
        [fmt.name],
        report=report,
        jobs=jobs,
        cluster=cluster,
        allow_mismatch=allow_mismatch,
    )
    copies = {v: (folder / name).read_bytes() for v, name in copy_files(fmt, pub).items()}
    label = project.config.labels(lang).words.get("version", "Version")
    documents = name_documents(students, label, lang, pub.edition.date.isoformat())
    if cluster:
        from .cluster import session

        with session(cluster, documents[0], allow_mismatch, report.warn) as running:
            names = typeset_all(documents, jobs, running)
    else:
        names = typeset_all(documents, jobs)
    data = class_set(pub, fmt, copies, students, names)
    write_atomic(path, data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
    return ClassSet(path, len(students), pages)
