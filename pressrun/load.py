"""Stage 1, load: content/<pub>/*.yaml -> Publication, validated, each node with file:line:col."""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
import urllib.parse
from copy import copy
from pathlib import Path

import yaml

from . import images, markdown, worksheet
from .citations import citation_keys, markdown_sources
from .citations import cited as pandoc_cited
from .diagnostics import Diagnostic, Location, PressrunError, did_you_mean, shortened
from .kept import recorded
from .markdown import link_allowed, text_images
from .model import (
    BLOCKS,
    MAX_LEVEL,
    Article,
    Attribution,
    Author,
    Block,
    Change,
    Cover,
    Edition,
    Exercise,
    Imposition,
    Inline,
    PageBreak,
    Paragraph,
    Publication,
    Section,
    Term,
    read_alt,
    terms_in,
)
from .parallel import pairing
from .project import ID_PATTERN, PAPERS, Project, climbs, inside
from .references import FORMATS as REFERENCE_FORMATS
from .references import Reference, duplicate_references, read_references
from .worksheet import MAX_VERSIONS
from .yamlnodes import YamlFile

SCOPES = ("publication", "library")  # references-scope: the first is the default


def load(project: Project, pub_id: str) -> Publication:
    """Read and validate one publication; raise PressrunError listing every error found."""
    with images.remembered_in(project.output / ".cache" / "images"), recorded() as used:
        pub = _load(project, pub_id)
    pub.kept = sorted(set(used))
    return pub


