"""Hostile input: files from other people can run no code, read no file, fetch nothing and
put no script into an output.

Each case in tests/hostile/ is a folder: `case.yaml` says what it tries (`about`), which keys
of the small publication tests/data/mini it replaces (`publication`) and which symlinks it
makes (`symlinks`); its other files go into the publication's folder. In every file,
@SERVER@ is the address of a listener on 127.0.0.1 and @SECRET@ the path of a file holding a
random token. Each case runs through `check` and `build` (handout and web); the exact
messages are in tests/hostile/expected.txt (regenerate with PRESSRUN_REGENERATE=1 and review
the diff). For every case: the listener sees no request, the token appears in no output and
no message, and no output holds a script, an event handler or a javascript: link.
"""

from __future__ import annotations

import http.server
import re
import secrets
import threading
import zlib
from pathlib import Path

import pikepdf
import pytest
import yaml
from conftest import Expected, mini_project
from conftest import run_cli as run

HERE = Path(__file__).parent
CASES_DIR = HERE / "hostile"
EXPECTED = Expected(CASES_DIR / "expected.txt")
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "case.yaml").is_file())
# What no output may hold, whatever the input.
FORBIDDEN = re.compile(
    rb"<script|<iframe|(?:href|src)=\"(?:javascript|data:text|file)|\son[a-z]+=|"
    rb"rel=\"attachment\"|<!--pr-|<img[^>]+src=\"http",
    re.I,
)


class Listener(http.server.BaseHTTPRequestHandler):
    """Records every request; a hostile file must never make one."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        Listener.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"@import url(x.css); fetched")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Listener.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> tuple[Path, str]:
    token = "SECRET-" + secrets.token_hex(12)
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(token + "\n")
    # A style beside it, as a style name that climbs out of the repository would find it.
    (path.parent / "evil.csl").write_text(
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0"><info>'
        f'<link href="file://{path}" rel="independent-parent"/></info></style>'
    )
    return path, token


def place(text: str, server: str, secret_path: Path) -> str:
    text = text.replace("@SERVER@", server).replace("@SECRET_DIR@", str(secret_path.parent))
    return text.replace("@SECRET@", str(secret_path))


def hostile_project(case: str, target: Path, server: str, secret_path: Path):
    """The mini project with the case's files in place."""
    project = mini_project(target)
    folder = project.content / "mini"
    spec = yaml.safe_load((CASES_DIR / case / "case.yaml").read_text(encoding="utf-8"))
    publication = yaml.safe_load((folder / "publication.yaml").read_text(encoding="utf-8"))
    publication |= {"formats": ["handout", "web"]} | spec.get("publication", {})
    (folder / "publication.yaml").write_text(yaml.safe_dump(publication), encoding="utf-8")
    for path in sorted((CASES_DIR / case).iterdir()):
        if path.name == "case.yaml":
            continue
        data = path.read_bytes()
        if path.suffix in (".yaml", ".csl", ".svg", ".bib", ".json"):
            data = place(data.decode("utf-8"), server, secret_path).encode("utf-8")
        (folder / path.name).write_bytes(data)
    for name, pointed in spec.get("symlinks", {}).items():
        (folder / name).symlink_to(place(pointed, server, secret_path))
    return project


