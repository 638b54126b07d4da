"""Scaffold: a new publication that builds at once, with every file commented for its author."""

from __future__ import annotations

import datetime
import re

from .diagnostics import did_you_mean, fail
from .project import Project

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
source:                         # the work this text is adapted from, if any
  title: Original work
changelog:
  - version: 0.1.0
    date: {today}
    changes: First draft.
"""

ARTICLE = {
    "en": """\
# The English text. A string is a paragraph of pandoc Markdown: *emphasis*, [links](https://…),
# citations [@key, p. 12] (footnotes in a note style), notes ^[like this].
title: {title}
subtitle: A first draft
sections:
  - heading: Introduction
    blocks:
      - >-
        This publication was made by pressrun. Cite a source like this
        [@example2024, p. 12], and add a note of your own.^[Notes print at the foot of
        the page of their call.]
      - notice: Replace this text with your own.
""",
    "es": """\
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
""",
}

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


def new(project: Project, pub_id: str, languages: list[str]) -> list[str]:
    """Create content/<pub_id>/ and return the files written (as the user reads them)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", pub_id):
        raise fail(
            None,
            f"'{pub_id}' is not a valid publication id",
            "bad-value",
            "use lowercase letters, digits and hyphens, such as my-handout",
        )
    known = project.languages()
    for lang in languages:
        if lang not in known:
            raise fail(
                None,
                f"unknown language '{lang}'",
                "unknown-language",
                did_you_mean(lang, known) or f"known: {', '.join(known)}",
            )
    folder = project.content / pub_id
    if folder.exists():
        raise fail(
            None,
            f"content/{pub_id} exists already",
            "exists",
            "choose another id, or edit the files that are there",
        )
    title = pub_id.replace("-", " ").capitalize()
    today = datetime.date.today().isoformat()
    files = {
        "publication.yaml": PUBLICATION.format(
            pub_id=pub_id, languages=", ".join(languages), today=today
        ),
        "references.yaml": REFERENCES,
        **{
            f"{lang}.yaml": ARTICLE.get(lang, ARTICLE["en"]).format(title=title)
            for lang in languages
        },
    }
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [project.display(folder / name) for name in files]
