"""Worksheets: one Article -> the copy of one audience and version (students, teacher, key).

A copy is a view of the Article: its exercises numbered in reading order, shuffled for a
version (A, B, …) by a seed made of the publication and the version, so every build gives the
same order; a students' copy leaves the answers out of its text, so that their citations
change neither its notes nor its bibliography.
"""

from __future__ import annotations

import copy
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .model import Article, Exercise, Inline, Publication, Section, points_text
from .sandbox import readable

if TYPE_CHECKING:
    from .formats import Format

AUDIENCES = ("students", "teacher", "answer-key")
MAX_VERSIONS = 6  # A to F
LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class Variant:
    """Whose copy (an audience) and which version (0 for A; None: the order as written)."""

    audience: str = "students"
    version: int | None = None

    @property
    def letter(self) -> str:
        return "" if self.version is None else LETTERS[self.version]


AS_WRITTEN = Variant()  # the students' copy in the order the text is written


def variant(pub: Publication, audience: str, version: int | None) -> Variant:
    """The variant an output needs: a publication without exercises has one text for all."""
    if not pub.has_exercises:
        return Variant()
    return Variant(audience, version if pub.versions > 1 else None)


def versions(pub: Publication, on_screen: bool) -> list[int | None]:
    """The versions a format is made in: each of a worksheet's in print; screens, as written."""
    if on_screen or pub.versions < 2 or not pub.has_exercises:
        return [None]
    return list(range(pub.versions))


def copies(pub: Publication, fmt: Format) -> list[Variant]:
    """The copies a format is made of: one, or one per version of a worksheet."""
    return [variant(pub, fmt.audience, v) for v in versions(pub, fmt.on_screen)]


def arrange(article: Article, chosen: Variant, pub_id: str) -> Article:
    """The article as the copy prints it. The pieces are shared: only their order changes."""
    if not any(isinstance(b, Exercise) for b in article.blocks()):
        return article
    view = copy.copy(article)
    view.sections = [_section(s, chosen, pub_id, (n,)) for n, s in enumerate(article.sections)]
    for number, exercise in enumerate(exercises(view), start=1):
        exercise.number = str(number)
    return view


def _section(section: Section, chosen: Variant, pub_id: str, path: tuple[int, ...]) -> Section:
    view = copy.copy(section)
    # An exercise's place is its section and its rank among the section's exercises, not
    # among its blocks: a language with one more paragraph shuffles the same way.
    ranks = {id(b): k for k, b in enumerate(b for b in section.blocks if isinstance(b, Exercise))}
    blocks = [
        _exercise(b, chosen, pub_id, path + (ranks[id(b)],)) if isinstance(b, Exercise) else b
        for b in section.blocks
    ]
    if chosen.version is not None:
        slots = [n for n, b in enumerate(blocks) if isinstance(b, Exercise) and not b.fixed]
        order = _shuffled(len(slots), pub_id, chosen.version, "section", path)
        moved = [blocks[slots[k]] for k in order]
        for slot, block in zip(slots, moved, strict=True):
            blocks[slot] = block
    view.blocks = blocks
    view.sections = [
        _section(s, chosen, pub_id, path + (n,)) for n, s in enumerate(section.sections)
    ]
    return view


def _exercise(
    exercise: Exercise, chosen: Variant, pub_id: str, path: tuple[int, ...], fixed=False
) -> Exercise:
    """A copy's view of an exercise; `fixed`: its choices keep their order (a part of an
    exercise with `shuffle: false`)."""
    view = copy.copy(exercise)
    view.with_answers = chosen.audience != "students"
    fixed = fixed or exercise.fixed
    if chosen.version is not None and not fixed and exercise.choices:
        order = _shuffled(len(exercise.choices), pub_id, chosen.version, "choices", path)
        view.choices = [exercise.choices[k] for k in order]
    # Parts keep their order ((b) may build on (a)); their choices are shuffled.
    view.parts = [
        _exercise(p, chosen, pub_id, path + (n,), fixed) for n, p in enumerate(exercise.parts)
    ]
    for letter, part in zip(string.ascii_lowercase, view.parts, strict=False):
        part.number = letter
    return view


def _shuffled(count: int, pub_id: str, version: int, what: str, path) -> list[int]:
    """A permutation of `count` items for one version: the same in every build and every
    language (the seed is the publication, the version and the place, not the text), and,
    where there are two items or more, different from the order as written (version A) or
    from the earlier versions' orders (B, C, …) while there are orders left."""
    place = ".".join(map(str, path))
    order = list(range(count))
    if count < 2:
        return order
    earlier = [_shuffled(count, pub_id, v, what, path) for v in range(version)]
    avoid = earlier or [order]
    candidate = order
    for attempt in range(20):
        rng = random.Random(f"{pub_id}/{what}/{place}/{version}/{attempt}")
        candidate = order[:]
        rng.shuffle(candidate)
        if candidate not in avoid:
            break
    return candidate


