"""The project folder: where content, templates, styles and outputs live."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import fail

if TYPE_CHECKING:
    from .config import Config

# The id of a publication or a section: what a folder name and a URL fragment can both be.
ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,63}"
# The papers a publication is printed on (the sheet of a handout; the sheet a booklet is
# imposed on), with that sheet's size in points, landscape.
PAPERS = {"a4": (841.89, 595.276), "letter": (792.0, 612.0)}


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def styles(self) -> Path:
        return self.root / "styles"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @functools.cached_property
    def config(self) -> Config:
        """Its formats and label catalogs, read on first use: once per Project (a command
        makes one; a watch makes one per rebuild, so that edits are seen)."""
        from .config import configure

        return configure(self)

    def display(self, path: Path) -> str:
        """A path as the user should read it in messages: relative to the project."""
        for inside, root in ((path, self.root), (path.resolve(), self.root.resolve())):
            if inside.is_relative_to(root):
                return inside.relative_to(root).as_posix()
        return str(path)

    def publication_ids(self) -> list[str]:
        if not self.content.is_dir():
            return []
        return sorted(p.name for p in self.content.iterdir() if (p / "publication.yaml").is_file())

    def languages(self) -> list[str]:
        """Languages with a label catalog (templates/labels/<lang>.yaml)."""
        return sorted(p.stem for p in (self.templates / "labels").glob("*.yaml"))


def climbs(name: str) -> bool:
    """A name that goes up a folder ('..') or starts at the root: it may lead out of its
    folder through a link, and an edition or a cluster's worker holds no such path."""
    return name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/")


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` is in `folder` once every symlink is followed: the one rule for every
    file that content, an edition or a template names."""
    return path.resolve().is_relative_to(folder.resolve())


def find_project(start: Path) -> Project:
    """The nearest folder at or above `start` that holds content/ and templates/."""
    for folder in [start, *start.parents]:
        if (folder / "content").is_dir() and (folder / "templates").is_dir():
            return Project(folder)
    raise fail(
        None,
        f"no pressrun project at or above {start}",
        "no-project",
        "run the command in a folder that has content/ and templates/",
    )
