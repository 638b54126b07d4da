"""Random input, hostile content, killed and concurrent builds: nothing escapes, nothing lost."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pikepdf
import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, SAMPLE, copy_project, mini_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressrun import cli as cli_module
from pressrun.check import check
from pressrun.diagnostics import PressrunError
from pressrun.pipeline import build

# -- random documents through load and check ------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["[@doe2020]", "^[n]", "@x", ":::"]),
)
keys = st.sampled_from(
    [
        "title",
        "subtitle",
        "sections",
        "blocks",
        "heading",
        "notice",
        "list",
        "figure",
        "quote",
        "id",
        "alt",
        "caption",
        "x",
    ]
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def fuzz_project(tmp_path_factory):
    return mini_project(tmp_path_factory.mktemp("fuzz"))


def ends_well(project) -> None:
    try:
        check(project)
    except PressrunError as exc:
        assert exc.diagnostics, "a user error without a message"
        assert all(str(d) for d in exc.diagnostics)


@FUZZ
@given(document=documents)
def test_random_yaml_documents(fuzz_project, document):
    text = yaml.safe_dump(document, allow_unicode=True)
    (fuzz_project.content / "mini" / "en.yaml").write_text(text, encoding="utf-8")
    ends_well(fuzz_project)


@FUZZ
@given(
    text=st.text(max_size=300),
    target=st.sampled_from(["en.yaml", "publication.yaml", "references.yaml"]),
)
def test_random_strings(fuzz_project, text, target):
    path = fuzz_project.content / "mini" / target
    original = (ROOT / "tests" / "data" / "mini" / target).read_bytes()
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        ends_well(fuzz_project)
    finally:
        path.write_bytes(original)


@FUZZ
@given(body=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_random_paragraph_text(fuzz_project, body):
    (fuzz_project.content / "mini" / "en.yaml").write_text(
        yaml.safe_dump(
            {"title": "T", "sections": [{"blocks": [body + " [@doe2020]"]}]}, allow_unicode=True
        ),
        encoding="utf-8",
    )
    ends_well(fuzz_project)


# -- hostile content ---------------------------------------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        Recorder.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Recorder.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_hostile_text_prints_as_text_and_fetches_nothing(tmp_path, server):
    project = mini_project(tmp_path / "p")
    (project.content / "mini" / "en.yaml").write_text(
        "title: <script>alert(1)</script>\n"
        "sections:\n"
        "  - blocks:\n"
        "      - 'Hi <script>alert(2)</script> <img src=\"" + server + '/raw.png"> '
        '`<b>x</b>`{=html} [x]{onclick="alert(3)" style="background: url('
        + server
        + "/css.png)\"} [@doe2020].'\n",
        encoding="utf-8",
    )
    build(project)
    html = (project.output / "mini" / "en" / "handout.html").read_text()
    assert "<script>" not in html and "onclick" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert 'style="background' not in html
    assert Recorder.requests == []


@pytest.mark.parametrize(
    "markdown",
    [
        "![x](file:///etc/passwd)",
        "![x]({server}/image.png)",
        "![x](../../../../etc/passwd)",
        "[x](javascript:alert(1))",
        "[x](file:///etc/passwd)",
    ],
)
def test_hostile_urls_are_errors_and_fetch_nothing(tmp_path, server, markdown):
    project = mini_project(tmp_path / "p")
    (project.content / "mini" / "en.yaml").write_text(
        "title: T\nsections:\n  - blocks:\n      - 'Text [@doe2020] "
        + markdown.format(server=server)
        + "'\n",
        encoding="utf-8",
    )
    with pytest.raises(PressrunError) as exc:
        build(project)
    assert str(exc.value).startswith("content/mini/en.yaml:4:")
    assert Recorder.requests == []
    assert not (project.output / "mini").exists()


def test_symlink_out_of_the_publication_is_refused(tmp_path):
    project = mini_project(tmp_path / "p")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the pdf")
    (project.content / "mini" / "map.png").symlink_to(secret)
    (project.content / "mini" / "en.yaml").write_text(
        "title: T\nsections:\n  - blocks:\n      - Text [@doe2020].\n"
        "      - {figure: map.png, caption: A map., alt: Map}\n",
        encoding="utf-8",
    )
    with pytest.raises(PressrunError) as exc:
        check(project)
    assert "image 'map.png' is outside the publication folder" in str(exc.value)


# -- killed and concurrent builds ------------------------------------------------------------


def pdfs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.pdf"))}


def lingering(root: Path, seconds: float = 5) -> list[int]:
    """Processes still running a build of this project, after `seconds` of grace."""
    deadline = time.monotonic() + seconds
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and str(root) in (entry / "cmdline").read_text():
                    found.append(int(entry.name))
            except OSError:
                pass
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def start_build(project) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_killed_build_leaves_whole_files(sample, tmp_path):
    project = copy_project(tmp_path / "p")
    shutil.copytree(sample.output, project.output)
    old = pdfs(project.output)
    en = project.content / SAMPLE / "en.yaml"
    en.write_text(en.read_text().replace("Background", "Context"))
    es = project.content / SAMPLE / "es.yaml"
    es.write_text(es.read_text().replace("Antecedentes", "Contexto"))
    reference = copy_project(tmp_path / "reference")
    shutil.copytree(project.content, reference.content, dirs_exist_ok=True)
    build(reference)
    new = pdfs(reference.output)
    outcomes = []
    for delay in (0.3, 1.2, 2.0):
        process = start_build(project)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert not lingering(project.root), "workers outlived their killed build"
        now = pdfs(project.output)
        assert set(now) == set(old)
        for name, data in now.items():
            assert data in (old[name], new[name]), f"{name} is neither the old nor the new file"
            with pikepdf.open(project.output / name):
                pass
        outcomes.append(sum(now[name] == old[name] for name in now))
        shutil.rmtree(project.output)
        shutil.copytree(sample.output, project.output)
    print("old PDFs left after each kill:", outcomes, "of", len(old))
    assert outcomes[0] == len(old), "a build killed at once must leave every old PDF"


def test_two_builds_at_once_give_the_same_files(tmp_path):
    project = mini_project(tmp_path / "p")
    first, second = start_build(project), start_build(project)
    assert first.wait() == 0 and second.wait() == 0
    result = pdfs(project.output)
    alone = mini_project(tmp_path / "alone")
    build(alone)
    assert result == pdfs(alone.output)
    assert not list(project.output.rglob(".*.tmp"))


def test_strict_makes_warnings_errors(tmp_path):
    project = mini_project(tmp_path / "p")
    refs = project.content / "mini" / "references.yaml"
    refs.write_text(refs.read_text() + "  - id: roe2021\n    type: book\n    title: Other\n")
    runner = CliRunner()
    relaxed = runner.invoke(cli_module.cli, ["--project", str(project.root), "check"])
    assert relaxed.exit_code == 0
    assert "warning: reference 'roe2021' is never cited" in relaxed.output
    assert "1 warning(s)" in relaxed.output
    strict = runner.invoke(cli_module.cli, ["--project", str(project.root), "build", "--strict"])
    assert strict.exit_code == 1
    assert "error: reference 'roe2021' is never cited" in strict.output
    assert not (project.output / "mini").exists()