def _load(project: Project, pub_id: str) -> Publication:
    folder = project.content / pub_id
    meta_file = YamlFile(folder / "publication.yaml", project.display(folder / "publication.yaml"))
    top = meta_file.mapping(
        meta_file.root,
        required=("id", "languages", "edition", "license"),
        optional=(
            "formats",
            "paper",
            "style",
            "references",
            "cover",
            "imposition",
            "changelog",
            "source",
            "bibliography-title",
            "references-scope",
            "authors",
            "course",
            "numbered",
            "versions",
            "web-url",
            "parallel",
        ),
        what="publication.yaml",
    )
    g = meta_file
    pid = (
        g.matching(
            top["id"], ID_PATTERN, "publication id", "use lowercase letters, digits and hyphens"
        )
        if "id" in top
        else None
    )
    if pid and pid != pub_id:
        g.error(
            top["id"],
            f"id '{pid}' differs from its folder name '{pub_id}'",
            "id-mismatch",
            f"write 'id: {pub_id}' or rename the folder",
        )
    languages = _names(
        g, top.get("languages"), project.languages(), "language", "add templates/labels/{name}.yaml"
    )
    formats = ["handout"]
    if "formats" in top:
        formats = _names(
            g,
            top["formats"],
            list(project.config.formats),
            "format",
            "add it to templates/formats.yaml",
        )
    paper = _one_of(g, top.get("paper"), tuple(PAPERS), "paper")
    scope = _one_of(g, top.get("references-scope"), SCOPES, "references-scope")
    style = g.string(top["style"], "style") if "style" in top else None
    style = style or "chicago-notes-bibliography"
    style_where = g.where(top["style"]) if "style" in top else g.where(meta_file.root)
    edition = _edition(g, top.get("edition"))
    if edition and "changelog" in top:
        edition.changelog = _changelog(g, top["changelog"], project.languages())
        entry = next((c for c in edition.changelog if c.version == edition.version), None)
        if entry and entry.date != edition.date and "date" in _keys(top["edition"]):
            g.diagnostics.append(
                Diagnostic(
                    g.where(_keys(top["edition"])["date"]),
                    f"edition {edition.version} is dated {edition.date} here and "
                    f"{entry.date} in the changelog: builds print this date, its release the "
                    "changelog's",
                    "edition-date",
                    "give both the same date",
                    severity="warning",
                )
            )
    attribution = _attribution(g, top.get("license"), top.get("source"))
    titles = _per_language(g, top.get("bibliography-title"), languages, "bibliography-title")
    authors = _authors(g, top["authors"]) if "authors" in top else []
    course = _per_language(g, top.get("course"), languages, "course")
    numbered = bool(g.boolean(top["numbered"], "numbered")) if "numbered" in top else False
    versions = _versions(g, top["versions"]) if "versions" in top else 1
    web_url = _web_url(g, top["web-url"], languages) if "web-url" in top else {}
    at = top.get("formats", meta_file.root)
    parallel = _parallel(g, top.get("parallel"), languages, formats, project, at)
    cover = _cover(g, top["cover"], folder) if "cover" in top else None
    imposition = _imposition(g, top["imposition"]) if "imposition" in top else Imposition()
    ref_files = _reference_files(g, top.get("references"), folder, meta_file.root)

    errors = [d for d in g.diagnostics if d.severity == "error"]
    reference_warnings: list[Diagnostic] = []
    references: list[Reference] | None = [] if ref_files is not None else None
    cache = project.output / ".cache"
    for path in ref_files or []:  # every file is read, so that every file's errors show
        try:
            found = read_references(path, project.display(path), reference_warnings, cache)
        except PressrunError as exc:
            errors += exc.diagnostics
            references = None  # keys cannot be checked against part of the references
            continue
        if references is not None:
            references += found
    if references:
        errors += duplicate_references(references)
    articles = {}
    for lang in (lang for lang in languages if lang in project.languages()):
        path = folder / f"{lang}.yaml"
        try:
            text = YamlFile(path, project.display(path))
        except PressrunError as exc:
            errors += exc.diagnostics
            continue
        # An article with errors is still read whole, so its citations are checked too: one
        # run reports every error.
        articles[lang] = _article(text, lang)
        errors += [d for d in text.diagnostics if d.severity == "error"]
    warnings = reference_warnings + [w for article in articles.values() for w in article.warnings]
    warnings += [d for d in g.diagnostics if d.severity == "warning"]
    for article in articles.values():
        ids = {section.id for section in article.all_sections()} | {"bibliography", "glossary"}
        warnings += markdown.dead_anchors(article, ids)
    aliases: dict[str, str] = {}
    cited: set[str] = set()
    if references is not None:
        listed = g.where(top.get("references", meta_file.root))
        aliases, cited, found = _check_citations(
            articles.values(), references, warnings, scope, cache, listed
        )
        errors += found
    for left, right in parallel:
        if left in articles and right in articles:
            warnings += pairing(articles[left], articles[right], f"{left}-{right}")
    for lang, article in articles.items():
        errors += _image_budget(article, folder, project.display(folder / f"{lang}.yaml"))
    formats_at = g.where(top["formats"]) if "formats" in top else g.where(meta_file.root)
    warnings += _worksheet_warnings(project, articles, formats, formats_at)
    if versions > 1 and not any(
        isinstance(block, Exercise) for article in articles.values() for block in article.blocks()
    ):
        warnings.append(
            Diagnostic(
                g.where(top["versions"]),
                f"versions: {versions}, and the text has no exercises to shuffle: one copy is made",
                "versions-unused",
                "add exercises, or remove versions:",
                severity="warning",
            )
        )
    errors, warnings = list(dict.fromkeys(errors)), list(dict.fromkeys(warnings))
    if errors:
        raise PressrunError(errors)
    return Publication(
        id=pub_id,
        folder=folder,
        folder_display=project.display(folder),
        languages=languages,
        formats=formats,
        paper=paper,
        style=style,
        style_where=style_where,
        references_files=ref_files or [],
        references=references,
        aliases=aliases,
        cited=cited,
        references_scope=scope,
        edition=edition,
        attribution=attribution,
        cover=cover,
        imposition=imposition,
        bibliography_title=titles,
        articles=articles,
        where=g.where(meta_file.root),
        warnings=warnings,
        authors=authors,
        course=course,
        numbered=numbered,
        versions=versions,
        web_url=web_url,
        parallel=parallel,
    )


BRACED_WITH_SPACE = re.compile(r"(?<!\\)@\{[^{}\s]*\s[^{}]{0,200}\}")
# Uncited references up to this many are each a warning at its place; more are one line.
UNCITED_ONE_BY_ONE = 10


