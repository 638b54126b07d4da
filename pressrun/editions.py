"""The archive of editions: verify it against its manifests, reproduce an edition, index them."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pikepdf

from .archive import (
    CHECKSUMS,
    LOCK,
    LOCK_SCHEMA,
    MANIFEST,
    MANIFEST_SCHEMA,
    MAX_JSON_BYTES,
    SIGNATURE,
    Manifest,
    checksum_line,
    is_safe_path,
    read_json,
    tool_lock,
)
from .diagnostics import Diagnostic, Location, PressrunError, fail, shortened
from .formats import archival
from .output import exclusive, write_atomic
from .project import Project, inside
from .release import release
from .sandbox import readable, sandbox

MAX_PDF_BYTES = 512 * 1024 * 1024
MAX_ATTACHMENTS = 2_000
# Each embedded source is at most as large as the largest input pressrun reads (a reference
# library), and all of them together are capped too: a small PDF can carry a huge one.
MAX_SOURCE_BYTES = 64 * 1024 * 1024
MAX_SOURCES_BYTES = 256 * 1024 * 1024
HINT = "restore the edition from a copy; an edition from elsewhere may be forged"


@dataclass(frozen=True)
class Edition:
    """A released edition, as its manifest (validated) describes it."""

    folder: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return f"{self.manifest.publication} {self.manifest.version}"


readable(Edition)


def read_edition(folder: Path) -> Edition:
    path = folder / MANIFEST
    if not path.exists() and not path.is_symlink():
        raise fail(
            Location(str(folder)),
            "not an edition: no manifest.json",
            "no-manifest",
            "give a folder output/editions/<pub>/<version>",
        )
    if path.is_symlink() or not path.is_file():
        raise fail(
            Location(str(path)),
            "is not a plain file (a link, a device, a folder): not read",
            "bad-manifest",
            HINT,
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)  # the cap applies before reading it all
    except OSError as exc:
        raise fail(Location(str(path)), f"cannot read: {exc.strerror}", "no-manifest") from None
    manifest = read_json(data, MANIFEST_SCHEMA, str(path), "manifest.json")
    return Edition(folder, Manifest.from_json(manifest))


def all_editions(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/*/{MANIFEST}"))


@dataclass
class Verified:
    """What verify found: the problems, and who signed the edition if that was checked."""

    problems: list[Diagnostic] = field(default_factory=list)
    signed: bool = False
    signer: str | None = None


def verify(folder: Path, allowed_signers: Path | None = None) -> Verified:
    """Every missing, changed or extra file of an edition, against its manifest; with
    `allowed_signers`, also whether an allowed key signed its checksums."""
    found = Verified()
    try:
        edition = read_edition(folder)
    except PressrunError as exc:
        found.problems += exc.diagnostics
        return found
    problems = found.problems
    listed = {}
    for entry in edition.manifest.files:
        path = folder / entry.path
        listed[entry.path] = entry
        where = Location(str(path))
        if path.is_symlink() or not inside(path, folder):
            problems.append(
                Diagnostic(
                    where,
                    "is a symlink, or inside one; its content was not read",
                    "edition-changed",
                    "restore it from a copy of the edition",
                )
            )
            continue
        if not path.is_file():
            problems.append(
                Diagnostic(
                    where,
                    "missing from the edition",
                    "edition-missing",
                    "restore it from a copy of the edition",
                )
            )
            continue
        # The size first: a file of another size is changed, and is not read (it may be huge).
        size = path.stat().st_size
        digest = _sha256(path) if size == entry.bytes else None
        if digest != entry.sha256:
            now = f"sha256 {digest[:12]}…" if digest else "not hashed: its size differs"
            problems.append(
                Diagnostic(
                    where,
                    f"changed since the release ({size:,} bytes, {now}; the manifest says "
                    f"{entry.bytes:,} bytes, sha256 {entry.sha256[:12]}…)",
                    "edition-changed",
                    "restore it from a copy of the edition",
                )
            )
    expected = "".join(checksum_line(entry.sha256, name) for name, entry in sorted(listed.items()))
    expected += f"{_sha256(folder / MANIFEST)}  {MANIFEST}\n"
    sums = folder / CHECKSUMS
    if _plain(sums, len(expected.encode())) != expected.encode():
        problems.append(
            Diagnostic(
                Location(str(sums)),
                "missing or changed since the release",
                "edition-changed",
                "restore it from a copy of the edition",
            )
        )
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            if name not in listed:  # those listed are reported above when they lead out
                problems.append(
                    Diagnostic(
                        Location(str(path)),
                        "is a symlink: an edition holds plain files only",
                        "edition-extra",
                        "remove it: an edition is frozen",
                    )
                )
            continue
        if path.is_file() and name not in listed and name not in (MANIFEST, CHECKSUMS, SIGNATURE):
            problems.append(
                Diagnostic(
                    Location(str(path)),
                    "not part of the edition",
                    "edition-extra",
                    "remove it: an edition is frozen",
                )
            )
    signature = folder / SIGNATURE
    found.signed = signature.is_file() and not signature.is_symlink()
    if allowed_signers is not None:
        from .signing import signer

        found.signer = signer(sums, signature, allowed_signers) if found.signed else None
        if found.signer is None:
            problems.append(
                Diagnostic(
                    Location(str(signature)),
                    "not signed by an allowed signer"
                    if found.signed
                    else "not signed: there is no CHECKSUMS.sha256.sig",
                    "edition-unsigned",
                    "the edition may be forged: get it again from its publisher, or add the "
                    "publisher's key to the allowed-signers file if you trust it"
                    if found.signed
                    else "ask its publisher for an edition released with 'release --sign'",
                )
            )
    return found


def _sha256(path: Path) -> str:
    """A file's digest, read in pieces: memory stays small whatever its size."""
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()


