"""Bad input: every case in tests/bad/ gives one clear message, exit 1, no traceback, and
leaves the outputs already built byte for byte as they were.

A case is one file named CASE--TARGET: it replaces TARGET in a copy of the small valid
publication tests/data/mini (or a template: handout.html, formats.yaml, labels-en.yaml).
The exact messages are in tests/bad/expected.txt; after a deliberate change, regenerate
them with `PRESSRUN_REGENERATE=1 .venv/bin/python -m pytest tests/test_bad_input.py` and
review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Expected, mini_project
from conftest import run_cli as run

HERE = Path(__file__).parent
BAD = HERE / "bad"
EXPECTED = Expected(BAD / "expected.txt")
ROOT = HERE.parent
TEMPLATE_TARGETS = {
    "handout.html": "templates/handout.html",
    "formats.yaml": "templates/formats.yaml",
    "labels-en.yaml": "templates/labels/en.yaml",
}
CASES = sorted(p.name for p in BAD.iterdir() if "--" in p.name)


def snapshot(folder: Path) -> dict[str, bytes]:
    """The built files (not pressrun's own digests, lock and caches, which start with '.')."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case, mini_built, tmp_path):
    project = mini_project(tmp_path / "project")
    shutil.copytree(mini_built.output, project.output)
    before = snapshot(project.output)
    target = case.split("--", 1)[1]
    path = project.root / TEMPLATE_TARGETS.get(target, f"content/mini/{target}")
    shutil.copyfile(BAD / case, path)
    strict = ["--strict"] if "strict" in case else []

    checked = run(project, "check", *strict)
    built = run(project, "build", *strict)

    for result in (checked, built):
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
    message = checked.output.strip()
    assert built.output.strip() == message
    assert snapshot(project.output) == before, "a failed build changed the outputs"
    EXPECTED.compare(case, message)


def test_oversized_file(mini_built, tmp_path):
    project = mini_project(tmp_path / "project")
    en = project.content / "mini" / "en.yaml"
    en.write_text(en.read_text() + "# " + "x" * (3 * 1024 * 1024) + "\n")
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.output.startswith(
        "content/mini/en.yaml:1:1: error: file is 3,145,838 bytes, "
        "more than 2,097,152 [file-too-big]"
    )


def teardown_module():
    EXPECTED.write_back()
