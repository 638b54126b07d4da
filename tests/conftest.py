"""Shared fixtures: a copy of the project in a temporary folder, built once per session."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressrun import cli as cli_module
from pressrun.archive import checksum_lines
from pressrun.pipeline import build
from pressrun.project import Project

ROOT = Path(__file__).resolve().parent.parent
HERE_DATA = Path(__file__).resolve().parent / "data"
SAMPLE = "soviet-japanese-basic-convention"
SECOND = "treaty-of-portsmouth"
SPECIMEN = "specimen"
WORKSHEET = "frontier-worksheet"


def copy_project(target: Path, publications=(SAMPLE,)) -> Project:
    """A project folder holding the repository's templates, styles and chosen publications."""
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, target / folder)
    for pub in publications:
        shutil.copytree(ROOT / "content" / pub, target / "content" / pub)
    return Project(target)


def build_py(*args: str, cwd: Path | None = None, **env: str):
    """`python build.py ARGS` in a process of its own (in `cwd`, with `env` added), as a user
    runs it: its exit code, output and errors."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def run_cli(project: Project, *args: str):
    """The command line on `project`, as a user runs it (output and exit code)."""
    return CliRunner().invoke(
        cli_module.cli, ["--project", str(project.root), *args], catch_exceptions=False
    )


def mini_project(target: Path) -> Project:
    """A project holding the small valid publication tests/data/mini."""
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, target / folder)
    shutil.copytree(HERE_DATA / "mini", target / "content" / "mini")
    return Project(target)


@pytest.fixture(scope="session")
def mini_built(tmp_path_factory) -> Project:
    project = mini_project(tmp_path_factory.mktemp("mini"))
    build(project)
    return project


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> tuple[Project, Path]:
    """The sample released (edition 1.0.0): its project and its edition's folder."""
    project = copy_project(tmp_path_factory.mktemp("release"))
    result = run_cli(project, "release", SAMPLE)
    assert result.exit_code == 0, result.output
    return project, project.output / "editions" / SAMPLE / "1.0.0"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path there."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path) -> Project:
    """A fresh, writable copy of the project with the sample publication."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Project:
    """The sample publication built once (every language and format) for the slow checks."""
    built = copy_project(tmp_path_factory.mktemp("sample"))
    build(built)
    return built


@pytest.fixture(scope="session")
def second(tmp_path_factory) -> Project:
    """The second sample publication (English and French) built once, and released."""
    built = copy_project(tmp_path_factory.mktemp("second"), (SECOND,))
    build(built)
    return built


@pytest.fixture(scope="session")
def specimen(tmp_path_factory) -> Project:
    """The specimen publication (every key and block kind, English and Spanish), built once."""
    built = copy_project(tmp_path_factory.mktemp("specimen"), (SPECIMEN,))
    build(built)
    return built


@pytest.fixture(scope="session")
def worksheet(tmp_path_factory) -> Project:
    """The sample worksheet (two languages, two versions, every audience) built once, with a
    class set of handouts and one of booklets from the 30-name roster of tests/data."""
    built = copy_project(tmp_path_factory.mktemp("worksheet"), (WORKSHEET,))
    build(built)
    from pressrun.classset import make_class_set

    roster = HERE_DATA / "rosters" / "class-10b.csv"
    make_class_set(built, WORKSHEET, roster, "handout", "en", None)
    make_class_set(built, WORKSHEET, roster, "booklet", "es", None)
    return built


@pytest.fixture(scope="session")
def sample_pdf(sample):
    def path(lang: str, fmt: str = "handout") -> Path:
        return sample.output / SAMPLE / lang / f"{fmt}.pdf"

    return path


class Expected:
    """A file of expected messages, one `== CASE` heading each; with PRESSRUN_REGENERATE set,
    the results of the run are written back instead of compared (review them as a diff)."""

    def __init__(self, path: Path):
        self.path = path
        self.results: dict[str, str] = {}

    def read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        cases, name = {}, None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.startswith("== "):
                name = line[3:]
                cases[name] = []
            elif name:
                cases[name].append(line)
        return {name: "\n".join(lines).strip() for name, lines in cases.items()}

    def compare(self, case: str, result: str) -> None:
        self.results[case] = result
        if os.environ.get("PRESSRUN_REGENERATE"):
            return
        expected = self.read()
        assert case in expected, f"no expected result for {case}: regenerate ({self.path.name})"
        assert result == expected[case]

    def write_back(self) -> None:
        if os.environ.get("PRESSRUN_REGENERATE") and self.results:
            merged = self.read() | self.results
            text = "".join(f"== {name}\n{merged[name]}\n\n" for name in sorted(merged))
            self.path.write_text(text, encoding="utf-8")


def rehash(folder: Path) -> None:
    """Make manifest.json and CHECKSUMS.sha256 agree with the files again, as a forger would."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if path.is_file():
            data = path.read_bytes()
            entry["sha256"], entry["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    data = json.dumps(manifest, indent=2).encode()
    (folder / "manifest.json").write_bytes(data)
    files = {e["path"]: (folder / e["path"]).read_bytes() for e in manifest["files"]}
    (folder / "CHECKSUMS.sha256").write_bytes(checksum_lines(files | {"manifest.json": data}))