def _plain(path: Path, size: int) -> bytes | None:
    """The bytes of a plain file of the edition of at most `size` bytes; None for anything
    else (missing, a symlink, a device, larger)."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size > size:
        return None
    return path.read_bytes()


@dataclass(frozen=True)
class Reproduction:
    edition: Edition
    differing: list[str]
    tools_then: dict[str, str]
    tools_now: dict[str, str]


def embedded_sources(edition: Edition) -> dict[str, bytes]:
    """The sources carried inside the edition's first archival PDF that carries them all (a
    students' copy of a worksheet leaves out the texts), each one checked: a plain path of
    the publication, its templates or styles, and within the size caps."""
    pub = edition.manifest.publication
    wanted = set(edition.manifest.sources)
    for entry in edition.manifest.files:
        name = entry.path
        if archival(name):
            found = _attachments(edition.folder / name, pub)
            if found and wanted <= set(found):
                return found
    raise fail(
        Location(str(edition.folder)),
        "no PDF of this edition carries its sources",
        "no-sources",
        "only editions made by 'release' can be reproduced",
    )


def _attachments(path: Path, pub: str) -> dict[str, bytes]:
    where = Location(str(path))
    if not path.is_file() or path.stat().st_size > MAX_PDF_BYTES:
        raise fail(where, "missing, or larger than any edition's PDF", "bad-source", HINT)
    found: dict[str, bytes] = {}
    total = 0
    try:
        with pikepdf.open(path) as pdf:
            attachments = pdf.attachments
            if len(attachments) > MAX_ATTACHMENTS:
                raise fail(where, f"carries more than {MAX_ATTACHMENTS:,} files", "bad-source")
            for name, spec in attachments.items():
                if not _source_name(name, pub):
                    raise fail(
                        where,
                        f"carries a file named {shortened(name)!r}, which is not a source of "
                        f"publication '{pub}'",
                        "bad-source",
                        HINT,
                    )
                data = _bounded(spec.get_file().obj, name, where)
                total += len(data)
                if total > MAX_SOURCES_BYTES:
                    raise fail(
                        where,
                        f"carries more than {MAX_SOURCES_BYTES:,} bytes of sources",
                        "bad-source",
                        HINT,
                    )
                found[name] = data
    except pikepdf.PdfError as exc:
        raise fail(where, f"is not a readable PDF ({str(exc)[:120]})", "bad-source", HINT) from None
    return found


def _source_name(name: str, pub: str) -> bool:
    """Sources are the lock, the publication's own files, and the templates and styles:
    nothing else (no output/, whose caches would be loaded as code)."""
    return is_safe_path(name) and (
        name == LOCK or name.startswith((f"content/{pub}/", "templates/", "styles/"))
    )


def _bounded(stream: pikepdf.Stream, name: str, where: Location) -> bytes:
    """An attachment's bytes, decompressed no further than the cap."""
    too_big = fail(
        where,
        f"carries {name!r} of more than {MAX_SOURCE_BYTES:,} bytes",
        "bad-source",
        HINT,
    )
    filters = stream.get("/Filter")
    if filters is None:
        data = stream.read_raw_bytes()
        if len(data) > MAX_SOURCE_BYTES:
            raise too_big
        return data
    if filters not in (pikepdf.Name.FlateDecode, pikepdf.Array([pikepdf.Name.FlateDecode])):
        raise fail(where, f"stores {name!r} in a way pressrun does not write", "bad-source", HINT)
    inflate = zlib.decompressobj()
    try:
        data = inflate.decompress(stream.read_raw_bytes(), MAX_SOURCE_BYTES + 1)
    except zlib.error:
        raise fail(where, f"carries {name!r} damaged", "bad-source", HINT) from None
    if len(data) > MAX_SOURCE_BYTES or inflate.unconsumed_tail:
        raise too_big
    return data


