"""Output formats as data: templates/formats.yaml names each format's template, styles, pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .archive import is_safe_path
from .project import Project, inside
from .yamlnodes import YamlFile

IMPOSITIONS = ("saddle-stitch",)
MEDIA = ("print", "screen")


@dataclass(frozen=True)
class Format:
    name: str
    template: str
    stylesheets: tuple[str, ...]
    page_size: dict[str, str]  # paper name -> CSS page size
    pages_multiple_of: int = 1
    impose: str | None = None
    medium: str = "print"  # "screen": HTML only, written as index.html

    @property
    def on_screen(self) -> bool:
        return self.medium == "screen"


def read_formats(project: Project) -> dict[str, Format]:
    path = project.templates / "formats.yaml"
    f = YamlFile(path, project.display(path))
    formats = {}
    root = f.root if isinstance(f.root, yaml.MappingNode) else None
    if root is None:
        f.error(f.root, "formats.yaml must map format names to settings", "wrong-type")
    for name_node, node in root.value if root else []:
        name = name_node.value
        keys = f.mapping(
            node,
            required=("template", "stylesheets"),
            optional=("page-size", "pages-multiple-of", "impose", "medium"),
            what=f"format '{name}'",
        )
        if "template" not in keys or "stylesheets" not in keys:
            continue
        for stylesheet in f.strings(keys["stylesheets"], "stylesheets"):
            if not _names_a_file_in(project.styles, stylesheet):
                f.error(
                    keys["stylesheets"],
                    f"stylesheet '{stylesheet}' is not a file of styles/",
                    "outside-folder",
                    "name a stylesheet by its path inside styles/",
                )
            elif not (project.styles / stylesheet).is_file():
                f.error(
                    keys["stylesheets"],
                    f"stylesheet styles/{stylesheet} not found",
                    "style-missing",
                    "create it or fix the name",
                )
        template = f.string(keys["template"], "template") or ""
        if not _names_a_file_in(project.templates, template):
            f.error(
                keys["template"],
                f"template '{template}' is not a file of templates/",
                "outside-folder",
                "name a template by its path inside templates/",
            )
        elif not (project.templates / template).is_file():
            f.error(
                keys["template"],
                f"template templates/{template} not found",
                "template-missing",
                "create it or fix the name",
            )
        medium = f.string(keys["medium"], "medium") if "medium" in keys else "print"
        if medium not in MEDIA:
            f.error(
                keys["medium"],
                f"unknown medium '{medium}'",
                "bad-value",
                f"use one of: {', '.join(MEDIA)}",
            )
        sizes = {}
        if "page-size" in keys:
            sizes = f.mapping(keys["page-size"], optional=("a4", "letter"), what="page-size")
        elif medium == "print":
            f.error(
                node,
                f"format '{name}' needs the key 'page-size'",
                "missing-key",
                "add page-size: {a4: A4, letter: letter}",
            )
        multiple = 1
        if "pages-multiple-of" in keys:
            text = f.matching(
                keys["pages-multiple-of"],
                r"[1-9]\d?",
                "pages-multiple-of",
                "use a small whole number such as 4",
            )
            multiple = int(text or 1)
        impose = f.string(keys["impose"], "impose") if "impose" in keys else None
        if impose is not None and impose not in IMPOSITIONS:
            f.error(
                keys["impose"],
                f"unknown imposition '{impose}'",
                "bad-value",
                f"use one of: {', '.join(IMPOSITIONS)}",
            )
        formats[name] = Format(
            name,
            template,
            tuple(f.strings(keys["stylesheets"], "stylesheets")),
            {paper: f.string(size, "page size") or "" for paper, size in sizes.items()},
            multiple,
            impose,
            medium or "print",
        )
    f.raise_errors()
    return formats


def _names_a_file_in(folder: Path, name: str) -> bool:
    """A plain relative name of a file that stays inside `folder`, symlinks resolved."""
    return is_safe_path(name) and inside(folder / name, folder)