def _check_citations(
    articles, references: list[Reference], warnings: list, scope: str, cache: Path, listed
) -> tuple[dict[str, str], set[str], list[Diagnostic]]:
    """The short keys cited (each with its item's id), the ids cited, and errors for unknown
    citation keys (with the closest known). The keys are those pandoc's reader finds (not an
    address's @, not code), each placed where it is written; uncited references are warnings
    unless the scope is a library (placed at the file, or at `listed`, where the files are
    named)."""
    known = {ref.id: ref.id for ref in references}
    known.update({ref.alias: ref.id for ref in references if ref.alias})
    sets = {ref.id: ref.members for ref in references if ref.members}
    cited: set[str] = set()
    aliases: dict[str, str] = {}
    errors = []
    for article in articles:
        inlines = article.inlines()
        by_pandoc = pandoc_cited(markdown_sources(inlines), cache)
        for n, inline in enumerate(inlines):
            for spaced in BRACED_WITH_SPACE.finditer(inline.source):
                warnings.append(
                    Diagnostic(
                        inline.locate(spaced.group(0)),
                        f"'{shortened(spaced.group(0))}' is no citation: a key in braces has "
                        "no spaces (pandoc prints it as it is written)",
                        "spaced-key",
                        "remove the spaces from the key, or write \\@ if it is not one",
                        severity="warning",
                    )
                )
            written = dict(reversed(list(citation_keys(inline.source))))
            keys = by_pandoc[n] if by_pandoc is not None else set(written)
            for key in sorted(keys, key=lambda k: (k not in written, inline.source.find(k), k)):
                where = inline.locate(written[key]) if key in written else inline.where
                if key in sets:
                    members = "; ".join(f"@{member}" for member in sets[key])
                    errors.append(
                        Diagnostic(
                            where,
                            f"'{shortened(key)}' is a BibLaTeX @set, which citeproc cannot print",
                            "cited-set",
                            f"cite its entries instead: [{shortened(members, 200)}]",
                        )
                    )
                if key in known:
                    cited.add(known[key])
                    if known[key] != key:
                        aliases[key] = known[key]
                    continue
                errors.append(
                    Diagnostic(
                        where,
                        f"unknown citation key '{shortened(key)}'",
                        "unknown-citation",
                        "'@*' means every entry only in a nocite list, which content has none "
                        "of: write \\@* for the characters"
                        if key == "*"
                        else did_you_mean(key, known) or "add it to the references file",
                    )
                )
    uncited = _uncited(references, cited)
    if scope == "library" or not uncited:
        return aliases, cited, errors
    if len(uncited) <= UNCITED_ONE_BY_ONE:
        warnings += [
            Diagnostic(
                ref.where,
                f"reference '{shortened(ref.id)}' is never cited",
                "uncited-reference",
                "cite it or remove it",
                severity="warning",
            )
            for ref in uncited
        ]
    else:
        files = sorted({ref.where.file for ref in uncited})
        warnings.append(
            Diagnostic(
                Location(files[0]) if len(files) == 1 else listed,
                f"{len(uncited):,} of {len(references):,} references are not cited; "
                "'check --list-uncited' lists them",
                "uncited-references",
                "export only what the publication cites, or say 'references-scope: library' "
                "in publication.yaml if the file is a whole library",
                severity="warning",
            )
        )
    return aliases, cited, errors


def uncited(pub: Publication) -> list[Reference]:
    """The references of the publication that its text does not cite."""
    return _uncited(pub.references, pub.cited)


def _uncited(references: list[Reference], cited: set[str]) -> list[Reference]:
    """A @set is no source of its own: its entries are."""
    return [ref for ref in references if ref.id not in cited and not ref.members]


def _reference_files(g: YamlFile, node, folder: Path, root) -> list[Path] | None:
    """The references files: one name, or a list of names (default: references.yaml)."""
    if node is None:
        names, nodes = ["references.yaml"], [root]
    elif isinstance(node, yaml.SequenceNode):
        nodes = node.value
        names = [g.string(item, "a references file") for item in nodes]
    else:
        names, nodes = [g.string(node, "references")], [node]
    found = []
    for name, where in zip(names, nodes, strict=True):
        outside = name and not inside(folder / name, folder)
        if name and not outside and Path(name).suffix.lower() not in REFERENCE_FORMATS:
            g.error(
                where,
                f"unknown references format '{Path(name).suffix}'",
                "references-format",
                "use CSL YAML (.yaml), CSL JSON (.json) or BibTeX/BibLaTeX (.bib)",
            )
        elif name and (path := file_inside(g, where, folder, name, "references file")):
            found.append(path)
    # None when a file is missing: citation keys cannot be checked against part of them.
    return found if len(found) == len(names) else None


# Every image is inlined where it prints (a document holds no other file): its uses, in all,
# may weigh this much in one language's document.
MAX_IMAGE_BYTES = 64 * 1024 * 1024


def _image_budget(article: Article, folder: Path, display: str) -> list[Diagnostic]:
    """An error if the images of a text, counted at each use, weigh more than the budget."""
    paths = [path for block in article.blocks() for path in block.images()]
    paths += [folder / name for inline in article.inlines() for name in text_images(inline.source)]
    sizes: dict[Path, int] = {}
    total = sum(sizes.setdefault(p, p.stat().st_size if p.is_file() else 0) for p in paths)
    if total <= MAX_IMAGE_BYTES:
        return []
    return [
        Diagnostic(
            Location(display),
            f"the text prints images {len(paths):,} times, {total / 2**20:,.0f} MiB in all (each "
            f"use is a copy inside the document): at most {MAX_IMAGE_BYTES // 2**20} MiB",
            "images-too-heavy",
            "use a large image once, or save it smaller",
        )
    ]


