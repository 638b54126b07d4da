"""Golden outputs: the specimen's HTML per language and format, kept in tests/golden/specimen/
and compared, so that a change to the model, a template or a stylesheet shows as a diff to
review. After a deliberate change, regenerate them with
`PRESSRUN_REGENERATE=1 .venv/bin/python -m pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from pathlib import Path

import pytest
from conftest import SPECIMEN

GOLDEN = Path(__file__).parent / "golden" / SPECIMEN
FILES = {"handout": "handout.html", "booklet": "booklet.html", "web": "index.html"}
STYLE = re.compile(r"(<style>\n)(.*?)(\n</style>)", re.S)
DATA_URL = re.compile(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)")


def normalized(html: str) -> str:
    """The HTML with each inlined image as its digest (a picture is reviewed as a picture)
    and its inlined stylesheets as theirs (they are reviewed in styles/, where they are
    written; a change still shows here, as a new digest)."""

    def digest(match: re.Match) -> str:
        sha = hashlib.sha256(match.group(2).encode()).hexdigest()[:16]
        return f"data:{match.group(1)};sha256={sha}"

    def style(match: re.Match) -> str:
        sha = hashlib.sha256(match.group(2).encode()).hexdigest()[:16]
        return f"{match.group(1)}/* the format's stylesheets: sha256={sha} */{match.group(3)}"

    return STYLE.sub(style, DATA_URL.sub(digest, html))


@pytest.mark.parametrize("fmt", FILES)
@pytest.mark.parametrize("lang", ("en", "es"))
def test_specimen_html_is_as_reviewed(specimen, lang, fmt):
    made = normalized((specimen.output / SPECIMEN / lang / FILES[fmt]).read_text("utf-8"))
    golden = GOLDEN / lang / f"{fmt}.html"
    if os.environ.get("PRESSRUN_REGENERATE"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(made, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden}: regenerate (see this module's docstring)"
    expected = golden.read_text(encoding="utf-8")
    if made != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), made.splitlines(), str(golden), "built", lineterm="", n=1
        )
        pytest.fail("the HTML differs from the golden file:\n" + "\n".join(list(diff)[:80]))
