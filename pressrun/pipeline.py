"""The build: load -> text -> render -> typeset -> write, one straight line per output."""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import gc
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .check import check_sources, check_templates
from .csl import csl_file
from .depends import digest, is_current, record, record_path
from .diagnostics import Diagnostic, did_you_mean, usage
from .formats import Format
from .model import Publication
from .output import exclusive, write_atomic
from .project import Project
from .worksheet import Variant, copies

# The stages that make outputs are imported when there is one to make: a build with nothing
# to do loads no typesetter, no templates, no PDF library.
if TYPE_CHECKING:
    from .labels import Labels
    from .text import Text
    from .typeset import Archival


@dataclass(frozen=True)
class Made:
    """The files of one output: paths relative to the publication's folder, and bytes."""

    pub_id: str
    lang: str
    format: str
    files: dict[str, bytes]  # the PDF first
    seconds: float
    warnings: tuple[Diagnostic, ...] = ()  # what layout found (a note away from its call)
    listed: tuple[str, ...] = ()  # the files a build names as it writes them

    @property
    def name(self) -> str:
        return f"{self.pub_id}/{self.lang}/{self.format}"


class Report:
    """What a build tells as it goes. The CLI shows it as a progress bar or as lines."""

    def planned(self, todo: list[str], current: list[str]) -> None:
        """The outputs to build, and those already up to date."""

    def finished(self, made: Made) -> None:
        """One output was written."""

    def warn(self, diagnostic: Diagnostic) -> None:
        """A warning; raising here (--strict) stops the build before the next write."""

    def accessibility(self, findings: int) -> None:
        """How many things `check --accessibility` would list for the publications built."""


@dataclass(frozen=True)
class Task:
    """The outputs of one publication and language: one pandoc call, then each format."""

    pub_id: str
    lang: str
    digests: dict[str, str]  # format -> digest of its inputs


def build(
    project: Project,
    pub_ids: list[str] | None = None,
    langs: list[str] | None = None,
    formats: list[str] | None = None,
    report: Report | None = None,
    jobs: int | None = None,
    force: bool = False,
    cluster: str | None = None,
    allow_mismatch: bool = False,
) -> list[Made]:
    """Build the selected publications, languages and formats into output/<pub>/<lang>/.

    Everything is checked before anything is written; outputs whose inputs did not change
    are kept (unless `force`); the others build in up to `jobs` worker processes (or on the
    Dask cluster at `cluster`: see cluster.py), and each file is replaced whole.
    """
    from .accessibility import findings

    report = report or Report()
    publications = {pub.id: pub for pub in check_sources(project, pub_ids)}
    report.accessibility(sum(len(findings(pub)) for pub in publications.values()))
    all_formats = project.config.formats
    for pub in publications.values():
        for diagnostic in pub.warnings:
            report.warn(diagnostic)  # with --strict this raises before anything is written
    built = []
    with exclusive(project.output):
        tasks, current = [], []
        for pub in publications.values():
            csl = csl_file(pub)
            names = _chosen(formats, pub.formats, "format", pub)
            chosen = _chosen(langs, pub.languages + list(pub.pairs), "language", pub) + [
                # A parallel edition is built when both of its languages are asked for.
                name
                for name, two in pub.pairs.items()
                if langs and name not in langs and all(side in langs for side in two)
            ]
            # A language's folder holds its formats; a pair's (en-es) its parallel ones.
            outputs = [
                (lang, name)
                for lang in chosen
                for name in names
                if all_formats[name].pair == (lang in pub.pairs)
            ]
            if not outputs:
                raise _nothing_chosen(pub, chosen, names)
            for lang in chosen:
                digests = {}
                for name in (n for la, n in outputs if la == lang):
                    value = digest(project, pub, lang, all_formats[name], csl)
                    if not force and is_current(project.output / pub.id / lang, name, value):
                        current.append(f"{pub.id}/{lang}/{name}")
                    else:
                        digests[name] = value
                if digests:
                    tasks.append(Task(pub.id, lang, digests))
        if tasks:  # the templates of what is to be built render, before anything is written
            check_templates(
                project, list({t.pub_id: publications[t.pub_id] for t in tasks}.values())
            )
        report.planned([f"{t.pub_id}/{t.lang}/{n}" for t in tasks for n in t.digests], current)
        if cluster and tasks:
            built += _build_on_cluster(
                project, publications, tasks, report, cluster, allow_mismatch
            )
            return built
        prepared = prepare_all(project, publications, tasks)
        for diagnostic in (d for p in prepared for d in p.warnings):
            report.warn(diagnostic)  # with --strict this raises before anything is written
        for task, made in _run(project, prepared, tasks, all_formats, jobs):
            _write(project, task, made, report)
            built.append(made)
    return built


