"""Reading PDFs as a reader sees them: page text, words with their boxes, fonts, links."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pikepdf


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, in reading layout."""
    return run("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]


def info(pdf: Path) -> dict[str, str]:
    lines = run("pdfinfo", str(pdf)).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def fonts(pdf: Path) -> dict[str, bool]:
    """The fonts of the PDF (subset prefix removed) and whether each is embedded."""
    rows = run("pdffonts", str(pdf)).splitlines()[2:]
    # Columns: name, type (several words), encoding, emb, sub, uni, object, generation.
    return {
        row.split()[0].partition("+")[2] or row.split()[0]: row.split()[-5] == "yes" for row in rows
    }


def link_uris(pdf: Path) -> list[str]:
    uris = []
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action.URI))
    return uris


@dataclass(frozen=True)
class Word:
    text: str
    x: float
    y: float
    height: float
    first_in_line: bool


def page_words(pdf: Path) -> list[list[Word]]:
    """Every word of every page with its box, from pdftotext -bbox-layout."""
    xhtml = run("pdftotext", "-bbox-layout", str(pdf), "-")
    xhtml = re.sub(r"<!DOCTYPE[^>]*>", "", xhtml)
    root = ET.fromstring(xhtml)
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        words = []
        for line in page.iter("{http://www.w3.org/1999/xhtml}line"):
            for n, word in enumerate(line.iter("{http://www.w3.org/1999/xhtml}word")):
                y0, y1 = float(word.get("yMin")), float(word.get("yMax"))
                words.append(Word(word.text or "", float(word.get("xMin")), y0, y1 - y0, n == 0))
        pages.append(words)
    return pages


def note_pages(pdf: Path, note_pt: float) -> tuple[dict[int, int], dict[int, int]]:
    """Where each note's call and each note's text stand: ({number: page}, {number: page}).

    A call is a superscript number, smaller than the notes' type; a note starts a line of the
    footnote area with its number and a period ("3."), in the notes' type size `note_pt`.
    """
    calls, notes = {}, {}
    note = note_pt * 1.36  # pdftotext's boxes are about 1.36 times the type size
    for number, words in enumerate(page_words(pdf), start=1):
        for word in words:
            if re.fullmatch(r"\d+", word.text) and word.height < note * 0.95:
                calls.setdefault(int(word.text), number)
            elif (
                re.fullmatch(r"\d+\.", word.text)
                and word.first_in_line
                and abs(word.height - note) < note * 0.1
            ):
                notes.setdefault(int(word.text[:-1]), number)
    return calls, notes
