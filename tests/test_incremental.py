"""Incremental and parallel builds: unchanged outputs are kept, edits rebuild only what they
touch, and worker processes give the same bytes as one process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE, copy_project

import pressrun.archive
import pressrun.pandoc
import pressrun.render
import pressrun.text
import pressrun.typeset
from pressrun import cli as cli_module
from pressrun.pipeline import Report, build


class Recorder(Report):
    def __init__(self):
        self.todo, self.current, self.finished_names = [], [], []

    def planned(self, todo, current):
        self.todo, self.current = todo, current

    def finished(self, made):
        self.finished_names.append(made.name)


def names(lang_formats):
    return sorted(f"{SAMPLE}/{lf}" for lf in lang_formats)


ALL = names(
    ["en/handout", "en/booklet", "en/web", "es/handout", "es/booklet", "es/web", "en-es/parallel"]
)


@pytest.fixture
def built(sample, tmp_path):
    """A copy of the sample with its outputs (and their digests) already built."""
    import shutil

    project = copy_project(tmp_path / "p")
    shutil.copytree(sample.output, project.output)
    return project


def test_noop_build_runs_no_pandoc_and_no_layout(built, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a no-op build must not call this")

    monkeypatch.setattr(pressrun.text, "text", forbidden)
    monkeypatch.setattr(pressrun.typeset, "typeset", forbidden)
    monkeypatch.setattr(pressrun.render, "render", forbidden)  # templates rendered only to build
    monkeypatch.setattr(pressrun.pandoc, "path", forbidden)  # not even pandoc --version
    pressrun.archive.tool_versions.cache_clear()
    report = Recorder()
    assert build(built, report=report) == []
    assert sorted(report.current) == ALL and report.todo == []


def test_noop_build_imports_no_typesetter_templates_or_pdf_library(built):
    """What makes a no-op build fast (under 0.3 s here): it loads only what it needs."""
    probe = (
        "import sys\n"
        "from pressrun.cli import cli\n"
        "try:\n"
        "    cli(['--project', sys.argv[1], 'build', '--quiet'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('weasyprint', 'jinja2', 'pikepdf', 'rich', 'babel.dates', 'PIL.Image', 'dask',\n"
        "         'distributed')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(built.root)], capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_editing_one_language_rebuilds_only_it(built):
    en = built.content / SAMPLE / "en.yaml"
    en.write_text(en.read_text().replace("co-operative relations", "cooperative relations"))
    before = (built.output / SAMPLE / "es" / "handout.pdf").stat().st_mtime_ns
    report = Recorder()
    build(built, report=report, jobs=1)
    # The parallel edition sets both languages: it is rebuilt too.
    assert sorted(report.todo) == names(["en/handout", "en/booklet", "en/web", "en-es/parallel"])
    assert sorted(report.current) == names(["es/handout", "es/booklet", "es/web"])
    assert (built.output / SAMPLE / "es" / "handout.pdf").stat().st_mtime_ns == before
    assert "cooperative" in (built.output / SAMPLE / "en" / "handout.html").read_text()


@pytest.mark.parametrize(
    ("path", "rebuilt"),
    [
        ("styles/booklet.css", ["en/booklet", "es/booklet", "en-es/parallel"]),
        ("templates/handout.html", ALL),  # every template counts (formats include partials)
        # A catalog counts for its language, and for every web edition (language names).
        # The parallel edition prints both languages' words.
        (
            "templates/labels/es.yaml",
            ["es/handout", "es/booklet", "es/web", "en/web", "en-es/parallel"],
        ),
        (f"content/{SAMPLE}/references.yaml", ALL),
    ],
)
def test_each_input_counts(built, path, rebuilt):
    target = built.root / path
    target.write_text(target.read_text() + "\n# touched\n")
    report = Recorder()
    build(built, report=report, jobs=1, langs=["en", "es"])
    assert sorted(report.todo) == (rebuilt if rebuilt is ALL else names(rebuilt))


def test_deleted_output_is_rebuilt_and_force_rebuilds_all(built):
    (built.output / SAMPLE / "es" / "booklet-print.pdf").unlink()
    report = Recorder()
    build(built, report=report, jobs=1)
    assert report.todo == [f"{SAMPLE}/es/booklet"]
    assert (built.output / SAMPLE / "es" / "booklet-print.pdf").is_file()
    report = Recorder()
    build(built, report=report, force=True)
    assert sorted(report.todo) == ALL


def test_parallel_and_serial_builds_are_identical(sample, tmp_path):
    serial = copy_project(tmp_path / "serial")
    build(serial, jobs=1)
    for lang in ("en", "es"):
        for name in ("handout.pdf", "booklet.pdf", "booklet-print.pdf", "handout.html"):
            parallel_bytes = (sample.output / SAMPLE / lang / name).read_bytes()
            assert (serial.output / SAMPLE / lang / name).read_bytes() == parallel_bytes


def test_cli_plain_lines_quiet_and_noop(built):
    runner = CliRunner()
    args = ["--project", str(built.root), "build"]
    result = runner.invoke(cli_module.cli, args, catch_exceptions=False)
    # The sample's one warning: its lead has an extra notice in Spanish, so the parallel
    # edition aligns that section as a whole.
    warning = [line for line in result.output.splitlines() if "[parallel-blocks]" in line]
    assert len(warning) == 1 and "7 output(s) up to date" in result.output.splitlines()
    assert "0 output(s) built in" in result.output
    quiet = runner.invoke(
        cli_module.cli, [*args, "--force", "--quiet", "--jobs", "2"], catch_exceptions=False
    )
    printed = [line for line in quiet.output.splitlines() if not line.startswith("  hint:")]
    assert quiet.exit_code == 0 and printed == warning  # the warning, and nothing else


def test_progress_bar_on_a_terminal(built):
    """Under a pseudo-terminal the build shows one line per output with a check mark."""
    import os
    import pty

    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--project", str(built.root), "build", "--force"],
        stdout=child,
        stderr=child,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"},
    )
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    assert process.wait() == 0
    text = output.decode("utf-8", "replace")
    for name in ALL:
        assert f"✓ {name} (" in text


def test_files_the_publication_does_not_use_rebuild_nothing(built, tmp_path):
    folder = built.content / SAMPLE
    (folder / "notes-to-self.txt").write_text("check the dates")
    secret = tmp_path / "huge.bin"
    secret.write_bytes(b"x")
    (folder / "linked.png").symlink_to(secret)  # not used: not read either
    report = Recorder()
    assert build(built, report=report) == []
    edit = folder / "references.yaml"
    edit.write_text(edit.read_text().replace("Stanford", "Palo Alto", 1))
    report = Recorder()
    build(built, report=report, langs=["en"], formats=["handout"])
    assert report.todo == names(["en/handout"])


def test_kept_results_go_by_last_use_and_size(tmp_path, monkeypatch):
    """What pandoc read stays on disk while it is used: the entries used longest ago go
    first once a kind's entries pass their size, never the newest few."""
    from pressrun import kept

    monkeypatch.setattr(kept, "KEEP", 2)
    kind = kept.Kept("test", "1")
    value = "x" * 990  # about 1,000 bytes of JSON each
    for n in range(4):
        kind.put(f"k{n}", value, tmp_path)
        older = time.time() - 100 + n  # k0 oldest
        os.utime(tmp_path / "test" / f"k{n}.json", (older, older))
    kind.memory.clear()
    with kept.recorded() as used:
        assert kind.get("k0", tmp_path) == value  # k0 is used: now the newest
    assert used == ["test/k0.json"]
    monkeypatch.setattr(kept, "KEEP_BYTES", 3 * 1000)
    kind.put("k4", value, tmp_path)
    left = sorted(p.stem for p in (tmp_path / "test").glob("*.json"))
    assert left == ["k0", "k3", "k4"]  # k1 and k2 went: used longest ago, past 3,000 bytes


def test_a_publication_names_what_it_kept(sample):
    """A cluster's worker gets what pandoc read for its publication, not the whole cache."""
    from pressrun.cluster import bundle
    from pressrun.load import load

    pub = load(sample, SAMPLE)
    kinds = sorted(name.split("/")[0] for name in pub.kept)
    assert kinds == ["citations", "citations", "references"]  # en and es texts, one library
    sent = sorted(name for name in bundle(sample, pub) if name.startswith("output/"))
    assert sent == [f"output/.cache/{name}" for name in pub.kept]