def _write(project: Project, task: Task, made: Made, report: Report, recorded=True) -> None:
    """An output's files, each replaced whole, then the digest it was made from (unless not
    `recorded`: made where the tools differ, it is made again by the next build)."""
    folder = project.output / made.pub_id
    if not recorded:
        record_path(folder / made.lang, made.format).unlink(missing_ok=True)
    for relative, data in made.files.items():
        write_atomic(folder / relative, data)
    if recorded:
        record(
            folder / made.lang,
            made.format,
            task.digests[made.format],
            {Path(f).name: len(data) for f, data in made.files.items()},
        )
    report.finished(made)
    for diagnostic in made.warnings:
        report.warn(diagnostic)


def _build_on_cluster(project, publications, tasks, report, address, allow_mismatch) -> list:
    """The tasks on the Dask cluster at `address`; their files written here as they return."""
    from .cluster import bundle, css_of, results, run_task, session, share

    built = []
    with session(address, css_of(project), allow_mismatch, report.warn) as running:
        bundles: dict[str, object] = {}

        def calls() -> Iterator[tuple]:
            for t in tasks:  # each publication sent once, before its first task
                if t.pub_id not in bundles:
                    bundles[t.pub_id] = share(running, bundle(project, publications[t.pub_id]))
                label = f"{t.pub_id}-{t.lang}"
                yield label, run_task, (bundles[t.pub_id], t.pub_id, t.lang, list(t.digests))

        for n, (warnings, made) in results(running, calls()):
            for diagnostic in warnings:
                report.warn(diagnostic)
            for one in made:
                _write(project, tasks[n], one, report, recorded=running.expected is not None)
                built.append(one)
    return built


@dataclass(frozen=True)
class Prepared:
    """What the formats of one publication and language need: a text per copy (one pandoc
    call each; a publication without exercises has one, a worksheet one per audience and
    version)."""

    pub: Publication
    labels: Labels
    texts: dict[Variant, Text]
    sides: tuple[Prepared, ...] = ()  # a parallel edition's: each language's own

    @property
    def warnings(self) -> list[Diagnostic]:
        if self.sides:
            return list(dict.fromkeys(d for side in self.sides for d in side.warnings))
        return list(dict.fromkeys(d for text in self.texts.values() for d in text.warnings))

    @property
    def lang(self) -> str:
        """The name of its output folder: a language, or a pair of them (en-es)."""
        return "-".join(side.labels.lang for side in self.sides) or self.labels.lang

    @classmethod
    def pair(cls, sides: tuple[Prepared, ...]) -> Prepared:
        return cls(sides[0].pub, sides[0].labels, sides[0].texts, sides)


def _text(project: Project, pub: Publication, lang: str, chosen: Variant) -> Text:
    from .text import text

    labels = project.config.labels(lang)
    return text(pub, lang, labels.csl_locale, labels.typography == "french", chosen)


def needed(project: Project, pub: Publication, names: list[str]) -> list[Variant]:
    """The copies (texts) the formats `names` are made of, each once."""
    formats = project.config.formats
    return list(dict.fromkeys(c for name in names for c in copies(pub, formats[name])))


