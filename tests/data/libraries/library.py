"""A generated library in the shape of a Zotero group's CSL JSON export: URI ids, a citation
key on every other item, nested objects, and every tenth item a journal article."""

from __future__ import annotations

FAMILIES = ["Stephan", "Hara", "Lensen", "Morley", "Akizuki", "Müller", "Wada", "秋月"]


def library(count: int) -> list[dict]:
    items = []
    for n in range(count):
        item = {
            "id": f"http://zotero.org/groups/4711/items/K{n:07d}",
            "type": "article-journal" if n % 10 == 0 else "book",
            "title": f"Frontier study {n}",
            "author": [{"family": FAMILIES[n % len(FAMILIES)], "given": "A."}],
            "issued": {"date-parts": [[1900 + n % 120, n % 12 + 1]]},
            "accessed": {"date-parts": [[2026, 1, 1]]},
        }
        if n % 10 == 0:
            item |= {"container-title": "Journal of Frontier History", "page": f"{n}-{n + 9}"}
        else:
            item |= {"publisher": "University Press", "publisher-place": "Oxford"}
        if n % 2 == 0:
            item["citation-key"] = f"study{n}"
        items.append(item)
    return items
