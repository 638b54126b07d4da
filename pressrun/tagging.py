"""Stage 4, tagging: WeasyPrint's structure tree -> a PDF/UA-1 structure tree (pikepdf).

WeasyPrint 70 tags each page on its own (a section broken across two pages becomes two
sections), keeps running heads and folios out of the tree without marking them as
artifacts, and knows no notes, no language but the document's and no link descriptions.
`install()` makes it note, on each structure element, which HTML element it came from;
`finish()` then rebuilds the tree from those notes: fragments merged, footnotes as `Note`
elements after the paragraph of their call, page furniture and hidden elements as artifacts,
`/Lang` where the language changes, ARIA lists as `L`/`LI`, a description on every link.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, String

# What install() writes on each structure element (finish() removes them all).
KEY, TAG, CLASSES, LANG, ROLE, HIDDEN, TEXT = (
    "/PrKey",
    "/PrTag",
    "/PrClass",
    "/PrLang",
    "/PrRole",
    "/PrHidden",
    "/PrText",
)
RECORDED = (KEY, TAG, CLASSES, LANG, ROLE, HIDDEN, TEXT)
BLOCKS = {"/P", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/BlockQuote"}
# A note called in one of these ends it (a table or a list holds no notes of its own).
CONTAINERS = {"/LBody", "/TD", "/TH", "/Caption", "/Div", "/Sect", "/Part", "/Art", "/Document"}
ROLES = {"list": "/L", "listitem": "/LI"}  # ARIA roles that name a PDF structure type
# HTML elements WeasyPrint leaves as NonStruct: phrases are spans, blocks are divisions.
PHRASES = {"em", "strong", "i", "b", "code", "cite", "small", "sup", "sub", "abbr", "q", "mark"}
PHRASES |= {"time", "s", "u", "var", "kbd", "bdi", "dfn"}
DIVISIONS = {"figure", "aside", "header", "footer", "nav", "details", "address"}
MAX_TEXT = 300  # characters of a link's text kept as its description


def install() -> None:
    """Wrap WeasyPrint's tree builder (once per process) so that each structure element it
    makes carries what finish() needs to know of its HTML element."""
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags

    if getattr(tags._build_box_tree, "pressrun", False):
        return
    original = tags._build_box_tree

    def build(box, *args):
        source = box._box if isinstance(box, AbsolutePlaceholder) else box
        for element in original(box, *args):
            _record(element, source)
            yield element

    build.pressrun = True
    tags._build_box_tree = build


def _record(element, box) -> None:
    import pydyf

    html = box.element
    if "PrKey" in element or html is None or not isinstance(getattr(html, "tag", None), str):
        return  # made for a child box (html, body, pages yield their children's elements)
    tag = box.element_tag or ""
    attrib = html.attrib
    element["PrKey"] = pydyf.String(f"{id(html)}:{tag}")
    element["PrTag"] = pydyf.String(tag)
    element["PrClass"] = pydyf.String(attrib.get("class", ""))
    if "lang" in attrib:
        element["PrLang"] = pydyf.String(attrib["lang"])
    if "role" in attrib:
        element["PrRole"] = pydyf.String(attrib["role"])
    decorative = tag == "img" and attrib.get("alt") == ""
    # A link's generated content (the contents' dot leaders and page numbers) is layout.
    generated = tag.startswith("a::")
    if decorative or generated or attrib.get("aria-hidden") == "true":
        element["PrHidden"] = "true"
    if tag == "a":
        words = attrib.get("aria-label") or attrib.get("title") or " ".join(html.itertext())
        words = " ".join(words.split())[:MAX_TEXT] or attrib.get("href", "")[:MAX_TEXT]
        element["PrText"] = pydyf.String(words)


@dataclass(eq=False)
class Node:
    """A structure element while the tree is rebuilt: kids are nodes, marked content as
    (page, MCID), or annotations (OBJR dictionaries)."""

    obj: Dictionary
    page: object  # the page object its /Pg names
    kids: list = field(default_factory=list)
    parent: Node | None = None
    recorded: dict[str, str] = field(default_factory=dict)  # what install() wrote on it

    def get(self, key: str) -> str:
        return self.recorded.get(key, "")

    @property
    def type(self) -> str:
        return str(self.obj.S)

    def nodes(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Node):
                yield from kid.nodes()

    def marked(self):
        """Its marked content and its descendants': (page, MCID) pairs."""
        for node in self.nodes():
            yield from (kid for kid in node.kids if isinstance(kid, tuple))


