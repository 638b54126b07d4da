"""Watch: rebuild what an edit affects, a moment after each save, until interrupted.

Errors are printed and the watch goes on; the next save that fixes them builds again.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from .diagnostics import PressrunError
from .pipeline import Made, Report, build
from .project import Project


def build_once(
    project: Project, pub_ids: list[str], report: Report, say: Callable[[str], None]
) -> list[Made]:
    """One incremental build; a user error is printed, not raised."""
    started = time.perf_counter()
    try:
        # A new Project: its configuration (formats, labels) is read again, edits included.
        made = build(Project(project.root), pub_ids, report=report)
    except PressrunError as exc:
        count = len(exc.diagnostics)
        say(f"{exc}\n{count} error{'s' if count != 1 else ''}; watching for the fix")
        return []
    except Exception:  # a bug: shown in full, and the watch goes on
        say(f"{traceback.format_exc()}internal error (a bug in pressrun); watching goes on")
        return []
    if made:
        say(f"{len(made)} output(s) built in {time.perf_counter() - started:.2f} s")
    return made


def watch(
    project: Project,
    pub_ids: list[str],
    report: Report,
    say: Callable[[str], None],
    on_built: Callable[[list[Made]], None] = lambda made: None,
) -> None:
    """Build, then rebuild after every change of content, templates or styles."""
    from watchfiles import watch as file_changes

    def relevant(change, path: str) -> bool:
        return is_source(project, path)

    batches = file_changes(
        *folders(project),
        watch_filter=relevant,
        debounce=200,
        step=50,
        yield_on_timeout=True,
        rust_timeout=300,
    )
    next(batches)  # the watcher runs from here on: no save during the first build is missed
    on_built(build_once(project, pub_ids, report, say))
    say(f"watching {', '.join(project.display(p) for p in folders(project))} (Ctrl-C stops)")
    sys.stdout.flush()
    for batch in batches:
        if not batch:
            continue
        names = sorted({project.display(Path(path)) for _, path in batch})
        say(f"changed: {', '.join(names)}")
        on_built(build_once(project, pub_ids, report, say))
        sys.stdout.flush()


# What content, templates and styles are made of: anything else (sedXy12Ab, file~, #file#,
# 4913, .swp) is an editor's work file.
READ_SUFFIXES = {
    ".yaml", ".yml", ".json", ".bib", ".csl", ".html", ".css",
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg",
}  # fmt: skip


def is_source(project: Project, path: str) -> bool:
    """A file pressrun reads: not output, not hidden, not an editor's temporary, backup or
    swap file."""
    parts = Path(os.path.relpath(path, project.root)).parts
    return (
        parts[:1] != ("output",)
        and not any(p.startswith(".") for p in parts)
        and Path(path).suffix.lower() in READ_SUFFIXES
    )


def folders(project: Project):
    return [project.content, project.templates, project.styles]