def prepare(project: Project, pub: Publication, lang: str, names: list[str]) -> Prepared:
    if lang in pub.pairs:
        return Prepared.pair(tuple(prepare(project, pub, side, names) for side in pub.sides(lang)))
    texts = {c: _text(project, pub, lang, c) for c in needed(project, pub, names)}
    return Prepared(pub, project.config.labels(lang), texts)


def prepare_all(
    project: Project, publications: dict[str, Publication], tasks: list[Task]
) -> list[Prepared]:
    """The pandoc calls run side by side (they are processes) while WeasyPrint loads here."""
    if not tasks:
        return []
    from .typeset import preload

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as threads:
        futures = [
            [
                (
                    lang,
                    {
                        c: threads.submit(_text, project, publications[t.pub_id], lang, c)
                        for c in needed(project, publications[t.pub_id], list(t.digests))
                    },
                )
                for lang in publications[t.pub_id].sides(t.lang)
            ]
            for t in tasks
        ]
        preload()
        prepared = []
        for t, sides in zip(tasks, futures, strict=True):
            made = tuple(
                Prepared(
                    publications[t.pub_id],
                    project.config.labels(lang),
                    {c: future.result() for c, future in found.items()},
                )
                for lang, found in sides
            )
            prepared.append(Prepared.pair(made) if len(made) > 1 else made[0])
        return prepared


def make(
    project: Project, prepared: Prepared, name: str, fmt: Format, archival: Archival | None = None
) -> Made:
    """One output in memory: for each copy (a worksheet's versions), render, then each file of
    the format's outputs, in order."""
    from .render import render

    if fmt.pair:
        from .parallel import make_pair

        return make_pair(project, prepared, name, fmt, archival)
    started = time.perf_counter()
    pub, lang = prepared.pub, prepared.labels.lang
    if archival and pub.has_answers and fmt.audience == "students":
        archival = _without_answers(archival, pub)
    files, listed, warnings = {}, [], []
    for chosen in copies(pub, fmt):
        html = render(project, pub, prepared.texts[chosen], prepared.labels, fmt)
        named = f"{pub.id}/{lang}/{fmt.copy_name(chosen.letter)}"
        step = Step(project, pub, named, fmt, html, archival)
        for output in fmt.outputs:
            step.made[output.kind] = MAKERS[output.kind](step)
        paths = {o: f"{lang}/{fmt.file(o, chosen.letter)}" for o in fmt.outputs}
        files.update({path: step.made[o.kind] for o, path in paths.items()})
        listed += [path for o, path in paths.items() if o.listed]
        warnings += step.warnings
    seconds = time.perf_counter() - started
    return Made(pub.id, lang, name, files, seconds, tuple(warnings), tuple(listed))


def _without_answers(archival: Archival, pub: Publication) -> Archival:
    """A students' copy of a worksheet carries every source but the texts, which hold the
    answers, and the images only answers show (the teacher's copy and the answer key carry
    them all)."""
    hidden = {
        f"content/{pub.id}/{path.relative_to(pub.folder).as_posix()}" for path in pub.answer_files
    }
    kept = {path: data for path, data in archival.sources.items() if path not in hidden}
    return dataclasses.replace(archival, sources=kept)


@dataclass
class Step:
    """What the makers of one format's files share: its HTML, and the files made so far."""

    project: Project
    pub: Publication
    name: str  # pub/lang/format, as messages name the output
    fmt: Format
    html: str
    archival: Archival | None
    made: dict[str, bytes] = field(default_factory=dict)  # output kind -> bytes
    warnings: list[Diagnostic] = field(default_factory=list)


def _typeset(step: Step) -> bytes:
    from .typeset import typeset

    asker = functools.partial(_asker, step.project, step.fmt)
    return typeset(
        step.html,
        step.project.root,
        step.name,
        step.fmt.pages_multiple_of,
        step.archival,
        asker,
        step.warnings,
    )