def finish(pdf: pikepdf.Pdf, sides: list[int] | None = None) -> None:
    """Rebuild the structure tree of a PDF that WeasyPrint tagged (after install()). A
    parallel edition gives the side of each page: each side's text is read whole, in turn."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    pages = {page.objgen: page.obj for page in pdf.pages}
    document = _read(root.K[0], None, None)
    if sides is not None:
        side = {pdf.pages[n].objgen: s for n, s in enumerate(sides)}

        def of(kid) -> int:
            return side.get(kid.page.objgen, 0) if isinstance(kid, Node) and kid.page else 0

        document.kids.sort(key=of)
    artifacts = _orphans(root, pdf, set(document.marked()))
    for node in [n for n in document.nodes() if n.get(HIDDEN)]:
        artifacts.update(node.marked())
        if node.parent is not None:  # its link annotations stay tagged, with its parent
            node.parent.kids += [
                kid for n in node.nodes() for kid in n.kids if isinstance(kid, Dictionary)
            ]
        _detach(node)
    notes = _take_notes(document)
    _merge(document)
    _repeated_headers(document, artifacts)
    _roles(pdf, document)
    _types(document)  # before the notes: a note ends the division its call is in
    _place_notes(document, notes)
    _languages(document, str(pdf.Root.get("/Lang", "")))
    _link_descriptions(document)
    for node in document.nodes():
        for key in RECORDED:
            if key in node.obj:
                del node.obj[key]
    _write(document, pages)
    _parent_tree(pdf, root, document)
    _mark_artifacts(pdf, artifacts)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def _read(obj: Dictionary, parent: Node | None, page) -> Node:
    page = obj.get("/Pg", page)
    recorded = {key: str(obj[key]) for key in RECORDED if key in obj}
    node = Node(obj, page, parent=parent, recorded=recorded)
    kids = obj.get("/K")
    items = kids if isinstance(kids, Array) else ([] if kids is None else [kids])
    for kid in items:
        if isinstance(kid, int):
            node.kids.append((page.objgen, int(kid)))
        elif isinstance(kid, Dictionary) and "/S" in kid:
            text = _text_run(kid)
            node.kids.append(text if text else _read(kid, node, page))
        elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            node.kids.append((kid.get("/Pg", page).objgen, int(kid.MCID)))
        else:
            node.kids.append(kid)  # an OBJR: a link's annotation
    return node


def _text_run(obj: Dictionary) -> tuple | None:
    """The marked content of an element WeasyPrint makes for each run of text (a span of
    one MCID, from no HTML element): it joins its parent's content instead, which halves
    the elements of a text and says the same."""
    if KEY in obj or obj.get("/S") not in (Name.Span, Name.NonStruct) or len(obj.keys()) > 5:
        return None
    kids = obj.get("/K")
    if isinstance(kids, Array) and len(kids) == 1:
        kids = kids[0]
    if isinstance(kids, int) and "/Pg" in obj:
        return (obj.Pg.objgen, int(kids))
    return None


def _orphans(root: Dictionary, pdf: pikepdf.Pdf, owned: set[tuple]) -> set[tuple]:
    """The marked content WeasyPrint mapped to elements outside the tree (running heads,
    folios): what becomes artifacts."""
    found = set()
    nums = root.ParentTree.Nums
    for i in range(0, len(nums), 2):
        index, value = int(nums[i]), nums[i + 1]
        if index < len(pdf.pages) and isinstance(value, Array):
            page = pdf.pages[index].obj.objgen
            found.update((page, mcid) for mcid in range(len(value)))
    return found - owned


def _detach(node: Node) -> None:
    if node.parent is not None:
        node.parent.kids = [kid for kid in node.parent.kids if kid is not node]
        node.parent = None


def _take_notes(document: Node) -> list[tuple[Node, str]]:
    """The footnotes, out of the footnote areas they were laid out in, each with the key
    of its HTML element (its call has the same element)."""
    notes = []
    for node in list(document.nodes()):
        if node.get(TAG) == "span" and "footnote" in node.get(CLASSES).split():
            area = node.parent
            _detach(node)
            notes.append((node, node.get(KEY).split(":")[0]))
            if area is not None and not area.kids and not area.get(KEY):
                _detach(area)
    return notes


def _merge(node: Node) -> None:
    """Join the fragments of one HTML element that WeasyPrint made on different pages (or
    lines): consecutive siblings with the same key."""
    merged: list = []
    for kid in node.kids:
        last = merged[-1] if merged else None
        if (
            isinstance(kid, Node)
            and isinstance(last, Node)
            and kid.get(KEY)
            and kid.get(KEY) == last.get(KEY)
        ):
            for grandchild in kid.kids:
                if isinstance(grandchild, Node):
                    grandchild.parent = last
            last.kids += kid.kids
        else:
            merged.append(kid)
    node.kids = merged
    for kid in node.kids:
        if isinstance(kid, Node):
            _merge(kid)


def _repeated_headers(document: Node, artifacts: set[tuple]) -> None:
    """A table over several pages repeats its header row on each: the repeats are layout
    (artifacts), the cells below them point to the first header's cells, and the bodies
    between them are one body again."""
    for table in [n for n in document.nodes() if n.type == "/Table"]:
        heads = [k for k in table.kids if isinstance(k, Node) and k.type == "/THead"]
        if len(heads) < 2:
            continue
        first = [n for n in heads[0].nodes() if n.type == "/TH"]
        renamed = {}
        for head in heads[1:]:
            cells = [n for n in head.nodes() if n.type == "/TH"]
            for cell, kept in zip(cells, first, strict=False):
                if "/ID" in cell.obj and "/ID" in kept.obj:
                    renamed[bytes(cell.obj.ID)] = kept.obj.ID
            artifacts.update(head.marked())
            _detach(head)
        for cell in (n for n in table.nodes() if n.type == "/TD"):
            attributes = cell.obj.get("/A")
            if isinstance(attributes, Dictionary) and "/Headers" in attributes:
                attributes.Headers = Array([renamed.get(bytes(h), h) for h in attributes.Headers])
        _merge(table)


def _place_notes(document: Node, notes: list[tuple[Node, str]]) -> None:
    """Each note a `Note` (with the ID PDF/UA asks for) right after the paragraph of its
    call, in reading order; its call a `Reference` to it, its number a `Lbl`."""
    calls = {
        node.get(KEY).split(":")[0]: node
        for node in document.nodes()
        if node.get(TAG).endswith("::footnote-call")
    }
    after: dict[int, int] = {}  # id(block) -> notes placed after it so far
    for number, (note, element) in enumerate(notes, start=1):
        note.obj.S = Name.Note
        note.obj.ID = String(f"note-{number}")
        for kid in note.nodes():
            if kid.get(TAG).endswith("::footnote-marker"):
                kid.obj.S = Name.Lbl
        call = calls.get(element)
        if call is None:
            _insert(document, len(document.kids), note)
            continue
        call.obj.S = Name.Reference
        call.obj.Ref = Array([note.obj])
        block = call.parent
        while block is not None and block.type not in BLOCKS and block.type not in CONTAINERS:
            block = block.parent
        if block is None:
            _insert(document, len(document.kids), note)
        elif block.type in BLOCKS and block.parent is not None:
            at = block.parent.kids.index(block) + 1 + after.get(id(block), 0)
            after[id(block)] = after.get(id(block), 0) + 1
            _insert(block.parent, at, note)
        else:
            _insert(block, len(block.kids), note)


def _insert(parent: Node, at: int, node: Node) -> None:
    node.parent = parent
    parent.kids.insert(at, node)


def _roles(pdf: pikepdf.Pdf, document: Node) -> None:
    """Elements whose ARIA role names a list (pandoc's bibliography) become `L` and `LI`,
    the item's content in an `LBody`."""
    for node in list(document.nodes()):
        kind = ROLES.get(node.get(ROLE))
        if kind is None:
            continue
        node.obj.S = Name(kind)
        if kind == "/LI" and not any(
            isinstance(k, Node) and k.type in ("/LBody", "/Lbl") for k in node.kids
        ):
            body = Node(
                pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.LBody)), node.page
            )
            body.kids, node.kids = node.kids, [body]
            body.parent = node
            for kid in body.kids:
                if isinstance(kid, Node):
                    kid.parent = body


