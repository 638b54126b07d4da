"""pressrun's benchmarks: prints a table of figures (no pass/fail). Run with `make bench`.

Every build runs as a separate process (`python build.py …`), as a user would run it, in a
temporary copy of the project. Peak memory is the largest sum of the proportional set sizes
(PSS) of the build's whole process tree, sampled every 50 ms.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import footnotes  # noqa: E402
import synthetic  # noqa: E402

from pressrun.csl import csl_file  # noqa: E402
from pressrun.load import load  # noqa: E402
from pressrun.model import ListBlock, Notice, Paragraph, Quote  # noqa: E402
from pressrun.pandoc import path as pandoc_path  # noqa: E402
from pressrun.project import Project  # noqa: E402

SAMPLE = "soviet-japanese-basic-convention"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
ROWS: list[tuple[str, str, str]] = []


def row(what: str, value: str, note: str = "") -> None:
    ROWS.append((what, value, note))
    print(f"  {what:<52} {value:>14}  {note}", flush=True)


def pss_of_tree(root: int) -> int:
    """Bytes of proportional set size of a process and all its descendants."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
            with open(f"/proc/{pid}/smaps_rollup") as smaps:
                match = re.search(r"^Pss:\s+(\d+) kB", smaps.read(), re.M)
                total += int(match.group(1)) * 1024 if match else 0
        except OSError:
            pass
    return total


def timed(command: list[str], memory: bool = False) -> tuple[float, int, str]:
    """Wall seconds, peak PSS of the process tree in bytes (if `memory`: sampled every
    50 ms, which costs a little CPU), and the output of a command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while memory and process.poll() is None:
            peak = max(peak, pss_of_tree(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output = process.communicate()[0]
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode:
        raise SystemExit(f"failed: {' '.join(command)}\n{output}")
    return elapsed, peak, output


def pressrun(project: Path, *args: str) -> list[str]:
    return [PYTHON, str(ROOT / "build.py"), "--project", str(project), *args]


def copy_sample(target: Path) -> Path:
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, target / folder)
    shutil.copytree(ROOT / "content" / SAMPLE, target / "content" / SAMPLE)
    return target


def pages(pdf: Path) -> int:
    return int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout,
        ).group(1)
    )


def made_seconds(output: str) -> dict[str, float]:
    """The seconds each output took to make, from the build's lines: {pub/lang/name: s}."""
    found = {}
    for m in re.finditer(r"built output/(\S+?)(\.pdf|/index\.html)\S* .*?\(([\d.]+) s\)", output):
        name = m.group(1) + ("/web" if m.group(2) != ".pdf" else "")
        found[name] = float(m.group(3))
    return found


def bench_sample(work: Path) -> float:
    print("The sample (2 languages x handout and booklet, with 2 print files)")
    project = copy_sample(work / "sample")
    cold = []
    for _ in range(3):
        shutil.rmtree(project / "output", ignore_errors=True)
        cold.append(timed(pressrun(project, "build", "-q"))[0])
    full = statistics.median(cold)
    row("full build, cold (median of 3)", f"{full:.2f} s", "4 PDFs, 2 print files, 2 web pages")
    noop = statistics.median(timed(pressrun(project, "build", "-q"))[0] for _ in range(5))
    row("no-op rebuild (median of 5)", f"{noop:.2f} s", "goal: at most 0.50 s")
    en = project / "content" / SAMPLE / "en.yaml"
    edits = []
    variants = ["co-operative relations", "cooperative relations"]
    for n in range(3):
        text = en.read_text(encoding="utf-8")
        en.write_text(text.replace(variants[n % 2], variants[(n + 1) % 2]), encoding="utf-8")
        elapsed, _, output = timed(pressrun(project, "build"))
        rebuilt = sorted(made_seconds(output))
        edits.append(elapsed)
    row(
        "rebuild after editing one English paragraph",
        f"{statistics.median(edits):.2f} s",
        "rebuilt: " + ", ".join(name.split("/", 1)[1] for name in rebuilt),
    )
    return full