def _authors(g: YamlFile, node) -> list[Author]:
    """Who wrote it: a name, or a list of names and {name, affiliation} mappings."""
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    found = []
    for item in items:
        if isinstance(item, yaml.MappingNode):
            keys = g.mapping(item, required=("name",), optional=("affiliation",), what="an author")
            name = g.string(keys["name"], "author name") if "name" in keys else None
            where = keys.get("affiliation")
            affiliation = (g.string(where, "affiliation") or "") if where is not None else ""
        else:
            name, affiliation = g.string(item, "an author"), ""
        if name:
            found.append(Author(name, affiliation))
    return found


def _one_of(g: YamlFile, node, choices: tuple[str, ...], what: str) -> str:
    """One of `choices` (the first when the key is absent)."""
    value = g.string(node, what) if node is not None else choices[0]
    if value not in choices:
        g.error(node, f"unknown {what} '{value}'", "bad-value", f"use one of: {', '.join(choices)}")
    return value if value in choices else choices[0]


def _names(g: YamlFile, node, known: list[str], what: str, hint: str) -> list[str]:
    """A list of names, each of which must be known."""
    if node is None:
        return []
    names = g.strings(node, f"{what}s")
    for item, name in zip(node.value, names, strict=False):
        if name not in known:
            g.error(
                item,
                f"unknown {what} '{name}'",
                f"unknown-{what}",
                did_you_mean(name, known) or f"{hint.format(name=name)}; known: {', '.join(known)}",
            )
    return names


def _keys(node) -> dict:
    """The keys of a mapping node (no checks: those were made where it was read)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _per_language(g: YamlFile, node, languages: list[str], what: str) -> dict[str, str]:
    """A text for every language (a string) or per language (a mapping lang: text)."""
    if node is None:
        return {}
    if isinstance(node, yaml.MappingNode):
        keys = g.mapping(node, optional=languages, what=what)
        return {lang: g.string(value, f"{what} ({lang})") or "" for lang, value in keys.items()}
    return {"*": g.string(node, what) or ""}


def _worksheet_warnings(
    project: Project, articles: dict[str, Article], formats: list[str], formats_at: Location
) -> list[Diagnostic]:
    """The exercises of every language agree; with a teacher's copy or a key to make, the
    text has exercises, and each open exercise has its answer."""
    found = worksheet.differences(articles) if len(articles) > 1 else []
    known = project.config.formats
    answering = [n for n in formats if n in known and known[n].audience != "students"]
    if not answering:
        return found
    if not any(next(worksheet.exercises(a), None) for a in articles.values()):
        found.append(
            Diagnostic(
                formats_at,
                f"{', '.join(answering)}: the text has no exercises, so "
                f"{'these copies print' if len(answering) > 1 else 'this copy prints'} "
                "no answers",
                "no-exercises",
                "add exercises, or remove it from formats:",
                severity="warning",
            )
        )
    for article in articles.values():
        for exercise in worksheet.exercises(article):
            for item in exercise.parts or [exercise]:
                if item.answer is None and item.correct is None:
                    found.append(
                        Diagnostic(
                            item.where,
                            "an exercise without an answer: the teacher's copy and the answer "
                            "key print none",
                            "no-answer",
                            "add answer: with what a right answer says",
                            severity="warning",
                        )
                    )
    return found


def _parallel(g: YamlFile, node, languages, formats, project, root) -> list[tuple[str, str]]:
    """The parallel editions: one pair of languages ([en, es]: en on the left) or a list of
    pairs; a format that sets them (languages: 2) needs them, and they need one."""
    makers = [
        name
        for name in formats
        if project.config.formats.get(name, None) and project.config.formats[name].pair
    ]
    hint = "write parallel: [en, es] (the left language first), or a list of such pairs"
    if node is None:
        if makers:
            g.error(
                root,
                f"format '{makers[0]}' sets two languages on facing pages: say which",
                "missing-key",
                f"add parallel: [{', '.join(languages[:2])}]" if len(languages) > 1 else hint,
            )
        return []
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    if items and all(isinstance(item, yaml.ScalarNode) for item in items):
        items = [node]  # one pair
    pairs: list[tuple[str, str]] = []
    if not items or not all(isinstance(item, yaml.SequenceNode) for item in items):
        g.error(
            node, "parallel must be a pair of languages, or a list of pairs", "wrong-type", hint
        )
        return []
    for item in items:
        names = g.strings(item, "parallel")
        if len(names) != 2:
            g.error(
                item, f"a parallel edition has two languages, not {len(names)}", "bad-value", hint
            )
            continue
        for scalar, name in zip(item.value, names, strict=True):
            if name not in languages:
                g.error(
                    scalar,
                    f"'{name}' is not one of the publication's languages",
                    "unknown-language",
                    did_you_mean(name, languages) or f"its languages: {', '.join(languages)}",
                )
        if names[0] == names[1]:
            g.error(item, "a parallel edition sets two different languages", "bad-value", hint)
        elif (names[0], names[1]) in pairs:
            g.error(item, f"the pair {names[0]}, {names[1]} is named twice", "duplicate-key", hint)
        elif all(name in languages for name in names):
            pairs.append((names[0], names[1]))
    if pairs and not makers:
        g.diagnostics.append(
            Diagnostic(
                g.where(node),
                "parallel: names languages, and no format of formats: makes a parallel edition",
                "parallel-unused",
                "add parallel to formats:",
                severity="warning",
            )
        )
    return pairs


def _versions(g: YamlFile, node) -> int:
    """How many versions of a worksheet (A, B, …) to make: 1 to MAX_VERSIONS."""
    hint = f"give a number from 1 to {MAX_VERSIONS}: 2 makes versions A and B"
    if not isinstance(node, yaml.ScalarNode):
        g.error(node, "versions must be a number", "wrong-type", hint)
        return 1
    text = g.matching(node, r"\d{1,2}", "versions", hint)
    if text is not None and not 1 <= int(text) <= MAX_VERSIONS:
        g.error(node, f"versions {text} is not 1 to {MAX_VERSIONS}", "bad-value", hint)
        return 1
    return int(text or 1)


def _web_url(g: YamlFile, node, languages: list[str]) -> dict[str, str]:
    """The web edition's address, for all languages or per language: http(s) only."""
    found = _per_language(g, node, languages, "web-url")
    where = (
        {lang: value for lang, value in _keys(node).items()}
        if isinstance(node, yaml.MappingNode)
        else {}
    )
    for lang, url in list(found.items()):
        problem = _web_address_problem(url)
        if problem:
            g.error(
                where.get(lang, node),
                f"web-url '{shortened(url, 60)}' {problem}",
                "bad-link",
                "give the address of the web edition as the browser shows it, "
                "such as https://example.org/treaty/",
            )
            del found[lang]
    return found


