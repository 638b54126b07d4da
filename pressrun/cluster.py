"""Builds on a Dask cluster: each publication and language's outputs made on a worker, from bytes.

No filesystem is shared: the client sends each publication once (its files, the templates and
styles: a bundle of bytes, scattered to the cluster), each task writes that bundle into an
empty folder of its worker, runs the same stages a local build runs (pandoc, render,
WeasyPrint) and returns the outputs' bytes (`Made`), which the client writes and records as
a local build does. Same bytes everywhere: each worker reports its environment's fingerprint
(pressrun's code, the tools' versions, the digests of the font files the styles name), and
the client refuses workers whose fingerprint differs from its own.

Dask is imported here only: a build without --cluster never loads it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, PressrunError, fail
from .model import Publication
from .project import Project, climbs

CONNECT_SECONDS = 10  # an unreachable scheduler is an error after this long
COPIES = 3  # workers that hold each publication's bundle


def fingerprint(css: str) -> dict[str, str]:
    """What must be equal on every machine for the same bytes: pressrun's code and the
    tools' versions (as the incremental digests count them), pandoc's own version, and the
    content digest of each font file that the styles' families resolve to."""
    from .depends import fonts, tools
    from .pandoc import path as pandoc_path

    found = dict(json.loads(tools()))
    version = subprocess.run(
        [str(pandoc_path()), "--version"], capture_output=True, text=True, check=False
    ).stdout.split("\n", 1)[0]
    found["pandoc"] = version
    for family, file in fonts(css).items():  # as the incremental digests count them
        found[f"font {family}"] = file
    return found


def bundle(project: Project, pub: Publication) -> dict[str, bytes]:
    """The files a worker needs for one publication, by their path in the project: its
    templates, its styles, and the publication's own files."""
    files: dict[str, bytes] = {}
    for folder in (project.templates, project.styles):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(project.root).as_posix()] = path.read_bytes()
    for path in pub.files:
        files[path.relative_to(project.root).as_posix()] = path.read_bytes()
    return files | kept(project, pub)


def kept(project: Project, pub: Publication) -> dict[str, bytes]:
    """What pandoc read here for `pub` (references, citation keys), kept by the digest of
    what it read: a worker then need not read it again (one it cannot use is made again)."""
    files = {}
    for name in pub.kept:
        path = project.output / ".cache" / name
        if path.is_file():
            files[path.relative_to(project.root).as_posix()] = path.read_bytes()
    return files


def css_of(project: Project) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(project.styles.glob("*.css")))


@contextmanager
def scratch(files: dict[str, bytes]) -> Iterator[Project]:
    """On a worker: a project holding only `files`, in a folder of the worker's own (one per
    thread), emptied before and after each task but for output/.cache, whose entries are
    known by the digest of what made them (what pandoc read, templates compiled by their
    source): a task reuses what the ones before it made, and nothing else of theirs."""
    from .render import environment

    try:
        from distributed import get_worker

        where = Path(get_worker().local_directory)
    except (ImportError, ValueError):  # not on a worker
        where = Path(tempfile.gettempdir())
    root = where / f"pressrun-{os.getpid()}-{threading.get_ident()}"
    _empty(root)
    environment.cache_clear()  # templates are read again (compiled ones kept by source)
    try:
        for relative, data in files.items():
            if climbs(relative):  # the client sends none: never write outside the folder
                raise fail(None, f"refused a file named '{relative}'", "cluster-bundle")
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield Project(root)
    finally:
        _empty(root)


def _empty(root: Path) -> None:
    """Remove everything in `root` but output/.cache."""
    for path in [*root.glob("*"), *root.glob("output/*")]:
        if path.name == "output" or path == root / "output" / ".cache":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def run_task(
    files: dict[str, bytes],
    pub_id: str,
    lang: str,
    names: list[str],
    edition: tuple[str, list[str]] | None = None,
) -> list:
    """On a worker: the outputs `names` of one publication and language, from its bundle.
    For a release, `edition` is the version and the files of the bundle it is made from
    (which its PDF/A files carry)."""
    from .load import load
    from .pipeline import make, prepare
    from .release import released
    from .typeset import Archival

    with scratch(files) as project:
        pub = load(project, pub_id)
        archival = None
        if edition is not None:
            version, sources = edition
            pub = released(pub, version)
            archival = Archival({name: files[name] for name in sources}, pub.edition.date)
        prepared = prepare(project, pub, lang, names)
        formats = project.config.formats
        made = [make(project, prepared, name, formats[name], archival) for name in names]
        return [prepared.warnings, made]


def connect(address: str):
    """A client of the scheduler at `address`; an error (exit 1) within CONNECT_SECONDS if
    it does not answer."""
    try:
        from distributed import Client
    except ImportError:
        raise fail(
            None,
            "building on a cluster needs Dask's distributed package",
            "no-dask",
            "run 'make build' (it installs it), or pip install distributed",
        ) from None
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError):
        host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
        try:
            socket.getaddrinfo(host, None)
            why = f"no Dask scheduler answers at {address} within {CONNECT_SECONDS} s"
        except OSError:
            why = f"no machine is named '{host}' (in --cluster {address})"
        raise fail(
            None,
            why,
            "cluster-unreachable",
            "start one (dask scheduler) and its workers, or check the address and port",
        ) from None