def _types(document: Node) -> None:
    """A standard type for the elements WeasyPrint leaves as NonStruct; a scope on each
    table header cell (column in the table's head, else row)."""
    for node in document.nodes():
        tag = node.get(TAG)
        if node.type == "/NonStruct" and tag in PHRASES:
            node.obj.S = Name.Span
        elif node.type == "/NonStruct" and tag in DIVISIONS:
            node.obj.S = Name.Div
        elif node.type == "/TH":
            head, up = False, node.parent
            while up is not None and up.type != "/Table":
                head = head or up.type == "/THead"
                up = up.parent
            attributes = node.obj.get("/A")
            if not isinstance(attributes, Dictionary):
                attributes = node.obj.A = Dictionary(O=Name.Table)
            attributes.Scope = Name.Column if head else Name.Row


def _languages(document: Node, language: str) -> None:
    """`/Lang` on each element whose language differs from its parent's."""

    def walk(node: Node, inherited: str) -> None:
        own = node.get(LANG)
        if own and own != inherited:
            node.obj.Lang = String(own)
        for kid in node.kids:
            if isinstance(kid, Node):
                walk(kid, own or inherited)

    walk(document, language)


def _link_descriptions(document: Node) -> None:
    """Each link annotation described (`/Contents`) by the text of the link it belongs to,
    so that a reader hears where it goes (WeasyPrint makes one annotation per box)."""
    for node in document.nodes():
        for kid in node.kids:
            if not (isinstance(kid, Dictionary) and "/Obj" in kid):
                continue
            link = node
            while link is not None and not (link.type == "/Link" and link.get(TEXT)):
                link = link.parent
            if link is not None:
                kid.Obj.Contents = String(link.get(TEXT))