def _web_address_problem(url: str) -> str:
    """What keeps `url` from being printed as a link to a web page ('' when nothing does)."""
    if len(url) > 300:
        return "is longer than 300 characters"
    hidden = next((c for c in url if unicodedata.category(c)[0] in "CZ"), None)
    if hidden is not None:
        return f"holds U+{ord(hidden):04X}, a space or an invisible character"
    if re.search(r"[<>\"'`\\{}|^]", url):
        return "holds a character no address has"
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a web address"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not a web address (http:// or https://)"
    if not host or "." not in host.strip("."):
        return "names no web server"
    return ""


def _cover(g: YamlFile, node, folder: Path) -> Cover | None:
    keys = g.mapping(node, required=("image",), optional=("alt", "decorative"), what="cover")
    image = g.string(keys["image"], "cover image") if "image" in keys else None
    alt = read_alt(g, node, keys, "the cover") if isinstance(node, yaml.MappingNode) else None
    if image is None or alt is None:
        return None
    path = image_inside(g, keys["image"], folder, image, "cover image")
    return Cover(path, alt) if path else None


def file_inside(f: YamlFile, node, folder: Path, name: str, what: str) -> Path | None:
    """A file named in the content: it must exist inside the publication folder."""
    path = folder / name
    if not inside(path, folder) or climbs(name):
        f.error(
            node,
            f"{what} '{name}' is outside the publication folder",
            "outside-folder",
            "content may only use files inside its own folder: copy the file there",
        )
        return None
    if path.is_dir():
        f.error(node, f"{what} '{name}' is a folder", "file-missing", "name a file in it")
        return None
    if not path.is_file():
        present = [p.name for p in path.parent.iterdir()] if path.parent.is_dir() else []
        same_but_case = [p for p in present if p.lower() == path.name.lower()]
        hint = (
            f"did you mean '{same_but_case[0]}'? (names differ in capitals)"
            if same_but_case
            else did_you_mean(path.name, present)
            or "give a path relative to the publication folder"
        )
        f.error(node, f"{what} '{name}' not found", "file-missing", hint)
        return None
    return path


