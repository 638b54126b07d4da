"""Label catalogs: templates/labels/<lang>.yaml -> Labels (what templates print in a language,
and its locales), and the checks that every label a template prints is in every catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from .diagnostics import Diagnostic, Location, did_you_mean, shortened
from .project import Project
from .yamlnodes import YamlFile

if TYPE_CHECKING:
    from .formats import Format

TYPOGRAPHIES = ("french",)
CSL_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


@dataclass(frozen=True)
class Labels:
    """What the templates print in one language, and the locales for citations and dates."""

    lang: str
    csl_locale: str
    date_locale: str
    words: dict[str, str]
    typography: str = ""  # "french": no-break spaces before : ; ? ! and inside « »


def read_labels(project: Project, lang: str) -> Labels:
    """The label catalog of `lang` (Config.labels reads each once per command)."""
    path = project.templates / "labels" / f"{lang}.yaml"
    f = YamlFile(path, project.display(path))
    keys = f.mapping(
        f.root,
        required=("csl-locale", "date-locale", "labels"),
        optional=("typography",),
        what="a label catalog",
    )
    typography = f.string(keys["typography"], "typography") if "typography" in keys else ""
    if typography and typography not in TYPOGRAPHIES:
        f.error(
            keys["typography"],
            f"unknown typography '{typography}'",
            "bad-value",
            f"use one of: {', '.join(TYPOGRAPHIES)}, or leave it out",
        )
    words = {}
    if "labels" in keys:
        node = keys["labels"]
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                words[key_node.value] = f.string(value_node, f"label '{key_node.value}'") or ""
        else:
            f.error(node, "labels must be a mapping", "wrong-type")
    csl = f.string(keys["csl-locale"], "csl-locale") if "csl-locale" in keys else ""
    if csl and not CSL_LOCALE.fullmatch(csl):
        f.error(
            keys["csl-locale"],
            f"csl-locale '{shortened(csl, 40)}' is not a locale name",
            "bad-locale",
            "write a language and region such as es-ES",
        )
    dates = f.string(keys["date-locale"], "date-locale") if "date-locale" in keys else ""
    if dates and not _babel_locale(dates):
        f.error(
            keys["date-locale"],
            f"date-locale '{shortened(dates, 40)}' is not a locale Babel knows",
            "bad-locale",
            "write a language code such as es, or es_MX",
        )
    f.raise_errors()
    return Labels(lang, csl or "", dates or "", words, typography or "")


def _babel_locale(name: str) -> bool:
    """A locale Babel has data for (its file only is looked at: loading it costs a no-op
    build tens of milliseconds)."""
    from babel import localedata

    if not re.fullmatch(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*", name):
        return False
    return localedata.exists(name.replace("-", "_"))


# t.key and t["key"] in a template (read with a pattern: parsing every template would cost a
# no-op build tens of milliseconds).
LABEL_USE = re.compile(r"""(?<![\w.])t(?:\.([A-Za-z_][\w]*)|\[\s*["']([^"']+)["']\s*\])""")
# Labels that pressrun's code (not a template) prints.
CODE_LABELS = ("bibliography", "references", "works-cited", "notes", "language-name")
CODE_LABELS += ("back-to-text",)


def same_language_names(project: Project, langs: list[str]) -> list[Diagnostic]:
    """A warning for a catalog whose language name is another's: it is still untranslated
    (the web edition's language switch would read "English | English"). Of two catalogs
    with one name, the one that name is not the language's own name for itself is blamed."""
    names = {lang: read_labels(project, lang).words.get("language-name", "") for lang in langs}
    found = []
    for lang, name in names.items():
        others = [other for other in langs if other != lang and names[other] == name]
        if others and name.casefold() != _endonym(lang).casefold():
            path = project.templates / "labels" / f"{lang}.yaml"
            found.append(
                Diagnostic(
                    Location(project.display(path)),
                    f"language-name '{name}' is also {others[0]}'s: this catalog is not "
                    "translated yet",
                    "untranslated-labels",
                    "translate its labels, language-name first",
                    severity="warning",
                )
            )
    return found


def _endonym(lang: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang).get_display_name(lang) or lang
    except (UnknownLocaleError, ValueError):
        return lang


def labels_used(project: Project, formats: dict[str, Format]) -> dict[str, Location]:
    """Every label the templates print (t.key, t["key"], and a label per print file the web
    edition links to), with the first template line that prints it."""
    found: dict[str, Location] = {}
    for path in sorted(project.templates.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in LABEL_USE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(
                match.group(1) or match.group(2), Location(project.display(path), line, 1)
            )
    formats_file = Location(project.display(project.templates / "formats.yaml"))
    for fmt in formats.values():
        for label in fmt.labels():
            found.setdefault(label, formats_file)
    for key in CODE_LABELS:
        found.setdefault(key, Location("pressrun itself"))
    return found


def missing_labels(project: Project, lang: str, used: dict[str, Location]) -> list[Diagnostic]:
    """An error for each label the templates print that the catalog of `lang` lacks, and a
    warning for each label it has that nothing prints."""
    path = project.templates / "labels" / f"{lang}.yaml"
    f = YamlFile(path, project.display(path))
    keys = f.mapping(f.root, optional=("csl-locale", "date-locale", "labels", "typography"))
    node = keys.get("labels")
    have = {k.value for k, _ in node.value} if isinstance(node, yaml.MappingNode) else set()
    where = f.where(node) if node is not None else f.where(f.root)
    found = [
        Diagnostic(
            where,
            f"label '{key}' is missing (printed by {used[key]})",
            "missing-label",
            " ".join(filter(None, [f"add '{key}: …' under labels:", did_you_mean(key, have)])),
        )
        for key in sorted(set(used) - have)
    ]
    for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if key_node.value not in used:
            found.append(
                Diagnostic(
                    f.where(key_node),
                    f"label '{key_node.value}' is printed by no template",
                    "unused-label",
                    did_you_mean(key_node.value, used) or "remove it, or use it",
                    severity="warning",
                )
            )
    return found