def sample_markdown(target: Path) -> Path:
    """The sample's English text as one pandoc Markdown file, for the peer."""
    project = Project(ROOT)
    pub = load(project, SAMPLE)
    article = pub.articles["en"]
    lines = [
        "---",
        f'title: "{article.title.source}"',
        "lang: en-US",
        f"bibliography: {pub.references_files[0]}",
        f"csl: {csl_file(pub)}",
        "---",
        "",
    ]
    for section in article.sections:
        if section.heading:
            lines += [f"## {section.heading.source}", ""]
        for block in section.blocks:
            match block:
                case Paragraph(text):
                    lines += [text.source, ""]
                case Notice(text) | Quote(text):
                    lines += ["> " + text.source, ""]
                case ListBlock(items):
                    lines += [f"- {item.source}" for item in items] + [""]
    lines += ["## Bibliography", ""]
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def bench_peer(work: Path, full: float) -> None:
    print("The peer: pandoc --citeproc --pdf-engine=weasyprint (same pandoc and WeasyPrint)")
    source = sample_markdown(work / "sample.md")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    started = time.perf_counter()
    for n in range(4):
        subprocess.run(
            [
                pandoc_path(),
                str(source),
                "--citeproc",
                "--pdf-engine=weasyprint",
                "-o",
                str(work / f"peer-{n}.pdf"),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
    peer = time.perf_counter() - started
    row(
        "pandoc: 4 PDFs of the English sample, one after another",
        f"{peer:.2f} s",
        f"{peer / 4:.2f} s each",
    )
    row("ratio pressrun full build / pandoc 4 PDFs", f"{full / peer:.2f}", "goal: at most 0.50")


def best_of(runs: int, command: list[str]) -> tuple[float, str]:
    """The fastest of a few runs (this machine's timings vary by 10-20% from run to run)."""
    results = [timed(command) for _ in range(runs)]
    elapsed, _, output = min(results, key=lambda result: result[0])
    return elapsed, output


def bench_large(work: Path) -> None:
    print("A synthetic publication: about 300 A5 booklet pages per language, en and es,")
    print("1,000 citations to 300 references in each language (best of 2 runs; 30 pages: of 3)")
    sizes = {}
    for size, runs in ((30, 3), (300, 2)):
        project = synthetic.make(
            work / f"large-{size}", pages=size, citations=round(1000 * size / 300)
        )
        elapsed, output = best_of(runs, pressrun(project, "build", "--force"))
        count = {
            lang: pages(project / "output" / "synthetic" / lang / "booklet.pdf")
            for lang in ("en", "es")
        }
        seconds = made_seconds(output)
        per_page = statistics.mean(
            seconds[f"synthetic/{lang}/booklet"] / count[lang] for lang in count
        )
        sizes[size] = (elapsed, count, per_page, project)
    elapsed, count, per_page, project = sizes[300]
    peak = timed(pressrun(project, "build", "--force"), memory=True)[1]
    row(
        "pressrun build, 2 workers",
        f"{elapsed:.2f} s",
        f"{count['en']} + {count['es']} pages; goal: under 15 s",
    )
    row("peak memory (PSS of all its processes)", f"{peak / 2**20:.0f} MiB", "goal: under 600 MiB")
    htmls = [project / "output" / "synthetic" / lang / "booklet.html" for lang in ("en", "es")]
    weasyprint = str(BIN / "weasyprint")
    both = [
        "bash",
        "-c",
        " & ".join(f"{weasyprint} {h} {h.with_suffix('.alone.pdf')}" for h in htmls) + " & wait",
    ]
    alone_parallel = best_of(2, both)[0]
    alone_serial = sum(
        timed([weasyprint, str(h), str(h.with_suffix(".alone.pdf"))])[0] for h in htmls
    )
    row("WeasyPrint alone, same 2 HTML files, 2 processes", f"{alone_parallel:.2f} s")
    row("WeasyPrint alone, same 2 HTML files, one after another", f"{alone_serial:.2f} s")
    row(
        "ratio pressrun / WeasyPrint alone (2 processes each)",
        f"{elapsed / alone_parallel:.2f}",
        "goal: at most 1.10",
    )
    small = sizes[30]
    row(
        "time per page at ~30 pages (layout + PDF + imposition)",
        f"{small[2] * 1000:.1f} ms",
        f"{small[1]['en']} + {small[1]['es']} pages; whole build {small[0]:.2f} s",
    )
    row(
        "time per page at ~300 pages",
        f"{per_page * 1000:.1f} ms",
        f"{per_page / small[2]:.2f} x the 30-page figure; goal: at most 1.2",
    )


def bench_libraries(work: Path) -> None:
    """check and no-op build with a whole Zotero library as the references (3 cited)."""
    import json

    import yaml

    sys.path.insert(0, str(ROOT / "tests" / "data" / "libraries"))
    from library import library

    print("\nA whole library as the references, 3 items cited (generated Zotero CSL JSON;")
    print("cold: the first check after the file changed, read by pandoc too; then kept by digest)")
    for count, kinds in ((3_000, ("json",)), (12_000, ("json", "bib", "yaml"))):
        items = library(count)
        for kind in kinds:
            project = synthetic.make(
                work / f"library-{count}-{kind}",
                pages=1,
                refs=1,
                citations=1,
                formats=("handout",),
                languages=("en",),
            )
            pub = project / "content" / "synthetic"
            (pub / "references.yaml").unlink()
            name = f"library.{kind}"
            if kind == "json":
                (pub / name).write_text(json.dumps(items, indent=2))
            elif kind == "yaml":
                (pub / name).write_text(yaml.safe_dump({"references": items}, allow_unicode=True))
            else:
                csl = work / "library.json"  # BibTeX keys are short keys, not addresses
                keyed = [
                    {k: v for k, v in item.items() if k != "citation-key"} | {"id": f"study{n}"}
                    for n, item in enumerate(items)
                ]
                csl.write_text(json.dumps(keyed))
                converted = subprocess.run(
                    [pandoc_path(), "-f", "csljson", "-t", "biblatex", str(csl)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                (pub / name).write_text(converted)
            en = pub / "en.yaml"
            first = items[0]["citation-key"] if kind != "bib" else "study0"
            en.write_text(re.sub(r"@ref0\b", f"@{first}", en.read_text()))
            meta = yaml.safe_load((pub / "publication.yaml").read_text())
            meta["references"] = name
            (pub / "publication.yaml").write_text(yaml.safe_dump(meta))
            size = f"{(pub / name).stat().st_size / 2**20:.1f} MB"
            cold = timed(pressrun(project, "check"))[0]
            warm = best_of(3, pressrun(project, "check"))[0]
            label = f"{count:,} items, {kind}"
            row(f"check, {label}, cold", f"{cold:.2f} s", size)
            row(f"check, {label}", f"{warm:.2f} s", "goal: under 1 s")
            if kind == "json":
                timed(pressrun(project, "build"))
                noop = best_of(3, pressrun(project, "build"))[0]
                row(f"no-op build, {label}", f"{noop:.2f} s", "goal: under 0.5 s")


def bench_notes() -> None:
    print("\nHandout layout time per page by notes per page (WeasyPrint's layout, processor")
    print("seconds; bench/footnotes.py has more, bench/footnotes-report.md the cause)")
    footnotes.lay_out(footnotes.document(200, 20))  # WeasyPrint loaded, fonts found
    for label, words, every in (
        ("about 1 note a page", 16000, 500),
        ("about 3 notes a page", 14000, 150),
        ("about 10 notes a page", 8000, 40),
    ):
        seconds, count = footnotes.lay_out(footnotes.document(words, every))
        row(label, f"{seconds / count * 1000:.0f} ms", f"{count} A4 pages, {words // every} notes")


def bench_class_set(work: Path) -> None:
    """A class set of 30 four-page handouts against one copy (goal: at most 3 times)."""
    print("Class sets (a four-page worksheet, a roster of 30)")
    project = work / "worksheet"
    for folder in ("templates", "styles"):
        shutil.copytree(ROOT / folder, project / folder)
    pub = project / "content" / "frontier-worksheet"
    shutil.copytree(ROOT / "content" / "frontier-worksheet", pub)
    meta = (pub / "publication.yaml").read_text(encoding="utf-8")
    meta = meta.replace("languages: [en, es]", "languages: [en]")
    meta = re.sub(r"\n  es: .*", "", meta)
    meta = meta.replace(
        "formats: [handout, booklet, teacher, answer-key, web]", "formats: [handout]"
    )
    text = (pub / "en.yaml").read_text(encoding="utf-8")
    extra = text[text.index("  - heading: Comparing") :].replace("id: comparing", "id: again")
    (pub / "en.yaml").write_text(text + extra, encoding="utf-8")
    roster = work / "class.csv"  # the test roster's 30 names, versions shared out in turn
    names = (ROOT / "tests" / "data" / "rosters" / "class-10b.csv").read_text(encoding="utf-8")
    roster.write_text(re.sub(r",(version|[AB]?)$", "", names, flags=re.M), encoding="utf-8")
    figures = {}
    for versions in (1, 2):
        (pub / "publication.yaml").write_text(
            re.sub(r"versions: \d", f"versions: {versions}", meta), encoding="utf-8"
        )
        one, sets = [], []
        for _ in range(3):
            shutil.rmtree(project / "output", ignore_errors=True)
            one.append(timed(pressrun(project, "build", "-q", "--jobs", "1"))[0])
            shutil.rmtree(project / "output", ignore_errors=True)
            sets.append(
                timed(
                    pressrun(
                        project, "class-set", "frontier-worksheet", "--roster", str(roster), "-q"
                    )
                )[0]
            )
        stamped = statistics.median(
            timed(
                pressrun(project, "class-set", "frontier-worksheet", "--roster", str(roster), "-q")
            )[0]
            for _ in range(3)
        )
        figures[versions] = statistics.median(one), statistics.median(sets), stamped
    handout = project / "output" / "frontier-worksheet" / "en" / "handout-A.pdf"
    page_count = pages(handout)
    single, _, _ = figures[1]
    row(
        "one copy: build the handout, cold (median of 3)",
        f"{single:.2f} s",
        f"{page_count} pages, one version",
    )
    for versions, (_, whole, stamped) in figures.items():
        row(
            f"class set of 30, {versions} version(s), cold",
            f"{whole:.2f} s",
            f"{whole / single:.2f} x one copy (goal: at most 3)",
        )
        row(
            f"class set of 30, {versions} version(s), copies built",
            f"{stamped:.2f} s",
            "names typeset and stamped only",
        )


def bench_tagging(work: Path) -> None:
    """Typesetting (layout, PDF, post-processing) with and without the PDF/UA structure tree,
    in this process, on the HTML the build wrote: the sample's four PDFs and the synthetic
    300-page booklets (bench_large made them)."""
    from pressrun.typeset import typeset

    print("\nTagged PDF/UA-1 against untagged (typesetting only, best of 2; same HTML)")
    cases = {
        "the sample: handout and booklet, en and es": (
            work / "sample",
            [f"{lang}/{fmt}.html" for lang in ("en", "es") for fmt in ("handout", "booklet")],
            SAMPLE,
        ),
        "the synthetic publication: booklets en and es": (
            work / "large-300",
            ["en/booklet.html", "es/booklet.html"],
            "synthetic",
        ),
    }
    for what, (project, names, pub) in cases.items():
        htmls = [(project / "output" / pub / n).read_text(encoding="utf-8") for n in names]
        figures = {}
        for tagged in (False, True):
            best, size = float("inf"), 0
            for _ in range(2):
                started = time.perf_counter()
                size = sum(
                    len(typeset(h, project, f"{pub}/{n}", 4, tagged=tagged))
                    for h, n in zip(htmls, names, strict=True)
                )
                best = min(best, time.perf_counter() - started)
            figures[tagged] = (best, size)
        (plain, plain_size), (tagged_time, tagged_size) = figures[False], figures[True]
        row(f"{what}: untagged", f"{plain:.2f} s", f"{plain_size / 1024:.0f} KiB")
        row(
            f"{what}: tagged",
            f"{tagged_time:.2f} s",
            f"{tagged_size / 1024:.0f} KiB; time +{(tagged_time / plain - 1) * 100:.0f} % "
            f"(goal 15), size +{(tagged_size / plain_size - 1) * 100:.0f} % (goal 50)",
        )


def bench_parallel(work: Path) -> None:
    """The parallel edition against the two booklets it is made of: build time (each alone,
    one process, forced), pages, and the layout passes alignment took."""
    from pressrun.parallel import render_pair, typeset_pair
    from pressrun.pipeline import prepare

    print("\nParallel edition (en | es facing pages) against the two booklets, one process")
    cases = {"the sample": copy_sample(work / "parallel-sample")}
    for size in (30, 150):
        cases[f"synthetic, about {size} pages a language"] = synthetic.make(
            work / f"parallel-{size}",
            pages=size,
            citations=round(1000 * size / 300),
            formats=("booklet", "parallel"),
        )
    for what, project in cases.items():
        pub_id = next(p.name for p in (project / "content").iterdir())
        folder = project / "output" / pub_id
        booklets = best_of(
            2, pressrun(project, "build", "--format", "booklet", "--jobs", "1", "--force")
        )[0]
        parallel = best_of(2, pressrun(project, "build", "--format", "parallel", "--force"))[0]
        two = sum(pages(folder / lang / "booklet.pdf") for lang in ("en", "es"))
        facing = pages(folder / "en-es" / "parallel.pdf")
        proj = Project(project)
        pub = load(proj, pub_id)
        prepared = prepare(proj, pub, "en-es", ["parallel"])
        fmt = proj.config.formats["parallel"]
        sides = [(side.labels, next(iter(side.texts.values()))) for side in prepared.sides]
        htmls, units, _ = render_pair(proj, pub, sides, fmt)
        passes = typeset_pair(
            htmls, ("en", "es"), units, project, "bench", None, lambda url: None, []
        )[1]
        row(f"{what}: two booklets", f"{booklets:.2f} s", f"{two} pages")
        row(
            f"{what}: parallel edition",
            f"{parallel:.2f} s",
            f"{facing} pages ({facing / two:.2f} x, goal at most 1.15); {passes} layout passes; "
            f"time {parallel / booklets:.2f} x",
        )


def district_roster(path: Path, students: int) -> Path:
    """A roster of `students` names (Latin, accented, Japanese) in classes of 30."""
    given = ["Ana", "Luis", "María José", "Kenji", "Yuki", "Olga", "Björn", "Chloé", "佐藤"]
    family = ["García", "Tanaka", "Ivanova", "López", "Müller", "Nakamura", "O'Neil", "花子"]
    lines = ["name,class"] + [
        f"{given[n % len(given)]} {family[n // 7 % len(family)]},{7 + n // 400}"
        f"{'ABCDEFGHIJKLMN'[n // 30 % 14]}"
        for n in range(students)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bench_cluster(work: Path, count: int = 200, students: int = 2000) -> None:
    """A catalog of `count` small publications x 2 languages x 3 formats built locally with
    --jobs 2, then on a local Dask cluster of 2 single-threaded worker processes: the
    cluster's overhead as a ratio, and outputs per second. Then a class set of `students`
    (the four-page worksheet of bench_class_set, its copies built) both ways: time per copy."""
    import distributed

    print(f"\nA catalog of {count} small publications x 2 languages x 3 formats")
    root = work / f"catalog-{count}"
    for n in range(count):
        synthetic.make(
            root,
            pages=2,
            refs=5,
            citations=5,
            formats=("handout", "booklet", "web"),
            pub_id=f"title-{n:03d}",
        )
    outputs = count * 2 * 3
    local = timed(pressrun(root, "build", "--force", "--jobs", "2", "--quiet"))[0]
    worksheet = work / "worksheet"
    roster = district_roster(work / "district.csv", students)
    class_set = ["class-set", "frontier-worksheet", "--roster", str(roster), "-q"]
    timed(pressrun(worksheet, "build", "-q"))  # the copies: only the names are measured
    set_here = timed(pressrun(worksheet, *class_set, "--jobs", "2"))[0]
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        local_directory=str(work / "workers"),
    ) as cluster:
        address = cluster.scheduler_address
        on_cluster = timed(pressrun(root, "build", "--force", "--quiet", "--cluster", address))[0]
        set_there = timed(pressrun(worksheet, *class_set, "--cluster", address))[0]
    row("locally, --jobs 2", f"{local:.1f} s", f"{outputs / local:.1f} outputs/s")
    row(
        "local cluster, 2 workers x 1 thread",
        f"{on_cluster:.1f} s",
        f"{outputs / on_cluster:.1f} outputs/s; ratio {on_cluster / local:.2f} (goal at most 1.15)",
    )
    copies = pages(worksheet / "output" / "frontier-worksheet" / "en" / "handout-district.pdf")
    print(f"\nA class set of {students} students ({copies} pages), copies built")
    row("locally, --jobs 2", f"{set_here:.1f} s", f"{set_here / students * 1000:.1f} ms a copy")
    row(
        "local cluster, 2 workers x 1 thread",
        f"{set_there:.1f} s",
        f"{set_there / students * 1000:.1f} ms a copy; ratio {set_there / set_here:.2f}",
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pressrun-bench-") as temporary:
        work = Path(temporary)
        print(f"pressrun benchmarks on {os.cpu_count()} cores (wall-clock seconds)\n")
        full = bench_sample(work)
        bench_peer(work, full)
        bench_large(work)
        bench_tagging(work)
        bench_libraries(work)
        bench_notes()
        bench_class_set(work)
        bench_parallel(work)
        bench_cluster(work)


if __name__ == "__main__":
    main()