def differences(ours: dict[str, str], theirs: dict[str, str]) -> str:
    """What differs between two fingerprints, shortly ("" if nothing)."""
    found = [
        f"{key}: {theirs.get(key, 'missing')} there, {value} here"
        for key, value in sorted(ours.items())
        if theirs.get(key) != value
    ]
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return "; ".join(found[:3]) + more


def mismatch(worker: str, differ: str, allowed: bool) -> Diagnostic:
    return Diagnostic(
        None,
        f"worker {worker} differs from this machine: {differ}",
        "cluster-mismatch",
        "its outputs are built but not recorded as up to date: a build without "
        "--allow-mismatch makes them again"
        if allowed
        else "set it up with the same 'make build' (same pressrun, tools and fonts), "
        "or pass --allow-mismatch to build there anyway (the bytes may differ)",
        severity="warning" if allowed else "error",
    )


def check_workers(client, css: str, allow_mismatch: bool) -> tuple[dict, list[Diagnostic]]:
    """This machine's fingerprint, and every worker's against it: an error naming each
    worker and what differs (a warning with `allow_mismatch`)."""
    ours = fingerprint(css)
    theirs = client.run(fingerprint, css)
    if not theirs:
        raise fail(None, "the cluster has no workers", "cluster-empty", "start dask workers")
    found = [
        mismatch(worker, differ, allow_mismatch)
        for worker, their in sorted(theirs.items())
        if (differ := differences(ours, their))
    ]
    if found and not allow_mismatch:
        raise PressrunError(found)
    return ours, found


@dataclass
class Session:
    """A client of a cluster whose workers were checked, with this machine's fingerprint
    (each task checks its worker again: a worker may join after the start), or None with
    --allow-mismatch (what is built then is not recorded as up to date)."""

    client: object
    css: str
    expected: dict[str, str] | None
    next_workers: int = 0


@contextmanager
def session(address: str, css: str, allow_mismatch: bool, warn) -> Iterator[Session]:
    """A client of the cluster at `address` whose workers have been checked against this
    machine (for the fonts of `css`); closed at the end."""
    client = connect(address)
    try:
        ours, found = check_workers(client, css, allow_mismatch)
        for diagnostic in found:
            warn(diagnostic)
        yield Session(client, css, None if allow_mismatch else ours)
    finally:
        client.close()


def share(cluster: Session, files: dict[str, bytes]):
    """`files` sent to the cluster once, for every task that needs them, to COPIES workers
    at once: scattered data cannot be made again, so a worker that dies must not take the
    only copy with it (every worker would cost the network a copy each)."""
    workers = sorted(cluster.client.scheduler_info()["workers"])
    start = cluster.next_workers % max(len(workers), 1)
    chosen = (workers[start:] + workers[:start])[:COPIES]
    cluster.next_workers += 1
    # As one object with a key of its own: a dict scattered as it is would be sent value by
    # value, keyed by path, and two builds' "templates/base.html" would be one on the cluster.
    [future] = cluster.client.scatter([files], hash=False, workers=chosen, broadcast=True)
    return future


def checked(expected: dict[str, str] | None, css: str, function: Callable, *args):
    """On a worker: `function(*args)`, if this worker's fingerprint is `expected`."""
    if expected is not None:
        differ = differences(expected, _fingerprint_here(css))
        if differ:
            from distributed import get_worker

            raise PressrunError([mismatch(get_worker().address, differ, False)])
    return function(*args)


@functools.lru_cache(maxsize=4)
def _fingerprint_here(css: str) -> dict[str, str]:
    return fingerprint(css)


def results(
    cluster: Session, calls: Iterable[tuple[str, Callable, tuple]]
) -> Iterator[tuple[int, object]]:
    """Each call's result as it comes back: (its index, its result); an error raised on a
    worker is raised here. Each call is sent as soon as `calls` gives it (the workers start
    while the next publications are still being sent). A call whose worker dies runs again
    elsewhere (Dask's scheduler); the calls still running are cancelled if the caller stops."""
    from distributed import as_completed

    client = cluster.client
    futures = {}
    running = as_completed(loop=client.loop)
    try:
        for n, (label, function, args) in enumerate(calls):
            future = client.submit(
                checked,
                cluster.expected,
                cluster.css,
                function,
                *args,
                pure=False,
                key=f"pressrun-{label}-{uuid.uuid4().hex[:12]}",  # unique to this build
            )
            futures[future] = n
            running.add(future)
        for future in running:
            try:
                result = future.result()
            except CancelledError:
                raise fail(
                    None,
                    f"the cluster lost the files of task {future.key} (every worker that "
                    "held them went away)",
                    "cluster-lost",
                    "run the build again: what was built is kept",
                ) from None
            yield futures[future], result
    finally:
        client.cancel(list(futures))
