"""Output formats as data: templates/formats.yaml names each format's template, styles, pages."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .project import Project
from .yamlnodes import YamlFile

IMPOSITIONS = ("saddle-stitch",)


@dataclass(frozen=True)
class Format:
    name: str
    template: str
    stylesheets: tuple[str, ...]
    page_size: dict[str, str]  # paper name -> CSS page size
    pages_multiple_of: int = 1
    impose: str | None = None


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
            required=("template", "stylesheets", "page-size"),
            optional=("pages-multiple-of", "impose"),
            what=f"format '{name}'",
        )
        if len(keys) < 3:
            continue
        for stylesheet in f.strings(keys["stylesheets"], "stylesheets"):
            if not (project.styles / stylesheet).is_file():
                f.error(
                    keys["stylesheets"],
                    f"stylesheet styles/{stylesheet} not found",
                    "style-missing",
                    "create it or fix the name",
                )
        template = f.string(keys["template"], "template") or ""
        if not (project.templates / template).is_file():
            f.error(
                keys["template"],
                f"template templates/{template} not found",
                "template-missing",
                "create it or fix the name",
            )
        sizes = f.mapping(keys["page-size"], optional=("a4", "letter"), what="page-size")
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
        )
    f.raise_errors()
    return formats