def _write(node: Node, pages: dict) -> None:
    """Write the rebuilt tree back: /K, /P, and marked content of another page than the
    element's as marked-content references."""
    items = []
    for kid in node.kids:
        if isinstance(kid, Node):
            kid.obj.P = node.obj
            if "/Pg" not in kid.obj and kid.page is not None:
                kid.obj.Pg = kid.page
            _write(kid, pages)
            items.append(kid.obj)
        elif isinstance(kid, tuple):
            page, mcid = kid
            if node.page is not None and page == node.page.objgen:
                items.append(mcid)
            else:
                items.append(Dictionary(Type=Name.MCR, Pg=pages[page], MCID=mcid))
        else:
            items.append(kid)
    node.obj.K = Array(items)


def _parent_tree(pdf: pikepdf.Pdf, root: Dictionary, document: Node) -> None:
    """The parent tree again, from the rebuilt tree: each page's marked content to its
    element, each annotation to its link."""
    pages = [page.obj.objgen for page in pdf.pages]
    owners: dict = {page: {} for page in pages}
    annotations = []
    for node in document.nodes():
        for kid in node.kids:
            if isinstance(kid, tuple):
                owners[kid[0]][kid[1]] = node.obj
            elif isinstance(kid, Dictionary) and "/Obj" in kid:
                annotations.append((kid.Obj, node.obj))
    nums = []
    for index, page in enumerate(pages):
        mapped = owners[page]
        size = max(mapped, default=-1) + 1
        nums += [index, Array([mapped.get(m, None) for m in range(size)])]
    annotations.sort(key=lambda pair: int(pair[0].get("/StructParent", 0)))
    for index, (annotation, owner) in enumerate(annotations, start=len(pages)):
        annotation.StructParent = index
        nums += [index, owner]
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = len(pages) + len(annotations)


# A marked-content sequence as WeasyPrint (pydyf) writes it, one token per line: its tag and
# MCID, then BDC. Text is written as hex strings, so no text can look like this.
MARKED = re.compile(rb"(?m)^/(\w+)\s+<<\s*/MCID\s+(\d+)\s*>>\s+BDC$")


def _mark_artifacts(pdf: pikepdf.Pdf, artifacts: set[tuple]) -> None:
    """Marked content outside the tree becomes an `/Artifact` sequence in the page's
    content stream (running heads and folios are pagination artifacts)."""
    by_page: dict = {}
    for page, mcid in artifacts:
        by_page.setdefault(page, set()).add(mcid)
    for page in pdf.pages:
        wanted = by_page.get(page.obj.objgen)
        if not wanted:
            continue
        contents = page.obj.Contents
        if isinstance(contents, pikepdf.Stream):
            data = MARKED.sub(
                lambda m, wanted=wanted: (
                    b"/Artifact BMC" if int(m.group(2)) in wanted else m.group(0)
                ),
                contents.read_bytes(),
            )
            contents.write(data)  # saving compresses it again
            continue
        instructions = []
        for operands, operator in pikepdf.parse_content_stream(page):
            properties = operands[1] if str(operator) == "BDC" and len(operands) == 2 else None
            if isinstance(properties, Dictionary) and int(properties.get("/MCID", -1)) in wanted:
                instructions.append(([Name.Artifact], pikepdf.Operator("BMC")))
            else:
                instructions.append((operands, operator))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def structure(pdf: pikepdf.Pdf):
    """(depth, type, element) for each element of the structure tree, in reading order:
    what tests and `check` read."""

    def walk(obj, depth):
        yield depth, str(obj.S), obj
        kids = obj.get("/K")
        items = kids if isinstance(kids, Array) else [kids]
        for kid in items:
            if isinstance(kid, Dictionary) and "/S" in kid:
                yield from walk(kid, depth + 1)

    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return iter(())
    return itertools.chain.from_iterable(walk(k, 0) for k in root.K)