def every_byte(folder: Path):
    """(name, bytes) of every file under `folder`, and of every stream inside each PDF,
    decompressed: a secret must not hide in a compressed stream or an attachment."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path.relative_to(folder)), data
        if data.startswith(b"%PDF"):
            with pikepdf.open(path) as pdf:
                for n, obj in enumerate(pdf.objects):
                    if isinstance(obj, pikepdf.Stream):
                        try:
                            yield f"{path.name}#{n}", obj.read_bytes()
                        except (pikepdf.PdfError, zlib.error):
                            yield f"{path.name}#{n}", obj.read_raw_bytes()


def test_corpus_covers_the_attacks():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_hostile_case(case, tmp_path, listener, secret):
    secret_path, token = secret
    project = hostile_project(case, tmp_path / "project", listener, secret_path)
    checked = run(project, "check")
    built = run(project, "build")
    report = []
    for command, result in (("check", checked), ("build", built)):
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1), result.output
        assert token not in result.output, f"{command} printed the secret"
        text = result.output.replace(listener, "@SERVER@").replace(str(secret_path), "@SECRET@")
        text = text.replace(str(secret_path.parent), "@SECRET_DIR@")
        text = re.sub(r"built in \d+\.\d+ s", "built in N s", text)
        text = re.sub(r"\(\d+\.\d+ s\)", "(N s)", text)
        text = re.sub(r"checked 1 publication\(s\) in \d+\.\d+ s", "checked in N s", text)
        lines = text.strip().splitlines()  # outputs finish in any order
        text = "\n".join(
            sorted(lines[:-1], key=lambda line: line.startswith("built ")) + lines[-1:]
        )
        report.append(f"-- {command} (exit {result.exit_code})\n{text.strip()}")
    assert Listener.requests == [], f"{case} made requests: {Listener.requests}"
    if project.output.exists():
        for name, data in every_byte(project.output):
            assert token.encode() not in data, f"the secret is in {name}"
            found = FORBIDDEN.search(data) if not name.startswith(".") else None
            assert found is None, f"{name} holds {found.group(0)!r}"
    EXPECTED.compare(case, "\n".join(report))


def test_no_request_reached_the_listener(listener):
    """Over the whole module, not one request (the cases above each check it too)."""
    assert Listener.requests == []


# -- what the cases that build must show ------------------------------------------------------


def built_case(case: str, tmp_path: Path, listener: str, secret_path: Path):
    project = hostile_project(case, tmp_path / "project", listener, secret_path)
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    out = project.output / "mini" / "en"
    return (out / "handout.html").read_text(), (out / "index.html").read_text(), out


def test_attributes_survive_only_as_lang_and_dir(tmp_path, listener, secret):
    handout, web, _ = built_case("attributes-everywhere", tmp_path, listener, secret[0])
    for html in (handout, web):
        assert ' style="' not in html.split("</style>", 1)[1]
        assert html.count('id="refs"') == 1, "a second bibliography"
        assert 'id="pr-0"' not in html and 'id="ref-doe2020"' not in html.split('id="refs"')[0]
    assert handout.count('class="footnote"') == 1  # the citation's note, no forged one
    assert "<table>" in handout and "<caption>Cap</caption>" in handout


def test_reference_markup_prints_as_text(tmp_path, listener, secret):
    handout, web, _ = built_case("refs-raw-html", tmp_path, listener, secret[0])
    for html in (handout, web):
        assert "A Book" in html and "alert(" in html  # the words stay, as text
        bibliography = html.split('id="refs"', 1)[1]
        links = re.findall(r'<a [^>]*href="([^"]*)"', bibliography)
        assert all(link.startswith(("https://", "http://", "#")) for link in links), links
        assert "<img" not in bibliography and "a picture" in bibliography


def test_forged_markers_change_nothing(tmp_path, listener, secret):
    handout, web, _ = built_case("refs-forged-markers", tmp_path, listener, secret[0])
    assert handout.count('class="footnote"') == 1
    assert "forged note" in handout.lower()  # as the words of the title, not as a note
    assert "<h2>Only</h2>" in handout
    assert web.count('class="sidenote"') == 1


def test_html_in_the_text_prints_as_text(tmp_path, listener, secret):
    handout, web, _ = built_case("html-in-text", tmp_path, listener, secret[0])
    assert handout.count('class="footnote"') == 1
    assert "&lt;span dir=rtl class=footnote&gt;x&lt;/span&gt;" in handout
    assert "&lt;div class=footnote&gt;" in handout and "<div class" not in handout
    assert "A src=“publication.yaml” B" in handout  # words (smart quotes), not an image


def test_reference_fields_carry_no_markup(tmp_path, listener, secret):
    handout, web, _ = built_case("refs-markup", tmp_path, listener, secret[0])
    for html in (handout, web):
        bibliography = html.split('<div id="refs"', 1)[1]
        assert html.count('id="refs"') == 1
        assert "<img" not in bibliography and "footnote" not in bibliography
        assert "entry-spacing=" not in bibliography and 'class="csl-entry" lang' not in html
    assert handout.count('class="footnote"') == 1  # the citation's; none from the title
    assert handout.count("<img") == 1  # the text's own image


def test_headings_do_not_take_pressrun_ids(tmp_path, listener, secret):
    project = hostile_project("reserved-slugs", tmp_path / "project", listener, secret[0])
    assert run(project, "build").exit_code == 0
    booklet = (project.output / "mini" / "en" / "booklet.html").read_text()
    assert booklet.count('id="pressrun-filler"') == 1
    assert booklet.count('id="bibliography"') == 1
    assert 'id="pressrun-filler-section"' in booklet and 'id="bibliography-section"' in booklet


def test_metadata_blocks_inject_no_reference(tmp_path, listener, secret):
    handout, web, _ = built_case("metadata-block-files", tmp_path, listener, secret[0])
    for html in (handout, web):
        assert "Injected Entry" in html.split('id="refs"')[0]  # printed as the text it is
        assert "Injected Entry" not in html.split('id="refs"')[1]  # not a source


def teardown_module():
    EXPECTED.write_back()


@pytest.mark.parametrize("name", ["references.json", "references.bib"])
def test_an_oversized_references_file_is_named(tmp_path, name):
    project = mini_project(tmp_path / "project")
    folder = project.content / "mini"
    with open(folder / name, "wb") as handle:
        handle.truncate(65 * 1024 * 1024)  # sparse: 65 MiB that cost no disk
    edit_publication(folder, {"references": name})
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.output.startswith(
        f"content/mini/{name}:1:1: error: references file is 68,157,440 bytes, more than "
        "67,108,864 [file-too-big]"
    )


def edit_publication(folder: Path, keys: dict) -> None:
    path = folder / "publication.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) | keys
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_a_refused_address_names_the_stylesheet_that_asked(tmp_path, listener):
    project = mini_project(tmp_path / "project")
    css = project.styles / "handout.css"
    css.write_text(css.read_text() + f"\nbody {{ background: url({listener}/track.png); }}\n")
    result = run(project, "build")
    assert result.exit_code == 1
    assert (
        f"mini/en/handout: refused to load '{listener}/track.png' (asked for by "
        "styles/handout.css) [fetch-refused]"
    ) in result.output
    assert Listener.requests == []


def test_pandoc_failures_are_one_message_without_call_stacks(tmp_path):
    from pressrun.check import check
    from pressrun.text import _pandoc_message

    project = mini_project(tmp_path / "project")
    [pub] = check(project)
    stderr = (
        f"Error reading bibliography file {pub.folder.resolve()}/references.json:\n"
        "Error in $[0]['date-parts'][0]: not a number\n"
        "CallStack (from HasCallStack):\n  error, called at src/Text/Pandoc/Citeproc.hs:12\n"
    )
    assert _pandoc_message(stderr, pub) == (
        "Error reading bibliography file content/mini/references.json: "
        "Error in $[0]['date-parts'][0]: not a number"
    )
    (project.content / "mini" / "references.json").write_text(
        '[{"id": "doe2020", "type": "book", "title": "T", "issued": '
        '{"date-parts": [["circa 1999"]]}}]'
    )
    edit_publication(project.content / "mini", {"references": "references.json"})
    for command in ("check", "build"):  # check reads the file as the build will
        result = run(project, command)
        assert result.exit_code == 1
        assert result.output.splitlines()[0] == (
            "content/mini/references.json:1:9: error: reference 'doe2020': pandoc cannot read "
            "'date-parts.0': not a number [references-unreadable]"
        )


def test_a_print_template_cannot_link_by_the_build_path(tmp_path):
    project = mini_project(tmp_path / "project")
    template = project.templates / "handout.html"
    template.write_text(
        template.read_text().replace("<main>", '<main><a href="notes.pdf">notes</a>', 1)
    )
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.output.startswith(
        "templates/handout.html: error: the handout document links to 'notes.pdf', which a PDF "
        "would hold as a path of this machine [relative-link]"
    )


def test_an_svg_figure_is_inlined(tmp_path, listener, secret):
    handout, web, out = built_case("svg-ok", tmp_path, listener, secret[0])
    for html in (handout, web):
        assert html.count('src="data:image/svg+xml;base64,') == 2  # inline and figure
        assert "<figcaption>A figure of it.</figcaption>" in html


def test_a_large_library_with_numeric_ids_reads_in_linear_time(tmp_path):
    import json
    import time

    project = mini_project(tmp_path / "project")
    folder = project.content / "mini"
    items = [{"id": n, "type": "book", "title": f"Book {n}"} for n in range(30_000)]
    items.append({"id": "doe2020", "type": "book", "title": "A Book"})
    (folder / "library.json").write_text(json.dumps(items, indent=1))
    edit_publication(folder, {"references": "library.json"})
    started = time.perf_counter()
    result = run(project, "check", "--list-uncited")
    assert time.perf_counter() - started < 5, "reading ids is not linear"
    assert "library.json:149998:9: reference '29999'" in result.output  # its line
