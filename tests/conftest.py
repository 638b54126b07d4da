"""Shared fixtures: a copy of the project in a temporary folder, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pressrun.pipeline import build
from pressrun.project import Project

ROOT = Path(__file__).resolve().parent.parent
HERE_DATA = Path(__file__).resolve().parent / "data"
SAMPLE = "soviet-japanese-basic-convention"


def copy_project(target: Path, publications=(SAMPLE,)) -> Project:
    """A project folder holding the repository's templates, styles and chosen publications."""
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, target / folder)
    for pub in publications:
        shutil.copytree(ROOT / "content" / pub, target / "content" / pub)
    return Project(target)


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
def sample_pdf(sample):
    def path(lang: str, fmt: str = "handout") -> Path:
        return sample.output / SAMPLE / lang / f"{fmt}.pdf"

    return path