def reproduce(folder: Path) -> Reproduction:
    """Rebuild an edition from the sources inside it, in a temporary project; compare bytes.
    The sources are untrusted: templates render in the sandbox, content is checked as any."""
    edition = read_edition(folder)
    damage = verify(folder).problems
    if damage:
        raise PressrunError(damage)  # a damaged edition is not rebuilt: its sources may be too
    made_from = embedded_sources(edition)
    lock_where = f"{folder}/<{LOCK} inside the PDF>"
    tools_then = read_json(made_from.get(LOCK, b"{}"), LOCK_SCHEMA, lock_where, LOCK)
    with tempfile.TemporaryDirectory(prefix="pressrun-reproduce-") as temporary:
        root = Path(temporary)
        for name, data in made_from.items():
            if name == LOCK:
                continue
            path = root / name
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            except OSError as exc:  # a name both a file and a folder, too long for this disk
                raise fail(
                    Location(str(folder)),
                    f"carries a source that cannot be written here ({shortened(name)!r}: "
                    f"{exc.strerror})",
                    "bad-source",
                    HINT,
                ) from None
        pub_id, version = edition.manifest.publication, edition.manifest.version
        rebuilt = _rebuild_within_limits(Project(root), pub_id, version, folder)
        names = [entry.path for entry in edition.manifest.files] + [MANIFEST, CHECKSUMS]
        differing = [
            name
            for name in names
            if not (folder / name).is_file()
            or not (rebuilt / name).is_file()
            or (folder / name).read_bytes() != (rebuilt / name).read_bytes()
        ]
    return Reproduction(edition, differing, tools_then, tool_lock())


# What rebuilding an edition from elsewhere may use: a real edition needs a fraction of this;
# a hostile one (a template that loops or grows without end) is stopped here.
REPRODUCE_CPU_SECONDS = 900
REPRODUCE_MEMORY_BYTES = 8 * 1024**3


def _rebuild_within_limits(project: Project, pub_id: str, version: str, folder: Path) -> Path:
    """release() of the extracted sources in a child process with CPU and memory limits."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    into = project.root / "rebuilt"
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_limited) as pool:
        try:
            problems = pool.submit(_rebuild, project, pub_id, version, into).result()
        except BrokenProcessPool:
            raise fail(
                Location(str(folder)),
                f"rebuilding it needed more than {REPRODUCE_CPU_SECONDS} s of processor time "
                f"or {REPRODUCE_MEMORY_BYTES // 1024**3} GiB of memory, and was stopped",
                "reproduce-limit",
                "no real edition needs that much: this one may have been made to hang",
            ) from None
    if problems:
        raise PressrunError(problems)
    return into / pub_id / version


def _limited() -> None:
    import resource

    from .pipeline import die_with_parent

    die_with_parent(os.getppid())
    resource.setrlimit(resource.RLIMIT_CPU, (REPRODUCE_CPU_SECONDS, REPRODUCE_CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (REPRODUCE_MEMORY_BYTES, REPRODUCE_MEMORY_BYTES))


def _rebuild(project: Project, pub_id: str, version: str, into: Path) -> list[Diagnostic]:
    try:
        release(project, pub_id, version, into=into)
    except PressrunError as exc:
        return exc.diagnostics
    return []


INDEX = sandbox(jinja2.BaseLoader()).from_string("""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions</title>
<style>
body { font-family: "Noto Serif", Georgia, serif; max-width: 50rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.4; color: #111; }
h2 { margin-top: 2rem; border-bottom: 1px solid #999; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
td { padding: 0.15rem 0.5rem 0.15rem 0; vertical-align: top; }
code { font-size: 0.75rem; word-break: break-all; }
</style>
</head>
<body>
<h1>Editions</h1>
{%- for pub, editions in publications.items() %}
<h2>{{ pub }}</h2>
{%- for e in editions %}
<h3 id="{{ pub }}-{{ e.manifest.version }}">{{ e.manifest.version }}
  <small>({{ e.manifest.date }})</small></h3>
<ul>
{%- for change in e.manifest.changelog if change.version == e.manifest.version %}
{%- for lang, text in change.changes | dictsort %}
  <li>{% if lang != "*" %}[{{ lang }}] {% endif %}{{ text }}</li>
{%- endfor %}
{%- endfor %}
</ul>
<table>
{%- for f in e.manifest.files %}
<tr><td><a href="{{ pub }}/{{ e.manifest.version }}/{{ f.path }}">{{ f.path }}</a></td>
<td>{{ "{:,}".format(f.bytes) }}&nbsp;bytes</td><td><code>{{ f.sha256 }}</code></td></tr>
{%- endfor %}
</table>
{%- endfor %}
{%- endfor %}
</body>
</html>
""")


def index_html(root: Path) -> str:
    """A page listing every edition: versions, dates, changes, files and checksums."""
    publications: dict[str, list[Edition]] = {}
    for folder in all_editions(root):
        try:
            edition = read_edition(folder)
        except PressrunError:
            continue
        publications.setdefault(edition.manifest.publication, []).append(edition)
    for editions in publications.values():
        editions.sort(
            key=lambda e: tuple(int(n) for n in e.manifest.version.split(".")), reverse=True
        )
    return INDEX.render(publications=publications)


def write_index(root: Path) -> None:
    """output/editions/index.html, under the lock releases and builds take."""
    with exclusive(root.parent):
        write_atomic(root / "index.html", index_html(root).encode("utf-8"))