def exercises(article: Article) -> Iterator[Exercise]:
    """The exercises of an article (or of a copy of it) in reading order."""
    for block in article.blocks():
        if isinstance(block, Exercise):
            yield block


def reading(view: Article, audience: str) -> list[Inline]:
    """The pieces of a copy's text in the order its notes are numbered in. The answer key
    holds only the title and what it prints of each exercise."""
    if audience != "answer-key":
        return view.inlines()
    found = [i for i in (view.title, view.subtitle) if i is not None]
    for exercise in exercises(view):
        found += exercise.answers()
    return found


@dataclass(frozen=True)
class Row:
    """A line of the grading table and of the answer key: an exercise and its points."""

    number: str
    points: str
    exercise: Exercise


@readable
@dataclass(frozen=True)
class Worksheet:
    """What templates print about a copy's exercises: the audience, the version, the points
    (written as the language writes numbers: 1.5, 1,5)."""

    audience: str
    version: str  # "A", "B"; "" when there is one version
    rows: list[Row]
    total: str  # the sum of the points ("" without points)
    number: Callable[[float], str] = points_text

    @property
    def answers(self) -> bool:
        return self.audience != "students"

    def points(self, exercise: Exercise) -> str:
        """An exercise's (or a part's) points, as printed ("" without points)."""
        return "" if exercise.total is None else self.number(exercise.total)


readable(Row)
readable(Worksheet, "answers", "points")


def worksheet(
    view: Article, chosen: Variant, number: Callable[[float], str] = points_text
) -> Worksheet:
    found = list(exercises(view))
    rows = [Row(e.number, "" if e.total is None else number(e.total), e) for e in found]
    points = [e.total for e in found if e.total is not None]
    total = number(round(sum(points), 2)) if points else ""
    return Worksheet(chosen.audience, chosen.letter, rows, total, number)


def differences(articles: dict[str, Article]) -> list[Diagnostic]:
    """A warning for each exercise that is not the same in every language (by its place: its
    section and its rank there): versions are shuffled by place, so the languages' versions
    and keys would not agree."""
    found: list[Diagnostic] = []
    first, *others = articles.values()
    ours = _by_place(first)
    for other in others:
        theirs = _by_place(other)
        for place in sorted(set(ours) | set(theirs)):
            mine, yours = ours.get(place), theirs.get(place)
            if yours is None:
                continue  # said once, at the exercise the other language has
            what = _differs(mine, yours) if mine else "an exercise the first language lacks"
            if what:
                found.append(
                    Diagnostic(
                        yours.where,
                        f"this exercise differs from its place in {first.lang}.yaml: {what}",
                        "exercise-languages",
                        "give every language the same exercises, points and choices, in the "
                        "same order: versions are shuffled by place, and each language's "
                        "answer key would differ",
                        severity="warning",
                    )
                )
        for place in sorted(set(ours) - set(theirs)):
            found.append(
                Diagnostic(
                    other.where,
                    f"{other.lang}.yaml lacks exercise {place[-1] + 1} of its section "
                    f"(it is at {ours[place].where} in {first.lang}.yaml)",
                    "exercise-languages",
                    "give every language the same exercises",
                    severity="warning",
                )
            )
    return found


def _by_place(article: Article) -> dict[tuple[int, ...], Exercise]:
    found = {}

    def walk(sections, path):
        for n, section in enumerate(sections):
            rank = 0
            for block in section.blocks:
                if isinstance(block, Exercise):
                    found[(*path, n, rank)] = block
                    rank += 1
            walk(section.sections, (*path, n))

    walk(article.sections, ())
    return found


def _differs(a: Exercise, b: Exercise) -> str:
    """The first way two exercises differ in what versions and keys depend on ("" if none)."""
    facts = [
        ("points", lambda e: points_text(e.total) or "none"),
        ("choices", lambda e: len(e.choices)),
        ("correct choice", lambda e: e.choices.index(e.correct) + 1 if e.correct else "none"),
        ("parts", lambda e: len(e.parts)),
        ("shuffle", lambda e: "false" if e.fixed else "true"),
    ]
    for name, fact in facts:
        if fact(a) != fact(b):
            return f"{name} {fact(b)} here, {fact(a)} there"
    for part_a, part_b in zip(a.parts, b.parts, strict=False):
        if what := _differs(part_a, part_b):
            return "a part's " + what
    return ""