def image_inside(f: YamlFile, node, folder: Path, name: str, what: str) -> Path | None:
    """An image named in the content: a file inside the publication folder that is an image
    pressrun can print, within the size and pixel caps."""
    path = file_inside(f, node, folder, name, what)
    if path is None:
        return None
    if not name.lower().endswith(images.SUFFIXES):
        f.error(
            node,
            f"{what} '{name}' is not a picture file",
            "image-kind",
            "use a .png, .jpg, .gif, .webp or .svg file",
        )
        return None
    try:
        images.check(path)
    except images.ImageProblem as problem:
        f.error(node, f"{what} '{name}' {problem}", problem.code, problem.hint)
        return None
    return path


def _imposition(g: YamlFile, node) -> Imposition:
    keys = g.mapping(node, optional=("creep", "marks"), what="imposition")
    creep = 0.0
    if "creep" in keys:
        text = g.matching(
            keys["creep"],
            r"\d+(\.\d+)?\s*mm",
            "creep",
            "give the shift per sheet in millimetres, such as 0.1mm",
        )
        creep = float(text.removesuffix("mm").strip()) if text else 0.0
        if creep > 2:
            g.error(
                keys["creep"],
                f"creep {creep} mm per sheet is far too much",
                "bad-value",
                "creep is about the paper's thickness: 0.05mm to 0.2mm",
            )
    marks = bool(g.boolean(keys["marks"], "marks")) if "marks" in keys else False
    return Imposition(creep, marks)


def _edition(g: YamlFile, node) -> Edition | None:
    if node is None:
        return None
    keys = g.mapping(node, required=("version",), optional=("date",), what="edition")
    version = (
        g.matching(
            keys["version"],
            r"\d+\.\d+\.\d+",
            "edition version",
            "use a semantic version such as 1.0.0",
        )
        if "version" in keys
        else None
    )
    date = g.date(keys["date"], "edition date") if "date" in keys else _source_date(g, node)
    return Edition(version or "", date or datetime.date(1970, 1, 1))


def _changelog(g: YamlFile, node, languages: list[str]) -> list[Change]:
    changes, seen = [], set()
    for item in g.sequence(node, "changelog"):
        keys = g.mapping(item, required=("version", "date", "changes"), what="a changelog entry")
        if len(keys) < 3:
            continue
        version = g.matching(
            keys["version"],
            r"\d+\.\d+\.\d+",
            "changelog version",
            "use a semantic version such as 1.0.0",
        )
        if version in seen:
            g.error(
                keys["version"],
                f"version {version} is twice in the changelog",
                "duplicate-version",
                "merge the two entries",
            )
        seen.add(version)
        date = g.date(keys["date"], "changelog date")
        body = keys["changes"]
        if isinstance(body, yaml.MappingNode):
            text = {
                k: g.string(v, f"changes ({k})") or ""
                for k, v in g.mapping(body, optional=languages, what="changes").items()
            }
        else:
            text = {"*": g.string(body, "changes") or ""}
        if version and date:
            changes.append(Change(version, date, text))
    return changes


