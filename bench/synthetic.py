"""A synthetic publication of any size, for benchmarks: sections of paragraphs citing a few
hundred references, in English and Spanish. Deterministic: the same size gives the same text."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = (
    "the treaty of relations between signed empire union border fishing coal oil "
    "concession island northern navy ministry recognition troops withdraw provisions "
    "convention negotiation agreement delegation archive historian document period "
    "policy region territory settlement commerce harbour railway council"
)
SPANISH = (
    "el tratado de relaciones entre firmado imperio unión frontera pesca carbón petróleo "
    "concesión isla norte armada ministerio reconocimiento tropas retirar disposiciones "
    "convención negociación acuerdo delegación archivo historiador documento período "
    "política región territorio comercio puerto ferrocarril"
)
WORDS = {"en": ENGLISH.split(), "es": SPANISH.split()}
# Calibrated on the booklet format: paragraphs of 110 words make about 300 A5 pages.
PARAGRAPHS_PER_PAGE = 2.24
WORDS_PER_PARAGRAPH = 110


def references(count: int) -> list[dict]:
    rng = random.Random(7)
    families = [
        "Slusser",
        "Triska",
        "Fisher",
        "Moore",
        "Chang",
        "Tomita",
        "Haslam",
        "Stephan",
        "Lensen",
        "Kuromiya",
        "Elleman",
        "Wada",
        "Hara",
        "Morley",
        "Dallin",
        "Gaddis",
    ]
    refs = []
    for n in range(count):
        author = [
            {
                "family": rng.choice(families) + ("" if n < 16 else f"{n}"),
                "given": rng.choice("ABCDEFGHJKLMNPRST") + ".",
            }
        ]
        year = 1930 + n % 90
        if n % 3 == 0:
            refs.append(
                {
                    "id": f"ref{n}",
                    "type": "article-journal",
                    "author": author,
                    "title": f"Soviet and Japanese relations, study {n}",
                    "container-title": "Journal of Northeast Asian History",
                    "volume": n % 40 + 1,
                    "issue": n % 4 + 1,
                    "page": f"{n}-{n + 20}",
                    "issued": {"date-parts": [[year]]},
                    "DOI": f"10.5555/bench.{n}",
                }
            )
        else:
            refs.append(
                {
                    "id": f"ref{n}",
                    "type": "book",
                    "author": author,
                    "title": f"The Pacific frontier, volume {n}",
                    "publisher": "University Press",
                    "publisher-place": "Stanford",
                    "issued": {"date-parts": [[year]]},
                }
            )
    return refs


def paragraph(rng: random.Random, lang: str, cites: list[str]) -> str:
    words = [rng.choice(WORDS[lang]) for _ in range(WORDS_PER_PARAGRAPH)]
    words[0] = words[0].capitalize()
    step = max(1, len(words) // (len(cites) + 1))
    for n, key in enumerate(cites, start=1):
        words[min(n * step, len(words) - 1)] += f" [@{key}, p. {rng.randint(1, 300)}]"
    return " ".join(words) + "."


def article(lang: str, pages: int, refs: int, citations: int) -> dict:
    rng = random.Random(pages)
    count = max(1, round(pages * PARAGRAPHS_PER_PAGE))
    per_paragraph = [citations // count + (1 if n < citations % count else 0) for n in range(count)]
    keys = iter(f"ref{(n * 7) % refs}" for n in range(citations))
    sections, blocks = [], []
    for n in range(count):
        blocks.append(paragraph(rng, lang, [next(keys) for _ in range(per_paragraph[n])]))
        if len(blocks) == 20 or n == count - 1:
            heading = {"en": "Part", "es": "Parte"}[lang]
            sections.append({"heading": f"{heading} {len(sections) + 1}", "blocks": blocks})
            blocks = []
    title = {"en": "A long synthetic reader", "es": "Un largo lector sintético"}[lang]
    return {"title": title, "sections": sections}


def make(
    target: Path,
    pages: int = 300,
    refs: int = 300,
    citations: int = 1000,
    formats: tuple[str, ...] = ("booklet",),
    languages: tuple[str, ...] = ("en", "es"),
    pub_id: str = "synthetic",
):
    """A project folder at `target` holding the publication `pub_id` ('synthetic')."""
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, target / folder, dirs_exist_ok=True)
    pub = target / "content" / pub_id
    pub.mkdir(parents=True, exist_ok=True)
    refs = min(refs, citations)
    meta = {
        "id": pub_id,
        "languages": list(languages),
        "formats": list(formats),
        "edition": {"version": "1.0.0", "date": "2026-11-23"},
        "license": {"name": "CC0"},
        "source": {"title": "Generated for benchmarks"},
    }
    if "parallel" in formats:
        meta["parallel"] = list(languages[:2])
    (pub / "publication.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    (pub / "references.yaml").write_text(
        yaml.safe_dump({"references": references(refs)}, allow_unicode=True)
    )
    for lang in languages:
        (pub / f"{lang}.yaml").write_text(
            yaml.safe_dump(
                article(lang, pages, refs, citations),
                allow_unicode=True,
                sort_keys=False,
                width=1000,
            )
        )
    return target
