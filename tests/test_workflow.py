"""The authoring workflow: new, watch and serve, as an author uses them."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from conftest import ROOT
from conftest import run_cli as cli
from pdf import info

from pressrun.project import Project


@pytest.fixture
def empty(tmp_path) -> Project:
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "content").mkdir()
    return Project(tmp_path)


def test_new_publication_builds_at_once(empty):
    result = cli(empty, "new", "field-trip", "--lang", "en", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "created content/field-trip/publication.yaml" in result.output
    # The next command names the project the way it was named here.
    assert result.output.splitlines()[-1].endswith(f" --project {empty.root} build field-trip")
    built = cli(empty, "build", "--strict")
    assert built.exit_code == 0, built.output
    for lang in ("en", "es"):
        folder = empty.output / "field-trip" / lang
        assert int(info(folder / "booklet.pdf")["Pages"]) % 4 == 0
        assert "(A4)" in info(folder / "handout.pdf")["Page size"]
        assert (folder / "index.html").is_file()
    assert (
        "# The sources, each once" in (empty.content / "field-trip" / "references.yaml").read_text()
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["new", "Field Trip"], 2, "Error: 'Field Trip' is not a valid publication id"),
        (["new", "trip", "--lang", "it"], 1, "error: no label catalog for language 'it'"),
        (["new", "trip", "--lang", "it"], 1, "hint: add --labels-from en to start one"),
        (["new", "trip", "--lang", "x1"], 2, "Error: 'x1' is not a language code"),
    ],
)
def test_new_refuses_bad_names(empty, args, code, message):
    result = cli(empty, *args)
    assert result.exit_code == code and message in result.output
    assert not (empty.content / "trip").exists()


def test_new_starts_a_language_from_another_labels(empty):
    result = cli(empty, "new", "trip", "--lang", "en", "--lang", "de", "--labels-from", "en")
    assert result.exit_code == 0, result.output
    assert "created templates/labels/de.yaml (translate its labels)" in result.output
    assert result.output.rstrip().endswith(" build trip")
    labels = (empty.templates / "labels" / "de.yaml").read_text()
    assert "csl-locale: de-DE" in labels and "date-locale: de " in labels
    assert (empty.content / "trip" / "de.yaml").read_text().startswith("# The German text (de)")
    publication = (empty.content / "trip" / "publication.yaml").read_text()
    assert "\nsource:" not in publication  # a new text is adapted from nothing yet
    checked = cli(empty, "check", "trip")
    assert "warning: language-name 'English' is also en's: this catalog is not translated" in (
        checked.output
    )
    assert cli(empty, "build", "trip").exit_code == 0
    handout = (empty.output / "trip" / "de" / "handout.html").read_text()
    assert "Adapted from" not in handout


def test_new_never_overwrites(empty):
    cli(empty, "new", "trip")
    before = (empty.content / "trip" / "en.yaml").read_bytes()
    result = cli(empty, "new", "trip")
    assert result.exit_code == 1 and "content/trip exists already" in result.output
    assert (empty.content / "trip" / "en.yaml").read_bytes() == before


class Running:
    """A pressrun command running in the background, its output lines in a queue."""

    def __init__(self, project, *args):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, f"exited: {seen}"
                continue
            seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in {seen}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()


def edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_watch_rebuilds_on_save_and_survives_errors(empty):
    cli(empty, "new", "trip", "--lang", "en", "--lang", "es")
    watching = Running(empty, "watch", "trip")
    try:
        watching.expect(r"^6 output\(s\) built")
        watching.expect(r"^watching content, templates, styles")
        en = empty.content / "trip" / "en.yaml"
        started = time.monotonic()
        edit(en, "A first draft", "A second draft")
        watching.expect(r"^changed: content/trip/en.yaml")
        watching.expect(r"^3 output\(s\) built")
        assert time.monotonic() - started < 10
        assert "A second draft" in (empty.output / "trip" / "en" / "index.html").read_text()
        edit(en, "[@example2024, p. 12]", "[@exampel2024, p. 12]")
        watching.expect(r"unknown citation key 'exampel2024'")
        watching.expect(r"watching for the fix")
        edit(en, "[@exampel2024, p. 12]", "[@example2024, p. 13]")
        watching.expect(r"^3 output\(s\) built")
        edit(empty.root / "styles" / "web.css", "--measure: 38rem", "--measure: 36rem")
        watching.expect(r"^2 output\(s\) built")  # only the web editions use web.css
    finally:
        watching.stop()


def test_serve_reloads_open_pages_after_a_build(empty):
    cli(empty, "new", "trip")
    serving = Running(empty, "serve", "--port", "0")
    try:
        url = re.search(r"http://\S+/", serving.expect(r"^serving http://127\.0\.0\.1:\d+/")).group(
            0
        )
        serving.expect(r"^watching ")
        page = urllib.request.urlopen(f"{url}trip/en/").read().decode()
        assert 'new EventSource("/__pressrun/events")' in page
        assert "EventSource" not in (empty.output / "trip" / "en" / "index.html").read_text()
        events = urllib.request.urlopen(f"{url}__pressrun/events", timeout=30)
        edit(empty.content / "trip" / "en.yaml", "A first draft", "Draft two")
        assert events.readline() == b"data: reload\n"
        events.close()
        assert "Draft two" in urllib.request.urlopen(f"{url}trip/en/index.html").read().decode()
        assert urllib.request.urlopen(f"{url}trip/en/handout.pdf").read().startswith(b"%PDF")
    finally:
        serving.stop()


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("content/trip/en.yaml", True),
        ("content/trip/map.png", True),
        ("styles/web.css", True),
        ("content/trip/sedAbc123", False),
        ("content/trip/en.yaml~", False),
        ("content/trip/.en.yaml.swp", False),
        ("content/trip/#en.yaml#", False),
        ("content/trip/4913", False),
        ("output/trip/en/index.html", False),
    ],
)
def test_watch_ignores_editors_work_files(empty, name, source):
    from pressrun.watch import is_source

    assert is_source(empty, str(empty.root / name)) is source
