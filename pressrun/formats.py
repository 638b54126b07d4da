"""Output formats as data: templates/formats.yaml names each format's template, styles, pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .archive import is_safe_path
from .diagnostics import did_you_mean
from .project import PAPERS, Project, inside
from .worksheet import AUDIENCES
from .yamlnodes import YamlFile


@dataclass(frozen=True)
class Output:
    """One kind of file a format makes. The pipeline makes each kind by its `kind`."""

    kind: str
    file: str  # its path in the language's folder; {name} is the format's name
    label: str | None = None  # the label of the web edition's link to it; None: no link
    archival: bool = False  # a released edition holds it as PDF/A (and it is validated)
    listed: bool = True  # the build names it as it is written
    screen: bool = False  # made for a screen: notes numbered at the end, links to the PDFs


PRINT = Output("print", "{name}.pdf", label="{name}", archival=True)
SOURCE = Output("source", "{name}.html", listed=False)  # the HTML the PDF is typeset from
IMPOSED = Output("imposed", "{name}-print.pdf", label="{name}-print")
SCREEN = Output("screen", "index.html", screen=True)

# What a format makes, by its medium (and its imposition, for print).
MEDIA = {"print": (PRINT, SOURCE), "screen": (SCREEN,)}
IMPOSITIONS = {"saddle-stitch": IMPOSED}


@dataclass(frozen=True)
class Format:
    name: str
    template: str
    stylesheets: tuple[str, ...]
    page_size: dict[str, str]  # paper name -> CSS page size
    outputs: tuple[Output, ...] = MEDIA["print"]  # the first is the main file
    pages_multiple_of: int = 1
    variables: dict = field(default_factory=dict)  # passed to its template as `variables`
    # A parallel edition's format: two languages on facing pages, each side laid out with
    # `template`, and its web page (index.html) with `screen_template`.
    pair: bool = False
    screen_template: str = ""
    screen_stylesheets: tuple[str, ...] = ()

    @property
    def on_screen(self) -> bool:
        return self.outputs[0].screen

    def file(self, output: Output, version: str = "") -> str:
        """The file of `output` (of a worksheet's version: handout-A.pdf)."""
        return output.file.format(name=self.copy_name(version))

    def copy_name(self, version: str = "") -> str:
        return f"{self.name}-{version}" if version else self.name

    @property
    def audience(self) -> str:
        """Whose copy it prints: the students' (no answers), the teacher's, the answer key."""
        return self.variables.get("audience", "students")

    def labels(self) -> list[str]:
        """The labels the web edition prints for links to this format's files."""
        return [o.label.format(name=self.name) for o in self.outputs if o.label]


OUTPUTS = (PRINT, SOURCE, IMPOSED, SCREEN)


def archival(path: str) -> bool:
    """Whether a file of an edition is one it keeps as PDF/A, by its name: the output whose
    file name ends it (the longest, so that x-print.pdf is the print file, not x.pdf)."""
    endings = {o.file.removeprefix("{name}"): o for o in OUTPUTS}
    fits = [ending for ending in endings if path.endswith(ending)]
    return bool(fits) and endings[max(fits, key=len)].archival


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
            optional=(
                "page-size",
                "pages-multiple-of",
                "impose",
                "medium",
                "variables",
                "languages",
                "screen-template",
                "screen-stylesheets",
            ),
            what=f"format '{name}'",
        )
        if "template" not in keys or "stylesheets" not in keys:
            continue
        stylesheets = _stylesheets(f, project, keys["stylesheets"])
        template = _template(f, project, keys["template"])
        pair = False
        if "languages" in keys:
            pair = f.matching(keys["languages"], r"[12]", "languages", PAIR_HINT) == "2"
        screen_template = ""
        if pair and "screen-template" not in keys:
            f.error(
                node, f"format '{name}' needs the key 'screen-template'", "missing-key", PAIR_HINT
            )
        elif "screen-template" in keys:
            screen_template = _template(f, project, keys["screen-template"])
        screen_stylesheets: tuple[str, ...] = ()
        if "screen-stylesheets" in keys:
            screen_stylesheets = _stylesheets(f, project, keys["screen-stylesheets"])
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
            sizes = f.mapping(keys["page-size"], optional=tuple(PAPERS), what="page-size")
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
        outputs = MEDIA.get(medium or "print", MEDIA["print"])
        impose = f.string(keys["impose"], "impose") if "impose" in keys else None
        if impose is not None and impose not in IMPOSITIONS:
            f.error(
                keys["impose"],
                f"unknown imposition '{impose}'",
                "bad-value",
                f"use one of: {', '.join(IMPOSITIONS)}",
            )
        elif impose is not None:
            outputs += (IMPOSITIONS[impose],)
        if pair:  # both sides' HTML go into one PDF: there is no one source to keep
            outputs = tuple(o for o in outputs if o is not SOURCE) + (SCREEN,)
        variables = _variables(f, keys["variables"]) if "variables" in keys else {}
        if variables.get("audience", "students") not in AUDIENCES:
            f.error(
                keys["variables"],
                f"unknown audience '{variables['audience']}'",
                "bad-value",
                f"use one of: {', '.join(AUDIENCES)}",
            )
        formats[name] = Format(
            name,
            template,
            stylesheets,
            {paper: f.string(size, "page size") or "" for paper, size in sizes.items()},
            outputs,
            multiple,
            variables,
            pair,
            screen_template,
            screen_stylesheets,
        )
    f.raise_errors()
    return formats


