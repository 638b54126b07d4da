"""What CSL 1.0.2 says a reference is: its item types and variables, and what each item
needs to print well. Recorded references (CSL YAML, CSL JSON) are checked against it."""

from __future__ import annotations

from .diagnostics import Diagnostic, Location, did_you_mean

TYPES = frozenset(
    [
        "article",
        "article-journal",
        "article-magazine",
        "article-newspaper",
        "bill",
        "book",
        "broadcast",
        "chapter",
        "classic",
        "collection",
        "dataset",
        "document",
        "entry",
        "entry-dictionary",
        "entry-encyclopedia",
        "event",
        "figure",
        "graphic",
        "hearing",
        "interview",
        "legal_case",
        "legislation",
        "manuscript",
        "map",
        "motion_picture",
        "musical_score",
        "pamphlet",
        "paper-conference",
        "patent",
        "performance",
        "periodical",
        "personal_communication",
        "post",
        "post-weblog",
        "regulation",
        "report",
        "review",
        "review-book",
        "software",
        "song",
        "speech",
        "standard",
        "thesis",
        "treaty",
        "webpage",
    ]
)

NAMES = frozenset(
    [
        "author",
        "chair",
        "collection-editor",
        "compiler",
        "composer",
        "container-author",
        "contributor",
        "curator",
        "director",
        "editor",
        "editorial-director",
        "editor-translator",
        "executive-producer",
        "guest",
        "host",
        "illustrator",
        "interviewer",
        "narrator",
        "organizer",
        "original-author",
        "performer",
        "producer",
        "recipient",
        "reviewed-author",
        "script-writer",
        "series-creator",
        "translator",
    ]
)

DATES = frozenset(
    ["accessed", "available-date", "event-date", "issued", "original-date", "submitted"]
)

VARIABLES = (
    frozenset(
        [
            "abstract",
            "annote",
            "archive",
            "archive_collection",
            "archive_location",
            "archive-place",
            "authority",
            "call-number",
            "chapter-number",
            "citation-key",
            "citation-label",
            "citation-number",
            "collection-number",
            "collection-title",
            "container-title",
            "container-title-short",
            "dimensions",
            "division",
            "DOI",
            "edition",
            "event",
            "event-title",
            "event-place",
            "first-reference-note-number",
            "genre",
            "ISBN",
            "ISSN",
            "issue",
            "jurisdiction",
            "keyword",
            "language",
            "license",
            "locator",
            "medium",
            "note",
            "number",
            "number-of-pages",
            "number-of-volumes",
            "original-publisher",
            "original-publisher-place",
            "original-title",
            "page",
            "page-first",
            "part-number",
            "part-title",
            "PMCID",
            "PMID",
            "printing-number",
            "publisher",
            "publisher-place",
            "references",
            "reviewed-genre",
            "reviewed-title",
            "scale",
            "section",
            "source",
            "status",
            "supplement-number",
            "title",
            "title-short",
            "URL",
            "version",
            "volume",
            "volume-title",
            "volume-title-short",
            "year-suffix",
        ]
    )
    | NAMES
    | DATES
    # Not variables, but read by pandoc and written by Zotero and Better BibTeX.
    | frozenset(["id", "type", "custom", "categories", "journalAbbreviation", "shortTitle"])
)

# Types whose entries are incomplete without an author or editor (a book, a report or a
# news article may well have none: a serial, an agency's report, an unsigned article).
NEED_CREATOR = frozenset(["article-journal", "chapter", "paper-conference", "thesis"])


def check_item(item: dict, where: Location, field_where) -> list[Diagnostic]:
    """Errors and warnings for one reference (`item`: its fields; `field_where(name)`: the
    place of a field, or of the item)."""
    found = []
    kind = item.get("type")
    if isinstance(kind, str) and kind not in TYPES:
        swapped = "-".join(reversed(kind.split("-")))  # journal-article: article-journal
        found.append(
            Diagnostic(
                field_where("type"),
                f"unknown reference type '{kind}'",
                "unknown-type",
                f"did you mean '{swapped}'?"
                if swapped in TYPES
                else did_you_mean(kind, TYPES) or "use a CSL type such as book or article-journal",
            )
        )
    for name in item:
        if isinstance(name, str) and name not in VARIABLES:
            found.append(
                Diagnostic(
                    field_where(name),
                    f"unknown field '{name}': citeproc does not print it",
                    "unknown-field",
                    did_you_mean(name, VARIABLES) or "see the CSL variables for its name",
                    severity="warning",
                )
            )
    label = f"reference '{item.get('id')}'"
    if "title" not in item:
        found.append(
            Diagnostic(
                where,
                f"{label} has no title",
                "missing-title",
                "add 'title: …': without it the entry prints as its author and date alone",
                severity="warning",
            )
        )
    creators = {"author", "editor", "container-author", "collection-editor", "director"}
    if kind in NEED_CREATOR and not creators & set(item):
        found.append(
            Diagnostic(
                where,
                f"{label} ({kind}) has no author or editor",
                "missing-author",
                "add 'author:' (or 'editor:'); for a body, author: [{literal: Name}]",
                severity="warning",
            )
        )
    return found
