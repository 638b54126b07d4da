"""Scaffold: a new publication that builds at once, with every file commented for its author."""

from __future__ import annotations

import datetime
import re

from .diagnostics import did_you_mean, fail, usage
from .project import ID_PATTERN, Project

PUBLICATION = """\
# {pub_id}: what this publication is, and how it is built.
id: {pub_id}                    # the folder name: lowercase letters, digits, hyphens
languages: [{languages}]        # a <lang>.yaml file each; labels in templates/labels/
formats: [handout, booklet, web]  # from templates/formats.yaml
paper: a4                       # a4 or letter
style: chicago-notes-bibliography   # a CSL style (python build.py styles), or a .csl file
references: references.yaml     # CSL YAML, CSL JSON (.json) or BibTeX (.bib); or a list
edition:
  version: 0.1.0                # raise it for each release
  date: {today}                 # the date printed in the PDFs (never the clock)
license:
  name: CC BY 4.0
  url: https://creativecommons.org/licenses/by/4.0/
# source:                       # the work this text is adapted from, if it is adapted:
#   title: Title of the original
#   publisher: Wikipedia
#   url: https://…
# authors: [A. Teacher, {{name: B. Teacher, affiliation: A School}}]   # on the title block
# course: History 10B · Spring term   # or one per language: {{en: …, es: …}}
# numbered: true                # number the sections 1, 1.1, 1.1.1
# bibliography-title: Sources   # else the style's heading (Bibliography, References, …)
changelog:
  - version: 0.1.0
    date: {today}
    changes: First draft.
"""

# The text of a new publication, in English: for English itself, and as the placeholder of
# a language pressrun has no text template for.
ENGLISH = """\
{comment}
title: {title}
subtitle: A first draft
sections:
  - heading: Introduction
    blocks:
      - >-
        {opening} Cite a source like this
        [@example2024, p. 12], and add a note of your own.^[Notes print at the foot of
        the page of their call.]
      - notice: Replace this text with your own.
"""
ENGLISH_COMMENT = """\
# The English text. A string is a paragraph of pandoc Markdown: *emphasis*, [links](https://…),
# citations [@key, p. 12] (footnotes in a note style), notes ^[like this]."""
OTHER_COMMENT = """\
# The {name} text ({lang}): write it in {name}, in place of the text below. A string is a
# paragraph of pandoc Markdown: *emphasis*, [links](https://…), citations [@key, p. 12]
# (footnotes in a note style), notes ^[like this]."""

SPANISH = """\
# El texto en español. Cada texto es un párrafo en Markdown de pandoc: *énfasis*,
# [enlaces](https://…), citas [@clave, p. 12] (notas al pie) y notas ^[así].
title: {title}
subtitle: Un primer borrador
sections:
  - heading: Introducción
    blocks:
      - >-
        Esta publicación se hizo con pressrun. Se cita una fuente así
        [@example2024, p. 12], y se añade una nota propia.^[Las notas se imprimen al pie
        de la página de su llamada.]
      - notice: Sustituya este texto por el suyo.
"""


def article(lang: str, title: str) -> str:
    """The first text of a publication in `lang`."""
    if lang == "es":
        return SPANISH.format(title=title)
    if lang == "en":
        comment, opening = ENGLISH_COMMENT, "This publication was made by pressrun."
    else:
        name = language_name(lang)
        comment = OTHER_COMMENT.format(name=name, lang=lang)
        opening = f"This text is to be written in {name}."
    return ENGLISH.format(comment=comment, title=title, opening=opening)


LABELS_NOTE = """\
# Labels for {name} ({lang}), copied from {source}.yaml by 'new --labels-from {source}':
# translate each label below. csl-locale sets citation terms and quotation marks,
# date-locale the dates of title blocks.
"""

REFERENCES = """\
# The sources, each once (CSL YAML, as Zotero exports it). Cite them by id: [@example2024].
references:
  - id: example2024
    type: book
    author:
      - {family: Example, given: Ada}
    title: A Book to Cite
    publisher: Example Press
    publisher-place: London
    issued: {date-parts: [[2024]]}
"""


def new(
    project: Project, pub_id: str, languages: list[str], labels_from: str | None = None
) -> list[str]:
    """Create content/<pub_id>/ and return the files written (as the user reads them). A
    language with no label catalog gets one copied from `labels_from`, to translate."""
    if not re.fullmatch(ID_PATTERN, pub_id):
        raise usage(
            f"'{pub_id}' is not a valid publication id",
            "bad-value",
            "use lowercase letters, digits and hyphens, such as my-handout",
        )
    known = project.languages()
    if labels_from is not None and labels_from not in known:
        raise usage(
            f"--labels-from '{labels_from}' has no label catalog",
            "unknown-language",
            did_you_mean(labels_from, known) or f"known: {', '.join(known)}",
        )
    missing = [lang for lang in languages if lang not in known]
    for lang in missing:
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise usage(
                f"'{lang}' is not a language code",
                "unknown-language",
                did_you_mean(lang, known) or "use a code such as de, fr or pt",
            )
        if labels_from is None:
            raise fail(
                None,
                f"no label catalog for language '{lang}' (templates/labels/{lang}.yaml)",
                "unknown-language",
                f"add --labels-from {known[0]} to start one from the {known[0]} labels (then "
                f"translate it), or copy templates/labels/{known[0]}.yaml yourself",
            )
    folder = project.content / pub_id
    if folder.exists():
        raise fail(
            None,
            f"content/{pub_id} exists already",
            "exists",
            "choose another id, or edit the files that are there",
        )
    small = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to"}
    words = pub_id.split("-")
    title = " ".join(w if n and w in small else w[:1].upper() + w[1:] for n, w in enumerate(words))
    today = datetime.date.today().isoformat()
    files = {
        "publication.yaml": PUBLICATION.format(
            pub_id=pub_id, languages=", ".join(languages), today=today
        ),
        "references.yaml": REFERENCES,
        **{f"{lang}.yaml": article(lang, title) for lang in languages},
    }
    labels = {lang: _labels(project, lang, labels_from) for lang in missing if labels_from}
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    written = [project.display(folder / name) for name in files]
    for lang, text in labels.items():
        path = project.templates / "labels" / f"{lang}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(project.display(path) + " (translate its labels)")
    return written


def _labels(project: Project, lang: str, source: str) -> str:
    """A label catalog for `lang` copied from `source`'s, with the locales of `lang`."""
    text = (project.templates / "labels" / f"{source}.yaml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"
    text = re.sub(r"(?m)^csl-locale: *\S+", f"csl-locale: {csl_locale(lang)}", text)
    text = re.sub(r"(?m)^date-locale: *\S+", f"date-locale: {lang}", text)
    return LABELS_NOTE.format(name=language_name(lang), lang=lang, source=source) + text


def language_name(lang: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang).get_display_name("en") or lang
    except (UnknownLocaleError, ValueError):
        return lang


def csl_locale(lang: str) -> str:
    """The CSL locale of a language: its most likely region (de -> de-DE, pt -> pt-BR)."""
    from babel.core import get_global

    likely = get_global("likely_subtags").get(lang, "")
    region = likely.split("_")[-1] if likely.count("_") >= 1 else ""
    return f"{lang}-{region}" if re.fullmatch(r"[A-Z]{2}", region) else lang