PAIR_HINT = (
    "a parallel edition's format says 'languages: 2' and names its web page's template: "
    "screen-template: parallel-web.html"
)


def _stylesheets(f: YamlFile, project: Project, node) -> tuple[str, ...]:
    """The stylesheets a format names: files of styles/."""
    names = tuple(f.strings(node, "stylesheets"))
    for stylesheet in names:
        if not _names_a_file_in(project.styles, stylesheet):
            f.error(
                node,
                f"stylesheet '{stylesheet}' is not a file of styles/",
                "outside-folder",
                "name a stylesheet by its path inside styles/",
            )
        elif not (project.styles / stylesheet).is_file():
            f.error(
                node,
                f"stylesheet styles/{stylesheet} not found",
                "style-missing",
                "create it or fix the name",
            )
    return names


def _template(f: YamlFile, project: Project, node) -> str:
    """A template named by a format: a file of templates/."""
    template = f.string(node, "template") or ""
    if not _names_a_file_in(project.templates, template):
        f.error(
            node,
            f"template '{template}' is not a file of templates/",
            "outside-folder",
            "name a template by its path inside templates/",
        )
    elif not (project.templates / template).is_file():
        f.error(
            node,
            f"template templates/{template} not found",
            "template-missing",
            "create it or fix the name",
        )
    return template


def _variables(f: YamlFile, node) -> dict:
    """A format's variables for its template: names, each with a plain YAML value (text, a
    number, true or false, a list or a mapping of those)."""
    if not isinstance(node, yaml.MappingNode):
        f.error(node, "variables must be a mapping (name: value lines)", "wrong-type")
        return {}
    found = {}
    for key_node, value in node.value:
        name = getattr(key_node, "value", None)
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name, re.ASCII):
            f.error(
                key_node,
                f"variable name '{name}' is not a name",
                "bad-value",
                "use letters, digits and _, starting with a letter",
            )
            continue
        if name != "audience" and did_you_mean(name, ["audience"]):
            f.error(
                key_node,
                f"variable '{name}' is close to audience, which says whose copy it is",
                "bad-value",
                "did you mean 'audience'? (rename the variable if it is another one)",
            )
            continue
        found[name] = _plain(value)
    return found


def _plain(node):
    """A YAML node as a plain value (a format's variables are the project's own, trusted)."""
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {getattr(k, "value", ""): _plain(v) for k, v in node.value}
    return yaml.SafeLoader(" ").construct_object(node)


def _names_a_file_in(folder: Path, name: str) -> bool:
    """A plain relative name of a file that stays inside `folder`, symlinks resolved."""
    return is_safe_path(name) and inside(folder / name, folder)