def _source_date(g: YamlFile, node) -> datetime.date | None:
    """Without an edition date, the date comes from SOURCE_DATE_EPOCH, never from the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
    g.error(
        node,
        "the edition needs a date",
        "missing-key",
        "add 'date: YYYY-MM-DD' to edition, or set SOURCE_DATE_EPOCH",
    )
    return None


def _attribution(g: YamlFile, license_node, source_node) -> Attribution | None:
    """The licence, and the work the text is adapted from (none for an original text)."""
    if license_node is None:
        return None
    lic = g.mapping(license_node, required=("name",), optional=("url",), what="license")
    src = (
        g.mapping(source_node, required=("title",), optional=("publisher", "url"), what="source")
        if source_node is not None
        else {}
    )

    def text(keys, key, what):
        return (g.string(keys[key], what) or "") if key in keys else ""

    for keys, what in ((lic, "license url"), (src, "source url")):
        url = text(keys, "url", what)
        if url and not link_allowed(url):
            g.error(
                keys["url"],
                f"{what} '{url}' is not allowed",
                "link-url",
                "give an http(s):// or mailto: address",
            )

    return Attribution(
        license_name=text(lic, "name", "license name"),
        license_url=text(lic, "url", "license url"),
        source_title=text(src, "title", "source title"),
        source_publisher=text(src, "publisher", "source publisher"),
        source_url=text(src, "url", "source url"),
    )


def _empty(f: YamlFile, node) -> Inline:
    """An empty phrase in place of one that had an error (its row keeps its shape)."""
    return Inline("", f.where(node), f)


class ContentReader:
    """How blocks read themselves from one content file (model.Reader): Markdown checked by
    markdown.check, images checked where they are named, nested blocks."""

    def __init__(self, f: YamlFile):
        self.f = f

    def inline(self, node, what: str, phrase: bool = False) -> Inline | None:
        text = self.f.string(node, what)
        if text is None:
            return None
        span = (node.start_mark.index, node.end_mark.index)
        inline = Inline(text, self.f.where(node), self.f, span, phrase)
        markdown.check(self.f, inline, self.image_file)
        return inline

    def image_file(self, name: str, where: Location) -> Path | None:
        return image_inside(self.f, where, self.f.path.parent, name, "image")

    def optional(self, keys: dict, key: str, what: str) -> Inline | None:
        """The phrase under `key`, if there is one."""
        return self.inline(keys[key], what, phrase=True) if key in keys else None

    def inlines(self, node, what: str) -> list[Inline] | None:
        """A list of phrases (a table's row); None if it is no list."""
        if not isinstance(node, yaml.SequenceNode):
            self.f.error(
                node,
                f"{what} must be a list of cells",
                "wrong-type",
                "write it in brackets: [Sakhalin, undivided, Russia]",
            )
            return None
        return [
            self.inline(item, f"each item of {what}", phrase=True) or _empty(self.f, item)
            for item in node.value
        ]

    def lines(self, node, what: str) -> list[Inline]:
        """A text's lines, each a phrase placed where it is written (an excerpt keeps its
        line breaks: write it after '|')."""
        text = self.f.string(node, what)
        if text is None:
            return []
        found, offset = [], node.start_mark.index
        for line in text.rstrip("\n").split("\n"):
            at = self.f.text.find(line, offset, node.end_mark.index) if line else -1
            start = at if at >= 0 else offset
            span = (start, start + len(line))
            inline = Inline(line, self.f.at_offset(start), self.f, span, phrase=True)
            markdown.check(self.f, inline, self.image_file)
            found.append(inline)
            offset = span[1] if at >= 0 else offset
        return found

    def image(self, node, what: str) -> Path | None:
        name = self.f.string(node, what)
        return image_inside(self.f, node, self.f.path.parent, name, what) if name else None

    def blocks(self, node, what: str) -> list[Block]:
        found: list[Block] = []
        for block in map(self.block, self.f.sequence(node, what)):
            # A page break after a page break would only add a blank page.
            again = found and isinstance(found[-1], PageBreak)
            if block and not (isinstance(block, PageBreak) and again):
                found.append(block)
        return found

    def block(self, node) -> Block | None:
        """A block: a text (a paragraph), or a mapping with the key of one block kind."""
        f = self.f
        if not isinstance(node, yaml.MappingNode):
            text = self.inline(node, "a paragraph")
            return Paragraph(text) if text else None
        names = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        kind = next((name for name in names if name in BLOCKS), None)
        if kind is None:
            first = node.value[0][0] if node.value else node
            key = first.value if isinstance(first, yaml.ScalarNode) else ""
            sentence = len(node.value) == 1 and isinstance(key, str) and " " in key.strip()
            f.error(
                first,
                "a block must be a paragraph (text) or a mapping with one of: " + ", ".join(BLOCKS),
                "unknown-block",
                f"the ': ' after '{shortened(key, 40)}' made the text a 'key: value' pair: "
                "put the whole text in quotes, or write it after '>-' on the next lines"
                if sentence
                else did_you_mean(key, BLOCKS) or "",
            )
            return None
        cls = BLOCKS[kind]
        keys = f.mapping(
            node, required=(kind, *cls.required), optional=cls.optional, what=f"a {kind} block"
        )
        if kind not in keys or any(r not in keys for r in cls.required):
            return None
        return cls.read(self, keys[kind], keys)


def _article(f: YamlFile, lang: str) -> Article:
    r = ContentReader(f)
    top = f.mapping(
        f.root, required=("title", "sections"), optional=("subtitle",), what=f"{lang}.yaml"
    )
    title = r.inline(top["title"], "title", phrase=True) if "title" in top else None
    subtitle = r.inline(top["subtitle"], "subtitle", phrase=True) if "subtitle" in top else None
    sections = _sections(r, top["sections"], set(), 1, "") if "sections" in top else []
    glossary = _glossary(f, lang, list(terms_in(sections)))
    warnings = [d for d in f.diagnostics if d.severity == "warning"]
    return Article(lang, title, subtitle, sections, f.where(f.root), warnings, glossary)


def _sections(r: ContentReader, node, used_ids: set[str], level: int, parent: str | None):
    """A list of sections at `level`; those with a heading are numbered within `parent`
    (None: not numbered)."""
    sections, headed = [], 0
    for index, item in enumerate(r.f.sequence(node, "sections"), start=1):
        keys = r.f.mapping(item, optional=("heading", "id", "blocks", "sections"), what="a section")
        if not keys and not isinstance(item, yaml.MappingNode):
            continue
        headed += "heading" in keys
        number = "" if parent is None else f"{parent}.{headed}" if parent else str(headed)
        section = _section(r, item, keys, index, used_ids, level, number)
        if section:
            sections.append(section)
    return sections


def _section(r: ContentReader, node, keys, index: int, used_ids: set[str], level: int, number):
    f = r.f
    if "blocks" not in keys and "sections" not in keys:
        f.error(
            node,
            "a section needs the key 'blocks'",
            "missing-key",
            "add a line 'blocks: …' (or 'sections: …' for subsections)",
        )
    heading = r.inline(keys["heading"], "heading", phrase=True) if "heading" in keys else None
    if heading is not None and not re.sub(r"\^\[[^\]]*\]|\s", "", heading.source):
        f.error(
            keys["heading"],
            "a heading with no words (a note alone is no heading)",
            "empty",
            "write the heading's words, or leave heading: out",
        )
    if "id" in keys:
        sid = f.matching(
            keys["id"], ID_PATTERN, "section id", "use lowercase letters, digits and hyphens"
        )
        if sid and _reserved(sid):
            f.error(
                keys["id"],
                f"section id '{sid}' is one pressrun uses itself",
                "reserved-id",
                f"choose another, such as '{sid}-section'",
            )
    else:
        sid = _slug(heading.source) if heading else ""
        sid = f"{sid}-section" if _reserved(sid) else sid
    sid = sid or f"section-{number if heading else index}".replace(".", "-")
    if sid in used_ids and "id" in keys:
        f.error(
            keys["id"],
            f"section id '{sid}' is used twice",
            "duplicate-id",
            "give each section its own id: links go to one of them",
        )
    base, count = sid, 1
    while sid in used_ids:
        count += 1
        sid = f"{base}-{count}"
    used_ids.add(sid)
    blocks = r.blocks(keys["blocks"], "blocks") if "blocks" in keys else []
    subsections = []
    if "sections" in keys:
        if level >= MAX_LEVEL:
            f.error(
                keys["sections"],
                f"sections nest at most {MAX_LEVEL} levels deep",
                "too-deep",
                "make this a section of the level above, or use a box or a list",
            )
        else:
            # Under a section without a heading, subsections are not numbered: their number
            # would repeat the last headed section's.
            subsections = _sections(
                r, keys["sections"], used_ids, level + 1, number if heading else None
            )
    return Section(
        sid, heading, blocks, subsections, level, number if heading else "", f.where(node)
    )


def _glossary(f: YamlFile, lang: str, terms: list[Term]) -> list[Term]:
    """The key terms of a text, each once, sorted by the language's collation (Spanish 'ñ'
    after 'n'; accents after the plain letter), as copies of their pieces."""
    if not terms:
        return []
    import icu  # ICU's collation: the rules of each language, not code-point order

    collator = icu.Collator.createInstance(icu.Locale(lang))
    first: dict[str, Term] = {}
    kept: list[Term] = []
    for term in terms:
        name = _same(plain(term.term.source))
        if not name:
            kept.append(term)  # a term that prints no letters: nothing to compare
            continue
        if name in first:
            f.diagnostics.append(
                Diagnostic(
                    term.term.where,
                    f"key term '{shortened(plain(term.term.source))}' is defined twice "
                    f"(first at {first[name].term.where}): the glossary keeps the first",
                    "duplicate-term",
                    "remove one, or give the terms different names",
                    severity="warning",
                )
            )
            continue
        first[name] = term
        kept.append(term)
    ordered = sorted(kept, key=lambda t: collator.getSortKey(plain(t.term.source)))
    return [Term(copy(t.term), copy(t.definition)) for t in ordered]


def _same(term: str) -> str:
    """A term as the glossary compares it: composed, compatibility forms folded (fullwidth
    letters), invisible format characters (zero-width spaces) dropped, case ignored."""
    folded = unicodedata.normalize("NFKC", term).casefold()
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").strip()


def plain(source: str) -> str:
    """Inline Markdown as the words it prints, near enough to sort and compare them."""
    return re.sub(r"[*_`\\]|\{[^}]*\}|[\[\]]", "", source).strip()


# Ids of pressrun's own parts of a page: the bibliography and its entries, notes and their
# calls, the contents, the booklet's filler page, the text's wrappers.
RESERVED_IDS = ("bibliography", "refs", "contents", "glossary", "grading-title")
RESERVED_PREFIXES = ("ref-", "note-", "pressrun", "pr-", "sidenote", "exercise-", "key-")


def _reserved(sid: str) -> bool:
    return sid in RESERVED_IDS or sid.startswith(RESERVED_PREFIXES)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:64].strip("-")
