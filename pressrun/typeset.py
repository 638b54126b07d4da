"""Stage 4, typeset: an HTML document -> PDF bytes (WeasyPrint), the same bytes every time."""

from __future__ import annotations

import datetime
import functools
import gc
import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, PressrunError, fail

SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


def _weasyprint():
    # Imported here: it loads Pango through cffi, which is slow and may be missing.
    try:
        import weasyprint
    except OSError as exc:
        raise fail(
            None,
            f"WeasyPrint cannot load a system library ({exc})",
            "system-library",
            f"install them: apt-get install {SYSTEM_PACKAGES} (or run 'make build')",
        ) from None
    except ImportError:
        raise fail(
            None,
            "WeasyPrint is not installed",
            "no-weasyprint",
            "run 'make build', which installs the Python environment",
        ) from None
    return weasyprint


def project_fetcher(root: Path, refused: list[str]):
    """A URL fetcher serving data: URLs and files inside the project, and nothing else."""
    weasyprint = _weasyprint()
    inside = root.resolve()

    class ProjectFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.removeprefix("file:").split("?")[0])).resolve()
                if path.is_relative_to(inside) and path.is_file():
                    return super().fetch(url, headers)
            refused.append(url)
            raise ValueError(f"pressrun does not fetch {url}")

    return ProjectFetcher()


@functools.cache
def font_configuration():
    """One font configuration per process: fonts are found and loaded once for all outputs."""
    from weasyprint.text.fonts import FontConfiguration

    _weasyprint()
    return FontConfiguration()


def preload() -> None:
    """Load WeasyPrint and its font configuration now (say, while pandoc runs), before
    workers fork."""
    font_configuration()


def identifier(name: str) -> bytes:
    """A fixed PDF file identifier for one output, so that rebuilds give the same bytes."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:32].encode("ascii")


FILLER = "pressrun-filler"


def drop_empty_resources(pdf: bytes) -> bytes:
    """Remove the empty /Pattern and /Shading dictionaries WeasyPrint writes: PDF/A checkers
    reject them. The file is saved again with an ID computed from its content."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/Resources" in obj:
                resources = obj.Resources
                for key in ("/Pattern", "/Shading"):
                    if key in resources and len(resources[key]) == 0:
                        del resources[key]
        buffer = io.BytesIO()
        document.save(buffer, deterministic_id=True)
    return buffer.getvalue()


@dataclass(frozen=True)
class Archival:
    """What makes a PDF an archival PDF/A-3b: its sources inside, dated by the edition."""

    sources: dict[str, bytes]  # path in the project -> content
    date: datetime.date


def typeset(
    html: str, root: Path, name: str, pages_multiple_of: int = 1, archival: Archival | None = None
) -> bytes:
    """Lay out `html` (dates come from its dcterms meta tags) and return the PDF bytes.

    If the document has an element #pressrun-filler alone on its page, that blank page is
    repeated (0 to n-1 times) so that the page count becomes a multiple of `pages_multiple_of`.
    With `archival`, the PDF is PDF/A-3b and carries the sources as attachments.
    """
    weasyprint = _weasyprint()
    refused: list[str] = []
    with collector_paused():
        pdf = _lay_out(weasyprint, html, root, name, pages_multiple_of, archival, refused)
    if archival:
        pdf = drop_empty_resources(pdf)
    if refused:
        raise PressrunError(
            [
                Diagnostic(
                    None,
                    f"{name}: refused to load '{url}'",
                    "fetch-refused",
                    "use images inside the publication folder",
                )
                for url in refused
            ]
        )
    return pdf


@contextmanager
def collector_paused():
    """Layout makes millions of objects and few cycles: Python's cycle collector would walk
    them again and again for little memory back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lay_out(weasyprint, html, root, name, pages_multiple_of, archival, refused) -> bytes:
    document = weasyprint.HTML(
        string=html,
        base_url=root.resolve().as_uri() + "/",
        url_fetcher=project_fetcher(root, refused),
    ).render(font_config=font_configuration())
    filler = next((n for n, page in enumerate(document.pages) if FILLER in page.anchors), None)
    if filler is not None:
        pages = document.pages[:filler] + document.pages[filler + 1 :]
        padding = -len(pages) % pages_multiple_of
        pages[filler:filler] = [document.pages[filler]] * padding
        document = document.copy(pages)
    options = {"pdf_identifier": identifier(name)}
    if archival:
        when = datetime.datetime.combine(archival.date, datetime.time(), datetime.UTC)
        options["pdf_variant"] = "pdf/a-3b"
        options["attachments"] = [
            weasyprint.Attachment(
                string=data,
                name=path,
                description=f"source: {path}",
                created=when,
                modified=when,
                relationship="Source",
            )
            for path, data in sorted(archival.sources.items())
        ]
    return document.write_pdf(**options)