def _impose(step: Step) -> bytes:
    from .impose import impose

    return impose(step.made["print"], step.pub.paper, step.pub.imposition)


# How each kind of output (formats.OUTPUTS) is made.
MAKERS: dict[str, Callable[[Step], bytes]] = {
    "screen": lambda step: step.html.encode("utf-8"),
    "source": lambda step: step.html.encode("utf-8"),
    "print": _typeset,
    "imposed": _impose,
}


def _asker(project: Project, fmt: Format, url: str) -> str | None:
    """The stylesheet or template of `fmt` that holds a refused address (content cannot: its
    images are inlined and checked)."""
    tail = url.rstrip("/").rsplit("/", 1)[-1][:100]
    paths = [project.styles / name for name in fmt.stylesheets] + [project.templates / fmt.template]
    for path in paths:
        if tail and tail in path.read_text(encoding="utf-8", errors="replace"):
            return project.display(path)
    return None


# What worker processes read: set by the parent just before it forks them.
_SHARED: dict = {}


def _run(
    project: Project,
    prepared: list[Prepared],
    tasks: list[Task],
    formats: dict[str, Format],
    jobs: int | None,
) -> Iterator[tuple[Task, Made]]:
    """Every output of the tasks as it is made: here, or in forked worker processes."""
    work = [(n, name) for n, task in enumerate(tasks) for name in task.digests]
    workers = min(jobs or os.cpu_count() or 1, len(work))
    if workers <= 1:
        for n, name in work:
            yield tasks[n], make(project, prepared[n], name, formats[name])
        return
    _SHARED.update(project=project, prepared=prepared, formats=formats)
    # Workers are forked: keep the collector off the objects they inherit, or it would copy
    # every page of them (copy-on-write) and spend its time on them.
    gc.freeze()
    try:
        with worker_pool(workers) as pool:
            futures = {pool.submit(_make_shared, n, name): n for n, name in work}
            try:
                for future in as_completed(futures):
                    yield tasks[futures[future]], future.result()
            finally:
                pool.shutdown(cancel_futures=True)
    finally:
        gc.unfreeze()
        _SHARED.clear()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Forked worker processes that end with this one."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


def die_with_parent(parent: int) -> None:
    """A worker ends when its build is killed, instead of waiting for work forever."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the worker ends when its queue closes
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1


def _make_shared(n: int, name: str) -> Made:
    return make(_SHARED["project"], _SHARED["prepared"][n], name, _SHARED["formats"][name])


def produce(
    project: Project,
    pub: Publication,
    lang: str,
    names: list[str],
    formats: dict[str, Format],
    warn: Callable[[Diagnostic], None],
    archival: Archival | None = None,
) -> Iterator[Made]:
    """The outputs of one language, one after another (for releases)."""
    prepared = prepare(project, pub, lang, names)
    for diagnostic in prepared.warnings:
        warn(diagnostic)
    for name in names:
        yield make(project, prepared, name, formats[name], archival)


def _nothing_chosen(pub: Publication, langs: list[str], names: list[str]):
    """Languages and formats were asked for that make no output together: a language has no
    parallel format, a parallel edition (en-es) no other."""
    pairs = ", ".join(pub.pairs) or "none here"
    return usage(
        f"{pub.id} makes no {', '.join(names)} in {', '.join(langs)}",
        "nothing-to-build",
        f"a parallel format is made for a pair of languages ({pairs}), as --lang en-es asks; "
        "the other formats for one language",
    )


def _chosen(asked: list[str] | None, available: list[str], what: str, pub: Publication):
    """The asked names this publication has (all by default); none of them is an error."""
    if not asked:
        return available
    chosen = [name for name in asked if name in available]
    if not chosen:
        raise usage(
            f"{pub.id} has no {what} {', '.join(map(repr, asked))}",
            f"unknown-{what}",
            did_you_mean(asked[0], available) or f"its {what}s: {', '.join(available)}",
        )
    return chosen
